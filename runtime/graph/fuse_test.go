package graph

import (
	"slices"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// fuseNet is a small network with every fusable pattern and some that are
// not:
//
//	x [3,2,7,5] → conv 3×3/2 pad 1 (+bias) = c1 → act1 = h1
//	→ conv-transpose 4×4/2 pad 1 = c2 → tanh = h2
//	→ conv 3×3/1 pad 1 = c3 → batch norm → ReLU = h3
//	→ reshape [3, F] → dense (+bias) = d → sigmoid = s
//
// and, in a Train graph, the MSE of s against an input target and the
// gradients of every parameter.
type fuseNet struct {
	g         *Graph
	x, target *Tensor
	c1, s     *Tensor
	loss      *Tensor
	feeds     map[*Tensor][]float32
	keep      []*Tensor // s; in Train also the loss and the gradients
	params    []*Tensor
}

func buildFuseNet(t *testing.T, mode Mode, act1 kernels.ActivationParams, extraReader bool) *fuseNet {
	t.Helper()
	ps := NewParamSet()
	g := New(ps, mode)
	n := &fuseNet{g: g}
	n.x = g.Input("x", 3, 2, 7, 5)
	w1 := g.Param("c1.weight", []int{5, 2, 3, 3}, InitNormal(0, 0.3))
	b1 := g.Param("c1.bias", []int{5}, InitNormal(0, 0.3))
	w2 := g.Param("c2.weight", []int{5, 3, 4, 4}, InitNormal(0, 0.3))
	w3 := g.Param("c3.weight", []int{4, 3, 3, 3}, InitNormal(0, 0.3))
	gamma := g.Param("bn.gamma", []int{4}, InitOnes())
	beta := g.Param("bn.beta", []int{4}, InitZeros())
	rm := g.State("bn.running_mean", []int{4}, InitZeros())
	rv := g.State("bn.running_var", []int{4}, InitOnes())
	n.c1 = g.Conv2D(n.x, w1, b1, 2, 1)
	h1 := g.activation(n.c1, act1)
	c2 := g.ConvTranspose2D(h1, w2, nil, 2, 1, 0)
	h2 := g.Tanh(c2)
	if extraReader {
		h2 = g.Add(h2, c2)
	}
	c3 := g.Conv2D(h2, w3, nil, 1, 1)
	h3 := g.ReLU(g.BatchNorm(c3, gamma, beta, rm, rv, kernels.DefaultBatchNormMomentum, kernels.DefaultBatchNormEps))
	flat := g.Reshape(h3, 3, -1)
	w4 := g.Param("d.weight", []int{6, flat.Shape()[1]}, InitNormal(0, 0.1))
	b4 := g.Param("d.bias", []int{6}, InitNormal(0, 0.1))
	n.s = g.Sigmoid(g.Dense(flat, w4, b4))
	n.params = []*Tensor{w1, b1, w2, w3, gamma, beta, w4, b4}
	rng := kerneltest.NewRand(5)
	randomizeParams(t, ps, rng, 0.5)
	n.feeds = map[*Tensor][]float32{n.x: randSlice(rng, 3*2*7*5, 1)}
	n.keep = []*Tensor{n.s}
	if mode == Train {
		n.target = g.Input("target", 3, 6)
		n.feeds[n.target] = randSlice(rng, 18, 1)
		n.loss = g.MSELoss(n.s, n.target)
		grads, err := g.Gradients(n.loss, n.params...)
		if err != nil {
			t.Fatal(err)
		}
		n.keep = append(n.keep, n.loss)
		for _, p := range n.params {
			n.keep = append(n.keep, grads[p])
		}
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// runNodes runs nodes (a FuseEpilogues list) on the references.
func runNodes(t *testing.T, g *Graph, nodes []*Node, feeds map[*Tensor][]float32) Values {
	t.Helper()
	vals := Values{}
	for k, v := range feeds {
		vals[k] = v
	}
	var r RefBackend
	for _, n := range nodes {
		in := make([][]float32, len(n.inputs))
		for i, x := range n.inputs {
			v, ok := vals[x]
			if !ok && (x.role == Param || x.role == State) {
				v = g.ps.Get(x.name)
				vals[x] = v
			}
			if v == nil {
				t.Fatalf("%v: input %v has no value", n, x)
			}
			in[i] = v
		}
		out, err := r.exec(g.ps, n, in)
		if err != nil {
			t.Fatalf("%v: %v", n, err)
		}
		for i, o := range n.outputs {
			vals[o] = out[i]
		}
	}
	return vals
}

func TestFuseEpilogues(t *testing.T) {
	leaky := kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: 0.2}
	negLeaky := kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: -0.3}
	relu := kernels.ActivationParams{Kind: kernels.ReLU}
	for _, tc := range []struct {
		name        string
		mode        Mode
		act1        kernels.ActivationParams
		extraReader bool // c2 also read by an Add
		keepC1      bool
		want        []string
	}{
		{"eval_leaky", Eval, leaky, false, false, []string{"c1+leaky_relu#1", "c2+tanh#3", "d+sigmoid#9"}},
		{"eval_negative_slope", Eval, negLeaky, false, false, []string{"c1+leaky_relu#1", "c2+tanh#3", "d+sigmoid#9"}},
		{"eval_c1_kept", Eval, leaky, false, true, []string{"c2+tanh#3", "d+sigmoid#9"}},
		{"eval_c2_read_twice", Eval, leaky, true, false, []string{"c1+leaky_relu#1", "d+sigmoid#10"}},
		{"train_leaky", Train, leaky, false, false, []string{"c1+leaky_relu#1", "c2+tanh#3", "d+sigmoid#9"}},
		{"train_relu", Train, relu, false, false, []string{"c1+relu#1", "c2+tanh#3", "d+sigmoid#9"}},
		// leaky ReLU with a negative slope: its backward needs c1 itself.
		{"train_negative_slope", Train, negLeaky, false, false, []string{"c2+tanh#3", "d+sigmoid#9"}},
		{"train_c2_read_twice", Train, leaky, true, false, []string{"c1+leaky_relu#1", "d+sigmoid#10"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := buildFuseNet(t, tc.mode, tc.act1, tc.extraReader)
			keep := n.keep
			if tc.keepC1 {
				keep = append(keep, n.c1)
			}
			f, err := FuseEpilogues(n.g, keep)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.Pairs, tc.want) {
				t.Fatalf("fused %q, want %q", f.Pairs, tc.want)
			}
			if got, want := len(f.Nodes), len(n.g.nodes)-len(tc.want); got != want {
				t.Errorf("%d nodes, want %d", got, want)
			}
			// Nothing the kept tensors or any node of the list needs has
			// vanished, and no node reads a pre-activation that was fused.
			written := map[*Tensor]bool{}
			for _, nd := range f.Nodes {
				for _, in := range nd.inputs {
					if in.node != nil && !written[in] {
						t.Fatalf("%v reads %v, which no earlier node writes", nd, in)
					}
				}
				for _, o := range nd.outputs {
					written[o] = true
				}
			}
			for _, k := range keep {
				if k.node != nil && !written[k] {
					t.Fatalf("kept tensor %v is not computed", k)
				}
			}
			// The original graph is unchanged.
			if len(n.g.Nodes()) == len(f.Nodes) {
				t.Fatalf("the graph's own node list changed")
			}

			// Batch norm in Train updates its running statistics: run both
			// from the same state.
			ps := n.g.ps
			saved := map[string][]float32{}
			for _, name := range ps.Names() {
				saved[name] = ps.Get(name)
			}
			want := mustRun(t, n.g, 1, n.feeds)
			for name, v := range saved {
				if err := ps.Set(name, v); err != nil {
					t.Fatal(err)
				}
			}
			got := runNodes(t, n.g, f.Nodes, n.feeds)
			for _, k := range keep {
				if e := kerneltest.RelL2(got[k], want[k]); !(e <= kerneltest.Tolerance) {
					t.Errorf("%v: relative error %g between fused and unfused", k, e)
				}
			}
		})
	}
}

func TestFuseEpiloguesErrors(t *testing.T) {
	if _, err := FuseEpilogues(nil, nil); err == nil {
		t.Error("nil graph: no error")
	}
	n := buildFuseNet(t, Eval, kernels.ActivationParams{Kind: kernels.ReLU}, false)
	other := buildFuseNet(t, Eval, kernels.ActivationParams{Kind: kernels.ReLU}, false)
	if _, err := FuseEpilogues(n.g, []*Tensor{other.s}); err == nil {
		t.Error("kept tensor of another graph: no error")
	}
	failed := New(NewParamSet(), Eval)
	failed.Conv2D(failed.Input("x", 1, 1, 2, 2), failed.Input("w", 1, 2, 1, 1), nil, 1, 0)
	if _, err := FuseEpilogues(failed, nil); err == nil {
		t.Error("graph with an error: no error")
	}
}
