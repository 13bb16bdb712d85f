package device

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestEveryOpHasEveryImplementation checks the op set: every op type of
// runtime/graph has a reference, a Vulkan and a CPU implementation.
func TestEveryOpHasEveryImplementation(t *testing.T) {
	for _, op := range graph.OpTypes() {
		if !graph.HasReference(op) {
			t.Errorf("%s (%T) has no reference", op.Kind(), op)
		}
		if !program.Supports(op) {
			t.Errorf("%s (%T) has no Vulkan implementation", op.Kind(), op)
		}
		if !cpuprogram.Supports(op) {
			t.Errorf("%s (%T) has no CPU implementation", op.Kind(), op)
		}
	}
}

// opCase builds a small graph on ps around one op and its gradients, with
// odd shapes: the inputs it declares are fed random values (inputs named
// "target01*" uniform in [0, 1], others normal), and every tensor of outs is
// compared across backends.
type opCase struct {
	name  string
	mode  graph.Mode
	build func(g *graph.Graph) (outs []*graph.Tensor)
}

// withGrads appends loss and the gradients of loss with respect to wrt.
func withGrads(g *graph.Graph, outs []*graph.Tensor, loss *graph.Tensor, wrt ...*graph.Tensor) []*graph.Tensor {
	grads, err := g.Gradients(loss, wrt...)
	if err != nil {
		g.Fail(err)
		return nil
	}
	outs = append(outs, loss)
	for _, w := range wrt {
		outs = append(outs, grads[w])
	}
	return outs
}

func normal(std float32) graph.Init { return graph.InitNormal(0, std) }

func opCases() []opCase {
	act := func(name string, f func(g *graph.Graph, x *graph.Tensor) *graph.Tensor) opCase {
		return opCase{name, graph.Train, func(g *graph.Graph) []*graph.Tensor {
			x := g.Input("x", 3, 7, 5)
			y := f(g, x)
			return withGrads(g, []*graph.Tensor{y}, g.MSELoss(y, g.Input("target", 3, 7, 5)), x)
		}}
	}
	bn := func(name string, mode graph.Mode, shape ...int) opCase {
		return opCase{name, mode, func(g *graph.Graph) []*graph.Tensor {
			c := shape[1]
			x := g.Input("x", shape...)
			gamma := g.Param("bn.gamma", []int{c}, graph.InitNormal(1, 0.3))
			beta := g.Param("bn.beta", []int{c}, normal(0.3))
			rm := g.State("bn.running_mean", []int{c}, normal(0.2))
			rv := g.State("bn.running_var", []int{c}, graph.InitNormal(1, 0.1))
			y := g.BatchNorm(x, gamma, beta, rm, rv, 0.9, 1e-5)
			z := g.LeakyReLU(y, 0.2)
			outs := withGrads(g, []*graph.Tensor{y}, g.MSELoss(z, g.Input("target", shape...)), x, gamma, beta)
			return append(outs, rm, rv)
		}}
	}
	return []opCase{
		{"conv2d", graph.Train, func(g *graph.Graph) []*graph.Tensor {
			x := g.Input("x", 3, 2, 9, 7)
			w := g.Param("conv.weight", []int{5, 2, 3, 2}, normal(0.5))
			b := g.Param("conv.bias", []int{5}, normal(0.5))
			y := g.Conv2D(x, w, b, 2, 1)
			return withGrads(g, []*graph.Tensor{y}, g.MSELoss(y, g.Input("target", y.Shape()...)), x, w, b)
		}},
		{"conv2d_no_bias", graph.Train, func(g *graph.Graph) []*graph.Tensor {
			x := g.Input("x", 2, 3, 8, 11)
			w := g.Param("conv.weight", []int{4, 3, 5, 5}, normal(0.3))
			y := g.Conv2D(x, w, nil, 1, 2)
			return withGrads(g, []*graph.Tensor{y}, g.MSELoss(y, g.Input("target", y.Shape()...)), x, w)
		}},
		{"conv_transpose2d", graph.Train, func(g *graph.Graph) []*graph.Tensor {
			x := g.Input("x", 3, 4, 5, 4)
			w := g.Param("deconv.weight", []int{4, 3, 3, 3}, normal(0.5))
			b := g.Param("deconv.bias", []int{3}, normal(0.5))
			y := g.ConvTranspose2D(x, w, b, 2, 1, 1)
			return withGrads(g, []*graph.Tensor{y}, g.MSELoss(y, g.Input("target", y.Shape()...)), x, w, b)
		}},
		{"dense", graph.Train, func(g *graph.Graph) []*graph.Tensor {
			x := g.Input("x", 5, 7)
			w := g.Param("fc.weight", []int{3, 7}, normal(0.5))
			b := g.Param("fc.bias", []int{3}, normal(0.5))
			y := g.Dense(x, w, b)
			return withGrads(g, []*graph.Tensor{y}, g.MSELoss(y, g.Input("target", 5, 3)), x, w, b)
		}},
		bn("batch_norm_train_nchw", graph.Train, 3, 5, 4, 3),
		bn("batch_norm_train_dense", graph.Train, 6, 5),
		bn("batch_norm_eval_nchw", graph.Eval, 3, 5, 4, 3),
		act("relu", func(g *graph.Graph, x *graph.Tensor) *graph.Tensor { return g.ReLU(x) }),
		act("leaky_relu", func(g *graph.Graph, x *graph.Tensor) *graph.Tensor { return g.LeakyReLU(x, 0.2) }),
		act("tanh", func(g *graph.Graph, x *graph.Tensor) *graph.Tensor { return g.Tanh(x) }),
		act("sigmoid", func(g *graph.Graph, x *graph.Tensor) *graph.Tensor { return g.Sigmoid(x) }),
		act("dropout", func(g *graph.Graph, x *graph.Tensor) *graph.Tensor { return g.Dropout(x, 0.3, 11) }),
		{"losses", graph.Train, func(g *graph.Graph) []*graph.Tensor {
			pred := g.Input("pred", 5, 2, 3, 3)
			logits := g.Input("logits", 5, 3)
			mse := g.MSELossPerSample(pred, g.Input("target", 5, 2, 3, 3))
			bce := g.BCEWithLogitsLossPerSample(logits, g.Input("target01", 5, 3))
			bceMean := g.BCEWithLogitsLoss(logits, g.Input("target01b", 5, 3))
			loss := g.Add(g.Add(g.Mean(mse), g.Scale(g.Mean(bce), 0.5)), bceMean)
			return withGrads(g, []*graph.Tensor{mse, bce, bceMean}, loss, pred, logits)
		}},
		{"add_scale_reshape", graph.Train, func(g *graph.Graph) []*graph.Tensor {
			a := g.Input("a", 4, 3, 5)
			b := g.Input("b", 4, 3, 5)
			y := g.Reshape(g.Scale(g.Add(a, b), -0.7), 4, 15)
			z := g.Add(y, y) // a tensor used twice: its gradients are summed
			return withGrads(g, []*graph.Tensor{y, z}, g.Mean(z), a, b)
		}},
	}
}

// feedsFor returns deterministic random feeds for g's inputs.
func feedsFor(g *graph.Graph, seed int64) map[*graph.Tensor][]float32 {
	rng := rand.New(rand.NewSource(seed))
	feeds := map[*graph.Tensor][]float32{}
	for _, t := range g.Tensors() {
		if t.Role() != graph.Input {
			continue
		}
		v := kerneltest.RandVec(rng, t.Len())
		if strings.HasPrefix(t.Name(), "target01") {
			for i := range v {
				v[i] = rng.Float32()
			}
		}
		feeds[t] = v
	}
	return feeds
}

// built is one case's graph on its own ParamSet.
type built struct {
	g     *graph.Graph
	outs  []*graph.Tensor
	feeds map[*graph.Tensor][]float32
}

func build(t *testing.T, c opCase) built {
	t.Helper()
	ps := graph.NewParamSet()
	g := graph.New(ps, c.mode)
	outs := c.build(g)
	if err := g.Err(); err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	if err := ps.Init(3); err != nil {
		t.Fatal(err)
	}
	return built{g: g, outs: outs, feeds: feedsFor(g, 5)}
}

// testBackends returns every backend available to the tests: the native
// CPU and the Vulkan test device (lavapipe, validation on).
func testBackends(t *testing.T) map[string]backend.Backend {
	t.Helper()
	c, err := cpuprogram.Open(cpu.Options{})
	if err != nil {
		t.Fatalf("opening the native CPU backend (run `make test` to install its SGEMM library): %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return map[string]backend.Backend{
		"cpu":    c,
		"vulkan": program.NewBackend(vktest.SharedValue(t, vulkan.NewLibrary)),
	}
}

// TestOpsMatchReferenceOnEveryBackend runs each case on the references and
// on every backend (two steps, all planned memory poisoned with NaN) and
// compares every output, and checks that the cases cover every op type.
func TestOpsMatchReferenceOnEveryBackend(t *testing.T) {
	bes := testBackends(t)
	covered := map[reflect.Type]bool{}
	for _, c := range opCases() {
		ref := build(t, c)
		for _, n := range ref.g.Nodes() {
			covered[reflect.TypeOf(n.Op())] = true
		}
		want := make([][][]float32, 2)
		for step := range want {
			vals, err := graph.RefBackend{Counter: uint64(step)}.Run(ref.g, ref.feeds)
			if err != nil {
				t.Fatalf("%s: reference: %v", c.name, err)
			}
			for _, o := range ref.outs {
				v := vals[o]
				if o.Role() == graph.State { // Run gives the value before its update
					v = ref.g.Params().Get(o.Name())
				}
				want[step] = append(want[step], append([]float32(nil), v...))
			}
		}
		for name, be := range bes {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				b := build(t, c)
				p, err := be.Compile(b.g, backend.Options{Outputs: b.outs, Poison: true})
				if err != nil {
					vktest.SkipIfStorageRefused(t, err, "program: node ")
					t.Fatal(err)
				}
				defer p.Free()
				for step := range want {
					got, err := p.Step(b.feeds)
					if err != nil {
						t.Fatal(err)
					}
					for i, o := range b.outs {
						kerneltest.ExpectClose(t, fmt.Sprintf("step %d: %v", step, o), got[o], want[step][i])
					}
				}
			})
		}
	}
	var missing []string
	for _, op := range graph.OpTypes() {
		if !covered[reflect.TypeOf(op)] {
			missing = append(missing, op.Kind())
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no case runs %v", missing)
	}
}
