package model

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// peerOutputs are the PyTorch peer's outputs for the MNIST28 networks with
// the parameters of ParamSet.Init(42) and the batch of 4 below (x, u from
// uniform(kerneltest.NewRand(1))), dropout off, in Eval mode (initial running
// statistics) and then in Train mode (batch statistics). Obtained in a
// one-off run: this package's parameters and inputs dumped to JSON, loaded
// into ocgan.OCGAN(dec_dropout=0) by state_dict order (the peer's
// named_parameters and buffers come in this package's declaration order),
// and the peer run with /usr/bin/python3 and torch 1.13 in the same call
// order as buildAll. Every output then agreed within 5e-6 relative L2, as
// did the running statistics after the Train pass.
var peerOutputs = map[graph.Mode]struct{ dl, dv, cls, z0 []float64 }{
	graph.Eval: {
		dl:  []float64{0.01065653, 0.010656558, 0.0106565673, 0.0106566437},
		dv:  []float64{-0.00182913186, -0.000856336788, -0.000149455154, -4.38664574e-06},
		cls: []float64{-7.57750797e-07, -1.0313039e-06, -8.658007e-07, -8.4720034e-07},
		z0: []float64{0.00811453909, -0.0209546369, 0.00908457767, -0.0315690041, 0.00264824624, -0.0217955709,
			-0.00616370933, 0.0342156254, 0.0165498089, -0.00386585249, 0.0203597322, 0.00546095008,
			0.0107103009, -0.0281341616, 0.0184931885, -0.0128486399},
	},
	graph.Train: {
		dl:  []float64{-0.0339534134, 0.00195613876, 0.120403752, 0.0158577226},
		dv:  []float64{-0.540996969, -0.279740959, -0.209122136, -0.0811482668},
		cls: []float64{-1.66588855, -1.18322492, -1.75315106, -1.43279266},
		z0: []float64{0.887616277, 0.620597243, 0.758717477, -0.754378855, 0.468589485, -0.90308094,
			0.51031661, 0.924320877, 0.713532269, -0.446264267, 0.730111718, -0.441510826,
			-0.837494433, -0.737214088, 0.928576529, -0.497014016},
	},
}

// TestMatchesPeerForward runs MNIST28's networks (dropout off) on the
// reference backend and compares them with the peer's outputs.
func TestMatchesPeerForward(t *testing.T) {
	const tol = 1e-4
	geo := MNIST28()
	geo.DropoutP = 0
	m := mustNew(t, geo)
	ps := graph.NewParamSet()
	ev := buildAll(m, ps, graph.Eval, 4)
	tr := buildAll(m, ps, graph.Train, 4)
	if err := ps.Init(42); err != nil {
		t.Fatal(err)
	}
	rng := kerneltest.NewRand(1)
	x, u := uniform(rng, ev.x.Len()), uniform(rng, ev.u.Len())
	for _, s := range []*nets5{ev, tr} { // Eval first: it sees the initial running statistics
		vals, err := graph.RefBackend{}.Run(s.g, map[*graph.Tensor][]float32{s.x: x, s.u: u})
		if err != nil {
			t.Fatal(err)
		}
		want := peerOutputs[s.g.Mode()]
		for _, c := range []struct {
			name string
			got  []float32
			want []float64
		}{
			{"Dl(En(x))", vals[s.dl], want.dl},
			{"Dv(x)", vals[s.dv], want.dv},
			{"C(De(En(x)))", vals[s.cls], want.cls},
			{"En(x)[0]", vals[s.z][:16], want.z0},
		} {
			var num, den float64
			for i, w := range c.want {
				d := float64(c.got[i]) - w
				num += d * d
				den += w * w
			}
			if e := sqrt(num / den); !(e <= tol) {
				t.Errorf("%v %s = %v, the peer gives %v (relative L2 %.3g > %g)", s.g.Mode(), c.name, c.got, c.want, e, tol)
			}
		}
	}
}
