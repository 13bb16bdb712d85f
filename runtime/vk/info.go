package vk

import (
	"fmt"
	"strings"
)

// DeviceType is the kind of a physical device, in preference order for the default pick.
type DeviceType string

// Device kinds as Vulkan reports them.
const (
	DiscreteGPU   DeviceType = "discrete-gpu"
	IntegratedGPU DeviceType = "integrated-gpu"
	VirtualGPU    DeviceType = "virtual-gpu"
	CPU           DeviceType = "cpu"
	OtherDevice   DeviceType = "other"
)

// rank orders device kinds for the default pick: lower is preferred.
func (t DeviceType) rank() int {
	switch t {
	case DiscreteGPU:
		return 0
	case IntegratedGPU:
		return 1
	case VirtualGPU:
		return 2
	case CPU:
		return 3
	default:
		return 4
	}
}

// Heap is one Vulkan memory heap.
type Heap struct {
	Size        uint64 `json:"size"`
	DeviceLocal bool   `json:"device_local"`
}

// ComputeLimits are the device limits that matter for compute dispatches.
type ComputeLimits struct {
	MaxWorkGroupInvocations   uint32    `json:"max_workgroup_invocations"`
	MaxWorkGroupSize          [3]uint32 `json:"max_workgroup_size"`
	MaxWorkGroupCount         [3]uint32 `json:"max_workgroup_count"`
	MaxSharedMemory           uint32    `json:"max_shared_memory"`
	MaxPushConstants          uint32    `json:"max_push_constants"`
	MaxStorageBufferRange     uint32    `json:"max_storage_buffer_range"`
	MinStorageBufferAlign     uint64    `json:"min_storage_buffer_offset_alignment"`
	MaxMemoryAllocation       uint64    `json:"max_memory_allocation"`
	MaxBoundDescriptorSets    uint32    `json:"max_bound_descriptor_sets"`
	MaxStorageBuffersPerStage uint32    `json:"max_storage_buffers_per_stage"`
}

// Subgroup describes the device's subgroups (warps, waves, SIMD lanes).
type Subgroup struct {
	Size uint32 `json:"size"`
	// Operations are the operation classes ocgan uses: those the device
	// reports, less any $OCGAN_VK_SUBGROUP_OPS masks.
	Operations []string `json:"operations"`
	// Reported are the classes the device reports, set only when
	// $OCGAN_VK_SUBGROUP_OPS masks some.
	Reported  []string `json:"reported_operations,omitempty"`
	InCompute bool     `json:"in_compute"`
	// FullSubgroups is computeFullSubgroups (VK_EXT_subgroup_size_control):
	// pipelines can require every subgroup to run with all its lanes active.
	FullSubgroups bool `json:"full_subgroups"`
}

// DeviceInfo is everything ocgan reports about one physical device.
type DeviceInfo struct {
	Index         int           `json:"index"`
	Name          string        `json:"name"`
	Type          DeviceType    `json:"type"`
	VendorID      uint32        `json:"vendor_id"`
	Vendor        string        `json:"vendor"`
	DeviceID      uint32        `json:"device_id"`
	Driver        string        `json:"driver"`
	DriverInfo    string        `json:"driver_info"`
	DriverVersion string        `json:"driver_version"`
	APIVersion    string        `json:"api_version"`
	UUID          string        `json:"uuid"`
	Heaps         []Heap        `json:"heaps"`
	Compute       ComputeLimits `json:"compute"`
	Subgroup      Subgroup      `json:"subgroup"`
	// Storage16 is storageBuffer16BitAccess: fp16/int16 values in storage buffers.
	Storage16 bool `json:"storage_16bit"`
	// PushConstant16 is storagePushConstant16.
	PushConstant16 bool `json:"push_constant_16bit"`
	// Float16 is shaderFloat16: fp16 arithmetic in shaders.
	Float16 bool `json:"shader_float16"`
	Int8    bool `json:"shader_int8"`
	// Timestamps is true when the compute queue can time dispatches.
	Timestamps bool `json:"timestamps"`
	// TimestampPeriod is nanoseconds per timestamp tick.
	TimestampPeriod float32 `json:"timestamp_period_ns"`
	// UnifiedMemory is true when a memory type is device-local, host-visible and
	// host-coherent and the device is not discrete: buffers are mapped, no staging.
	UnifiedMemory bool `json:"unified_memory"`
	// LoweredLimits is the OCGAN_VK_LIMITS value that lowered Compute, or "".
	LoweredLimits string `json:"lowered_limits,omitempty"`

	apiVersion    uint32
	driverVersion uint32
	uuid          [16]byte
}

// usesUnifiedMemory decides the memory path: integrated GPUs (Jetson) and
// CPU drivers with a device-local, host-visible, coherent memory type map
// their buffers and need no staging; a discrete GPU stages through a bounce
// buffer even when it offers such a type (a small BAR window, or resizable
// BAR over PCIe, where mapped access is slow).
func usesUnifiedMemory(t DeviceType, hostVisibleDeviceLocal bool) bool {
	return hostVisibleDeviceLocal && t != DiscreteGPU
}

// vendorName maps PCI (and Khronos) vendor IDs to names.
func vendorName(id uint32) string {
	switch id {
	case 0x10DE:
		return "NVIDIA"
	case 0x1002:
		return "AMD"
	case 0x8086:
		return "Intel"
	case 0x13B5:
		return "ARM"
	case 0x5143:
		return "Qualcomm"
	case 0x1010:
		return "Imagination"
	case 0x106B:
		return "Apple"
	case 0x10005:
		return "Mesa"
	default:
		return fmt.Sprintf("0x%04x", id)
	}
}

// versionString decodes VK_MAKE_VERSION.
func versionString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>22, (v>>12)&0x3ff, v&0xfff)
}

// driverVersionString decodes driverVersion in the vendor's own packing.
func driverVersionString(vendor, v uint32) string {
	if vendor == 0x10DE {
		return fmt.Sprintf("%d.%d.%d.%d", v>>22, (v>>14)&0xff, (v>>6)&0xff, v&0x3f)
	}
	return versionString(v)
}

func uuidString(u [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Summary is a one-line description: "llvmpipe (...) [cpu, Mesa llvmpipe, Vulkan 1.3.230]".
func (d DeviceInfo) Summary() string {
	return fmt.Sprintf("%s [%s, %s %s, Vulkan %s]", d.Name, d.Type, d.Vendor, d.Driver, d.APIVersion)
}

// PickDevice returns the index in devs of the device cfg selects: cfg.Device, else
// $OCGAN_DEVICE, else the most preferred kind.
func PickDevice(devs []DeviceInfo, cfg Config) (int, error) {
	return pickDevice(devs, cfg.deviceSelector())
}

// pickDevice chooses among devs: by selector (index or case-insensitive name substring)
// when given, else the most preferred type (discrete > integrated > virtual > CPU),
// first index on ties.
func pickDevice(devs []DeviceInfo, selector string) (int, error) {
	if len(devs) == 0 {
		return -1, fmt.Errorf("%w; %s", ErrNoDevice, InstallHint)
	}
	if selector != "" {
		var idx int
		if _, err := fmt.Sscanf(selector, "%d", &idx); err == nil && fmt.Sprint(idx) == selector {
			if idx < 0 || idx >= len(devs) {
				return -1, fmt.Errorf("device index %d out of range: %d device(s) found (run `ocgan devices`)", idx, len(devs))
			}
			return idx, nil
		}
		for i, d := range devs {
			if strings.Contains(strings.ToLower(d.Name), strings.ToLower(selector)) {
				return i, nil
			}
		}
		names := make([]string, len(devs))
		for i, d := range devs {
			names[i] = fmt.Sprintf("%d: %s", i, d.Name)
		}
		return -1, fmt.Errorf("no Vulkan device matches %q (found %s)", selector, strings.Join(names, "; "))
	}
	best := 0
	for i, d := range devs {
		if d.Type.rank() < devs[best].Type.rank() {
			best = i
		}
	}
	return best, nil
}
