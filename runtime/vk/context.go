package vk

/*
#include <stdlib.h>
#include "shim.h"

// The shim keeps no pointer it is given and never calls Go: the status of a
// submission stays on the Go stack (a replay allocates nothing).
#cgo noescape ocgan_vk_submit_wait
#cgo nocallback ocgan_vk_submit_wait
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/vulkan-go/vulkan"
)

var errClosed = errors.New("vulkan context is closed")

// ValidationError carries the messages the validation layer reported.
type ValidationError struct{ Messages []string }

func (e *ValidationError) Error() string {
	return fmt.Sprintf("vulkan validation reported %d message(s):\n%s", len(e.Messages), strings.Join(e.Messages, "\n"))
}

// Stats counts what a Context has allocated.
type Stats struct {
	Blocks     int    // vkAllocateMemory calls alive
	BlockBytes uint64 // bytes in those blocks
	Buffers    int    // live sub-allocated buffers
	Pipelines  int
	Submits    int
}

// Context is an open Vulkan device with its queue, memory arenas and pipeline cache.
// Its methods may be called from several goroutines; a Sequence may not.
type Context struct {
	mu     sync.Mutex // guards the arenas, descriptor pools, stats and queue
	closed bool

	in     *instance
	phys   physicalDevice
	info   DeviceInfo
	device vulkan.Device
	queue  vulkan.Queue
	pool   vulkan.CommandPool
	cmds   *C.ocgan_vk_cmds
	chain  unsafe.Pointer // feature pNext chain given to vkCreateDevice

	align    uint64
	mapped   bool   // unified memory: storage buffers are mapped, no staging
	storage  *arena // tensors
	staging  *arena // host-visible bounce buffers (staging path only)
	stage    *block // the staging block used by transfer
	xferCmd  vulkan.CommandBuffer
	xferDone vulkan.Fence

	heapUsed  []uint64
	descPools []vulkan.DescriptorPool
	cache     *pipelineCache
	kernels   []*Kernel
	seqs      map[*Sequence]struct{}
	fp16      bool
	stats     Stats

	timeout       time.Duration  // the limit of every wait for a submission
	maxDispatches int            // dispatches per submission of new sequences; 0: no split
	broken        error          // the device loss or timeout that ended this context's work
	pending       []vulkan.Fence // fences of timed-out submissions, possibly still in flight
	stuck         bool           // a further wait for them ran out too: they are never waited for again
	loseAfter     int            // SimulateDeviceLoss: waits left before the simulated loss; <0: none
}

// Open creates a Context on the device cfg selects.
func Open(cfg Config) (*Context, error) {
	timeout, err := cfg.timeout()
	if err != nil {
		return nil, err
	}
	maxDispatches, err := cfg.maxDispatches()
	if err != nil {
		return nil, err
	}
	in, err := newInstance(cfg)
	if err != nil {
		return nil, err
	}
	pds, err := in.enumerate()
	if err == nil {
		err = lowerLimits(pds, cfg)
	}
	if err != nil {
		in.destroy()
		return nil, err
	}
	infos := make([]DeviceInfo, len(pds))
	for i := range pds {
		infos[i] = pds[i].info
	}
	idx, err := pickDevice(infos, cfg.deviceSelector())
	if err != nil {
		in.destroy()
		return nil, err
	}
	c := &Context{in: in, phys: pds[idx], info: pds[idx].info, seqs: map[*Sequence]struct{}{},
		timeout: timeout, maxDispatches: maxDispatches, loseAfter: -1}
	if err := c.init(cfg); err != nil {
		c.Close()
		return nil, fmt.Errorf("opening %s: %w", c.info.Name, err)
	}
	return c, nil
}

func (c *Context) init(cfg Config) error {
	info := c.info
	c.fp16 = info.Float16 && !cfg.DisableFP16 && os.Getenv("OCGAN_VK_FP16") != "off"
	var exts []string
	if c.fp16 && c.phys.f16Ext {
		exts = append(exts, "VK_KHR_shader_float16_int8")
	}
	if info.Subgroup.FullSubgroups {
		exts = append(exts, sizeControlExt)
	}
	c.chain = C.ocgan_vk_feature_chain(cBool(info.Storage16), cBool(info.PushConstant16), cBool(c.fp16),
		cBool(info.Subgroup.FullSubgroups))
	if c.chain == nil {
		return errors.New("allocating the device feature chain: out of memory")
	}
	extNames := packNames(exts)
	defer C.free(unsafe.Pointer(extNames))
	var dev unsafe.Pointer
	var st C.ocgan_vk_status
	C.ocgan_vk_create_device(c.in.gipa, unsafe.Pointer(c.in.handle), unsafe.Pointer(c.phys.handle),
		C.uint32_t(c.phys.queueIndex), extNames, C.uint32_t(len(exts)), c.chain, &dev, &st)
	if err := shimStatus(&st); err != nil {
		return err
	}
	c.device = vulkan.Device(dev)
	var q vulkan.Queue
	vulkan.GetDeviceQueue(c.device, c.phys.queueIndex, 0, &q)
	c.queue = q
	c.cmds = C.ocgan_vk_cmds_new(c.in.gipa, unsafe.Pointer(c.in.handle), dev)
	if c.cmds == nil {
		return errors.New("resolving device command functions with vkGetDeviceProcAddr failed")
	}
	pinfo := vulkan.CommandPoolCreateInfo{
		SType:            vulkan.StructureTypeCommandPoolCreateInfo,
		Flags:            vulkan.CommandPoolCreateFlags(vulkan.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: c.phys.queueIndex,
	}
	var pool vulkan.CommandPool
	r := vulkan.CreateCommandPool(c.device, &pinfo, nil, &pool)
	pinfo.Free()
	if err := check(r, "vkCreateCommandPool"); err != nil {
		return err
	}
	c.pool = pool

	c.align = minBufferAlign
	if a := info.Compute.MinStorageBufferAlign; a > c.align {
		c.align = a
	}
	c.heapUsed = make([]uint64, len(info.Heaps))
	c.mapped = info.UnifiedMemory && !cfg.ForceStaging
	if c.mapped {
		c.storage = &arena{ctx: c, name: "storage", flags: unifiedFlags, mapped: true, blockSize: defaultBlockSize}
	} else {
		c.storage = &arena{ctx: c, name: "storage", flags: deviceFlags, blockSize: defaultBlockSize}
		c.staging = &arena{ctx: c, name: "staging", flags: stagingFlags, mapped: true, blockSize: stagingSize}
	}
	c.cache = openPipelineCache(c, cfg.PipelineCacheDir)
	return nil
}

// Info describes the device this context runs on.
func (c *Context) Info() DeviceInfo { return c.info }

// Unified reports whether buffers are host-mapped device memory (no staging copies).
func (c *Context) Unified() bool { return c.mapped }

// FP16 reports whether shaderFloat16 was enabled on this device.
func (c *Context) FP16() bool { return c.fp16 }

// Validating reports whether the validation layer is on.
func (c *Context) Validating() bool { return c.in.validating }

// LoaderName is the Vulkan loader library in use.
func (c *Context) LoaderName() string { return c.in.loaderName }

// Stats returns allocation and submission counters.
func (c *Context) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// CheckValidation returns a *ValidationError holding the validation messages
// reported since the last call, or nil when there were none.
func (c *Context) CheckValidation() error {
	if msgs := c.in.drainMessages(); len(msgs) > 0 {
		return &ValidationError{Messages: msgs}
	}
	return nil
}

// Close waits for the device, saves the pipeline cache and frees everything.
// It returns any validation messages not yet collected.
func (c *Context) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	var errs []error
	if c.device != nil && !c.quiet() {
		// Freeing what the device may still use is undefined behaviour: leave
		// the device and its memory to the driver's clean-up at exit.
		c.closed = true
		c.mu.Unlock()
		return fmt.Errorf("closing %s: work that timed out is still running after a further %s; the device was not freed", c.info.Name, c.timeout)
	}
	if c.device != nil {
		vulkan.DeviceWaitIdle(c.device)
		for s := range c.seqs {
			s.freeLocked()
		}
		if c.cache != nil {
			if err := c.cache.save(); err != nil {
				errs = append(errs, err)
			}
			c.cache.destroy()
		}
		for _, k := range c.kernels {
			k.destroy()
		}
		for _, p := range c.descPools {
			vulkan.DestroyDescriptorPool(c.device, p, nil)
		}
		if c.xferDone != nil {
			vulkan.DestroyFence(c.device, c.xferDone, nil)
		}
		if c.storage != nil {
			c.storage.destroy()
		}
		if c.staging != nil {
			c.staging.destroy()
		}
		if c.pool != nil {
			vulkan.DestroyCommandPool(c.device, c.pool, nil)
		}
		vulkan.DestroyDevice(c.device, nil)
		c.device = nil
	}
	c.closed = true
	c.mu.Unlock()
	if c.cmds != nil {
		C.ocgan_vk_cmds_free(c.cmds)
		c.cmds = nil
	}
	if c.chain != nil {
		C.ocgan_vk_free(c.chain)
		c.chain = nil
	}
	if err := c.CheckValidation(); err != nil {
		errs = append(errs, err)
	}
	c.in.destroy()
	return errors.Join(errs...)
}

// newFence creates an unsignalled fence.
func (c *Context) newFence() (vulkan.Fence, error) {
	info := vulkan.FenceCreateInfo{SType: vulkan.StructureTypeFenceCreateInfo}
	var f vulkan.Fence
	r := vulkan.CreateFence(c.device, &info, nil, &f)
	info.Free()
	return f, check(r, "vkCreateFence")
}

// newCommandBuffer allocates a primary command buffer from the context's pool.
func (c *Context) newCommandBuffer() (vulkan.CommandBuffer, error) {
	info := vulkan.CommandBufferAllocateInfo{
		SType:              vulkan.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        c.pool,
		Level:              vulkan.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	cmds := make([]vulkan.CommandBuffer, 1)
	r := vulkan.AllocateCommandBuffers(c.device, &info, cmds)
	info.Free()
	return cmds[0], check(r, "vkAllocateCommandBuffers")
}

// submitAndWait submits cmd, waits on fence at most the context's timeout and
// resets it, through the shim (the binding's wrappers allocate on every call).
// work describes the submission for errors. After a timeout or a device loss
// it returns, then and on every later call, a *TimeoutError or an error
// wrapping ErrDeviceLost. Callers hold c.mu.
func (c *Context) submitAndWait(cmd vulkan.CommandBuffer, fence vulkan.Fence, work func() string) error {
	if c.broken != nil {
		return c.broken
	}
	var st C.ocgan_vk_status
	C.ocgan_vk_submit_wait(c.cmds, unsafe.Pointer(c.queue), unsafe.Pointer(c.device), unsafe.Pointer(cmd),
		handle64(unsafe.Pointer(fence)), C.uint64_t(c.timeout.Nanoseconds()), &st)
	if st.step != C.OCGAN_VK_STEP_SUBMIT {
		c.stats.Submits++
	}
	if st.step == C.OCGAN_VK_STEP_NONE && c.loseAfter >= 0 {
		if c.loseAfter == 0 {
			st.step, st.result = C.OCGAN_VK_STEP_WAIT, C.int32_t(vulkan.ErrorDeviceLost)
		}
		c.loseAfter--
	}
	switch r := vulkan.Result(st.result); {
	case st.step == C.OCGAN_VK_STEP_WAIT && r == vulkan.Timeout:
		c.pending = append(c.pending, fence)
		c.broken = &TimeoutError{Work: work(), Timeout: c.timeout}
		return c.broken
	case r == vulkan.ErrorDeviceLost:
		c.broken = fmt.Errorf("%s: %w", work(), ErrDeviceLost)
		return c.broken
	}
	return shimStatus(&st)
}

// Err returns the device loss or timeout that ended this context's work (an
// error wrapping ErrDeviceLost, or a *TimeoutError), or nil while it works.
func (c *Context) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken
}

// SimulateDeviceLoss makes the wait of the submission after the next n ones
// report VK_ERROR_DEVICE_LOST, as a driver does when a GPU fault or a watchdog
// ends the work; the work itself completes. It exists for tests of what
// callers do when a device is lost mid-run.
func (c *Context) SimulateDeviceLoss(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.loseAfter = n
}

// quiet reports whether the device no longer runs work that timed out: it
// waits for each such submission at most the timeout again, once (after that
// it reports false at once). What the device may still use must not be freed
// while it reports false. Callers hold c.mu.
func (c *Context) quiet() bool {
	for len(c.pending) > 0 {
		if c.stuck {
			return false
		}
		r := vulkan.Result(C.ocgan_vk_wait(c.cmds, unsafe.Pointer(c.device), handle64(unsafe.Pointer(c.pending[0])),
			C.uint64_t(c.timeout.Nanoseconds())))
		if r == vulkan.Timeout {
			c.stuck = true
			return false
		}
		c.pending = c.pending[1:]
	}
	return true
}
