package vk

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ocgan-vk/ocgan/shaders/spirv"
)

// Interface fields an *InterfaceError names.
const (
	FieldBindings = "bindings"       // how many descriptor bindings
	FieldBinding  = "binding"        // one binding's set, kind or access ("binding 2")
	FieldPush     = "push constants" // the push-constant block size
	FieldSpec     = "specialization constants"
)

// checkInterface compares the interface spec declares with the one its SPIR-V
// module m declares. The rules:
//   - bindings: the module declares exactly set 0, bindings 0..len(spec.Bindings)-1,
//     each a storage buffer, and the access spec gives binding i equals the
//     module's (NonWritable: Read, NonReadable: Write, neither: ReadWrite;
//     aliases of one binding joined). Declaring more access than the shader
//     may use is refused as well as less: the access decides barriers, and a
//     binding the shader only reads must not be treated as written.
//   - push constants: 4*spec.PushWords equals the end of the block (the
//     largest member Offset plus its size, no trailing padding); no block means
//     0 words.
//   - specialization constants: spec.Spec sets ids 0..len(spec.Spec)-1, and
//     those are exactly the SpecIds the module declares: none left at its
//     default, none unknown.
func checkInterface(spec KernelSpec, m *spirv.Module) error {
	itf, err := m.Interface()
	if err != nil {
		return fmt.Errorf("kernel %s: %w", spec.Name, err)
	}
	mismatch := func(field, goSide, spirvSide string) error {
		return &InterfaceError{Kernel: spec.Name, Family: spec.family(), Field: field, Go: goSide, SPIRV: spirvSide}
	}
	if len(itf.Bindings) != len(spec.Bindings) {
		return mismatch(FieldBindings, fmt.Sprint(len(spec.Bindings)), fmt.Sprint(len(itf.Bindings)))
	}
	for i, b := range itf.Bindings {
		field := fmt.Sprintf("%s %d", FieldBinding, i)
		if b.Set != 0 || b.Binding != uint32(i) || b.Kind != spirv.StorageBuffer {
			return mismatch(field, "set 0 binding "+fmt.Sprint(i)+" storage buffer",
				fmt.Sprintf("set %d binding %d %s", b.Set, b.Binding, b.Kind))
		}
		if got := spirv.Access(spec.Bindings[i]); got != b.Access {
			return mismatch(field, got.String(), b.Access.String())
		}
	}
	if 4*uint64(spec.PushWords) != uint64(itf.PushBytes) {
		return mismatch(FieldPush, fmt.Sprintf("%d bytes", 4*spec.PushWords), fmt.Sprintf("%d bytes", itf.PushBytes))
	}
	want := make([]uint32, len(spec.Spec))
	for i := range want {
		want[i] = uint32(i)
	}
	if !slices.Equal(want, itf.SpecIDs) {
		return mismatch(FieldSpec, "ids "+idList(want), "ids "+idList(itf.SpecIDs))
	}
	return nil
}

// idList formats ids as "{0, 1, 2}".
func idList(ids []uint32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return "{" + strings.Join(s, ", ") + "}"
}
