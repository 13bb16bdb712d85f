package graph

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// TestTrainEvalShareParams checks that a Train and an Eval graph of the same
// network read the same ParamSet, and differ in batch norm.
func TestTrainEvalShareParams(t *testing.T) {
	ps := NewParamSet()
	tr, ev := buildAE(ps, Train), buildAE(ps, Eval)
	if err := tr.g.Err(); err != nil {
		t.Fatal(err)
	}
	if err := ev.g.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ps.Names()) != 10 {
		t.Errorf("two graphs of one network declared %d names, want 10: %v", len(ps.Names()), ps.Names())
	}
	if err := ps.Init(7); err != nil {
		t.Fatal(err)
	}
	feeds := func(n *aeNet) map[*Tensor][]float32 { return n.feeds(kerneltest.NewRand(3)) }

	// A Set through the ParamSet is seen by both graphs.
	advT := mustRun(t, tr.g, 0, feeds(tr), tr.adv)[tr.adv][0]
	advE := mustRun(t, ev.g, 0, feeds(ev), ev.adv)[ev.adv][0]
	if err := ps.Set("disc.fc.bias", []float32{3}); err != nil {
		t.Fatal(err)
	}
	if got := mustRun(t, tr.g, 0, feeds(tr), tr.adv)[tr.adv][0]; got == advT {
		t.Error("the train graph does not see the new discriminator bias")
	}
	if got := mustRun(t, ev.g, 0, feeds(ev), ev.adv)[ev.adv][0]; got == advE {
		t.Error("the eval graph does not see the new discriminator bias")
	}

	// Eval: batch norm with the running statistics, which do not change.
	rm0, rv0 := []float32{0.3, -0.1, 0.2}, []float32{2, 0.5, 1.5}
	for name, v := range map[string][]float32{"enc.bn1.running_mean": rm0, "enc.bn1.running_var": rv0} {
		if err := ps.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	ve := mustRun(t, ev.g, 0, feeds(ev))
	convE := ve[ev.g.Nodes()[0].Outputs()[0]]
	p := kernels.NewBatchNorm2DParams(2, 3, 3, 3)
	wantE, err := kernels.BatchNormEvalForward(p, convE, ps.Get("enc.bn1.gamma"), ps.Get("enc.bn1.beta"), rm0, rv0)
	if err != nil {
		t.Fatal(err)
	}
	if bnE := ve[ev.g.Nodes()[1].Outputs()[0]]; !kerneltest.SameBits(bnE, wantE) {
		t.Errorf("eval batch norm output differs from kernels.BatchNormEvalForward")
	}
	if !kerneltest.SameBits(ps.Get("enc.bn1.running_mean"), rm0) || !kerneltest.SameBits(ps.Get("enc.bn1.running_var"), rv0) {
		t.Error("an eval run changed the running statistics")
	}

	// Train: batch statistics, and the running statistics are updated in
	// the shared ParamSet, exactly as kernels.BatchNormTrainForward does.
	vt := mustRun(t, tr.g, 0, feeds(tr))
	convT := vt[tr.g.Nodes()[0].Outputs()[0]]
	rm, rv := append([]float32(nil), rm0...), append([]float32(nil), rv0...)
	wantT, _, err := kernels.BatchNormTrainForward(p, convT, ps.Get("enc.bn1.gamma"), ps.Get("enc.bn1.beta"), rm, rv)
	if err != nil {
		t.Fatal(err)
	}
	if bnT := vt[tr.g.Nodes()[1].Outputs()[0]]; !kerneltest.SameBits(bnT, wantT) {
		t.Error("train batch norm output differs from kernels.BatchNormTrainForward")
	}
	if !kerneltest.SameBits(ps.Get("enc.bn1.running_mean"), rm) || !kerneltest.SameBits(ps.Get("enc.bn1.running_var"), rv) {
		t.Errorf("running stats after a train run: %v %v, want %v %v",
			ps.Get("enc.bn1.running_mean"), ps.Get("enc.bn1.running_var"), rm, rv)
	}
	if kerneltest.SameBits(vt[tr.xr], ve[ev.xr]) {
		t.Error("train and eval reconstructions are identical")
	}
	// The eval graph now sees the updated statistics.
	ve2 := mustRun(t, ev.g, 0, feeds(ev), ev.xr)
	if kerneltest.SameBits(ve2[ev.xr], ve[ev.xr]) {
		t.Error("the eval graph does not see the running statistics the train graph updated")
	}
}

func TestDropoutModes(t *testing.T) {
	ps := NewParamSet()
	x := make([]float32, 400)
	for i := range x {
		x[i] = 1 + float32(i%7)
	}
	for _, mode := range []Mode{Train, Eval} {
		g := New(ps, mode)
		in := g.Input("x", 4, 100)
		y := g.Dropout(in, 0.5, 11)
		if err := g.Err(); err != nil {
			t.Fatal(err)
		}
		feeds := map[*Tensor][]float32{in: x}
		v := mustRun(t, g, 3, feeds)
		if mode == Eval {
			if y != in || len(g.Nodes()) != 0 {
				t.Errorf("eval dropout is not the identity: %v, %d nodes", y, len(g.Nodes()))
			}
			continue
		}
		dropped := 0
		for i, o := range v[y] {
			switch o {
			case 0:
				dropped++
			case 2 * x[i]:
			default:
				t.Fatalf("train dropout element %d: %v from %v", i, o, x[i])
			}
		}
		if dropped < 150 || dropped > 250 {
			t.Errorf("dropped %d of 400 with p = 0.5", dropped)
		}
		if same := mustRun(t, g, 3, feeds)[y]; !kerneltest.SameBits(same, v[y]) {
			t.Error("the same counter gives another mask")
		}
		if other := mustRun(t, g, 4, feeds)[y]; kerneltest.SameBits(other, v[y]) {
			t.Error("another counter gives the same mask")
		}
	}
}
