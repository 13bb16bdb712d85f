package model

import (
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestForwardRanges runs all five networks of every preset on the reference
// backend at batch 2, in Train and Eval mode, and checks that the values are
// finite and in range: the latent in (−1, 1), images in [−1, 1].
func TestForwardRanges(t *testing.T) {
	for _, geo := range presets() {
		start := time.Now()
		m := mustNew(t, geo)
		ps := graph.NewParamSet()
		tr := buildAll(m, ps, graph.Train, 2)
		ev := buildAll(m, ps, graph.Eval, 2)
		if err := ps.Init(11); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*nets5{tr, ev} {
			rng := kerneltest.NewRand(5)
			feeds := map[*graph.Tensor][]float32{s.x: uniform(rng, s.x.Len()), s.u: uniform(rng, s.u.Len())}
			vals, err := graph.RefBackend{Counter: 1}.Run(s.g, feeds)
			if err != nil {
				t.Fatalf("%s %v: %v", geo.Name, s.g.Mode(), err)
			}
			for _, v := range []*graph.Tensor{s.z, s.rec, s.gen, s.dl, s.dv, s.cls} {
				if !finite(vals[v]) {
					t.Errorf("%s %v: %v has non-finite values", geo.Name, s.g.Mode(), v)
				}
			}
			for _, x := range vals[s.z] {
				if !(x > -1 && x < 1) {
					t.Errorf("%s %v: latent value %v outside (-1, 1)", geo.Name, s.g.Mode(), x)
					break
				}
			}
			for _, img := range []*graph.Tensor{s.rec, s.gen} {
				for _, x := range vals[img] {
					if !(x >= -1 && x <= 1) {
						t.Errorf("%s %v: image value %v outside [-1, 1]", geo.Name, s.g.Mode(), x)
						break
					}
				}
			}
			if kerneltest.L2(vals[s.z]) == 0 || kerneltest.L2(vals[s.rec]) == 0 {
				t.Errorf("%s %v: latent or reconstruction is all zeros", geo.Name, s.g.Mode())
			}
		}
		t.Logf("%s: Train + Eval forward of all five networks at batch 2: %v", geo.Name, time.Since(start).Round(time.Millisecond))
	}
}

// TestReconstructionGradients differentiates MSE(De(En(x)), x) on MNIST28
// with respect to the encoder and decoder parameters (the generator phase's
// trained set) and checks that every gradient exists, is finite and is not
// all zeros; the discriminators' parameters are not asked for.
func TestReconstructionGradients(t *testing.T) {
	m := mustNew(t, MNIST28())
	ps := graph.NewParamSet()
	s := buildAll(m, ps, graph.Train, 2)
	loss := s.g.MSELoss(s.rec, s.x)
	wrt := ParamTensors(s.g, NetEncoder, NetDecoder)
	grads, err := s.g.Gradients(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(3); err != nil {
		t.Fatal(err)
	}
	rng := kerneltest.NewRand(9)
	vals, err := graph.RefBackend{Counter: 4}.Run(s.g, map[*graph.Tensor][]float32{
		s.x: uniform(rng, s.x.Len()), s.u: uniform(rng, s.u.Len())})
	if err != nil {
		t.Fatal(err)
	}
	if v := vals[loss][0]; !finite([]float32{v}) || v <= 0 {
		t.Fatalf("loss %v", v)
	}
	if len(grads) != len(wrt) {
		t.Fatalf("%d gradients for %d parameters", len(grads), len(wrt))
	}
	for _, p := range wrt {
		gv, ok := vals[grads[p]]
		if !ok || len(gv) != p.Len() {
			t.Errorf("%v: no gradient value", p)
			continue
		}
		if !finite(gv) || kerneltest.L2(gv) == 0 {
			t.Errorf("%v: gradient finite %v, norm %g", p, finite(gv), kerneltest.L2(gv))
		}
	}
	pg, err := graph.ParamGrads(grads, vals)
	if err != nil {
		t.Fatal(err)
	}
	for name := range pg {
		if n, _ := NetOf(name); n != NetEncoder && n != NetDecoder {
			t.Errorf("gradient for %s, which is frozen", name)
		}
	}
}
