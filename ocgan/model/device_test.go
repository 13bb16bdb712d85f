package model

import (
	"math"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// tinyGeometry is a geometry small enough for lavapipe: 12×12×1 images,
// L = 4, depth 2 (12→6→3→1), widths 4 / 2 / 4, latent discriminator 8-4,
// dropout in decoder block 2 so the device runs it.
func tinyGeometry(t *testing.T) Geometry {
	t.Helper()
	g := Geometry{
		Name: "tiny", ImageSize: 12, Channels: 1, Latent: 4,
		Depth: 2, Kernel: 5, Stride: 2,
		EncoderWidth: 4, VisualWidth: 2, ClassifierWidth: 4, LatentWidths: []int{8, 4},
		DropoutP: 0.5, DropoutBlock: 2,
		BNMomentum: 0.9, BNEps: 1e-5, LeakySlope: 0.2,
	}
	d, err := g.Derive()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// tinyNet is one graph through all five networks with one scalar loss:
// MSE(De(En(x)), x) + BCE(Dl(En(x)), 1) + BCE(Dv(De(u)), 0) + BCE(C(De(En(x))), 1).
type tinyNet struct {
	s          *nets5
	ones, zero *graph.Tensor
	loss       *graph.Tensor
	grads      map[*graph.Tensor]*graph.Tensor
}

func buildTiny(t *testing.T, m *Model, seed uint64) *tinyNet {
	t.Helper()
	ps := graph.NewParamSet()
	s := buildAll(m, ps, graph.Train, 2)
	g := s.g
	n := &tinyNet{s: s, ones: g.Input("ones", 2, 1), zero: g.Input("zeros", 2, 1)}
	loss := g.MSELoss(s.rec, s.x)
	loss = g.Add(loss, g.BCEWithLogitsLoss(s.dl, n.ones))
	loss = g.Add(loss, g.BCEWithLogitsLoss(m.VisualDiscriminator(g, s.gen), n.zero))
	n.loss = g.Add(loss, g.BCEWithLogitsLoss(s.cls, n.ones))
	grads, err := g.Gradients(n.loss, ParamTensors(g, Nets()...)...)
	if err != nil {
		t.Fatal(err)
	}
	n.grads = grads
	if err := ps.Init(seed); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *tinyNet) feeds() map[*graph.Tensor][]float32 {
	rng := kerneltest.NewRand(21)
	return map[*graph.Tensor][]float32{
		n.s.x: uniform(rng, n.s.x.Len()), n.s.u: uniform(rng, n.s.u.Len()),
		n.ones: {1, 1}, n.zero: {0, 0},
	}
}

// TestTinyTrainingStepOnDevice compiles a training step of all five networks
// of a tiny geometry with runtime/program and checks each step's loss
// against graph.RefBackend + graph.Adam within 1e-5 relative.
func TestTinyTrainingStepOnDevice(t *testing.T) {
	const steps, seed, tol = 3, 5, 1e-5
	m := mustNew(t, tinyGeometry(t))

	ref := buildTiny(t, m, seed)
	opt := graph.NewAdam()
	var want []float32
	for step := 0; step < steps; step++ {
		vals, err := graph.RefBackend{Counter: uint64(step)}.Run(ref.s.g, ref.feeds())
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, vals[ref.loss][0])
		pg, err := graph.ParamGrads(ref.grads, vals)
		if err != nil {
			t.Fatal(err)
		}
		if err := opt.Step(ref.s.g.Params(), pg); err != nil {
			t.Fatal(err)
		}
	}

	dev := buildTiny(t, m, seed)
	lib := vktest.SharedValue(t, vulkan.NewLibrary)
	p, err := program.Compile(lib, dev.s.g, program.Options{
		Outputs: []*graph.Tensor{dev.loss}, Adam: program.NewAdam(dev.grads)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	worst := 0.0
	for step := 0; step < steps; step++ {
		vals, err := p.Step(dev.feeds())
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		got := vals[dev.loss][0]
		d := math.Abs(float64(got)-float64(want[step])) / math.Abs(float64(want[step]))
		worst = math.Max(worst, d)
		if !(d <= tol) {
			t.Errorf("step %d: loss %v on the device, %v on the reference (relative %.3g > %g)", step, got, want[step], d, tol)
		}
	}
	// The weights and gammas went through the same updates. Biases and
	// betas are only logged: they start at 0, so after three Adam steps of
	// lr 2e-4 a relative error is one of tiny values, and Dl.fc1…4.bias feed
	// batch norm directly, so their exact gradient is 0 and Adam turns the
	// rounding noise of either backend into ±lr steps of random sign (the
	// peer's nn.Linear before BatchNorm1d has the same idle biases).
	got := graph.NewParamSet()
	buildAll(m, got, graph.Train, 2)
	if err := p.Params().Download(got); err != nil {
		t.Fatal(err)
	}
	worstW, worstB := 0.0, 0.0
	for _, name := range ParamNames(ref.s.g.Params(), Nets()...) {
		a, b := got.Get(name), ref.s.g.Params().Get(name)
		e := kerneltest.L2Diff(a, b) / kerneltest.L2(b)
		if !strings.HasSuffix(name, ".weight") && !strings.HasSuffix(name, ".gamma") {
			worstB = math.Max(worstB, e)
			continue
		}
		worstW = math.Max(worstW, e)
		if !(e <= tol) {
			t.Errorf("%s after %d steps: relative L2 difference %.3g > %g", name, steps, e, tol)
		}
	}
	t.Logf("losses %v; worst relative difference: loss %.3g, weights and gammas %.3g, biases and betas %.3g",
		want, worst, worstW, worstB)
}

// TestAutoEncoderStepMemoryPlan compiles the MNIST28 auto-encoder training step
// at batch 64 (forward, gradients, Adam) and reports its memory plan: the
// activations and gradients of the real network must fit in well under half of
// what one buffer per tensor would take. It records, never runs, the step.
func TestAutoEncoderStepMemoryPlan(t *testing.T) {
	m, err := New(MNIST28())
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	x := g.Input("x", 64, 1, 28, 28)
	loss := g.MSELoss(m.Decoder(g, m.Encoder(g, x)), x)
	grads, err := g.Gradients(loss, ParamTensors(g, NetEncoder, NetDecoder)...)
	if err != nil {
		t.Fatal(err)
	}
	ps.Init(1)
	lib := vktest.SharedValue(t, vulkan.NewLibrary)
	p, err := program.Compile(lib, g, program.Options{Outputs: []*graph.Tensor{loss}, Adam: program.NewAdam(grads)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Free()
	st := p.Stats()
	t.Logf("%d planned tensors: %.1f MiB planned, %.1f MiB unplanned (%.0f%%), %d dispatches", st.Slots,
		float64(st.PlannedBytes)/(1<<20), float64(st.UnplannedBytes)/(1<<20), 100*float64(st.PlannedBytes)/float64(st.UnplannedBytes),
		st.Dispatches)
	if 2*st.PlannedBytes >= st.UnplannedBytes {
		t.Errorf("planned %d bytes, not under half the unplanned %d", st.PlannedBytes, st.UnplannedBytes)
	}
}
