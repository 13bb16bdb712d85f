package cpu

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestTeamRunsEveryPart checks that a run calls each part once, on
// different part counts in a row (workers made as needed), after the
// workers have gone to sleep, from two goroutines at once (one of them
// then runs its parts itself) and after close.
func TestTeamRunsEveryPart(t *testing.T) {
	tm := &team{}
	check := func(what string, parts int) {
		t.Helper()
		calls := make([]atomic.Int32, parts)
		tm.run(parts, func(p int) { calls[p].Add(1) })
		for p := range calls {
			if n := calls[p].Load(); n != 1 {
				t.Errorf("%s: part %d of %d ran %d times", what, p, parts, n)
			}
		}
	}
	for _, parts := range []int{0, 1, 2, 5, 3, 8, 2} {
		check("in a row", parts)
	}
	time.Sleep(4 * spinWait)
	check("after sleeping", 4)

	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				check("concurrent", 3)
			}
		}()
	}
	wg.Wait()

	tm.close()
	check("after close", 3)
}

// TestTeamRunsConcurrently checks that the parts of a run overlap in time:
// each part waits until every part has started.
func TestTeamRunsConcurrently(t *testing.T) {
	tm := &team{}
	defer tm.close()
	const parts = 3
	var started atomic.Int32
	done := make(chan struct{})
	go func() {
		tm.run(parts, func(int) {
			started.Add(1)
			for started.Load() < parts {
				time.Sleep(time.Microsecond)
			}
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("the parts of a run did not overlap: %d of %d started", started.Load(), parts)
	}
}
