package vk

/*
#include "shim.h"
*/
import "C"

import (
	"fmt"

	"github.com/vulkan-go/vulkan"
)

// maxSpecConstants is the most specialization constants a kernel takes (the
// shim's array).
const maxSpecConstants = C.OCGAN_VK_MAX_SPEC_CONSTANTS

// ShimCountError is a count above a fixed limit of the package's C shim
// (layers or extensions of an instance or device, storage-buffer bindings or
// specialization constants of a kernel). The call fails before reaching
// Vulkan; nothing is truncated.
type ShimCountError struct {
	What  string // what was counted, e.g. "specialization constants"
	Count int    // the count given
	Limit int    // the most the shim takes
}

func (e *ShimCountError) Error() string {
	return fmt.Sprintf("%d %s given; the Vulkan shim takes at most %d", e.Count, e.What, e.Limit)
}

// shimStatus turns the outcome of a shim call into an error naming the step
// that failed: a *ShimCountError, a *ResultError naming the Vulkan call, or nil.
func shimStatus(st *C.ocgan_vk_status) error {
	switch st.step {
	case C.OCGAN_VK_STEP_NONE:
		return nil
	case C.OCGAN_VK_STEP_TOO_MANY:
		return &ShimCountError{What: C.GoString(C.ocgan_vk_counted_name(st.counted)), Count: int(st.count),
			Limit: int(st.limit)}
	}
	op := C.GoString(C.ocgan_vk_step_name(st.step))
	if st.missing != 0 {
		return fmt.Errorf("the Vulkan loader has no entry point %s: %w", op, check(vulkan.Result(st.result), op))
	}
	return check(vulkan.Result(st.result), op)
}
