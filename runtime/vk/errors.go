package vk

import (
	"fmt"

	vk "github.com/vulkan-go/vulkan"
)

// ResultError is a failed Vulkan call.
type ResultError struct {
	Op     string
	Result vk.Result
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("%s: %s (VkResult %d)", e.Op, resultName(e.Result), int32(e.Result))
}

// check turns a VkResult into an error naming the call.
func check(r vk.Result, op string) error {
	if r == vk.Success {
		return nil
	}
	return &ResultError{Op: op, Result: r}
}

func resultName(r vk.Result) string {
	switch r {
	case vk.NotReady:
		return "not ready"
	case vk.Timeout:
		return "timeout"
	case vk.Incomplete:
		return "incomplete"
	case vk.ErrorOutOfHostMemory:
		return "out of host memory"
	case vk.ErrorOutOfDeviceMemory:
		return "out of device memory"
	case vk.ErrorInitializationFailed:
		return "initialization failed"
	case vk.ErrorDeviceLost:
		return "device lost"
	case vk.ErrorMemoryMapFailed:
		return "memory map failed"
	case vk.ErrorLayerNotPresent:
		return "layer not present"
	case vk.ErrorExtensionNotPresent:
		return "extension not present"
	case vk.ErrorFeatureNotPresent:
		return "feature not present"
	case vk.ErrorIncompatibleDriver:
		return "incompatible driver (no Vulkan ICD found)"
	case vk.ErrorTooManyObjects:
		return "too many objects"
	case vk.ErrorFormatNotSupported:
		return "format not supported"
	case vk.ErrorFragmentedPool:
		return "fragmented pool"
	case vk.ErrorOutOfPoolMemory:
		return "out of pool memory"
	case vk.ErrorInvalidShaderNv:
		return "invalid shader"
	default:
		return "error"
	}
}
