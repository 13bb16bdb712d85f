package graph

import (
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// Finite-difference check of Gradients.
//
// The numeric gradient is the central difference (L(θ+h) − L(θ−h))/2h of the
// loss computed by RefBackend, i.e. with float32 tensors between ops (the
// kernels' float64 internals are not exported). Its errors:
//   - rounding: each op rounds its outputs to float32 (relative 2⁻²⁴ ≈ 6e-8);
//     the loss (~0.5) carries an absolute error of order 1e-8..1e-7, so the
//     difference quotient is off by δL/h ≈ 1e-6..1e-5 absolute per element;
//   - truncation: h²/6·|∂³L| ≈ 2e-5·|∂³L| with h = 1e-2 for the smooth ops;
//   - kinks: where a (leaky) ReLU input changes sign between θ−h and θ+h the
//     difference quotient is not a derivative at all. Those coordinates are
//     detected (the sign pattern of every ReLU input is compared at θ±h with
//     θ) and skipped; at most half of a tensor's coordinates may be skipped.
//
// Gradient elements are of order 1e-3..0.5. The check per wrt tensor, over
// the checked coordinates, is ||analytic − numeric||₂ ≤ fdTol·||numeric||₂ +
// fdAbs·sqrt(count): fdTol = 1e-3 and fdAbs = 1e-4 are ten or more times the
// errors above (observed relative errors are 1e-6..2e-4), while a wrong rule
// (a missing accumulation, a dropped term, a wrong factor) gives O(0.1..1).
// fdAbs matters only for gradients that are exactly zero, such as a conv bias
// followed by train-mode batch norm (the batch mean cancels it).
const (
	fdStep = 1e-2
	fdTol  = 1e-3
	fdAbs  = 1e-4
)

// fdCase is a graph, its loss, the tensors to differentiate and the feeds.
type fdCase struct {
	name  string
	build func(rng *rand.Rand) (g *Graph, loss *Tensor, wrt []*Tensor, feeds map[*Tensor][]float32)
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	cases := []fdCase{
		{"autoencoder+disc wrt input x (used twice)", func(rng *rand.Rand) (*Graph, *Tensor, []*Tensor, map[*Tensor][]float32) {
			ps := NewParamSet()
			n := buildAE(ps, Train)
			randomizeParams(t, ps, rng, 0.5)
			return n.g, n.loss, []*Tensor{n.x}, n.feeds(rng)
		}},
		{"autoencoder+disc wrt all params", func(rng *rand.Rand) (*Graph, *Tensor, []*Tensor, map[*Tensor][]float32) {
			ps := NewParamSet()
			n := buildAE(ps, Train)
			randomizeParams(t, ps, rng, 0.5)
			return n.g, n.loss, n.params(), n.feeds(rng)
		}},
		{"autoencoder+disc eval mode wrt params and input", func(rng *rand.Rand) (*Graph, *Tensor, []*Tensor, map[*Tensor][]float32) {
			ps := NewParamSet()
			n := buildAE(ps, Eval)
			randomizeParams(t, ps, rng, 0.5)
			if err := ps.Set("enc.bn1.running_mean", []float32{0.1, -0.2, 0.05}); err != nil {
				t.Fatal(err)
			}
			if err := ps.Set("enc.bn1.running_var", []float32{0.5, 1.5, 0.8}); err != nil {
				t.Fatal(err)
			}
			return n.g, n.loss, append(n.params(), n.x), n.feeds(rng)
		}},
		{"mining: decoder+classifier wrt latent input", func(rng *rand.Rand) (*Graph, *Tensor, []*Tensor, map[*Tensor][]float32) {
			ps := NewParamSet()
			n := buildMining(ps, Train)
			randomizeParams(t, ps, rng, 0.7)
			return n.g, n.loss, []*Tensor{n.l}, n.feeds(rng)
		}},
		{"mining: classifier params (dropout, BN 1-D, per-sample loss)", func(rng *rand.Rand) (*Graph, *Tensor, []*Tensor, map[*Tensor][]float32) {
			ps := NewParamSet()
			n := buildMining(ps, Train)
			randomizeParams(t, ps, rng, 0.7)
			return n.g, n.loss, n.classif, n.feeds(rng)
		}},
		{"weight used twice (per-sample MSE, mean)", func(rng *rand.Rand) (*Graph, *Tensor, []*Tensor, map[*Tensor][]float32) {
			ps := NewParamSet()
			g := New(ps, Train)
			x := g.Input("x", 3, 4)
			tgt := g.Input("target", 3, 4)
			w := g.Param("shared.weight", []int{4, 4}, InitNormal(0, 0.02))
			b := g.Param("shared.bias", []int{4}, InitZeros())
			h := g.Tanh(g.Dense(x, w, b))
			y := g.Dense(h, w, b) // the same weight and bias again
			loss := g.Mean(g.MSELossPerSample(g.Add(y, h), tgt))
			randomizeParams(t, ps, rng, 0.6)
			return g, loss, []*Tensor{w, b, x}, map[*Tensor][]float32{x: randSlice(rng, 12, 1), tgt: randSlice(rng, 12, 1)}
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(int64(100 + i)))
			g, loss, wrt, feeds := c.build(rng)
			grads, err := g.Gradients(loss, wrt...)
			if err != nil {
				t.Fatal(err)
			}
			const counter = 5
			vals := mustRun(t, g, counter, feeds)
			kinks := kinkInputs(g)
			// at evaluates the loss and reports whether any ReLU input has a
			// different sign than at the unperturbed point.
			at := func() (float64, bool) {
				v := mustRun(t, g, counter, feeds, append([]*Tensor{loss}, kinks...)...)
				for _, k := range kinks {
					for i, x := range v[k] {
						if (x > 0) != (vals[k][i] > 0) {
							return float64(v[loss][0]), true
						}
					}
				}
				return float64(v[loss][0]), false
			}
			for _, w := range wrt {
				all := vals[grads[w]]
				var got, num []float32
				for j := range all {
					perturb(t, g, feeds, w, j, fdStep)
					plus, k1 := at()
					perturb(t, g, feeds, w, j, -2*fdStep)
					minus, k2 := at()
					perturb(t, g, feeds, w, j, fdStep)
					if k1 || k2 {
						continue
					}
					got = append(got, all[j])
					num = append(num, float32((plus-minus)/(2*fdStep)))
				}
				skipped := len(all) - len(got)
				if 2*skipped > len(all) {
					t.Fatalf("gradient of %v: %d of %d coordinates cross a ReLU kink; choose other data", w, skipped, len(all))
				}
				diff, ref := kerneltest.L2Diff(got, num), kerneltest.L2(num)
				t.Logf("%v: rel L2 error %.2e (|num| %.2e, %d kink coordinates skipped)", w, diff/max(ref, 1e-30), ref, skipped)
				if bound := fdTol*ref + fdAbs*math.Sqrt(float64(len(num))); diff > bound {
					t.Errorf("gradient of %v: ||analytic - numeric|| = %.3g > %.3g\nanalytic %v\nnumeric  %v", w, diff, bound, got, num)
				}
			}
		})
	}
}

// kinkInputs returns the inputs of the graph's ReLU and leaky-ReLU nodes.
func kinkInputs(g *Graph) []*Tensor {
	var ks []*Tensor
	for _, n := range g.Nodes() {
		if op, ok := n.Op().(ActivationOp); ok && !op.P.Kind.BackwardUsesOutput() {
			ks = append(ks, n.Inputs()[0])
		}
	}
	return ks
}

// perturb adds d to element j of w, which is an input (in feeds) or a
// parameter (in g's ParamSet).
func perturb(t *testing.T, g *Graph, feeds map[*Tensor][]float32, w *Tensor, j int, d float32) {
	t.Helper()
	if w.Role() == Input {
		v := append([]float32(nil), feeds[w]...)
		v[j] += d
		feeds[w] = v
		return
	}
	v := g.Params().Get(w.Name())
	v[j] += d
	if err := g.Params().Set(w.Name(), v); err != nil {
		t.Fatal(err)
	}
}
