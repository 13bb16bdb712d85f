package checkpoint

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// tinyNet is dense + batch norm + MSE, trained with Adam on the device.
type tinyNet struct {
	ps   *graph.ParamSet
	dp   *program.DeviceParams
	p    *program.Program
	x, y *graph.Tensor
	loss *graph.Tensor
}

func newTinyNet(t *testing.T, lib *vulkan.Library, seed uint64) *tinyNet {
	t.Helper()
	n := &tinyNet{ps: graph.NewParamSet()}
	g := graph.New(n.ps, graph.Train)
	n.x, n.y = g.Input("x", 4, 3), g.Input("y", 4, 2)
	w := g.Param("fc.weight", []int{2, 3}, graph.InitNormal(0, 0.5))
	b := g.Param("fc.bias", []int{2}, graph.InitNormal(0, 0.5))
	gamma := g.Param("bn.gamma", []int{2}, graph.InitNormal(1, 0.02))
	beta := g.Param("bn.beta", []int{2}, graph.InitZeros())
	rm := g.State("bn.running_mean", []int{2}, graph.InitZeros())
	rv := g.State("bn.running_var", []int{2}, graph.InitOnes())
	h := g.BatchNorm(g.Dense(n.x, w, b), gamma, beta, rm, rv, 0.9, 1e-5)
	n.loss = g.MSELoss(h, n.y)
	grads, err := g.Gradients(n.loss, w, b, gamma, beta)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.ps.Init(seed); err != nil {
		t.Fatal(err)
	}
	if n.dp, err = program.NewDeviceParams(lib.Context(), n.ps); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.dp.Free)
	adam := program.NewAdam(grads)
	adam.LR = 1e-2
	if n.p, err = program.Compile(lib, g, program.Options{Params: n.dp, Adam: adam, Outputs: []*graph.Tensor{n.loss}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.p.Free)
	return n
}

func (n *tinyNet) steps(t *testing.T, k int) []float32 {
	t.Helper()
	feeds := map[*graph.Tensor][]float32{
		n.x: {1, 2, 3, -1, 0.5, 0, 2, -2, 1, 0, 0, 1},
		n.y: {1, 0, 0, 1, 0.5, 0.5, -1, 1},
	}
	var losses []float32
	for i := 0; i < k; i++ {
		out, err := n.p.Step(feeds)
		if err != nil {
			t.Fatal(err)
		}
		losses = append(losses, out[n.loss][0])
	}
	return losses
}

// A checkpoint taken from a device store half-way through training and
// restored into a fresh program continues exactly as the original does.
func TestDeviceResume(t *testing.T) {
	lib := vulkan.NewLibrary(vktest.Open(t))
	a := newTinyNet(t, lib, 1)
	a.steps(t, 3)
	if err := a.dp.Download(a.ps); err != nil {
		t.Fatal(err)
	}
	c, err := FromParams(model.MNIST28(), a.ps, a.dp)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Adam) != 4 || c.Adam[0].Steps != 3 {
		t.Fatalf("checkpoint holds %d Adam entries (first: %d steps), want 4 with 3 steps", len(c.Adam), c.Adam[0].Steps)
	}
	c.Train = TrainState{Epoch: 1, Iteration: 3, BestValMSE: math.Inf(1), Threshold: math.NaN()}
	path := filepath.Join(t.TempDir(), "tiny.ckpt")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	want := a.steps(t, 3)

	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b := newTinyNet(t, lib, 2) // other initial values
	if err := loaded.Restore(b.ps, b.dp); err != nil {
		t.Fatal(err)
	}
	if err := b.dp.Upload(b.ps); err != nil {
		t.Fatal(err)
	}
	got := b.steps(t, 3)
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("resumed losses %v, uninterrupted %v", got, want)
		}
	}
}
