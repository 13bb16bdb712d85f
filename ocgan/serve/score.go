package serve

import (
	"errors"
	"image"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Verdicts of a /score answer.
const (
	verdictNovel  = "novel"
	verdictNormal = "normal"
)

// statusClientClosed is recorded when the client went away before its
// answer (nginx's convention; the client never sees it).
const statusClientClosed = 499

// ScoreResponse is the JSON body of a successful /score answer.
type ScoreResponse struct {
	// Score is the model's novelty score; higher = more novel.
	Score float64 `json:"score"`
	// Verdict is "novel" when Score >= Threshold, else "normal".
	Verdict string `json:"verdict"`
	// Threshold is the model's threshold, or the ?threshold= override.
	Threshold float64 `json:"threshold"`
	// ModelVersion and ModelID identify the model that scored the image.
	ModelVersion string `json:"model_version"`
	ModelID      string `json:"model_id"`
	// TimingMS holds milliseconds per stage: the model's stages (decode,
	// preprocess, upload, forward, download, ...), the server's "read"
	// (receiving the body) and "queue" (waiting for a slot and the model),
	// and "total" (arrival to response).
	TimingMS map[string]float64 `json:"timing_ms"`
}

// serveScore answers POST /score: the body is read first, under its own
// deadline, then the request is admitted, waits for a scoring slot, has its
// image decoded (outside the model's lock) and is scored.
func (s *Server) serveScore(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	override, hasOverride, rerr := thresholdOverride(r)
	if rerr != nil {
		writeError(w, rerr.status, rerr.msg)
		return
	}
	kind, boundary, rerr := classify(r, s.opts.MaxBodyBytes)
	if rerr != nil {
		if rerr.status == http.StatusRequestEntityTooLarge {
			w.Header().Set("Connection", "close") // do not read the rest
		}
		writeError(w, rerr.status, rerr.msg)
		return
	}
	info := s.currentInfo()
	if info == nil {
		s.reject(w, rejectClosing, "server is shutting down")
		return
	}
	if !s.clients.enter(r.RemoteAddr) {
		w.Header().Set("Connection", "close")
		s.rejectWith(w, http.StatusTooManyRequests, rejectClientLimit, "too many requests in progress from this client")
		return
	}
	defer s.clients.leave(r.RemoteAddr)

	encoded, ok := s.receive(w, r, kind, boundary)
	read := time.Since(start)
	if !ok {
		return
	}
	if rerr := checkHeader(encoded, limitsFor(s.opts.MaxImagePixels, info.InputSize)); rerr != nil {
		writeError(w, rerr.status, rerr.msg)
		return
	}
	if !s.limit.admit() {
		s.reject(w, rejectQueueFull, "server busy: too many requests waiting")
		return
	}
	defer s.limit.leave()

	s.metrics.waiting.Inc()
	err := s.limit.acquire(r.Context())
	slotWait := time.Since(start) - read
	s.metrics.waiting.Dec()
	switch {
	case errors.Is(err, errQueueTimeout):
		s.reject(w, rejectQueueTimeout, "server busy: "+err.Error())
		return
	case err != nil:
		writeError(w, statusClientClosed, "client went away while queued")
		return
	}
	defer s.limit.release()
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()

	img, decodeWait, decodeTime, rerr := s.decode(r, encoded)
	if rerr != nil {
		writeError(w, rerr.status, rerr.msg)
		return
	}
	encoded = nil // let the collector have the body while the model runs
	h := s.acquire()
	if h == nil {
		s.reject(w, rejectClosing, "server is shutting down")
		return
	}
	defer h.release()
	if err := h.check(); err != nil {
		s.unavailable(w, h, err)
		return
	}
	res, modelWait, err := h.score(r.Context(), img)
	if err != nil {
		s.scoreFailed(w, r, h, err)
		return
	}
	if math.IsNaN(res.Score) || math.IsInf(res.Score, 0) {
		s.opts.Logf("serve: model %q (version %q) returned score %v", h.sourceID, h.info.Version, res.Score)
		writeError(w, http.StatusInternalServerError, "model returned a non-finite score")
		return
	}

	resp := ScoreResponse{
		Score:        res.Score,
		Verdict:      verdictNormal,
		Threshold:    h.info.Threshold,
		ModelVersion: h.info.Version,
		ModelID:      h.info.ID,
		TimingMS:     make(map[string]float64, len(res.Stages)+4),
	}
	if hasOverride {
		resp.Threshold = override
	}
	if resp.Score >= resp.Threshold {
		resp.Verdict = verdictNovel
	}
	stages := make(map[string]time.Duration, len(res.Stages)+3)
	for _, st := range res.Stages {
		stages[st.Name] += st.Duration
	}
	stages["read"] = read
	stages["decode"] += decodeTime
	stages["queue"] = slotWait + decodeWait + modelWait
	for name, d := range stages {
		resp.TimingMS[name] = millis(d)
		s.metrics.observeStage(name, d)
	}
	total := time.Since(start)
	resp.TimingMS["total"] = millis(total)
	s.metrics.latency.Observe(total.Seconds())
	s.metrics.verdicts.WithLabelValues(resp.Verdict).Inc()
	writeJSON(w, http.StatusOK, resp)
}

// scoreFailed answers a failed Score call: 400 for ErrBadImage, 500 for a
// panic or any other error (logged), 499 if the client went away.
func (s *Server) scoreFailed(w http.ResponseWriter, r *http.Request, h *handle, err error) {
	var pe *panicError
	switch {
	case errors.As(err, &pe):
		s.metrics.panics.WithLabelValues("model").Inc()
		s.opts.Logf("serve: model %q (version %q): %v", h.sourceID, h.info.Version, err)
		writeError(w, http.StatusInternalServerError, "internal error: the model panicked")
	case errors.Is(err, ErrUnavailable):
		s.unavailable(w, h, err)
	case errors.Is(err, ErrBadImage):
		writeError(w, http.StatusBadRequest, err.Error())
	case r.Context().Err() != nil:
		writeError(w, statusClientClosed, "client went away while scoring")
	default:
		s.opts.Logf("serve: model %q (version %q): scoring: %v", h.sourceID, h.info.Version, err)
		writeError(w, http.StatusInternalServerError, "scoring failed: "+err.Error())
	}
}

// unavailable answers 503 for a model that can no longer score (err wraps
// ErrUnavailable, or is a panic of its Check), logging why.
func (s *Server) unavailable(w http.ResponseWriter, h *handle, err error) {
	s.opts.Logf("serve: model %q (version %q): %v", h.sourceID, h.info.Version, err)
	s.reject(w, rejectUnavailable, err.Error())
}

// reject answers 503 with Retry-After and counts the rejection by reason.
func (s *Server) reject(w http.ResponseWriter, reason, msg string) {
	s.rejectWith(w, http.StatusServiceUnavailable, reason, msg)
}

// rejectWith answers status with Retry-After and counts the rejection by
// reason.
func (s *Server) rejectWith(w http.ResponseWriter, status int, reason, msg string) {
	s.metrics.rejected.WithLabelValues(reason).Inc()
	secs := int64(math.Ceil(s.opts.RetryAfter.Seconds()))
	w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
	writeError(w, status, msg)
}

// decode decodes the image while holding one of the decoders, outside the
// model's lock. It returns the time spent waiting for a decoder and the
// time decoding took.
func (s *Server) decode(r *http.Request, encoded []byte) (img image.Image, waited, took time.Duration, rerr *requestError) {
	t0 := time.Now()
	if err := s.limit.decoder(r.Context()); err != nil {
		return nil, time.Since(t0), 0, &requestError{status: statusClientClosed, msg: "client went away while queued"}
	}
	defer s.limit.doneDecoding()
	t1 := time.Now()
	img, rerr = decodeImage(encoded)
	return img, t1.Sub(t0), time.Since(t1), rerr
}

// millis is d in milliseconds, rounded to the microsecond.
func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}
