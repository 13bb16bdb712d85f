package program

import (
	"errors"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// denseNet is y = x·Wᵀ + b with an MSE loss against a target, and the
// gradients of the loss w.r.t. W and b when train is set.
func denseNet(t *testing.T, train bool) (*graph.Graph, Options, map[*graph.Tensor][]float32) {
	t.Helper()
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	x, target := g.Input("x", 3, 5), g.Input("target", 3, 2)
	w := g.Param("fc.weight", []int{2, 5}, graph.InitNormal(0, 0.3))
	b := g.Param("fc.bias", []int{2}, graph.InitZeros())
	loss := g.MSELoss(g.Dense(x, w, b), target)
	opts := Options{Outputs: []*graph.Tensor{loss}}
	if train {
		grads, err := g.Gradients(loss, w, b)
		if err != nil {
			t.Fatal(err)
		}
		opts.Adam = NewAdam(grads)
	}
	if err := ps.Init(5); err != nil {
		t.Fatal(err)
	}
	feeds := map[*graph.Tensor][]float32{x: make([]float32, 15), target: make([]float32, 6)}
	for i := range feeds[x] {
		feeds[x][i] = float32(i%7) - 3
	}
	return g, opts, feeds
}

// TestLowStorageLimitRefusesAtCompile compiles on devices lowered to few
// storage buffers per stage: a program holding an op whose shader binds more is
// refused at Compile, before any step, naming the node (or the Adam update),
// the shader and the limit; one without such an op runs.
func TestLowStorageLimitRefusesAtCompile(t *testing.T) {
	tests := []struct {
		name   string
		limits string
		graph  func(t *testing.T) (*graph.Graph, Options, map[*graph.Tensor][]float32)
		kernel string // "" when the program must compile and run
		need   uint64
		where  string
	}{
		{"batch norm forward", "storage=4", func(t *testing.T) (*graph.Graph, Options, map[*graph.Tensor][]float32) {
			n, grads := newNet(t, trainSeed, func(n *aeNet) []*graph.Tensor { return n.params() })
			return n.g, Options{Outputs: []*graph.Tensor{n.loss}, Adam: NewAdam(grads)}, n.batch(1)
		}, "batch_norm_stats", 5, `program: node batch_norm_train "enc.bn1"`},
		{"batch norm backward", "storage=7", func(t *testing.T) (*graph.Graph, Options, map[*graph.Tensor][]float32) {
			n, grads := newNet(t, trainSeed, func(n *aeNet) []*graph.Tensor { return n.params() })
			return n.g, Options{Outputs: []*graph.Tensor{n.loss}, Adam: NewAdam(grads)}, n.batch(1)
		}, "batch_norm_bwd", 8, "program: node batch_norm"},
		{"adam", "min", func(t *testing.T) (*graph.Graph, Options, map[*graph.Tensor][]float32) {
			return denseNet(t, true)
		}, "adam", 5, `program: adam update of "fc.`},
		{"dense forward and loss", "min", func(t *testing.T) (*graph.Graph, Options, map[*graph.Tensor][]float32) {
			return denseNet(t, false)
		}, "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lib := vulkan.NewLibrary(vktest.Open(t, vk.Config{Limits: tc.limits}))
			g, opts, feeds := tc.graph(t)
			p, err := Compile(lib, g, opts)
			if tc.kernel == "" {
				if err != nil {
					t.Fatalf("under %s: %v", tc.limits, err)
				}
				defer p.Free()
				if _, err := p.Step(feeds); err != nil {
					t.Fatalf("under %s: %v", tc.limits, err)
				}
				return
			}
			if err == nil {
				p.Free()
				t.Fatalf("under %s: compiled", tc.limits)
			}
			dev := lib.Context().Info().Compute.MaxStorageBuffersPerStage
			want := vk.LimitError{Family: tc.kernel, Limit: vk.LimitStorageBuffers, Device: uint64(dev), Need: tc.need}
			var le *vk.LimitError
			if errors.As(err, &le) {
				want.Kernel = le.Kernel // the tier built; the family is what is compared
			}
			if le == nil || *le != want || !strings.Contains(err.Error(), tc.where) {
				t.Fatalf("under %s: %v; want %v from %s", tc.limits, err, &want, tc.where)
			}
		})
	}
}
