package device

import (
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestProfileOnEveryBackend compiles a conv layer's training step (forward,
// loss, gradients, Adam), profiled (backend.Profiling) and not: the profile
// names every node in the order they run and then every update, sums the
// steps since the previous call and starts again after it, and each entry's
// time lies within the steps' wall-clock time; an unprofiled program
// reports none.
func TestProfileOnEveryBackend(t *testing.T) {
	for name, be := range testBackends(t) {
		t.Run(name, func(t *testing.T) {
			ps := graph.NewParamSet()
			g := graph.New(ps, graph.Train)
			x := g.Input("x", 3, 2, 9, 7)
			w := g.Param("conv.weight", []int{5, 2, 3, 2}, normal(0.5))
			bias := g.Param("conv.bias", []int{5}, normal(0.5))
			y := g.Conv2D(x, w, bias, 2, 1)
			loss := g.MSELoss(y, g.Input("target", y.Shape()...))
			grads, err := g.Gradients(loss, w, bias)
			if err != nil {
				t.Fatal(err)
			}
			if err := ps.Init(3); err != nil {
				t.Fatal(err)
			}
			feeds := feedsFor(g, 5)
			opts := backend.Options{Outputs: []*graph.Tensor{loss}, Adam: backend.NewAdam(grads)}

			plain, err := be.Compile(g, opts)
			if err != nil {
				vktest.SkipIfStorageRefused(t, err, "program: adam update")
				t.Fatal(err)
			}
			defer plain.Free()
			if _, err := plain.Step(feeds); err != nil {
				t.Fatal(err)
			}
			if got := plain.Profile(); got != nil {
				t.Errorf("unprofiled program: profile %v, want nil", got)
			}

			opts.Adam = backend.NewAdam(grads)
			p, err := backend.Profiling(be).Compile(g, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Free()
			start := time.Now()
			for range 3 {
				if _, err := p.Step(feeds); err != nil {
					t.Fatal(err)
				}
			}
			wall := time.Since(start)
			prof := p.Profile()
			var want []string
			for _, n := range g.Nodes() {
				want = append(want, n.Op().Kind()+" "+n.Name())
			}
			want = append(want, "adam adam conv.weight", "adam adam conv.bias") // in parameter order
			if len(prof) != len(want) {
				t.Fatalf("profile of %d entries, want %d (%v): %+v", len(prof), len(want), want, prof)
			}
			var total time.Duration
			for i, e := range prof {
				if got := e.Op + " " + e.Name; got != want[i] {
					t.Errorf("entry %d is %q, want %q", i, got, want[i])
				}
				if e.Steps != 3 || e.Time < 0 || e.Time > wall {
					t.Errorf("%s (%s): %d steps, %v (the 3 steps took %v)", e.Name, e.Op, e.Steps, e.Time, wall)
				}
				total += e.Time
			}
			if total <= 0 || total > wall {
				t.Errorf("the nodes took %v in all, the 3 steps %v", total, wall)
			}
			if _, err := p.Step(feeds); err != nil {
				t.Fatal(err)
			}
			for _, e := range p.Profile() {
				if e.Steps != 1 {
					t.Errorf("%s, the step after the profile was taken: %d steps summed, want 1", e.Name, e.Steps)
				}
			}
		})
	}
}
