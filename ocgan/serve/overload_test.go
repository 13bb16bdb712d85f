package serve

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestOverload fills every scoring slot and the queue with requests to a
// model that blocks, checks that further requests get 503 with Retry-After
// at once and are counted, then unblocks the model and checks that every
// admitted request succeeds. A serial model sees one call at a time, a
// concurrent one up to MaxConcurrent.
func TestOverload(t *testing.T) {
	const maxConcurrent, maxQueue, extra = 2, 3, 4
	tests := []struct {
		name          string
		concurrent    bool
		wantMaxActive int64
	}{
		{"serial model", false, 1},
		{"concurrent model", true, maxConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			block := make(chan struct{})
			src := newFakeSource("v1")
			src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, concurrent: tc.concurrent, block: block}
			s, ts := startServer(t, src, Options{MaxConcurrent: maxConcurrent, MaxQueue: maxQueue, QueueTimeout: time.Minute})
			unblock := opener(t, block)
			m := src.models()[0]
			img := grayPNG(t, 0, 4, 4)

			admitted := make(chan reply, maxConcurrent+maxQueue)
			var wg sync.WaitGroup
			for range maxConcurrent + maxQueue {
				wg.Go(func() { admitted <- postAsync(t, ts, img) })
			}
			waitFor(t, "all requests admitted and the model busy", func() bool {
				return len(s.limit.admitted) == maxConcurrent+maxQueue && len(s.limit.slots) == maxConcurrent &&
					m.active.Load() == tc.wantMaxActive
			})
			for range extra {
				r := postImage(t, ts, "", img)
				if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") != "1" {
					t.Fatalf("extra request: status %d Retry-After %q (%s), want 503 and 1", r.status, r.header.Get("Retry-After"), r.body)
				}
			}
			fams := scrape(t, ts)
			wantSeries(t, fams, extra, "ocgan_score_rejected_total", "reason", "queue_full")
			wantSeries(t, fams, maxConcurrent, "ocgan_score_in_flight")
			wantSeries(t, fams, maxQueue, "ocgan_score_waiting")

			unblock()
			wg.Wait()
			close(admitted)
			for r := range admitted {
				if r.status != http.StatusOK {
					t.Errorf("admitted request: status %d (%s), want 200", r.status, r.body)
				}
			}
			if got := m.maxActive.Load(); got != tc.wantMaxActive {
				t.Errorf("model saw %d concurrent calls, want %d", got, tc.wantMaxActive)
			}
			fams = scrape(t, ts)
			wantSeries(t, fams, 0, "ocgan_score_in_flight")
			wantSeries(t, fams, 0, "ocgan_score_waiting")
			wantSeries(t, fams, maxConcurrent+maxQueue, "ocgan_http_requests_total", "endpoint", "/score", "code", "200")
			wantSeries(t, fams, extra, "ocgan_http_requests_total", "endpoint", "/score", "code", "503")
		})
	}
}

// TestQueueTimeout checks that a request that waits longer than
// QueueTimeout for a slot gets 503, counted as queue_timeout, and that a
// request arriving when nobody may wait (MaxQueue < 0) is turned away.
func TestQueueTimeout(t *testing.T) {
	tests := []struct {
		name       string
		maxQueue   int
		wantReason string
	}{
		{"waits then times out", 1, rejectQueueTimeout},
		{"no waiting room", -1, rejectQueueFull},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			block := make(chan struct{})
			src := newFakeSource("v1")
			src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, block: block}
			_, ts := startServer(t, src, Options{MaxConcurrent: 1, MaxQueue: tc.maxQueue, QueueTimeout: 50 * time.Millisecond})
			unblock := opener(t, block)
			m := src.models()[0]
			img := grayPNG(t, 0, 4, 4)
			first := make(chan reply, 1)
			go func() { first <- postAsync(t, ts, img) }()
			waitFor(t, "the first request scoring", func() bool { return m.active.Load() == 1 })
			start := time.Now()
			r := postImage(t, ts, "", img)
			if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Fatalf("second request: status %d (%s), want 503 with Retry-After", r.status, r.body)
			}
			if tc.wantReason == rejectQueueTimeout && time.Since(start) < 50*time.Millisecond {
				t.Errorf("rejected after %v, before the 50ms queue timeout", time.Since(start))
			}
			wantSeries(t, scrape(t, ts), 1, "ocgan_score_rejected_total", "reason", tc.wantReason)
			unblock()
			if r := <-first; r.status != http.StatusOK {
				t.Errorf("first request: status %d (%s)", r.status, r.body)
			}
		})
	}
}
