package serve

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"time"
)

// errReadAborted: the server began shutting down while a body was arriving.
var errReadAborted = errors.New("server is shutting down")

// bodyReader reads a request body under its own deadline: the whole body
// by start+timeout, and, once readGrace has passed, at an average of at
// least rate bytes per second. The deadline is the connection's read
// deadline, so a stalled client is cut off while its Read blocks.
type bodyReader struct {
	r        io.Reader
	rc       *http.ResponseController
	start    time.Time
	hard     time.Time
	rate     int64 // bytes per second; <= 0: no minimum
	n        int64
	deadline bool // the connection supports read deadlines
	aborted  func() bool
}

// Read sets the connection's deadline for the next bytes, then reads.
func (b *bodyReader) Read(p []byte) (int, error) {
	if b.aborted() {
		return 0, errReadAborted
	}
	if b.deadline {
		d := b.hard
		if b.rate > 0 {
			if byRate := b.start.Add(readGrace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second))); byRate.Before(d) {
				d = byRate
			}
		}
		if err := b.rc.SetReadDeadline(d); err != nil {
			b.deadline = false
		}
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && b.aborted() {
		err = errReadAborted
	}
	return n, err
}

// readers tracks the connections whose bodies are being read, so that a
// shutdown can cut them off at once instead of waiting for slow clients.
type readers struct {
	mu      sync.Mutex
	closing bool
	active  map[*http.ResponseController]struct{}
}

func newReaders() *readers {
	return &readers{active: make(map[*http.ResponseController]struct{})}
}

// add registers rc; it reports false once the server is shutting down.
func (rs *readers) add(rc *http.ResponseController) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.closing {
		return false
	}
	rs.active[rc] = struct{}{}
	return true
}

// remove undoes add.
func (rs *readers) remove(rc *http.ResponseController) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	delete(rs.active, rc)
}

// isClosing reports whether abort has been called.
func (rs *readers) isClosing() bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.closing
}

// abort makes every body read in progress, and every later one, fail.
func (rs *readers) abort() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.closing = true
	past := time.Unix(1, 0)
	for rc := range rs.active {
		_ = rc.SetReadDeadline(past)
	}
}

// receive reads a /score body before the request is admitted to scoring:
// it takes a reading place and reads under the body's own deadline. When
// it fails it has answered the request (503, 408, 413 or 400) and returns
// false.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, kind bodyKind, boundary string) ([]byte, bool) {
	if !s.limit.startRead() {
		s.reject(w, rejectReadingFull, "server busy: too many request bodies arriving")
		return nil, false
	}
	defer s.limit.endRead()
	s.metrics.reading.Inc()
	defer s.metrics.reading.Dec()
	rc := http.NewResponseController(w)
	if !s.readers.add(rc) {
		w.Header().Set("Connection", "close")
		s.reject(w, rejectClosing, "server is shutting down")
		return nil, false
	}
	defer s.readers.remove(rc)
	start := time.Now()
	br := &bodyReader{r: r.Body, rc: rc, start: start, hard: start.Add(s.opts.ReadTimeout),
		rate: s.opts.MinReadRate, deadline: true, aborted: s.readers.isClosing}
	img, rerr := readImage(w, readCloser{br, r.Body}, kind, boundary, s.opts.MaxBodyBytes)
	if rerr == nil {
		return img, true
	}
	switch rerr.status {
	case http.StatusServiceUnavailable:
		w.Header().Set("Connection", "close")
		s.reject(w, rejectClosing, rerr.msg)
	case http.StatusRequestTimeout, http.StatusRequestEntityTooLarge:
		w.Header().Set("Connection", "close") // the rest of the body is not read
		writeError(w, rerr.status, rerr.msg)
	default:
		writeError(w, rerr.status, rerr.msg)
	}
	return nil, false
}

// readCloser joins a Reader and a Closer.
type readCloser struct {
	io.Reader
	io.Closer
}
