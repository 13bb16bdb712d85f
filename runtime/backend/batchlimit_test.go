package backend

import (
	"errors"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

func TestCheckBatch(t *testing.T) {
	// An input of 10 floats per image and a parameter of 300 floats: 40
	// bytes per image, and 1200 bytes whatever the batch.
	build := func(b int) ([]*graph.Graph, error) {
		g := graph.New(graph.NewParamSet(), graph.Eval)
		x := g.Input("x", b, 10)
		g.Scale(x, 2)
		g.Param("w", []int{300}, graph.InitZeros())
		return []*graph.Graph{g}, g.Err()
	}
	tests := []struct {
		limit    int64
		batch    int
		tensor   string
		maxBatch int
		msg      string
	}{
		{0, 1 << 20, "", 0, ""}, // no limit
		{1200, 30, "", 0, ""},   // 1200 bytes at batch 30: at the limit
		{1200, 31, `"x"`, 30, "training batch 31 is too large for the device: tensor \"x\""},
		{1239, 31, `"x"`, 30, "the largest training batch that fits is 30"},
		{1000, 2, `"w"`, 0, "no training batch fits"},
	}
	for _, tc := range tests {
		err := CheckBatch(tc.limit, "training batch", tc.batch, build)
		if tc.tensor == "" {
			if err != nil {
				t.Errorf("limit %d, batch %d: %v", tc.limit, tc.batch, err)
			}
			continue
		}
		var e *TensorTooLargeError
		if !errors.As(err, &e) || !strings.Contains(e.Tensor, tc.tensor) || e.MaxBatch != tc.maxBatch || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("limit %d, batch %d: %v; want %s too large, largest batch %d, %q", tc.limit, tc.batch, err, tc.tensor, tc.maxBatch, tc.msg)
		}
	}
	bad := func(b int) ([]*graph.Graph, error) { return nil, errors.New("no graph") }
	if err := CheckBatch(1, "batch", 1, bad); err == nil || !strings.Contains(err.Error(), "no graph") {
		t.Errorf("a failing build: %v", err)
	}
}
