package program

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestMiningGradientMatchesReference runs OCGAN's informative-negative
// mining path (adapted from runtime/graph's nets_test.go): dense → sigmoid →
// reshape → conv-transpose → tanh → conv (bias) → BN on [N,C] → ReLU →
// dropout → dense → per-sample BCE → mean, differentiated with respect to
// its latent input, with no optimizer. It covers the ops the training
// network does not, over several counters.
func TestMiningGradientMatchesReference(t *testing.T) {
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	l := g.Input("latent", 3, 8)
	lbl := g.Input("label", 3, 1)
	wl := g.Param("dec.fc.weight", []int{12, 8}, graph.InitNormal(0, 0.3))
	w2 := g.Param("dec.convt.weight", []int{3, 2, 2, 2}, graph.InitNormal(0, 0.3))
	wc := g.Param("cls.conv.weight", []int{4, 2, 3, 3}, graph.InitNormal(0, 0.3))
	bc := g.Param("cls.conv.bias", []int{4}, graph.InitNormal(0, 0.1))
	gm := g.Param("cls.bn.gamma", []int{4}, graph.InitNormal(1, 0.02))
	bt := g.Param("cls.bn.beta", []int{4}, graph.InitZeros())
	rm := g.State("cls.bn.running_mean", []int{4}, graph.InitZeros())
	rv := g.State("cls.bn.running_var", []int{4}, graph.InitOnes())
	wf := g.Param("cls.fc.weight", []int{1, 4}, graph.InitNormal(0, 0.3))
	h := g.Sigmoid(g.Dense(l, wl, nil))
	h = g.Tanh(g.ConvTranspose2D(g.Reshape(h, 3, 3, 2, 2), w2, nil, 2, 0, 0))
	h = g.Reshape(g.Conv2D(h, wc, bc, 2, 0), 3, 4)
	h = g.BatchNorm(h, gm, bt, rm, rv, 0.1, 1e-5)
	h = g.Dropout(g.ReLU(h), 0.25, 99)
	perSample := g.BCEWithLogitsLossPerSample(g.Dense(h, wf, nil), lbl)
	loss := g.Mean(perSample)
	grads, err := g.Gradients(loss, l)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(11); err != nil {
		t.Fatal(err)
	}
	gl := grads[l]
	lib := newLib(t)
	p := mustCompile(t, lib, g, Options{Outputs: []*graph.Tensor{loss, perSample, gl}})
	feeds := map[*graph.Tensor][]float32{l: kernels.FillUniform(24, 11, 5), lbl: {1, 0, 1}}
	for step := 0; step < 4; step++ {
		// Each side updates its own copy of the running statistics (the
		// ParamSet, the device buffers) once per step.
		want, err := graph.RefBackend{Counter: uint64(step)}.Run(g, feeds)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Step(feeds)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range []*graph.Tensor{loss, perSample, gl} {
			if e := kerneltest.RelL2(got[x], want[x]); !(e <= lossTolerance) || hasNaN(got[x]) {
				t.Errorf("step %d: %s: relative L2 %.3g > %g\n got %v\nwant %v", step, x.Name(), e, lossTolerance, got[x], want[x])
			}
		}
		if math.Float32bits(got[gl][0]) == 0 {
			t.Errorf("step %d: zero gradient", step)
		}
	}
	// The running statistics followed the same four updates.
	for _, st := range []*graph.Tensor{rm, rv} {
		v, err := p.Params().bufs[st.Name()].Float32s()
		if err != nil {
			t.Fatal(err)
		}
		if e := kerneltest.RelL2(v, ps.Get(st.Name())); !(e <= lossTolerance) {
			t.Errorf("%s: relative L2 %.3g after 4 steps", st.Name(), e)
		}
	}
}
