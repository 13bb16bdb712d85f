package serve

import (
	"bytes"
	"math"
	"net/http"
	"testing"
)

// TestMetrics runs a known mix of requests and checks that /metrics parses
// as Prometheus text and counts them.
func TestMetrics(t *testing.T) {
	src := newFakeSource("v1")
	_, ts := startServer(t, src, Options{})
	black, white := grayPNG(t, 0, 4, 4), grayPNG(t, 255, 4, 4)
	for _, img := range [][]byte{black, black, white} {
		if r := postImage(t, ts, "", img); r.status != http.StatusOK {
			t.Fatalf("status %d", r.status)
		}
	}
	postImage(t, ts, "", []byte("junk"))
	postImage(t, ts, "?threshold=x", black)
	do(t, ts.Client(), http.MethodGet, ts.URL+"/nope", "", nil)
	do(t, ts.Client(), http.MethodGet, ts.URL+pathScore, "", nil)
	do(t, ts.Client(), http.MethodPost, ts.URL+pathScore, "text/plain", bytes.NewReader(black))
	do(t, ts.Client(), http.MethodGet, ts.URL+pathHealthz, "", nil)

	fams := scrape(t, ts)
	tests := []struct {
		want   float64
		name   string
		labels []string
	}{
		{3, "ocgan_http_requests_total", []string{"endpoint", "/score", "code", "200"}},
		{2, "ocgan_http_requests_total", []string{"endpoint", "/score", "code", "400"}},
		{1, "ocgan_http_requests_total", []string{"endpoint", "/score", "code", "405"}},
		{1, "ocgan_http_requests_total", []string{"endpoint", "/score", "code", "415"}},
		{1, "ocgan_http_requests_total", []string{"endpoint", "other", "code", "404"}},
		{1, "ocgan_http_requests_total", []string{"endpoint", "/healthz", "code", "200"}},
		{3, "ocgan_score_duration_seconds", nil},
		{3, "ocgan_score_stage_duration_seconds", []string{"stage", "decode"}},
		{3, "ocgan_score_stage_duration_seconds", []string{"stage", "forward"}},
		{3, "ocgan_score_stage_duration_seconds", []string{"stage", "read"}},
		{3, "ocgan_score_stage_duration_seconds", []string{"stage", "queue"}},
		{2, "ocgan_score_verdicts_total", []string{"verdict", "normal"}},
		{1, "ocgan_score_verdicts_total", []string{"verdict", "novel"}},
		{0, "ocgan_score_in_flight", nil},
		{0, "ocgan_score_waiting", nil},
		{0, "ocgan_score_rejected_total", []string{"reason", "queue_full"}},
		{0, "ocgan_score_rejected_total", []string{"reason", "queue_timeout"}},
		{0, "ocgan_panics_total", []string{"where", "model"}},
		{0, "ocgan_model_reloads_total", nil},
		{0, "ocgan_model_reload_failures_total", nil},
		{1, "ocgan_model_info", []string{"version", "v1", "id", "bundle-v1"}},
		{0.5, "ocgan_model_threshold", nil},
	}
	for _, tc := range tests {
		wantSeries(t, fams, tc.want, tc.name, tc.labels...)
	}
	h := fams["ocgan_score_duration_seconds"].GetMetric()[0].GetHistogram()
	b := h.GetBucket()
	if n := len(b); n > 0 && math.IsInf(b[n-1].GetUpperBound(), 1) {
		b = b[:n-1] // the parser keeps the +Inf bucket
	}
	if len(b) != len(latencyBuckets) || b[0].GetUpperBound() != 0.001 || b[len(b)-1].GetUpperBound() != 10 {
		t.Errorf("latency buckets %v, want 1ms..10s", b)
	}
	if _, ok := fams["go_goroutines"]; !ok {
		t.Error("Go runtime metrics missing")
	}
	// The first scrape is counted once it is answered.
	wantSeries(t, scrape(t, ts), 1, "ocgan_http_requests_total", "endpoint", "/metrics", "code", "200")
}

// TestRegistriesArePerServer checks that two servers in one process keep
// separate metrics (no global registry).
func TestRegistriesArePerServer(t *testing.T) {
	_, ts1 := startServer(t, newFakeSource("a"), Options{})
	_, ts2 := startServer(t, newFakeSource("b"), Options{})
	postImage(t, ts1, "", grayPNG(t, 0, 4, 4))
	wantSeries(t, scrape(t, ts1), 1, "ocgan_http_requests_total", "endpoint", "/score", "code", "200")
	if _, ok := series(scrape(t, ts2), "ocgan_http_requests_total", "endpoint", "/score"); ok {
		t.Error("second server counts the first server's request")
	}
	wantSeries(t, scrape(t, ts2), 1, "ocgan_model_info", "version", "b")
}
