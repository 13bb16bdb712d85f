package train

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// fillFeeds gives every input of p uniform values in [-1, 1) (targets
// excepted: they keep their constants).
func fillFeeds(p *phase, seed uint64) {
	for in, v := range p.feeds {
		if in.Name() == "zeros" || in.Name() == "ones" {
			continue
		}
		copy(v, kernels.FillUniform(len(v), seed, uint64(in.ID())))
	}
}

// TestPhasesFreezeOtherNetworks runs each phase alone and checks, bit for
// bit, that the trainable parameters of the networks it does not train are
// unchanged while those it trains moved; mining and scoring change nothing
// at all (running statistics included).
func TestPhasesFreezeOtherNetworks(t *testing.T) {
	tr := newTrainer(t, newBackend(t), tinyConfig(t))
	cases := []struct {
		name    string
		run     func() error
		trained []model.Net
		all     bool // nothing may change, running statistics included
	}{
		{"classifier", func() error { fillFeeds(tr.cls.phase, 1); _, err := tr.cls.step(0); return err },
			[]model.Net{model.NetClassifier}, false},
		{"discriminator", func() error { fillFeeds(tr.disc.phase, 2); _, err := tr.disc.step(1); return err },
			[]model.Net{model.NetLatentDisc, model.NetVisualDisc}, false},
		{"mining", func() error {
			u := kernels.FillUniform(len(tr.u), 3, 0)
			_, err := tr.mining.mine(u, 5, 2, 2)
			return err
		}, nil, true},
		{"generator", func() error { fillFeeds(tr.gen.phase, 4); _, err := tr.gen.step(7); return err },
			[]model.Net{model.NetEncoder, model.NetDecoder}, false},
		{"score", func() error { _, err := tr.scorer.Scores(synthetic(t, 0, 10, 0)); return err }, nil, true},
	}
	for _, c := range cases {
		before, err := tr.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		after, err := tr.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		moved := map[model.Net]bool{}
		for name, b := range before {
			net, _ := model.NetOf(name)
			trained := false
			for _, n := range c.trained {
				trained = trained || n == net
			}
			same := kerneltest.SameBits(b, after[name])
			switch {
			case trained:
				if !same {
					moved[net] = true
				}
			case c.all || tr.ps.Role(name) == graph.Param:
				if !same {
					t.Errorf("%s phase changed %s", c.name, name)
				}
			}
		}
		for _, n := range c.trained {
			if !moved[n] {
				t.Errorf("%s phase did not update %s", c.name, n)
			}
		}
	}
}

// TestLatentWeightScalesTheLatentTerm runs one generator step from the same
// parameters and inputs with the latent adversarial weight 1 and 3: only
// the encoder sees the latent discriminator's term, so the encoder's update
// differs while the decoder's is the same bit for bit.
func TestLatentWeightScalesTheLatentTerm(t *testing.T) {
	for _, lib := range allBackends(t) {
		var after [2]map[string][]float32
		for i, w := range []float32{1, 3} {
			cfg := tinyConfig(t)
			cfg.LatentWeight = w
			tr := newTrainer(t, lib, cfg)
			fillFeeds(tr.gen.phase, 4)
			if _, err := tr.gen.step(7); err != nil {
				t.Fatal(err)
			}
			var err error
			if after[i], err = tr.snapshot(); err != nil {
				t.Fatal(err)
			}
		}
		moved := false
		for name, a := range after[0] {
			switch net, _ := model.NetOf(name); net {
			case model.NetEncoder:
				moved = moved || !kerneltest.SameBits(a, after[1][name])
			case model.NetDecoder:
				if !kerneltest.SameBits(a, after[1][name]) {
					t.Errorf("%s: latent weight 3 changed the decoder's %s", lib.Device().Backend, name)
				}
			}
		}
		if !moved {
			t.Errorf("%s: latent weight 3 left the encoder's update as weight 1's", lib.Device().Backend)
		}
	}
}

// TestLatentDoubleSigmoid checks the latent discriminator's losses on every
// backend, with and without LatentDoubleSigmoid, against the logits of the
// same networks on the same inputs: the discriminator phase's
// BCE(f(Dl(l1)), 0) + BCE(f(Dl(u)), 1) and the generator's latent term
// BCE(f(Dl(En(xn))), 1), f the identity or the sigmoid.
func TestLatentDoubleSigmoid(t *testing.T) {
	softplus := func(v float64) float64 { return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))) }
	// bce is the mean BCE with logits of f(z) against target y.
	bce := func(z []float32, y float64, twice bool) float64 {
		var s float64
		for _, v := range z {
			x := float64(v)
			if twice {
				x = 1 / (1 + math.Exp(-x))
			}
			s += softplus(x) - y*x
		}
		return s / float64(len(z))
	}
	for _, lib := range allBackends(t) {
		for _, twice := range []bool{false, true} {
			cfg := tinyConfig(t)
			cfg.LatentDoubleSigmoid = twice
			tr := newTrainer(t, lib, cfg)
			fillFeeds(tr.disc.phase, 2)
			fillFeeds(tr.gen.phase, 3)

			// The probe: the logits, on the phases' inputs, of the
			// parameters the phases start from.
			probe := newPhase("probe", tr.ps, graph.Train)
			l1 := probe.input("l1", tr.m.LatentShape(cfg.Batch)...)
			u := probe.input("u", tr.m.LatentShape(cfg.Batch)...)
			xn := probe.input("x_noisy", tr.m.ImageShape(cfg.Batch)...)
			zl1 := tr.m.LatentDiscriminator(probe.g, l1)
			zu := tr.m.LatentDiscriminator(probe.g, u)
			zg := tr.m.LatentDiscriminator(probe.g, tr.m.Encoder(probe.g, xn))
			probe.outputs = []*graph.Tensor{zl1, zu, zg}
			if err := probe.compile(lib, tr.dp, cfg); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(probe.free)
			copy(probe.feeds[l1], tr.disc.feeds[tr.disc.l1])
			copy(probe.feeds[u], tr.disc.feeds[tr.disc.u])
			copy(probe.feeds[xn], tr.gen.feeds[tr.gen.xn])
			z, err := probe.step(0)
			if err != nil {
				t.Fatal(err)
			}

			// The generator first: it leaves Dl's parameters as they are.
			g, err := tr.gen.step(1)
			if err != nil {
				t.Fatal(err)
			}
			d, err := tr.disc.step(2)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"discriminator's l_latent", float64(d[tr.disc.latent][0]), bce(z[zl1], 0, twice) + bce(z[zu], 1, twice)},
				{"generator's latent term", float64(g[tr.gen.latent][0]), bce(z[zg], 1, twice)},
			} {
				if math.Abs(c.got-c.want) > 1e-5*math.Max(1, math.Abs(c.want)) {
					t.Errorf("%s, double sigmoid %v: %s %.7f, want %.7f", lib.Device().Backend, twice, c.name, c.got, c.want)
				}
			}
		}
	}
}

// TestVisualOnlyMode checks what ae+dv builds and trains on every backend:
// the sample phase decodes the latents and encodes nothing, the
// discriminator phase trains Dv alone, the generator's loss has no latent
// term, there is no mining, and the latent discriminator and the
// classifier have no parameters at all.
func TestVisualOnlyMode(t *testing.T) {
	for _, lib := range allBackends(t) {
		name := lib.Device().Backend
		cfg := tinyConfig(t)
		cfg.Mode = VisualD
		tr := newTrainer(t, lib, cfg)
		switch {
		case tr.cls == nil || tr.cls.l1 != nil || tr.cls.fake == nil || tr.cls.loss != nil:
			t.Fatalf("%s: sample phase %+v, want De(u) alone", name, tr.cls)
		case tr.disc.latent != nil || tr.disc.visual == nil:
			t.Fatalf("%s: discriminator phase %+v, want Dv alone", name, tr.disc)
		case tr.mining != nil || tr.gen.latent != nil || tr.gen.visual == nil:
			t.Fatalf("%s: mining %v, generator %+v: want no mining and the visual term alone", name, tr.mining, tr.gen)
		}
		before, err := tr.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		for name := range before {
			if net, _ := model.NetOf(name); net == model.NetLatentDisc || net == model.NetClassifier {
				t.Errorf("%s: ae+dv has the parameter %s", lib.Device().Backend, name)
			}
		}
		fillFeeds(tr.disc.phase, 2)
		if _, err := tr.disc.step(1); err != nil {
			t.Fatal(err)
		}
		after, err := tr.snapshot()
		if err != nil {
			t.Fatal(err)
		}
		moved := false
		for p, b := range before {
			same := kerneltest.SameBits(b, after[p])
			if net, _ := model.NetOf(p); net == model.NetVisualDisc {
				moved = moved || !same
			} else if tr.ps.Role(p) == graph.Param && !same {
				t.Errorf("%s: the discriminator phase changed %s", name, p)
			}
		}
		if !moved {
			t.Errorf("%s: the discriminator phase did not update Dv", name)
		}
	}
}
