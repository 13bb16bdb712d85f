package program

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// newLib returns the kernel library on the test binary's shared validating
// context (vktest.Shared): its pipelines are built once for all the tests.
func newLib(t *testing.T) *vulkan.Library {
	t.Helper()
	return vktest.SharedValue(t, vulkan.NewLibrary)
}

// mustCompile compiles or fails the test, and frees the program at cleanup.
func mustCompile(t *testing.T, lib *vulkan.Library, g *graph.Graph, opts Options) *Program {
	t.Helper()
	p, err := Compile(lib, g, opts)
	if err != nil {
		vktest.SkipIfStorageRefused(t, err, "program: node ")
		t.Fatal(err)
	}
	t.Cleanup(p.Free)
	return p
}

// mustCompileOn compiles on a backend or fails the test, and frees the
// program at cleanup.
func mustCompileOn(t *testing.T, b *Backend, g *graph.Graph, opts Options) *Program {
	t.Helper()
	bp, err := b.Compile(g, opts)
	if err != nil {
		vktest.SkipIfStorageRefused(t, err, "program: node ")
		t.Fatal(err)
	}
	p := bp.(*Program)
	t.Cleanup(p.Free)
	return p
}

func hasNaN(v []float32) bool {
	for _, x := range v {
		if x != x {
			return true
		}
	}
	return false
}
