package vk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
	"github.com/ocgan-vk/ocgan/shaders"
)

// TestWrongDefinitionsAreRefused builds kernels whose definitions disagree
// with their SPIR-V in each way the check knows, and one that agrees.
func TestWrongDefinitionsAreRefused(t *testing.T) {
	ctx := vktest.Open(t)
	R, W, RW := vk.Read, vk.Write, vk.ReadWrite
	tests := []struct {
		name     string
		shader   string
		bindings []vk.Access
		push     int
		spec     []uint32
		field    string // "" when the definition is right
		goSide   string
		spirv    string
	}{
		{"right", "activation_fwd", []vk.Access{R, W}, 2, []uint32{64, 1}, "", "", ""},
		{"right, read-write", "adam", []vk.Access{R, RW, RW, RW, R}, 2, []uint32{64}, "", "", ""},
		{"one binding too many", "activation_fwd", []vk.Access{R, W, R}, 2, []uint32{64, 1}, vk.FieldBindings, "3", "2"},
		{"one binding too few", "activation_bwd", []vk.Access{R, R}, 2, []uint32{64, 1}, vk.FieldBindings, "2", "3"},
		{"write to a read-only binding", "activation_fwd", []vk.Access{W, W}, 2, []uint32{64, 1}, "binding 0", "write", "read"},
		{"read-write on a read-only binding", "activation_fwd", []vk.Access{RW, W}, 2, []uint32{64, 1}, "binding 0", "read-write", "read"},
		{"read from a write-only binding", "activation_fwd", []vk.Access{R, R}, 2, []uint32{64, 1}, "binding 1", "read", "write"},
		{"read-write on a write-only binding", "fill", []vk.Access{RW}, 2, []uint32{64}, "binding 0", "read-write", "write"},
		{"read-only on a read-write binding", "adam", []vk.Access{R, R, RW, RW, R}, 2, []uint32{64}, "binding 1", "read", "read-write"},
		{"push block too big", "activation_fwd", []vk.Access{R, W}, 3, []uint32{64, 1}, vk.FieldPush, "12 bytes", "8 bytes"},
		{"push block too small", "reduce_lane", []vk.Access{R, W}, 18, []uint32{64, 0}, vk.FieldPush, "72 bytes", "76 bytes"},
		{"no push block", "copy", []vk.Access{R, W}, 0, []uint32{64}, vk.FieldPush, "0 bytes", "4 bytes"},
		{"unknown spec id", "fill", []vk.Access{W}, 2, []uint32{64, 1}, vk.FieldSpec, "ids {0, 1}", "ids {0}"},
		{"spec id left at its default", "activation_fwd", []vk.Access{R, W}, 2, []uint32{64}, vk.FieldSpec, "ids {0}", "ids {0, 1}"},
		{"spec id of another tier", "conv2d_fwd_basic", []vk.Access{R, R, R, W}, 15, []uint32{64, 1, 4, 0, 1, 1, 1},
			vk.FieldSpec, "ids {0, 1, 2, 3, 4, 5, 6}", "ids {0, 1, 2, 3}"},
	}
	for _, tc := range tests {
		code, err := shaders.Load(tc.shader)
		if err != nil {
			t.Fatal(err)
		}
		k, err := ctx.NewKernel(vk.KernelSpec{Name: tc.shader, Family: shaders.Family(tc.shader), SPIRV: code,
			Bindings: tc.bindings, PushWords: tc.push, Spec: tc.spec})
		if tc.field == "" {
			if err != nil || k == nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ie *vk.InterfaceError
		if !errors.As(err, &ie) {
			t.Errorf("%s: %v; want a *vk.InterfaceError", tc.name, err)
			continue
		}
		want := vk.InterfaceError{Kernel: tc.shader, Family: shaders.Family(tc.shader), Field: tc.field, Go: tc.goSide, SPIRV: tc.spirv}
		if *ie != want {
			t.Errorf("%s: %+v; want %+v", tc.name, *ie, want)
		}
		if msg := err.Error(); !strings.Contains(msg, tc.shader) || !strings.Contains(msg, tc.field) {
			t.Errorf("%s: message %q does not name the kernel and what differs", tc.name, msg)
		}
	}
}
