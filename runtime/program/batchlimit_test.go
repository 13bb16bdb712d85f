package program

import (
	"errors"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestCheckBatchAgreesWithDispatch computes the largest batch of a graph on
// the test device with backend.CheckBatch, then compiles the graph at that
// batch (every dispatch binds its buffers: the device accepts them) and one
// above (the dispatch-time check refuses a buffer), so the up-front check
// and the device's own limit agree to the image.
func TestCheckBatchAgreesWithDispatch(t *testing.T) {
	be := NewBackend(newLib(t))
	limit := be.Device().MaxTensorBytes
	if limit <= 0 {
		t.Fatalf("the Vulkan device reports no tensor limit: %+v", be.Device())
	}
	const width = 1001 // floats per image: 4004 bytes, which divides no power of two
	build := func(b int) ([]*graph.Graph, error) {
		g := graph.New(graph.NewParamSet(), graph.Eval)
		x := g.Input("x", b, width)
		g.Add(g.Scale(x, 0.5), x)
		return []*graph.Graph{g}, g.Err()
	}
	if err := backend.CheckBatch(limit, "batch", 2, build); err != nil {
		t.Fatalf("batch 2: %v", err)
	}
	err := backend.CheckBatch(limit, "batch", 1<<30/width, build)
	var tl *backend.TensorTooLargeError
	if !errors.As(err, &tl) || tl.Limit != limit || tl.MaxBatch != int(limit/(4*width)) || !strings.Contains(tl.Tensor, `"x"`) {
		t.Fatalf("a batch of 1 GiB inputs: %v; want a *TensorTooLargeError with the largest batch %d", err, limit/(4*width))
	}
	max := tl.MaxBatch
	if err := backend.CheckBatch(limit, "batch", max, build); err != nil {
		t.Errorf("batch %d: %v", max, err)
	}
	if err := backend.CheckBatch(limit, "batch", max+1, build); !errors.As(err, &tl) || tl.MaxBatch != max || tl.Batch != max+1 {
		t.Errorf("batch %d: %v; want a refusal naming %d", max+1, err, max)
	}
	for _, b := range []int{max, max + 1} {
		gs, _ := build(b)
		p, err := be.Compile(gs[0], Options{})
		if err == nil {
			p.Free()
		}
		if b == max && err != nil {
			t.Errorf("compiling at the largest batch %d: %v", b, err)
		}
		if b > max && (err == nil || !strings.Contains(err.Error(), "maxStorageBufferRange")) {
			t.Errorf("compiling at batch %d: %v; want the dispatch-time refusal", b, err)
		}
	}
}
