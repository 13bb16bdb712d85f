package serve

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server is the HTTP scoring service over the models of one Source. Create
// it with New; it is safe for concurrent use.
type Server struct {
	src     Source
	opts    Options
	start   time.Time
	limit   *limiter
	clients *clients
	readers *readers
	conns   *connCount
	auth    auth
	metrics *metrics
	handler http.Handler

	// mu guards cur (nil once closed). Taking a reference on cur happens
	// under mu, so a swapped-out handle gains no new references.
	mu  sync.RWMutex
	cur *handle

	// models counts handles whose model is not yet closed.
	models sync.WaitGroup

	// reloadMu serialises reloads and guards the fields below it.
	reloadMu sync.Mutex
	closed   bool
	failure  reloadFailure

	// lastErrMu guards lastErr, the outcome of the last reload attempt, so
	// that /healthz need not wait for a reload in progress.
	lastErrMu sync.Mutex
	lastErr   error

	stopPoll context.CancelFunc
	pollDone chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// New loads the Source's current model and returns a Server serving it. It
// fails if the Source names no model or the model does not load. Unless
// Options.PollInterval is negative, New starts polling the Source for new
// models; Close stops it.
func New(src Source, opts Options) (*Server, error) {
	if src == nil {
		return nil, errors.New("serve: nil Source")
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{
		src:     src,
		opts:    opts,
		start:   time.Now(),
		limit:   newLimiter(opts),
		clients: newClients(opts.MaxClientRequests),
		readers: newReaders(),
		conns:   &connCount{},
		auth:    newAuth(opts.Token),
	}
	if s.metrics, err = newMetrics(s.currentInfo); err != nil {
		return nil, err
	}
	id, err := s.callCurrent()
	if err != nil {
		return nil, fmt.Errorf("serve: finding the installed model: %w", err)
	}
	h, err := s.load(id)
	if err != nil {
		return nil, fmt.Errorf("serve: loading the installed model: %w", err)
	}
	s.cur = h
	s.handler = s.routes()
	opts.Logf("serve: serving model %q (version %q, id %q, threshold %g)", id, h.info.Version, h.info.ID, h.info.Threshold)

	ctx, cancel := context.WithCancel(context.Background())
	s.stopPoll, s.pollDone = cancel, make(chan struct{})
	if opts.PollInterval > 0 {
		go s.poll(ctx)
	} else {
		close(s.pollDone)
	}
	return s, nil
}

// Handler returns the server's HTTP handler (/score, /healthz, /readyz,
// /metrics).
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the server's Prometheus registry, served on /metrics, so
// the caller can add its own collectors (e.g. device metrics).
func (s *Server) Registry() *prometheus.Registry { return s.metrics.registry }

// Info describes the model being served; ok is false once the server is
// closed.
func (s *Server) Info() (info ModelInfo, ok bool) {
	p := s.currentInfo()
	if p == nil {
		return ModelInfo{}, false
	}
	return *p, true
}

// currentInfo is the current model's info, or nil once closed.
func (s *Server) currentInfo() *ModelInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cur == nil {
		return nil
	}
	info := s.cur.info
	return &info
}

// acquire returns the current handle with a reference taken, or nil once
// the server is closed. The caller must release it.
func (s *Server) acquire() *handle {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.cur != nil {
		s.cur.acquire()
	}
	return s.cur
}

// load loads the model named id and wraps it in a handle counted in
// s.models.
func (s *Server) load(id string) (*handle, error) {
	var m Model
	err := protect("Source.Load", func() error {
		var err error
		m, err = s.src.Load(id)
		return err
	})
	if err == nil && m == nil {
		err = errors.New("Source.Load returned no model and no error")
	}
	if err != nil {
		return nil, fmt.Errorf("loading model %q: %w", id, err)
	}
	var info ModelInfo
	if err := protect("model Info", func() error { info = m.Info(); return nil }); err != nil {
		_ = protect("model Close", m.Close)
		return nil, fmt.Errorf("loading model %q: %w", id, err)
	}
	s.models.Add(1)
	return newHandle(m, info, id, s.modelClosed), nil
}

// modelClosed runs after a handle's model is closed.
func (s *Server) modelClosed(h *handle, err error) {
	if err != nil {
		s.opts.Logf("serve: closing model %q (version %q): %v", h.sourceID, h.info.Version, err)
		h.closeErr = fmt.Errorf("serve: closing model %q: %w", h.sourceID, err)
	}
	s.models.Done()
}

// callCurrent asks the Source for the installed model, recovering a panic.
func (s *Server) callCurrent() (string, error) {
	var id string
	err := protect("Source.Current", func() error {
		var err error
		id, err = s.src.Current()
		return err
	})
	return id, err
}

// Close stops polling, cuts off /score bodies still arriving, turns new
// /score requests away with 503, waits for requests in flight to finish and
// closes every model. It returns the error of closing the model that was
// current, and is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.readers.abort()
		s.stopPoll()
		<-s.pollDone
		s.reloadMu.Lock()
		s.closed = true
		s.mu.Lock()
		h := s.cur
		s.cur = nil
		s.mu.Unlock()
		s.reloadMu.Unlock()
		h.release()
		s.models.Wait()
		s.closeErr = h.closeErr
	})
	return s.closeErr
}
