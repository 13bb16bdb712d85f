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
	rejectReadingFull  = "reading_full"
	rejectClientLimit  = "client_limit"
	rejectUnavailable  = "model_unavailable"
)

// errQueueTimeout: an admitted request waited QueueTimeout for a slot.
var errQueueTimeout = errors.New("timed out waiting for a scoring slot")

// limiter bounds /score work in steps: reading a body (at most MaxReading
// at once, checked without waiting), admission of a request whose body is
// in (at most MaxConcurrent+MaxQueue at once, checked without waiting), a
// scoring slot (at most MaxConcurrent at once, waited for up to
// QueueTimeout) and, within it, a decoder (at most MaxDecoders at once).
type limiter struct {
	reading  chan struct{}
	admitted chan struct{}
	slots    chan struct{}
	decoders chan struct{}
	timeout  time.Duration
}

func newLimiter(o Options) *limiter {
	return &limiter{
		reading:  make(chan struct{}, o.MaxReading),
		admitted: make(chan struct{}, o.MaxConcurrent+o.MaxQueue),
		slots:    make(chan struct{}, o.MaxConcurrent),
		decoders: make(chan struct{}, max(o.MaxDecoders, 1)),
		timeout:  o.QueueTimeout,
	}
}

// startRead reports whether one more body may be read; if so, the caller
// must call endRead.
func (l *limiter) startRead() bool { return tryTake(l.reading) }

// endRead undoes startRead.
func (l *limiter) endRead() { <-l.reading }

// admit reports whether the request may wait; if so, the caller must call
// leave.
func (l *limiter) admit() bool { return tryTake(l.admitted) }

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

// decoder waits for a decoder until ctx is done; on success the caller must
// call doneDecoding.
func (l *limiter) decoder(ctx context.Context) error {
	select {
	case l.decoders <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// doneDecoding undoes decoder.
func (l *limiter) doneDecoding() { <-l.decoders }

// saturated reports whether a new request would be turned away for want of
// a reading place or an admission place.
func (l *limiter) saturated() bool {
	return len(l.reading) == cap(l.reading) || len(l.admitted) == cap(l.admitted)
}

// tryTake takes a place in sem without waiting, reporting whether it could.
func tryTake(sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
		return false
	}
}
