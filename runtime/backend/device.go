package backend

import "fmt"

// Kind is the class of a device, in the order the default choice prefers
// them.
type Kind int

// The device kinds.
const (
	DiscreteGPU   Kind = iota + 1 // a Vulkan discrete GPU
	IntegratedGPU                 // a Vulkan integrated GPU (Jetson, laptops)
	VirtualGPU                    // a Vulkan virtual GPU (a host GPU passed through)
	NativeCPU                     // the native CPU backend
	VulkanCPU                     // a Vulkan CPU driver (lavapipe / llvmpipe)
	OtherDevice                   // anything else a Vulkan driver reports
)

// String names the kind as `ocgan devices` prints it.
func (k Kind) String() string {
	switch k {
	case DiscreteGPU:
		return "discrete-gpu"
	case IntegratedGPU:
		return "integrated-gpu"
	case NativeCPU:
		return "native-cpu"
	case VirtualGPU:
		return "virtual-gpu"
	case VulkanCPU:
		return "vulkan-cpu"
	case OtherDevice:
		return "other"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Device describes the device a backend runs on.
type Device struct {
	// Backend is "vulkan" or "cpu".
	Backend string `json:"backend"`
	// Name is the device's name (the Vulkan device name, or the CPU model).
	Name string `json:"name"`
	// Kind is the device class.
	Kind Kind `json:"-"`
	// Detail is a one-line description: driver and API version for Vulkan,
	// the SGEMM library and thread count for the CPU.
	Detail string `json:"detail"`
	// MaxTensorBytes is the largest tensor a kernel can bind (Vulkan's
	// maxStorageBufferRange); 0 means no limit. CheckBatch refuses a batch
	// size against it.
	MaxTensorBytes int64 `json:"max_tensor_bytes,omitempty"`
}
