package serve

import (
	"context"
	"fmt"
	"image"
	"sync/atomic"
	"time"
)

// handle is a loaded Model with a reference count. The server holds one
// reference while the handle is current; each request using it holds one
// more. When the count reaches zero the model is closed, exactly once.
type handle struct {
	model    Model
	info     ModelInfo
	sourceID string
	loadedAt time.Time

	// lock serialises Score calls on models that are not Concurrent; a
	// channel so that waiting can give up with the request's context.
	lock chan struct{}
	refs atomic.Int64
	// closed is called with Close's error once the model is closed; it may
	// set closeErr.
	closed   func(h *handle, err error)
	closeErr error
}

// newHandle wraps m, holding one reference (the server's).
func newHandle(m Model, info ModelInfo, sourceID string, closed func(*handle, error)) *handle {
	h := &handle{model: m, info: info, sourceID: sourceID, loadedAt: time.Now(), lock: make(chan struct{}, 1), closed: closed}
	h.refs.Store(1)
	return h
}

// acquire adds a reference. The caller must know the count is above zero:
// the server only calls it on the current handle, under its lock.
func (h *handle) acquire() { h.refs.Add(1) }

// release drops a reference and closes the model when it was the last.
func (h *handle) release() {
	n := h.refs.Add(-1)
	switch {
	case n == 0:
		err := protect("model Close", h.model.Close)
		h.closed(h, err)
	case n < 0:
		panic("serve: model handle released more often than acquired")
	}
}

// score runs Score, one call at a time unless the model is Concurrent,
// turning a panic into a *panicError. waited is the time spent waiting for
// the model.
func (h *handle) score(ctx context.Context, img image.Image) (res Result, waited time.Duration, err error) {
	if !h.info.Concurrent {
		start := time.Now()
		select {
		case h.lock <- struct{}{}:
		case <-ctx.Done():
			return Result{}, time.Since(start), fmt.Errorf("waiting for the model: %w", ctx.Err())
		}
		waited = time.Since(start)
		defer func() { <-h.lock }()
	}
	err = protect("model Score", func() error {
		var err error
		res, err = h.model.Score(ctx, img)
		return err
	})
	return res, waited, err
}

// check is the model's Check (see Checker); nil for models without one.
func (h *handle) check() error {
	c, ok := h.model.(Checker)
	if !ok {
		return nil
	}
	return protect("model Check", c.Check)
}

// panicError is a recovered panic.
type panicError struct {
	where string
	value any
}

func (e *panicError) Error() string { return fmt.Sprintf("%s panicked: %v", e.where, e.value) }

// protect runs fn, returning its error or a *panicError if it panicked.
func protect(where string, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{where: where, value: v}
		}
	}()
	return fn()
}
