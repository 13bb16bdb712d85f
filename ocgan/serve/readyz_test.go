package serve

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestReadyz checks /readyz: 200 and ready with the model while serving,
// 503 and not ready once the server is closed.
func TestReadyz(t *testing.T) {
	s, ts := startServer(t, newFakeSource("v1"), Options{})
	r := do(t, ts.Client(), http.MethodGet, ts.URL+pathReadyz, "", nil)
	var ready ReadyResponse
	if r.status != http.StatusOK || !decodeInto(t, r.body, &ready) || !ready.Ready || ready.ModelVersion != "v1" {
		t.Errorf("GET /readyz: status %d (%s), want 200 and ready with v1", r.status, r.body)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r = do(t, ts.Client(), http.MethodGet, ts.URL+pathReadyz, "", nil)
	if r.status != http.StatusServiceUnavailable || !decodeInto(t, r.body, &ready) || ready.Ready {
		t.Errorf("/readyz after Close: status %d (%s), want 503 and not ready", r.status, r.body)
	}
}

// TestHealthzSaturation fills every admission place with requests to a
// blocked model and checks that /healthz says so, with its load figures,
// and that it says so no more once the model is unblocked.
func TestHealthzSaturation(t *testing.T) {
	const maxConcurrent, maxQueue = 1, 2
	block := make(chan struct{})
	src := newFakeSource("v1")
	src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, block: block}
	s, ts := startServer(t, src, Options{MaxConcurrent: maxConcurrent, MaxQueue: maxQueue, QueueTimeout: time.Minute})
	unblock := opener(t, block)
	health := func() HealthResponse {
		t.Helper()
		var h HealthResponse
		r := do(t, ts.Client(), http.MethodGet, ts.URL+pathHealthz, "", nil)
		if r.status != http.StatusOK || !decodeInto(t, r.body, &h) {
			t.Fatalf("GET /healthz: status %d (%s)", r.status, r.body)
		}
		return h
	}
	if h := health(); h.Saturated || h.Load.Admitted != 0 || h.Load.MaxAdmitted != maxConcurrent+maxQueue ||
		h.Load.MaxScoring != maxConcurrent || h.Load.MaxReading != DefaultMaxReading {
		t.Errorf("idle: %+v", h)
	}
	img := grayPNG(t, 0, 4, 4)
	var wg sync.WaitGroup
	for range maxConcurrent + maxQueue {
		wg.Go(func() { postAsync(t, ts, img) })
	}
	waitFor(t, "every place taken", func() bool { return len(s.limit.admitted) == maxConcurrent+maxQueue })
	if h := health(); !h.Saturated || h.Load.Admitted != maxConcurrent+maxQueue || h.Load.Scoring != maxConcurrent {
		t.Errorf("full: %+v", h)
	}
	unblock()
	wg.Wait()
	if h := health(); h.Saturated {
		t.Errorf("after the requests: %+v", h)
	}
}
