package program

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestFrozenParamsBitIdentical trains the auto-encoder only: the
// discriminator's parameters, which are not in the optimizer, come back bit
// for bit as they went in, while the trained ones (and the batch-norm
// running statistics) change and still match the reference.
func TestFrozenParamsBitIdentical(t *testing.T) {
	const steps = 3
	ae := func(n *aeNet) []*graph.Tensor { return n.ae() }
	refLosses, refPS, _ := refTrain(t, steps, ae)
	lib := newLib(t)
	p, n := compileNet(t, lib, false, ae)
	initial := graph.NewParamSet()
	buildAE(initial, graph.Train)
	if err := initial.Init(trainSeed); err != nil {
		t.Fatal(err)
	}
	for _, nd := range n.g.Nodes() {
		if k := nd.Op().Kind(); k == "dense_backward_weight" || k == "dense_backward_bias" {
			t.Fatalf("the frozen discriminator has gradient node %v", nd)
		}
	}
	compareTraining(t, p, n, refLosses, refPS)

	got := graph.NewParamSet()
	buildAE(got, graph.Train)
	if err := p.Params().Download(got); err != nil {
		t.Fatal(err)
	}
	for _, w := range n.disc {
		if !kerneltest.SameBits(got.Get(w.Name()), initial.Get(w.Name())) {
			t.Errorf("frozen %v changed", w)
		}
	}
	for _, w := range append(n.ae(), n.bnSt...) {
		if kerneltest.SameBits(got.Get(w.Name()), initial.Get(w.Name())) {
			t.Errorf("%v did not change", w)
		}
	}
	if names := p.Params().AdamNames(); len(names) != len(n.ae()) {
		t.Errorf("adam state for %v, want the %d auto-encoder parameters only", names, len(n.ae()))
	}
}
