package program

import (
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestReplayRecordsOnceSubmitsOncePerStep replays the training step N times:
// the command buffer is recorded once (at Compile) and each step is one
// submission.
func TestReplayRecordsOnceSubmitsOncePerStep(t *testing.T) {
	lib := newLib(t)
	ctx := lib.Context()
	p, n := compileNet(t, lib, false, func(n *aeNet) []*graph.Tensor { return n.params() })
	st := p.Stats()
	if st.Recordings != 1 || st.Runs != 0 || st.Sequences != 1 || st.Submissions != 1 {
		t.Fatalf("after Compile: %+v, want 1 sequence recorded once in one submission and not run", st)
	}
	t.Logf("one step: %d dispatches, %d barriers, %d nodes, %d Adam updates", st.Dispatches, st.Barriers, len(p.nodes), len(p.updates))
	const steps = 12
	feeds := n.batch(1)
	before := ctx.Stats().Submits
	for i := 0; i < steps; i++ {
		if _, err := p.Step(feeds); err != nil {
			t.Fatal(err)
		}
	}
	submits := ctx.Stats().Submits - before
	st = p.Stats()
	if st.Recordings != 1 {
		t.Errorf("recorded %d times after %d steps, want 1", st.Recordings, steps)
	}
	if st.Runs != steps {
		t.Errorf("%d runs after %d steps", st.Runs, steps)
	}
	if ctx.Unified() {
		if submits != steps {
			t.Errorf("%d submits for %d steps, want exactly one per step", submits, steps)
		}
	} else {
		// Uploads and read-backs go through the staging buffer, one
		// submission each; the step itself is still one.
		t.Logf("discrete memory: %d submits for %d steps (transfers included)", submits, steps)
	}
	if p.Counter() != steps {
		t.Errorf("RNG counter %d after %d steps", p.Counter(), steps)
	}
}

// TestStepAllocations checks that a replayed step allocates (almost)
// nothing on the Go side: the feeds are copied into mapped or staged memory,
// the step parameters written in place, the outputs read into the program's
// own slices.
func TestStepAllocations(t *testing.T) {
	lib := newLib(t)
	p, n := compileNet(t, lib, false, func(n *aeNet) []*graph.Tensor { return n.params() })
	feeds := n.batch(1)
	allocs := testing.AllocsPerRun(5, func() {
		if _, err := p.Step(feeds); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%.1f allocations per step (validation on)", allocs)
	if allocs > 2 {
		t.Errorf("%.1f allocations per step, want at most 2", allocs)
	}
}
