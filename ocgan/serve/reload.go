package serve

import (
	"context"
	"fmt"
	"time"
)

// reloadFailure remembers the last failed reload so that polling backs off
// instead of reloading a broken model every interval.
type reloadFailure struct {
	err     error     // nil when the last attempt succeeded
	id      string    // the id that failed to load; "" when Current failed
	count   int       // consecutive failures of this kind
	retryAt time.Time // polling does not retry the same failure before this
}

// Reload asks the Source for the installed model now and, if its id differs
// from the model being served, loads it and swaps it in. It reports whether
// a new model was swapped in. On failure the old model keeps serving, the
// failure is logged and counted, and the error is returned. Reload ignores
// the polling backoff; it suits tests and SIGHUP handlers.
func (s *Server) Reload() (swapped bool, err error) {
	return s.reload(true)
}

// LastReloadError is the error of the last reload attempt, or nil if it
// succeeded or found nothing new.
func (s *Server) LastReloadError() error {
	s.lastErrMu.Lock()
	defer s.lastErrMu.Unlock()
	return s.lastErr
}

// setLastErr records the outcome of a reload attempt for LastReloadError.
func (s *Server) setLastErr(err error) {
	s.lastErrMu.Lock()
	s.lastErr = err
	s.lastErrMu.Unlock()
}

// poll calls reload every PollInterval until ctx is done.
func (s *Server) poll(ctx context.Context) {
	defer close(s.pollDone)
	t := time.NewTicker(s.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = s.reload(false)
		}
	}
}

// reload is Reload; unless force, it skips attempts that repeat a recent
// failure (same failing id, or Current failing) before the backoff expires.
func (s *Server) reload(force bool) (bool, error) {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.closed {
		return false, ErrClosed
	}
	f := &s.failure
	waiting := !force && f.err != nil && time.Now().Before(f.retryAt)
	if waiting && f.id == "" {
		return false, nil
	}
	id, err := s.callCurrent()
	if err != nil {
		return false, s.fail("", fmt.Errorf("serve: reload: finding the installed model: %w", err))
	}
	s.mu.RLock()
	old := s.cur
	s.mu.RUnlock()
	if id == old.sourceID {
		*f = reloadFailure{}
		s.setLastErr(nil)
		return false, nil
	}
	if waiting && f.id == id {
		return false, nil
	}
	h, err := s.load(id)
	if err != nil {
		return false, s.fail(id, fmt.Errorf("serve: reload: %w", err))
	}
	s.mu.Lock()
	s.cur = h
	s.mu.Unlock()
	old.release()
	*f = reloadFailure{}
	s.setLastErr(nil)
	s.metrics.reloads.Inc()
	s.opts.Logf("serve: swapped model %q (version %q) for %q (version %q, id %q, threshold %g)",
		old.sourceID, old.info.Version, id, h.info.Version, h.info.ID, h.info.Threshold)
	return true, nil
}

// fail records a failed reload of id ("" when Current failed): it counts
// and logs it and sets the backoff. It returns err.
func (s *Server) fail(id string, err error) error {
	f := &s.failure
	if f.err != nil && f.id == id {
		f.count++
	} else {
		f.count = 1
	}
	f.err, f.id = err, id
	backoff := s.opts.PollInterval
	for i := 1; i < f.count && backoff < s.opts.MaxRetryBackoff; i++ {
		backoff *= 2
	}
	backoff = max(min(backoff, s.opts.MaxRetryBackoff), 0)
	f.retryAt = time.Now().Add(backoff)
	s.setLastErr(err)
	s.metrics.reloadFailures.Inc()
	s.opts.Logf("%v (still serving %q; failure %d, next automatic retry in %v)", err, s.cur.sourceID, f.count, backoff)
	return err
}
