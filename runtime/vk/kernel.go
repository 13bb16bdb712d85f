package vk

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/ocgan-vk/ocgan/shaders/spirv"
	"github.com/vulkan-go/vulkan"
)

// Access says how a shader uses a storage buffer binding; it decides barriers.
type Access uint8

// Buffer access kinds, the same bits as spirv.Access (the interface check
// compares them).
const (
	Read      Access = Access(spirv.Read)
	Write     Access = Access(spirv.Write)
	ReadWrite Access = Read | Write
)

// KernelSpec describes one compute shader and its interface. NewKernel checks
// the interface against the SPIR-V (see checkInterface) and refuses a
// mismatch with an *InterfaceError.
type KernelSpec struct {
	Name string
	// Family names the shader family in errors: Name without a tier suffix
	// ("reduce_group" for "reduce_group_basic"); empty means Name.
	Family string
	SPIRV  []byte // a SPIR-V module with a "main" compute entry point
	// Bindings lists the storage buffers at set 0, binding i, with how the
	// shader uses each: exactly the module's bindings and their access.
	Bindings []Access
	// PushWords is the size of the push-constant block in 32-bit words:
	// exactly the end of the module's block over 4.
	PushWords int
	// Spec gives specialization constants: constant_id i takes Spec[i]
	// (32-bit values), for exactly the ids the module declares.
	Spec []uint32
	// FullSubgroups requires every subgroup to run with all its lanes active
	// (VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT), for shaders
	// that shuffle or broadcast across whole subgroups. The device must have
	// Subgroup.FullSubgroups, and LocalSizeX, the workgroup's x size, must be a
	// multiple of the subgroup size.
	FullSubgroups bool
	LocalSizeX    uint32
}

// family is the shader family for errors.
func (s KernelSpec) family() string {
	if s.Family != "" {
		return s.Family
	}
	return s.Name
}

// requireFullSubgroupsBit is VK_PIPELINE_SHADER_STAGE_CREATE_REQUIRE_FULL_SUBGROUPS_BIT.
const requireFullSubgroupsBit = 2

// Kernel is a compute pipeline ready to dispatch.
type Kernel struct {
	ctx       *Context
	name      string
	family    string
	bindings  []Access
	pushWords int
	module    vulkan.ShaderModule
	setLayout vulkan.DescriptorSetLayout
	layout    vulkan.PipelineLayout
	pipeline  vulkan.Pipeline
	sets      map[setKey]vulkan.DescriptorSet
}

// setKey identifies a descriptor set by the buffer ranges it binds.
type setKey struct {
	n      int
	ranges [maxBindings]bufRange
}

type bufRange struct {
	blk       *block
	off, size uint64
}

// maxBindings bounds storage buffers per kernel in this package (the shim's
// arrays); the device's maxPerStageDescriptorStorageBuffers is checked when a
// kernel is built.
const maxBindings = C.OCGAN_VK_MAX_BINDINGS

// Name is the kernel's name, used in timings and errors.
func (k *Kernel) Name() string { return k.name }

// decodeSPIRV checks the SPIR-V header and converts bytes to words.
func decodeSPIRV(name string, code []byte) ([]uint32, error) {
	words, err := spirv.Decode(code)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", name, err)
	}
	return words, nil
}

// NewKernel builds the pipeline for spec, through the pipeline cache.
func (c *Context) NewKernel(spec KernelSpec) (*Kernel, error) {
	if len(spec.Bindings) == 0 || len(spec.Bindings) > maxBindings {
		return nil, fmt.Errorf("kernel %s: %d bindings; want 1..%d", spec.Name, len(spec.Bindings), maxBindings)
	}
	words, err := decodeSPIRV(spec.Name, spec.SPIRV)
	if err != nil {
		return nil, err
	}
	mod, err := spirv.Parse(words)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	if err := checkInterface(spec, mod); err != nil {
		return nil, err
	}
	need, err := mod.Needs(spec.Spec)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	if err := checkKernelLimits(spec.Name, spec.family(), c.info.Compute, len(spec.Bindings), 4*spec.PushWords, need); err != nil {
		return nil, err
	}
	if err := checkCapabilities(spec.Name, spec.family(), mod.Capabilities(), c.info); err != nil {
		return nil, err
	}
	flags, err := stageFlags(spec, c.info)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errClosed
	}
	k := &Kernel{ctx: c, name: spec.Name, family: spec.family(), bindings: append([]Access(nil), spec.Bindings...), pushWords: spec.PushWords,
		sets: map[setKey]vulkan.DescriptorSet{}}
	if err := k.build(words, spec.Spec, flags); err != nil {
		k.destroy()
		return nil, fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	c.kernels = append(c.kernels, k)
	c.stats.Pipelines++
	return k, nil
}

// stageFlags returns the shader stage create flags spec asks for, checking that
// the device and the workgroup size allow them.
func stageFlags(spec KernelSpec, info DeviceInfo) (uint32, error) {
	if !spec.FullSubgroups {
		return 0, nil
	}
	sg := info.Subgroup
	if !sg.FullSubgroups {
		return 0, fmt.Errorf("kernel %s: needs full subgroups, which %s does not offer (computeFullSubgroups of %s)",
			spec.Name, info.Name, sizeControlExt)
	}
	if sg.Size == 0 || spec.LocalSizeX == 0 || spec.LocalSizeX%sg.Size != 0 {
		return 0, fmt.Errorf("kernel %s: full subgroups need a workgroup x size that is a multiple of the subgroup size %d; it is %d",
			spec.Name, sg.Size, spec.LocalSizeX)
	}
	return requireFullSubgroupsBit, nil
}

func (k *Kernel) build(words []uint32, spec []uint32, flags uint32) error {
	c := k.ctx
	var specPtr *C.uint32_t
	if len(spec) > 0 {
		specPtr = (*C.uint32_t)(unsafe.Pointer(&spec[0]))
	}
	var out [4]unsafe.Pointer
	var st C.ocgan_vk_status
	C.ocgan_vk_create_kernel(c.cmds, unsafe.Pointer(c.device), handle64(unsafe.Pointer(c.cache.handle())),
		(*C.uint32_t)(unsafe.Pointer(&words[0])), C.size_t(4*len(words)), C.uint32_t(len(k.bindings)),
		C.uint32_t(4*k.pushWords), specPtr, C.uint32_t(len(spec)), C.uint32_t(flags), &out[0], &st)
	k.module = vulkan.ShaderModule(out[0])
	k.setLayout = vulkan.DescriptorSetLayout(out[1])
	k.layout = vulkan.PipelineLayout(out[2])
	k.pipeline = vulkan.Pipeline(out[3])
	return shimStatus(&st)
}

func (k *Kernel) destroy() {
	d := k.ctx.device
	if k.pipeline != nil {
		vulkan.DestroyPipeline(d, k.pipeline, nil)
	}
	if k.layout != nil {
		vulkan.DestroyPipelineLayout(d, k.layout, nil)
	}
	if k.setLayout != nil {
		vulkan.DestroyDescriptorSetLayout(d, k.setLayout, nil)
	}
	if k.module != nil {
		vulkan.DestroyShaderModule(d, k.module, nil)
	}
	k.pipeline, k.layout, k.setLayout, k.module = nil, nil, nil, nil
}

// descriptorSet returns a set binding bufs, writing a new one on first use.
func (k *Kernel) descriptorSet(bufs []*Buffer) (vulkan.DescriptorSet, error) {
	key := setKey{n: len(bufs)}
	for i, b := range bufs {
		key.ranges[i] = bufRange{b.blk, b.off, b.size}
	}
	c := k.ctx
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := k.sets[key]; ok {
		return s, nil
	}
	set, err := c.allocateSet(k.setLayout)
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", k.name, err)
	}
	var hs, offs, ranges [maxBindings]C.uint64_t
	for i, b := range bufs {
		hs[i] = handle64(unsafe.Pointer(b.blk.buf))
		offs[i], ranges[i] = C.uint64_t(b.off), C.uint64_t(b.size)
	}
	var st C.ocgan_vk_status
	C.ocgan_vk_write_set(c.cmds, unsafe.Pointer(c.device), handle64(unsafe.Pointer(set)), C.uint32_t(len(bufs)),
		&hs[0], &offs[0], &ranges[0], &st)
	if err := shimStatus(&st); err != nil {
		return nil, fmt.Errorf("kernel %s: writing its descriptor set: %w", k.name, err)
	}
	k.sets[key] = set
	return set, nil
}

// setsPerPool is how many descriptor sets one pool holds; pools are added as needed.
const setsPerPool = 512

// allocateSet takes a descriptor set from the newest pool, adding a pool when it is full.
// Callers hold c.mu.
func (c *Context) allocateSet(layout vulkan.DescriptorSetLayout) (vulkan.DescriptorSet, error) {
	for attempt := 0; attempt < 2; attempt++ {
		if n := len(c.descPools); n > 0 {
			var set unsafe.Pointer
			r := vulkan.Result(C.ocgan_vk_alloc_set(c.cmds, unsafe.Pointer(c.device), handle64(unsafe.Pointer(c.descPools[n-1])),
				handle64(unsafe.Pointer(layout)), &set))
			if r == vulkan.Success {
				return vulkan.DescriptorSet(set), nil
			}
			if r != vulkan.ErrorOutOfPoolMemory && r != vulkan.ErrorFragmentedPool {
				return nil, check(r, "vkAllocateDescriptorSets")
			}
		}
		var pool unsafe.Pointer
		r := vulkan.Result(C.ocgan_vk_create_pool(c.cmds, unsafe.Pointer(c.device), setsPerPool, setsPerPool*maxBindings, &pool))
		if err := check(r, "vkCreateDescriptorPool"); err != nil {
			return nil, err
		}
		c.descPools = append(c.descPools, vulkan.DescriptorPool(pool))
	}
	return nil, fmt.Errorf("allocating a descriptor set failed even from a new pool")
}
