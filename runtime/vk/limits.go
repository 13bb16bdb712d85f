package vk

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/shaders/spirv"
)

// LimitsEnv lowers the device limits the runtime works within, to test on a
// device with less: "min" (the Vulkan minimums) and/or comma-separated
// name=value pairs (see ParseLimits).
const LimitsEnv = "OCGAN_VK_LIMITS"

// Limit names, as Vulkan's VkPhysicalDeviceLimits spells them.
const (
	LimitInvocations    = "maxComputeWorkGroupInvocations"
	LimitWorkGroupSize  = "maxComputeWorkGroupSize"
	LimitWorkGroupCount = "maxComputeWorkGroupCount"
	LimitSharedMemory   = "maxComputeSharedMemorySize"
	LimitStorageBuffers = "maxPerStageDescriptorStorageBuffers"
	LimitPushConstants  = "maxPushConstantsSize"
	LimitStorageRange   = "maxStorageBufferRange"
)

// LimitError is a kernel or dispatch that needs more than a device limit allows.
type LimitError struct {
	Kernel string // the shader, as built
	Family string // the shader family: Kernel without its tier suffix
	Limit  string // one of the Limit* names, with "[i]" for a dimension
	Device uint64 // the device's value (as lowered by OCGAN_VK_LIMITS)
	Need   uint64 // the kernel's value
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("kernel %s needs %s = %d; the device allows %d", e.Kernel, e.Limit, e.Need, e.Device)
}

// minLimits are the limits every Vulkan device has at least ("min").
var minLimits = LimitOverrides{
	LimitInvocations:         128,
	LimitSharedMemory:        16384,
	LimitStorageBuffers:      4,
	LimitPushConstants:       128,
	LimitStorageRange:        1 << 27,
	LimitWorkGroupCount:      65535,
	LimitWorkGroupSize + "x": 128,
	LimitWorkGroupSize + "y": 128,
	LimitWorkGroupSize + "z": 64,
}

// LimitOverrides maps limit names (Limit*, with an "x", "y" or "z" suffix for
// LimitWorkGroupSize) to the values to use instead of the device's.
type LimitOverrides map[string]uint64

// limitKeys are the names ParseLimits accepts, with the limit each sets.
var limitKeys = map[string][]string{
	"invocations": {LimitInvocations},
	"size":        {LimitWorkGroupSize + "x", LimitWorkGroupSize + "y", LimitWorkGroupSize + "z"},
	"size-x":      {LimitWorkGroupSize + "x"},
	"size-y":      {LimitWorkGroupSize + "y"},
	"size-z":      {LimitWorkGroupSize + "z"},
	"count":       {LimitWorkGroupCount},
	"shared":      {LimitSharedMemory},
	"storage":     {LimitStorageBuffers},
	"push":        {LimitPushConstants},
	"range":       {LimitStorageRange},
}

// ParseLimits reads an OCGAN_VK_LIMITS value: "min" sets every limit to the
// Vulkan minimum, "invocations=N", "size=N" (all three dimensions),
// "size-x=N" (y, z), "count=N" (every dimension), "shared=BYTES",
// "storage=N", "push=BYTES" and "range=BYTES" set one, later items winning.
// An empty value lowers nothing.
func ParseLimits(s string) (LimitOverrides, error) {
	out := LimitOverrides{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "min" {
			for k, v := range minLimits {
				out[k] = v
			}
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q is neither \"min\" nor name=value (names: %s)", LimitsEnv, item, limitKeyList())
		}
		names, known := limitKeys[strings.TrimSpace(key)]
		if !known {
			return nil, fmt.Errorf("%s: unknown limit %q (names: %s)", LimitsEnv, key, limitKeyList())
		}
		v, err := strconv.ParseUint(strings.TrimSpace(val), 10, 32)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("%s: %s=%q: want a whole number from 1 to %d", LimitsEnv, key, val, uint32(1<<32-1))
		}
		for _, n := range names {
			out[n] = v
		}
	}
	return out, nil
}

func limitKeyList() string {
	return "min, invocations, size, size-x, size-y, size-z, count, shared, storage, push, range"
}

// lower sets each limit in o on c, where it is below the device's own.
func (o LimitOverrides) lower(c *ComputeLimits) {
	set := func(dst *uint32, name string) {
		if v, ok := o[name]; ok && v < uint64(*dst) {
			*dst = uint32(v)
		}
	}
	set(&c.MaxWorkGroupInvocations, LimitInvocations)
	for i, d := range []string{"x", "y", "z"} {
		set(&c.MaxWorkGroupSize[i], LimitWorkGroupSize+d)
		set(&c.MaxWorkGroupCount[i], LimitWorkGroupCount)
	}
	set(&c.MaxSharedMemory, LimitSharedMemory)
	set(&c.MaxStorageBuffersPerStage, LimitStorageBuffers)
	set(&c.MaxPushConstants, LimitPushConstants)
	set(&c.MaxStorageBufferRange, LimitStorageRange)
}

// limitsSpec is cfg.Limits, else $OCGAN_VK_LIMITS.
func (c Config) limitsSpec() string {
	if c.Limits != "" {
		return c.Limits
	}
	return os.Getenv(LimitsEnv)
}

// CheckLimits reports whether the lowered limits (Limits, else
// $OCGAN_VK_LIMITS) parse, with an error naming what is wrong.
func (c Config) CheckLimits() error {
	_, err := ParseLimits(c.limitsSpec())
	return err
}

// checkKernelLimits refuses a kernel that needs more than the device allows:
// storage buffers, push-constant bytes, workgroup size and shared memory.
func checkKernelLimits(name, family string, lim ComputeLimits, bindings, pushBytes int, need spirv.Needs) error {
	refuse := func(limit string, device, kernel uint64) error {
		return &LimitError{Kernel: name, Family: family, Limit: limit, Device: device, Need: kernel}
	}
	if bindings > int(lim.MaxStorageBuffersPerStage) {
		return refuse(LimitStorageBuffers, uint64(lim.MaxStorageBuffersPerStage), uint64(bindings))
	}
	if pushBytes > int(lim.MaxPushConstants) {
		return refuse(LimitPushConstants, uint64(lim.MaxPushConstants), uint64(pushBytes))
	}
	inv := uint64(1)
	for i, l := range need.Local {
		if l == 0 {
			return fmt.Errorf("kernel %s: workgroup size %v has a zero dimension", name, need.Local)
		}
		if l > lim.MaxWorkGroupSize[i] {
			return refuse(fmt.Sprintf("%s[%d]", LimitWorkGroupSize, i), uint64(lim.MaxWorkGroupSize[i]), uint64(l))
		}
		inv *= uint64(l)
	}
	if inv > uint64(lim.MaxWorkGroupInvocations) {
		return refuse(LimitInvocations, uint64(lim.MaxWorkGroupInvocations), inv)
	}
	if need.SharedBytes > uint64(lim.MaxSharedMemory) {
		return refuse(LimitSharedMemory, uint64(lim.MaxSharedMemory), need.SharedBytes)
	}
	return nil
}
