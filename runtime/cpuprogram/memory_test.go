package cpuprogram

import (
	"errors"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestCompileRefusesWhatMemoryCannotHold compiles on a backend whose
// system reports a given amount of available memory: a plan that needs to
// grow the arena beyond it is refused with an OutOfMemoryError before
// anything is allocated.
func TestCompileRefusesWhatMemoryCannotHold(t *testing.T) {
	be := openBackend(t)
	n := newDenseNet(t)
	opts := backend.Options{Outputs: []*graph.Tensor{n.loss}, Adam: n.adam}
	plan := func() uint64 { // the net's arena in bytes, measured on a backend without limit
		p, err := openBackend(t).Compile(n.g, opts)
		if err != nil {
			t.Fatal(err)
		}
		return uint64(p.(*Program).plan.ArenaFloats) * 4
	}()
	if plan == 0 {
		t.Fatal("the test net plans no memory")
	}
	tests := []struct {
		name      string
		held      int    // floats already in the arena
		available uint64 // bytes the system reports
		known     bool
		refused   bool
	}{
		{"unknown", 0, 0, false, false},
		{"enough", 0, plan, true, false},
		{"too little", 0, plan - 4, true, true},
		{"too little beside a smaller arena", int(plan / 8), plan - 4, true, true},
		{"already held", int(plan / 4), 0, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			be.arena.buf = make([]float32, tc.held)
			be.arena.available = func() (uint64, bool) { return tc.available, tc.known }
			_, err := be.Compile(n.g, opts)
			var oom *OutOfMemoryError
			switch {
			case tc.refused && !errors.As(err, &oom):
				t.Fatalf("compile: %v, want an OutOfMemoryError", err)
			case tc.refused:
				if oom.Need != plan || oom.Available != tc.available {
					t.Errorf("error %+v, want need %d, available %d", oom, plan, tc.available)
				}
				if len(be.arena.buf) != tc.held {
					t.Errorf("the refused compile changed the arena from %d to %d floats", tc.held, len(be.arena.buf))
				}
			case err != nil:
				t.Fatalf("compile: %v", err)
			}
		})
	}
}
