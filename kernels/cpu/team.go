package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinWait is how long a waiting goroutine of a team (a worker between
// kernels, the caller at the end of a kernel) keeps polling before it
// sleeps. A model's kernels follow each other within microseconds, and a
// goroutine woken from sleep costs tens of microseconds on a busy VM, far
// more than the small kernels of batch-1 scoring take; a quarter of a
// millisecond of polling after the last kernel is what that costs in idle
// CPU.
const spinWait = 250 * time.Microsecond

// team runs the parts of a parallel kernel on the calling goroutine and on
// worker goroutines that live as long as the team, so a kernel costs no
// goroutine start and, while kernels keep coming, no wake-up from sleep
// (the arrangement of OpenMP's thread teams). A team is shared by a Device
// and its BatchInvariant view; a run that finds it busy runs its parts one
// after the other on the caller instead.
type team struct {
	mu      sync.Mutex // held by a run
	workers []*teamWorker
	pending atomic.Int32 // worker parts of the current run not yet done
	done    signal       // posted by the worker that finishes the run's last part
	closed  bool
}

// teamWorker is one worker goroutine and the part it is given.
type teamWorker struct {
	job  signal
	fn   func(part int)
	part int
	stop atomic.Bool
}

// run calls fn(0), …, fn(parts-1) concurrently, fn(0) on the caller, and
// returns when all have returned.
func (t *team) run(parts int, fn func(part int)) {
	if parts <= 1 || !t.mu.TryLock() {
		for p := range parts {
			fn(p)
		}
		return
	}
	defer t.mu.Unlock()
	if t.closed {
		for p := range parts {
			fn(p)
		}
		return
	}
	for len(t.workers) < parts-1 {
		w := &teamWorker{}
		w.job.init()
		t.workers = append(t.workers, w)
		go w.loop(t)
	}
	if t.done.wake == nil {
		t.done.init()
	}
	seen := t.done.count()
	t.pending.Store(int32(parts - 1))
	for i, w := range t.workers[:parts-1] {
		w.fn, w.part = fn, i+1
		w.job.post()
	}
	fn(0)
	t.done.wait(seen)
	for _, w := range t.workers[:parts-1] {
		w.fn = nil
	}
}

// close stops the workers; later runs execute on the caller.
func (t *team) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for _, w := range t.workers {
		w.stop.Store(true)
		w.job.post()
	}
	t.workers = nil
}

// loop runs the parts posted to w until the team closes.
func (w *teamWorker) loop(t *team) {
	var seen uint64
	for {
		seen = w.job.wait(seen)
		if w.stop.Load() {
			return
		}
		w.fn(w.part)
		if t.pending.Add(-1) == 0 {
			t.done.post()
		}
	}
}

// signal is an event with one waiter: wait returns once post has been
// called more times than the waiter has seen, polling for spinWait before
// it sleeps.
type signal struct {
	posted   atomic.Uint64
	sleeping atomic.Bool
	wake     chan struct{} // capacity 1
}

// init makes the wake-up channel; a signal is used after init only.
func (s *signal) init() { s.wake = make(chan struct{}, 1) }

// count returns the number of posts so far.
func (s *signal) count() uint64 { return s.posted.Load() }

// post counts one event and wakes the waiter if it sleeps.
func (s *signal) post() {
	s.posted.Add(1)
	if s.sleeping.Load() {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// wait returns the post count once it differs from seen.
func (s *signal) wait(seen uint64) uint64 {
	deadline := time.Now().Add(spinWait)
	for {
		if n := s.posted.Load(); n != seen {
			return n
		}
		if time.Now().Before(deadline) {
			runtime.Gosched()
			continue
		}
		// Announce the sleep, then look again: a post that came before
		// the announcement is seen here, one after it sends a wake-up.
		s.sleeping.Store(true)
		if n := s.posted.Load(); n != seen {
			s.sleeping.Store(false)
			return n
		}
		<-s.wake
		s.sleeping.Store(false)
	}
}
