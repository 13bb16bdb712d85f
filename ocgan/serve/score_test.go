package serve

import (
	"bytes"
	"net/http"
	"testing"
)

// TestScoreGood sends well-formed images in every accepted form and checks
// the score, verdict, threshold, model identity and timings.
func TestScoreGood(t *testing.T) {
	src := newFakeSource("v1")
	_, ts := startServer(t, src, Options{})
	black, white := grayPNG(t, 0, 8, 8), grayPNG(t, 255, 8, 8)
	mpImage, mpImageCT := multipartBody(t, part{"note", "", []byte("hello")}, part{"image", "x.png", white})
	mpFirst, mpFirstCT := multipartBody(t, part{"note", "", []byte("hello")}, part{"upload", "x.png", white}, part{"other", "y.png", black})
	mpPrefer, mpPreferCT := multipartBody(t, part{"upload", "x.png", black}, part{"image", "", white})
	tests := []struct {
		name, query, contentType string
		body                     []byte
		wantScore, wantThreshold float64
		wantVerdict              string
	}{
		{"raw PNG normal", "", "image/png", black, 0, 0.5, "normal"},
		{"raw PNG novel", "", "image/png", white, 1, 0.5, "novel"},
		{"raw JPEG", "", "image/jpeg", grayJPEG(t, 255, 8, 8), 1, 0.5, "novel"},
		{"octet-stream", "", "application/octet-stream", white, 1, 0.5, "novel"},
		{"no Content-Type", "", "", white, 1, 0.5, "novel"},
		{"Content-Type with parameters", "", "image/png; charset=binary", black, 0, 0.5, "normal"},
		{"multipart image field", "", mpImageCT, mpImage, 1, 0.5, "novel"},
		{"multipart first file part", "", mpFirstCT, mpFirst, 1, 0.5, "novel"},
		{"multipart image field preferred", "", mpPreferCT, mpPrefer, 1, 0.5, "novel"},
		{"threshold override to novel", "?threshold=0", "image/png", black, 0, 0, "novel"},
		{"threshold override to normal", "?threshold=1.5", "image/png", white, 1, 1.5, "normal"},
		{"negative threshold", "?threshold=-2e-3", "image/png", black, 0, -0.002, "novel"},
		{"other query ignored", "?debug=1", "image/png", black, 0, 0.5, "normal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, ts.Client(), http.MethodPost, ts.URL+pathScore+tc.query, tc.contentType, bytes.NewReader(tc.body))
			if r.status != http.StatusOK {
				t.Fatalf("status %d (%s), want 200", r.status, r.body)
			}
			got := r.score
			if got.Score != tc.wantScore || got.Threshold != tc.wantThreshold || got.Verdict != tc.wantVerdict {
				t.Errorf("score %v threshold %v verdict %q, want %v %v %q", got.Score, got.Threshold, got.Verdict,
					tc.wantScore, tc.wantThreshold, tc.wantVerdict)
			}
			if got.ModelVersion != "v1" || got.ModelID != "bundle-v1" {
				t.Errorf("model %q/%q, want v1/bundle-v1", got.ModelVersion, got.ModelID)
			}
			for _, k := range []string{"decode", "preprocess", "upload", "forward", "download", "read", "queue", "total"} {
				if _, ok := got.TimingMS[k]; !ok {
					t.Errorf("timing_ms lacks %q: %v", k, got.TimingMS)
				}
			}
			if got.TimingMS["total"] < got.TimingMS["decode"]+got.TimingMS["forward"] {
				t.Errorf("total %v ms is less than decode + forward: %v", got.TimingMS["total"], got.TimingMS)
			}
		})
	}
}

// TestScoreModelFailures checks that a model that panics, fails or returns
// a non-finite score gives 500 and the server keeps serving, with panics
// counted.
func TestScoreModelFailures(t *testing.T) {
	tests := []struct {
		mode       string
		wantPanics float64
	}{
		{"panic", 1},
		{"error", 0},
		{"nan", 0},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			src := newFakeSource("bad")
			src.templates["bad"] = modelSpec{version: "bad", threshold: 0.5, mode: tc.mode}
			src.templates["good"] = modelSpec{version: "good", threshold: 0.5}
			s, ts := startServer(t, src, Options{})
			img := grayPNG(t, 0, 4, 4)
			for range 3 {
				if r := postImage(t, ts, "", img); r.status != http.StatusInternalServerError {
					t.Fatalf("status %d (%s), want 500", r.status, r.body)
				}
			}
			fams := scrape(t, ts)
			wantSeries(t, fams, tc.wantPanics*3, "ocgan_panics_total", "where", "model")
			wantSeries(t, fams, 3, "ocgan_http_requests_total", "endpoint", "/score", "code", "500")
			// The server survives: the model lock was released, and a
			// swapped-in healthy model serves.
			src.set("good")
			if _, err := s.Reload(); err != nil {
				t.Fatal(err)
			}
			if r := postImage(t, ts, "", img); r.status != http.StatusOK || r.score.ModelVersion != "good" {
				t.Fatalf("after failures: status %d (%s), want 200 from model good", r.status, r.body)
			}
		})
	}
}
