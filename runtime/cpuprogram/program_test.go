package cpuprogram

import (
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/refprogram"
)

func openBackend(t *testing.T) *Backend {
	t.Helper()
	be, err := Open(cpu.Options{})
	if err != nil {
		t.Fatalf("opening the native CPU backend (run `make test` to install its SGEMM library): %v", err)
	}
	t.Cleanup(func() { be.Close() })
	return be
}

// denseNet is a dense layer with a loss, its parameter gradients and an
// Adam over them, on its own ParamSet initialised from seed 1.
type denseNet struct {
	g       *graph.Graph
	x, loss *graph.Tensor
	w       *graph.Tensor
	adam    *backend.Adam
}

func newDenseNet(t *testing.T) denseNet {
	t.Helper()
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	x := g.Input("x", 3, 5)
	w := g.Param("fc.weight", []int{2, 5}, graph.InitNormal(0, 0.5))
	b := g.Param("fc.bias", []int{2}, graph.InitZeros())
	loss := g.MSELoss(g.Tanh(g.Dense(x, w, b)), g.Input("target", 3, 2))
	grads, err := g.Gradients(loss, w, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(1); err != nil {
		t.Fatal(err)
	}
	a := backend.NewAdam(grads)
	a.LR = 0.05
	return denseNet{g: g, x: x, loss: loss, w: w, adam: a}
}

func (n denseNet) feeds() map[*graph.Tensor][]float32 {
	f := map[*graph.Tensor][]float32{}
	for i, t := range n.g.Tensors() {
		if t.Role() == graph.Input {
			v := make([]float32, t.Len())
			for j := range v {
				v[j] = float32((i*7+j*3)%11)/11 - 0.4
			}
			f[t] = v
		}
	}
	return f
}

// TestTrainingMatchesReferenceAndSharesParams trains a small net with Adam
// on the CPU and on the references, and checks that a second program
// compiled on the same Params sees the trained weights and the Adam state.
func TestTrainingMatchesReferenceAndSharesParams(t *testing.T) {
	be := openBackend(t)
	ref, cpuNet := newDenseNet(t), newDenseNet(t)
	rp, err := refprogram.Compile(ref.g, backend.Options{Outputs: []*graph.Tensor{ref.loss}, Adam: ref.adam})
	if err != nil {
		t.Fatal(err)
	}
	store, err := be.NewParams(cpuNet.g.Params())
	if err != nil {
		t.Fatal(err)
	}
	p, err := be.Compile(cpuNet.g, backend.Options{Outputs: []*graph.Tensor{cpuNet.loss, cpuNet.w}, Adam: cpuNet.adam, Params: store, Poison: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	var first, last float32
	for step := 0; step < 8; step++ {
		want, err := rp.Step(ref.feeds())
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Step(cpuNet.feeds())
		if err != nil {
			t.Fatal(err)
		}
		kerneltest.ExpectClose(t, "loss", got[cpuNet.loss], want[ref.loss])
		if step == 0 {
			first = got[cpuNet.loss][0]
		}
		last = got[cpuNet.loss][0]
	}
	if !(last < first) {
		t.Errorf("loss %v -> %v: did not train", first, last)
	}
	st, err := store.AdamState("fc.weight")
	if err != nil || st.Steps != 8 {
		t.Fatalf("adam state: %+v, %v (want 8 steps)", st, err)
	}
	// A second program on the same store reads the trained weights.
	eval := graph.New(cpuNet.g.Params(), graph.Eval)
	w := eval.Param("fc.weight", []int{2, 5}, graph.InitNormal(0, 0.5))
	y := eval.Scale(w, 1)
	q, err := be.Compile(eval, backend.Options{Outputs: []*graph.Tensor{y}, Params: store})
	if err != nil {
		t.Fatal(err)
	}
	out, err := q.Step(map[*graph.Tensor][]float32{})
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParamSet()
	g2 := graph.New(ps, graph.Train)
	g2.Param("fc.weight", []int{2, 5}, graph.InitZeros())
	g2.Param("fc.bias", []int{2}, graph.InitZeros())
	if err := store.Download(ps); err != nil {
		t.Fatal(err)
	}
	kerneltest.BitEqual(t, "weights seen by a second program", out[y], ps.Get("fc.weight"))
	kerneltest.ExpectClose(t, "trained weights", ps.Get("fc.weight"), ref.g.Params().Get("fc.weight"))
}

func TestCompileAndStepRejectBadArguments(t *testing.T) {
	be := openBackend(t)
	n := newDenseNet(t)
	other := newDenseNet(t)
	otherStore, _ := be.NewParams(other.g.Params())
	refStore, _ := refprogram.NewParams(n.g.Params())
	for _, c := range []struct {
		name string
		opts backend.Options
		want string
	}{
		{"another ParamSet", backend.Options{Params: otherStore}, "another ParamSet"},
		{"another backend's store", backend.Options{Params: refStore}, "not a CPU *Params"},
		{"foreign output", backend.Options{Outputs: []*graph.Tensor{other.loss}}, "not a tensor of the graph"},
	} {
		_, err := be.Compile(n.g, c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	p, err := be.Compile(n.g, backend.Options{Outputs: []*graph.Tensor{n.loss}})
	if err != nil {
		t.Fatal(err)
	}
	feeds := n.feeds()
	short := map[*graph.Tensor][]float32{}
	for k, v := range feeds {
		short[k] = v
	}
	short[n.x] = short[n.x][:4]
	if _, err := p.Step(short); err == nil || !strings.Contains(err.Error(), "has 4 values, want 15") {
		t.Errorf("short feed: %v", err)
	}
	delete(short, n.x)
	if _, err := p.Step(short); err == nil || !strings.Contains(err.Error(), "is not fed") {
		t.Errorf("missing feed: %v", err)
	}
	p.Free()
	if _, err := p.Step(feeds); err == nil || !strings.Contains(err.Error(), "freed") {
		t.Errorf("step after Free: %v", err)
	}
}
