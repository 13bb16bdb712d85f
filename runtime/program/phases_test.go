package program

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestAlternatingPhasesMatchReference is the shape of a GAN's training
// step: two programs on one DeviceParams, each with its own graph and
// optimizer (phase A trains the auto-encoder on the total loss, phase B the
// discriminator on its own loss), run alternately. Each must see the
// other's updates, and the pair must follow the reference run with two
// graph.Adams step by step.
func TestAlternatingPhasesMatchReference(t *testing.T) {
	const rounds = 6
	build := func() (*graph.ParamSet, *aeNet, *aeNet, map[*graph.Tensor]*graph.Tensor, map[*graph.Tensor]*graph.Tensor) {
		ps := graph.NewParamSet()
		a, b := buildAE(ps, graph.Train), buildAE(ps, graph.Train)
		ga, err := a.g.Gradients(a.loss, a.ae()...)
		if err != nil {
			t.Fatal(err)
		}
		gb, err := b.g.Gradients(b.adv, b.disc...)
		if err != nil {
			t.Fatal(err)
		}
		if err := ps.Init(trainSeed); err != nil {
			t.Fatal(err)
		}
		return ps, a, b, ga, gb
	}

	// Reference.
	refPS, ra, rb, rga, rgb := build()
	optA, optB := graph.NewAdam(), graph.NewAdam()
	optA.LR, optB.LR = trainLR, trainLR
	var want []float32
	for r := 0; r < rounds; r++ {
		for i, ph := range []struct {
			n     *aeNet
			out   *graph.Tensor
			grads map[*graph.Tensor]*graph.Tensor
			opt   *graph.Adam
		}{{ra, ra.loss, rga, optA}, {rb, rb.adv, rgb, optB}} {
			vals, err := graph.RefBackend{Counter: uint64(2*r + i)}.Run(ph.n.g, ph.n.batch(trainSeed))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, vals[ph.out][0])
			pg, err := graph.ParamGrads(ph.grads, vals)
			if err != nil {
				t.Fatal(err)
			}
			if err := ph.opt.Step(refPS, pg); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Device: each program with an arena of its own, and both on one
	// Backend, where they share one arena. There the smaller program (phase
	// B) is compiled first, so the second compile grows the arena and
	// rebinds it.
	for _, shared := range []bool{false, true} {
		name := "own arenas"
		if shared {
			name = "one backend"
		}
		t.Run(name, func(t *testing.T) {
			lib := newLib(t)
			ps, a, b, ga, gb := build()
			dp, err := NewDeviceParams(lib.Context(), ps)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(dp.Free)
			adamA, adamB := NewAdam(ga), NewAdam(gb)
			adamA.LR, adamB.LR = trainLR, trainLR
			optsA := Options{Params: dp, Adam: adamA, Outputs: []*graph.Tensor{a.loss}}
			optsB := Options{Params: dp, Adam: adamB, Outputs: []*graph.Tensor{b.adv}}
			var pa, pb *Program
			if shared {
				be := NewBackend(lib)
				pb = mustCompileOn(t, be, b.g, optsB)
				small := be.arena.floats
				pa = mustCompileOn(t, be, a.g, optsA)
				if !(small < pa.plan.ArenaFloats) {
					t.Fatalf("phase B's arena (%d floats) is not smaller than phase A's (%d): the arena does not grow", small, pa.plan.ArenaFloats)
				}
				if got, want := be.arena.floats, max(pa.plan.ArenaFloats, pb.plan.ArenaFloats); got != want {
					t.Errorf("shared arena %d floats, want the larger plan's %d", got, want)
				}
				if pa.arena != pb.arena {
					t.Error("the programs of one backend are bound to different arenas")
				}
			} else {
				pa = mustCompile(t, lib, a.g, optsA)
				pb = mustCompile(t, lib, b.g, optsB)
			}
			var got []float32
			for r := 0; r < rounds; r++ {
				for i, ph := range []struct {
					p   *Program
					n   *aeNet
					out *graph.Tensor
				}{{pa, a, a.loss}, {pb, b, b.adv}} {
					ph.p.SetCounter(uint64(2*r + i))
					vals, err := ph.p.Step(ph.n.batch(trainSeed))
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, vals[ph.out][0])
				}
			}
			for i := range want {
				if d := math.Abs(float64(got[i])-float64(want[i])) / math.Abs(float64(want[i])); !(d <= lossTolerance) {
					t.Errorf("round %d phase %c: loss %v, reference %v (relative %.3g)", i/2, 'A'+i%2, got[i], want[i], d)
				}
			}
			if err := dp.Download(ps); err != nil {
				t.Fatal(err)
			}
			for _, name := range refPS.Names() {
				if e := kerneltest.RelL2(ps.Get(name), refPS.Get(name)); !(e <= paramTolerance) {
					t.Errorf("%s after %d rounds: relative L2 %.3g", name, rounds, e)
				}
			}
			if st, _ := dp.AdamState(a.disc[0].Name()); st.Steps != rounds {
				t.Errorf("discriminator adam steps %d, want %d", st.Steps, rounds)
			}
		})
	}
}
