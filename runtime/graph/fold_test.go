package graph

import (
	"math"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// foldNet is a small Eval network with batch norms after convs:
//
//	x [3,3,7,9] → conv 3×3/2 pad 1 (5 ch, bias?) = c1 → BN1 → leaky ReLU 0.2
//	→ conv-transpose 4×4/2 pad 1 (3 ch, no bias) = c2 → BN2 → tanh = y
//
// share adds c1 to the conv-transpose output (c1 then has two readers);
// outC1 makes c1 an output.
type foldNet struct {
	g      *Graph
	x      *Tensor
	c1, y  *Tensor
	bnSt   []*Tensor
	output []*Tensor
}

func buildFoldNet(t *testing.T, mode Mode, bias, share, outC1 bool) *foldNet {
	t.Helper()
	ps := NewParamSet()
	g := New(ps, mode)
	n := &foldNet{g: g, x: g.Input("x", 3, 3, 7, 9)}
	w1 := g.Param("enc.conv1.weight", []int{5, 3, 3, 3}, InitNormal(0, 0.02))
	var b1 *Tensor
	if bias {
		b1 = g.Param("enc.conv1.bias", []int{5}, InitZeros())
	}
	bn := func(name string, c int, x *Tensor) *Tensor {
		rm := g.State(name+".running_mean", []int{c}, InitZeros())
		rv := g.State(name+".running_var", []int{c}, InitOnes())
		n.bnSt = append(n.bnSt, rm, rv)
		return g.BatchNorm(x, g.Param(name+".gamma", []int{c}, InitOnes()), g.Param(name+".beta", []int{c}, InitZeros()),
			rm, rv, kernels.DefaultBatchNormMomentum, kernels.DefaultBatchNormEps)
	}
	n.c1 = g.Conv2D(n.x, w1, b1, 2, 1)
	h := g.LeakyReLU(bn("enc.bn1", 5, n.c1), 0.2)
	w2 := g.Param("dec.convt1.weight", []int{5, 3, 4, 4}, InitNormal(0, 0.02))
	c2 := g.ConvTranspose2D(h, w2, nil, 2, 1, 0)
	n.y = g.Tanh(bn("dec.bn1", 3, c2))
	if share {
		w3 := g.Param("dec.convt2.weight", []int{5, 3, 4, 4}, InitNormal(0, 0.02))
		n.y = g.Add(n.y, g.ConvTranspose2D(n.c1, w3, nil, 2, 1, 0))
	}
	n.output = []*Tensor{n.y}
	if outC1 {
		n.output = append(n.output, n.c1)
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	rng := kerneltest.NewRand(7)
	randomizeParams(t, ps, rng, 0.5)
	for i, s := range n.bnSt {
		v := randSlice(rng, s.Len(), 0.5)
		if i%2 == 1 { // running var in [0.1, 1.1)
			for j := range v {
				v[j] += 0.6
			}
		}
		if err := ps.Set(s.name, v); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestFoldBatchNorm(t *testing.T) {
	for _, tc := range []struct {
		name               string
		bias, share, outC1 bool
		pairs              []string
	}{
		{"conv with bias", true, false, false, []string{"enc.conv1+enc.bn1", "dec.convt1+dec.bn1"}},
		{"conv without bias", false, false, false, []string{"enc.conv1+enc.bn1", "dec.convt1+dec.bn1"}},
		{"conv output read twice", true, true, false, []string{"dec.convt1+dec.bn1"}},
		{"conv output is an output", true, false, true, []string{"dec.convt1+dec.bn1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := buildFoldNet(t, Eval, tc.bias, tc.share, tc.outC1)
			f, err := FoldBatchNorm(n.g, n.output)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(f.Pairs, ",") != strings.Join(tc.pairs, ",") {
				t.Fatalf("folded %q, want %q", f.Pairs, tc.pairs)
			}
			bns := 0
			for _, nd := range f.Graph.Nodes() {
				if _, ok := nd.Op().(BatchNormEvalOp); ok {
					bns++
				}
			}
			if want := 2 - len(tc.pairs); bns != want {
				t.Fatalf("%d batch norms left, want %d", bns, want)
			}
			x := randSlice(kerneltest.NewRand(3), n.x.Len(), 1)
			want := mustRun(t, n.g, 0, map[*Tensor][]float32{n.x: x}, n.output...)
			outs := make([]*Tensor, len(n.output))
			for i, o := range n.output {
				outs[i] = f.Tensors[o]
			}
			got := mustRun(t, f.Graph, 0, map[*Tensor][]float32{f.Tensors[n.x]: x}, outs...)
			for i, o := range n.output {
				if e := kerneltest.RelL2(got[outs[i]], want[o]); !(e <= 1e-5) {
					t.Errorf("output %v: relative error %.3g > 1e-5", o, e)
				}
			}
		})
	}
}

func TestFoldBatchNormKeepsValues(t *testing.T) {
	n := buildFoldNet(t, Eval, true, false, false)
	f, err := FoldBatchNorm(n.g, n.output)
	if err != nil {
		t.Fatal(err)
	}
	ps := f.Graph.Params()
	for _, name := range []string{"enc.bn1.gamma", "dec.bn1.running_var"} {
		if ps.Role(name) != 0 {
			t.Errorf("the folded graph's ParamSet holds %q, which no node reads", name)
		}
	}
	w := n.g.Params().Get("dec.convt1.weight")
	if got := ps.Get("dec.convt1.weight"); got != nil {
		t.Errorf("the folded graph's ParamSet holds the unfolded weight (%d values)", len(got))
	}
	// Changing the original ParamSet afterwards does not change the copy.
	for i := range w {
		w[i] = 0
	}
	if err := n.g.Params().Set("dec.convt1.weight", w); err != nil {
		t.Fatal(err)
	}
	fw := ps.Get("dec.convt1+dec.bn1.weight")
	if kerneltest.L2(fw) == 0 || math.IsNaN(kerneltest.L2(fw)) {
		t.Fatalf("folded weight %v", fw)
	}
}

func TestFoldBatchNormRefuses(t *testing.T) {
	train := buildFoldNet(t, Train, true, false, false)
	withGrads := buildFoldNet(t, Eval, true, false, false)
	loss := withGrads.g.Mean(withGrads.y)
	if _, err := withGrads.g.Gradients(loss, withGrads.x); err != nil {
		t.Fatal(err)
	}
	clash := buildFoldNet(t, Eval, true, false, false)
	clash.g.Param("enc.conv1+enc.bn1.bias", []int{5}, InitZeros())
	for _, tc := range []struct {
		name string
		g    *Graph
		out  []*Tensor
		want string
	}{
		{"nil graph", nil, nil, "nil graph"},
		{"train graph", train.g, train.output, "only Eval graphs fold"},
		{"gradients", withGrads.g, []*Tensor{loss}, "only forward-only graphs fold"},
		{"folded name taken", clash.g, clash.output, `"enc.conv1+enc.bn1.bias" is already a parameter`},
		{"foreign output", clash.g, train.output, "belongs to another graph"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FoldBatchNorm(tc.g, tc.out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestFoldBatchNormSharedWeight: one conv weight used by two convs, each
// followed by its own batch norm and both with the same batch-norm
// parameters, folds into two convs with their own folded weights.
func TestFoldBatchNormSharedWeight(t *testing.T) {
	ps := NewParamSet()
	g := New(ps, Eval)
	x := g.Input("x", 2, 3, 5, 7)
	w := g.Param("enc.conv1.weight", []int{4, 3, 3, 3}, InitNormal(0, 0.02))
	gm := g.Param("enc.bn1.gamma", []int{4}, InitOnes())
	bt := g.Param("enc.bn1.beta", []int{4}, InitZeros())
	rm := g.State("enc.bn1.running_mean", []int{4}, InitZeros())
	rv := g.State("enc.bn1.running_var", []int{4}, InitOnes())
	rm2 := g.State("enc.bn1b.running_mean", []int{4}, InitZeros())
	rv2 := g.State("enc.bn1b.running_var", []int{4}, InitOnes())
	eps := float32(kernels.DefaultBatchNormEps)
	y1 := g.BatchNorm(g.Conv2D(x, w, nil, 1, 1), gm, bt, rm, rv, 0.1, eps)
	y2 := g.BatchNorm(g.Conv2D(x, w, nil, 2, 0), gm, bt, rm2, rv2, 0.1, eps)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	rng := kerneltest.NewRand(11)
	randomizeParams(t, ps, rng, 0.5)
	for i, name := range []string{"enc.bn1.running_mean", "enc.bn1.running_var", "enc.bn1b.running_mean", "enc.bn1b.running_var"} {
		v := randSlice(rng, 4, 0.4)
		for j := range v {
			v[j] += float32(i%2) * 0.6
		}
		if err := ps.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	f, err := FoldBatchNorm(g, []*Tensor{y1, y2})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Pairs) != 2 || f.Pairs[0] == f.Pairs[1] {
		t.Fatalf("folded pairs %q, want two distinct", f.Pairs)
	}
	in := randSlice(rng, x.Len(), 1)
	want := mustRun(t, g, 0, map[*Tensor][]float32{x: in}, y1, y2)
	got := mustRun(t, f.Graph, 0, map[*Tensor][]float32{f.Tensors[x]: in}, f.Tensors[y1], f.Tensors[y2])
	for _, y := range []*Tensor{y1, y2} {
		if e := kerneltest.RelL2(got[f.Tensors[y]], want[y]); !(e <= 1e-5) {
			t.Errorf("output %v: relative error %.3g > 1e-5", y, e)
		}
	}
}
