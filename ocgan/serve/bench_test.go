package serve

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The benchmarks measure the server's overhead over a fake model scoring a
// 4x4 PNG: Direct decodes it and calls the model, Handler goes through the
// handler in process, Loopback through HTTP on 127.0.0.1 (keep-alive,
// parallel clients). Loopback minus Direct is the serving overhead.

func BenchmarkScoreDirect(b *testing.B) {
	m := &fakeModel{modelSpec: modelSpec{version: "v1", threshold: 0.5}}
	img := grayPNG(b, 0, 4, 4)
	for b.Loop() {
		dec, rerr := decodeImage(img)
		if rerr != nil {
			b.Fatal(rerr)
		}
		if _, err := m.Score(context.Background(), dec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScoreHandler(b *testing.B) {
	s, _ := startServer(b, newFakeSource("v1"), Options{})
	h := s.Handler()
	img := grayPNG(b, 0, 4, 4)
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, pathScore, bytes.NewReader(img))
		req.Header.Set("Content-Type", "image/png")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkScoreLoopbackSequential is one keep-alive client: the
// per-request latency over loopback.
func BenchmarkScoreLoopbackSequential(b *testing.B) {
	_, ts := startServer(b, newFakeSource("v1"), Options{})
	img := grayPNG(b, 0, 4, 4)
	for b.Loop() {
		r, err := send(ts.Client(), http.MethodPost, ts.URL+pathScore, "image/png", bytes.NewReader(img))
		if err != nil || r.status != http.StatusOK {
			b.Fatalf("status %d, %v", r.status, err)
		}
	}
}

func BenchmarkScoreLoopback(b *testing.B) {
	for _, tc := range []struct {
		name       string
		concurrent bool
	}{{"serial", false}, {"concurrent", true}} {
		b.Run(tc.name, func(b *testing.B) {
			src := newFakeSource("v1")
			src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, concurrent: tc.concurrent}
			_, ts := startServer(b, src, Options{MaxQueue: 256})
			ts.Client().Transport.(*http.Transport).MaxIdleConnsPerHost = 64
			img := grayPNG(b, 0, 4, 4)
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r, err := send(ts.Client(), http.MethodPost, ts.URL+pathScore, "image/png", bytes.NewReader(img))
					if err != nil || r.status != http.StatusOK {
						b.Errorf("status %d, %v", r.status, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}
