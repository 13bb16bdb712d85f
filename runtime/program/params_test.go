package program

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestSharedParamsAcrossPrograms compiles a Train program and an Eval
// program of the same network against one DeviceParams: the Eval program
// sees the Train program's updates (parameters and running statistics)
// without any copy, and agrees with the reference on the downloaded values.
func TestSharedParamsAcrossPrograms(t *testing.T) {
	lib := newLib(t)
	ps := graph.NewParamSet()
	train := buildAE(ps, graph.Train)
	eval := buildAE(ps, graph.Eval)
	grads, err := train.g.Gradients(train.loss, train.params()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(7); err != nil {
		t.Fatal(err)
	}
	dp, err := NewDeviceParams(lib.Context(), ps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dp.Free)
	adam := NewAdam(grads)
	adam.LR = 1e-2
	tp := mustCompile(t, lib, train.g, Options{Params: dp, Adam: adam, Outputs: []*graph.Tensor{train.loss}})
	ep := mustCompile(t, lib, eval.g, Options{Params: dp, Outputs: []*graph.Tensor{eval.xr, eval.rec}})

	feeds := train.batch(7)
	evalFeeds := map[*graph.Tensor][]float32{eval.x: feeds[train.x], eval.label: feeds[train.label]}
	before, err := ep.Step(evalFeeds)
	if err != nil {
		t.Fatal(err)
	}
	rec0 := before[eval.rec][0]
	for i := 0; i < 5; i++ {
		if _, err := tp.Step(feeds); err != nil {
			t.Fatal(err)
		}
	}
	after, err := ep.Step(evalFeeds)
	if err != nil {
		t.Fatal(err)
	}
	if after[eval.rec][0] == rec0 {
		t.Fatalf("the eval program did not see the training: reconstruction loss %v before and after", rec0)
	}
	// The reference, on the values downloaded from the device.
	if err := dp.Download(ps); err != nil {
		t.Fatal(err)
	}
	want, err := graph.RefBackend{}.Run(eval.g, evalFeeds, eval.xr, eval.rec)
	if err != nil {
		t.Fatal(err)
	}
	if e := kerneltest.RelL2(after[eval.xr], want[eval.xr]); !(e <= lossTolerance) {
		t.Errorf("eval reconstruction after training: relative L2 %.3g > %g", e, lossTolerance)
	}
	t.Logf("eval reconstruction loss %.5f -> %.5f (reference %.5f)", rec0, after[eval.rec][0], want[eval.rec][0])
}

// TestCheckpointRoundTrip saves parameters, state, Adam moments, the Adam
// step and the RNG counter half-way through training, restores them into a
// fresh program, and checks that it continues exactly as the original did.
func TestCheckpointRoundTrip(t *testing.T) {
	lib := newLib(t)
	all := func(n *aeNet) []*graph.Tensor { return n.params() }
	p, n := compileNet(t, lib, false, all)
	feeds := n.batch(3)
	for i := 0; i < 4; i++ {
		if _, err := p.Step(feeds); err != nil {
			t.Fatal(err)
		}
	}
	// Save.
	saved := graph.NewParamSet()
	buildAE(saved, graph.Train)
	if err := p.Params().Download(saved); err != nil {
		t.Fatal(err)
	}
	adamSaved := map[string]AdamState{}
	for _, name := range p.Params().AdamNames() {
		st, err := p.Params().AdamState(name)
		if err != nil {
			t.Fatal(err)
		}
		adamSaved[name] = st
	}
	counter := p.Counter()
	var want []float32
	for i := 0; i < 4; i++ {
		v, err := p.Step(feeds)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, v[n.loss][0])
	}

	// Restore into a fresh program, whose store starts from the initial values.
	q, m := compileNet(t, lib, false, all)
	if err := q.Params().Upload(saved); err != nil {
		t.Fatal(err)
	}
	for name, st := range adamSaved {
		if err := q.Params().SetAdamState(name, st); err != nil {
			t.Fatal(err)
		}
	}
	q.SetCounter(counter)
	for i := 0; i < 4; i++ {
		v, err := q.Step(m.batch(3))
		if err != nil {
			t.Fatal(err)
		}
		if got := v[m.loss][0]; got != want[i] {
			t.Errorf("restored step %d: loss %v, the original gave %v", i, got, want[i])
		}
	}
	if st, err := q.Params().AdamState(n.disc[0].Name()); err != nil || st.Steps != 8 {
		t.Errorf("restored adam state: %+v, %v; want 8 steps", st.Steps, err)
	}
}
