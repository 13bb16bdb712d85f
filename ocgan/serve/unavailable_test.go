package serve

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnavailableModel scores with a model whose device is lost during the
// first request: that request and every later one get 503 naming the loss
// (the model is not called again), /healthz and /readyz answer 503 with the
// reason, and the rejections are counted.
func TestUnavailableModel(t *testing.T) {
	src := newFakeSource("v1")
	src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, mode: "lost"}
	_, ts := startServer(t, src, Options{})
	img := grayPNG(t, 0, 4, 4)
	for i := range 3 {
		r := postImage(t, ts, "", img)
		var e struct{ Error string }
		if r.status != http.StatusServiceUnavailable || !decodeInto(t, r.body, &e) ||
			!strings.Contains(e.Error, "model unavailable: fake device lost") || r.header.Get("Retry-After") == "" {
			t.Errorf("/score %d: status %d (%s), want 503 naming the device loss", i, r.status, r.body)
		}
	}
	if n := src.models()[0].calls.Load(); n != 1 {
		t.Errorf("the model was called %d times, want once (before its device was lost)", n)
	}
	var h HealthResponse
	r := do(t, ts.Client(), http.MethodGet, ts.URL+pathHealthz, "", nil)
	if r.status != http.StatusServiceUnavailable || !decodeInto(t, r.body, &h) || h.Status != "unavailable" ||
		!strings.Contains(h.Error, "fake device lost") || h.ModelVersion != "v1" {
		t.Errorf("/healthz: status %d (%s), want 503 unavailable naming the device loss", r.status, r.body)
	}
	var ready ReadyResponse
	r = do(t, ts.Client(), http.MethodGet, ts.URL+pathReadyz, "", nil)
	if r.status != http.StatusServiceUnavailable || !decodeInto(t, r.body, &ready) || ready.Ready || !strings.Contains(ready.Error, "fake device lost") {
		t.Errorf("/readyz: status %d (%s), want 503 naming the device loss", r.status, r.body)
	}
	wantSeries(t, scrape(t, ts), 3, "ocgan_score_rejected_total", "reason", "model_unavailable")
}
