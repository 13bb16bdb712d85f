package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// needBuf reports a missing buffer.
func needBuf(op, name string, b *vk.Buffer) error {
	if b == nil {
		return fmt.Errorf("%s: %s buffer is nil", op, name)
	}
	return nil
}

// checkBuf reports a missing buffer, or one whose length in floats differs
// from the product of dims as a *kernels.ShapeError naming op and the buffer.
func checkBuf(op, name string, b *vk.Buffer, formula string, dims ...int) error {
	if err := needBuf(op, name, b); err != nil {
		return err
	}
	return kernels.CheckLen(op, name, b.Len(), formula, dims...)
}

// sameLen returns the length of ref after checking that ref and b are present
// and b is as long as ref.
func sameLen(op, refName string, ref *vk.Buffer, name string, b *vk.Buffer) (int, error) {
	if err := needBuf(op, refName, ref); err != nil {
		return 0, err
	}
	if err := checkBuf(op, name, b, "len("+refName+")", ref.Len()); err != nil {
		return 0, err
	}
	return ref.Len(), nil
}
