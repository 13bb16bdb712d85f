package serve

import (
	"net/http"
	"testing"
)

// TestHealthz checks /healthz with GET and HEAD while serving, and 503 for
// /healthz and /score once the server is closed.
func TestHealthz(t *testing.T) {
	src := newFakeSource("v1")
	s, ts := startServer(t, src, Options{})

	r := do(t, ts.Client(), http.MethodGet, ts.URL+pathHealthz, "", nil)
	var h HealthResponse
	if r.status != http.StatusOK || !decodeInto(t, r.body, &h) {
		t.Fatalf("GET /healthz: status %d (%s)", r.status, r.body)
	}
	if h.Status != "ok" || h.ModelVersion != "v1" || h.ModelID != "bundle-v1" || h.Threshold != 0.5 ||
		h.SourceID != "v1" || h.Device != "fake" || h.Uptime == "" || h.UptimeSeconds <= 0 || h.ModelLoadedAt.IsZero() || h.ReloadError != "" {
		t.Errorf("GET /healthz: %+v", h)
	}
	if r := do(t, ts.Client(), http.MethodHead, ts.URL+pathHealthz, "", nil); r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("HEAD /healthz: status %d, %d body bytes; want 200 and none", r.status, len(r.body))
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r = do(t, ts.Client(), http.MethodGet, ts.URL+pathHealthz, "", nil)
	if r.status != http.StatusServiceUnavailable || !decodeInto(t, r.body, &h) || h.Status != "unavailable" {
		t.Errorf("/healthz after Close: status %d (%s), want 503 unavailable", r.status, r.body)
	}
	if r := postImage(t, ts, "", grayPNG(t, 0, 4, 4)); r.status != http.StatusServiceUnavailable {
		t.Errorf("/score after Close: status %d, want 503", r.status)
	}
	if _, err := s.Reload(); err != ErrClosed {
		t.Errorf("Reload after Close: %v, want ErrClosed", err)
	}
	wantSeries(t, scrape(t, ts), 1, "ocgan_score_rejected_total", "reason", "closing")
	if _, ok := series(scrape(t, ts), "ocgan_model_info"); ok {
		t.Error("ocgan_model_info present after Close")
	}
}
