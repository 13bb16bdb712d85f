package vk

import (
	"errors"
	"testing"

	"github.com/ocgan-vk/ocgan/shaders"
)

// TestShimRefusesCountsAboveItsArrays builds kernels through the C shim directly,
// past NewKernel's own checks: a count above the shim's fixed arrays fails with a
// *ShimCountError naming it before any Vulkan call, instead of being truncated.
func TestShimRefusesCountsAboveItsArrays(t *testing.T) {
	ctx, err := Open(Config{Validate: true, PipelineCacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ctx.Close(); err != nil {
			t.Error(err)
		}
	}()
	code, err := shaders.Load("fill")
	if err != nil {
		t.Fatal(err)
	}
	words, err := decodeSPIRV("fill", code)
	if err != nil {
		t.Fatal(err)
	}
	spec := func(n int) []uint32 {
		s := make([]uint32, n)
		s[0] = 64 // the workgroup size
		return s
	}
	for _, tc := range []struct {
		name     string
		bindings int
		spec     []uint32
		what     string // "": builds
		count    int
		limit    int
	}{
		{name: "within limits", bindings: 1, spec: spec(maxSpecConstants)},
		{name: "bindings", bindings: maxBindings + 1, spec: spec(1), what: "storage-buffer bindings",
			count: maxBindings + 1, limit: maxBindings},
		{name: "specialization constants", bindings: 1, spec: spec(maxSpecConstants + 5),
			what: "specialization constants", count: maxSpecConstants + 5, limit: maxSpecConstants},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := &Kernel{ctx: ctx, name: "fill", bindings: make([]Access, tc.bindings), pushWords: 2}
			err := k.build(words, tc.spec, 0)
			built := k.pipeline != nil
			k.destroy()
			if tc.what == "" {
				if err != nil || !built {
					t.Fatalf("build: %v (pipeline created: %v)", err, built)
				}
				return
			}
			var ce *ShimCountError
			if !errors.As(err, &ce) {
				t.Fatalf("build: %v; want a *ShimCountError", err)
			}
			if ce.What != tc.what || ce.Count != tc.count || ce.Limit != tc.limit {
				t.Errorf("error %+v; want %s, count %d, limit %d", *ce, tc.what, tc.count, tc.limit)
			}
			if built {
				t.Error("a pipeline was created despite the error")
			}
		})
	}
}
