package vk

import (
	"errors"
	"testing"

	"github.com/ocgan-vk/ocgan/shaders/spirv"
)

// blockModule is a module with one block variable (id 9) in storage class sc
// (12 StorageBuffer, 2 Uniform) at the given set and binding.
func blockModule(sc, set, binding uint32) []uint32 {
	w := []uint32{0x07230203, 0x00010300, 0, 10, 0}
	for _, in := range [][]uint32{
		{71, 4, 2},           // OpDecorate %4 Block
		{71, 9, 34, set},     // OpDecorate %9 DescriptorSet
		{71, 9, 33, binding}, // OpDecorate %9 Binding
		{72, 4, 0, 24},       // OpMemberDecorate %4 0 NonWritable
		{22, 1, 32},          // %1 = OpTypeFloat 32
		{29, 3, 1},           // %3 = OpTypeRuntimeArray %1
		{30, 4, 3},           // %4 = OpTypeStruct %3
		{32, 5, sc, 4},       // %5 = OpTypePointer sc %4
		{59, 5, 9, sc},       // %9 = OpVariable %5 sc
	} {
		w = append(w, uint32(len(in))<<16|in[0])
		w = append(w, in[1:]...)
	}
	return w
}

func TestCheckInterfaceBindingPlace(t *testing.T) {
	tests := []struct {
		name  string
		words []uint32
		spirv string // "" when the definition is right
	}{
		{"set 0 binding 0", blockModule(12, 0, 0), ""},
		{"set 1", blockModule(12, 1, 0), "set 1 binding 0 storage buffer"},
		{"binding 1", blockModule(12, 0, 1), "set 0 binding 1 storage buffer"},
		{"uniform buffer", blockModule(2, 0, 0), "set 0 binding 0 uniform buffer"},
	}
	for _, tc := range tests {
		m, err := spirv.Parse(tc.words)
		if err != nil {
			t.Fatal(err)
		}
		err = checkInterface(KernelSpec{Name: "k_basic", Family: "k", Bindings: []Access{Read}}, m)
		if tc.spirv == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ie *InterfaceError
		want := InterfaceError{Kernel: "k_basic", Family: "k", Field: "binding 0", Go: "set 0 binding 0 storage buffer", SPIRV: tc.spirv}
		if !errors.As(err, &ie) || *ie != want {
			t.Errorf("%s: %v; want %+v", tc.name, err, want)
		}
	}
}
