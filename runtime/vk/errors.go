package vk

import (
	"errors"
	"fmt"
	"time"

	"github.com/vulkan-go/vulkan"
)

// ErrDeviceLost is the error, wrapped with what was running, of a device the
// driver reports lost (VK_ERROR_DEVICE_LOST: a GPU fault, a driver reset or a
// display watchdog that killed the work). The context then refuses all
// further work with the same error.
var ErrDeviceLost = errors.New("vulkan device lost (a GPU fault, a driver reset or a watchdog killed the work)")

// TimeoutError is a submission that did not finish within the context's
// timeout (Config.Timeout). The context then refuses all further work with
// the same error.
type TimeoutError struct {
	Work    string        // what was submitted, e.g. `sequence "step" (dispatches 1-40 of 40: fill .. adam)`
	Timeout time.Duration // the limit it ran past
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("the device did not finish %s within %s: the GPU hung or is far slower than expected "+
		"(raise the limit with --gpu-timeout or $OCGAN_VK_TIMEOUT; split long steps with --max-dispatches-per-submit "+
		"or $OCGAN_VK_MAX_DISPATCHES so that no submission trips a display watchdog)", e.Work, e.Timeout)
}

// ResultError is a failed Vulkan call.
type ResultError struct {
	Op     string
	Result vulkan.Result
}

func (e *ResultError) Error() string {
	return fmt.Sprintf("%s: %s (VkResult %d)", e.Op, resultName(e.Result), int32(e.Result))
}

// check turns a VkResult into an error naming the call.
func check(r vulkan.Result, op string) error {
	if r == vulkan.Success {
		return nil
	}
	return &ResultError{Op: op, Result: r}
}

func resultName(r vulkan.Result) string {
	switch r {
	case vulkan.NotReady:
		return "not ready"
	case vulkan.Timeout:
		return "timeout"
	case vulkan.Incomplete:
		return "incomplete"
	case vulkan.ErrorOutOfHostMemory:
		return "out of host memory"
	case vulkan.ErrorOutOfDeviceMemory:
		return "out of device memory"
	case vulkan.ErrorInitializationFailed:
		return "initialization failed"
	case vulkan.ErrorDeviceLost:
		return "device lost"
	case vulkan.ErrorMemoryMapFailed:
		return "memory map failed"
	case vulkan.ErrorLayerNotPresent:
		return "layer not present"
	case vulkan.ErrorExtensionNotPresent:
		return "extension not present"
	case vulkan.ErrorFeatureNotPresent:
		return "feature not present"
	case vulkan.ErrorIncompatibleDriver:
		return "incompatible driver (no Vulkan ICD found)"
	case vulkan.ErrorTooManyObjects:
		return "too many objects"
	case vulkan.ErrorFormatNotSupported:
		return "format not supported"
	case vulkan.ErrorFragmentedPool:
		return "fragmented pool"
	case vulkan.ErrorOutOfPoolMemory:
		return "out of pool memory"
	case vulkan.ErrorInvalidShaderNv:
		return "invalid shader"
	default:
		return "error"
	}
}

// InterfaceError is a kernel definition that disagrees with its shader's
// SPIR-V: the bindings, their access, the push-constant size or the
// specialization constant ids (see KernelSpec).
type InterfaceError struct {
	Kernel string // the shader, as built
	Family string // the shader family: Kernel without its tier suffix
	Field  string // what differs: one of the Field* names, "binding i" for one binding
	Go     string // what the definition says
	SPIRV  string // what the module declares
}

func (e *InterfaceError) Error() string {
	return fmt.Sprintf("kernel %s: its definition disagrees with the SPIR-V on %s: the definition says %s, the module declares %s",
		e.Kernel, e.Field, e.Go, e.SPIRV)
}
