package serve

import (
	"context"
	"errors"
	"time"
)

// Reasons a /score request is turned away with 503 (the "reason" label of
// ocgan_score_rejected_total).
const (
	rejectQueueFull    = "queue_full"
	rejectQueueTimeout = "queue_timeout"
	rejectClosing      = "closing"
)

// errQueueTimeout: an admitted request waited QueueTimeout for a slot.
var errQueueTimeout = errors.New("timed out waiting for a scoring slot")

// limiter bounds /score work in two steps: admission (at most
// MaxConcurrent+MaxQueue requests admitted at once, checked without waiting)
// and a scoring slot (at most MaxConcurrent at once, waited for up to
// QueueTimeout).
type limiter struct {
	admitted chan struct{}
	slots    chan struct{}
	timeout  time.Duration
}

func newLimiter(maxConcurrent, maxQueue int, timeout time.Duration) *limiter {
	return &limiter{
		admitted: make(chan struct{}, maxConcurrent+maxQueue),
		slots:    make(chan struct{}, maxConcurrent),
		timeout:  timeout,
	}
}

// admit reports whether the request may wait; if so, the caller must call
// leave.
func (l *limiter) admit() bool {
	select {
	case l.admitted <- struct{}{}:
		return true
	default:
		return false
	}
}

// leave undoes admit.
func (l *limiter) leave() { <-l.admitted }

// acquire waits for a scoring slot, up to the timeout or until ctx is done;
// on success the caller must call release.
func (l *limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(l.timeout)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errQueueTimeout
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release undoes acquire.
func (l *limiter) release() { <-l.slots }
