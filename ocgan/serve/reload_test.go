package serve

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReloadNoDroppedRequest hammers /score from many clients while the
// source switches to a new model several times, through both polling and
// Reload. Every request must succeed on one of the installed models, every
// old model must be closed exactly once and only when idle (the fake model
// records violations), and the metrics must show the reloads and only the
// last model's info.
func TestReloadNoDroppedRequest(t *testing.T) {
	const clients, swaps = 8, 6
	src := newFakeSource("m0")
	versions := []string{"m0"}
	for i := range swaps + 1 {
		id := fmt.Sprintf("m%d", i)
		src.templates[id] = modelSpec{version: id, threshold: 0.5, delay: 200 * time.Microsecond}
		if i > 0 {
			versions = append(versions, id)
		}
	}
	s, ts := startServer(t, src, Options{PollInterval: 2 * time.Millisecond, MaxConcurrent: 4, MaxQueue: clients})
	img := grayPNG(t, 255, 4, 4)

	var (
		stop  atomic.Bool
		wg    sync.WaitGroup
		mu    sync.Mutex
		seen  = map[string]int{}
		total atomic.Int64
	)
	for range clients {
		wg.Go(func() {
			for !stop.Load() {
				r := postAsync(t, ts, img)
				total.Add(1)
				if r.status != http.StatusOK {
					t.Errorf("status %d (%s) during reloads", r.status, r.body)
					return
				}
				if !slices.Contains(versions, r.score.ModelVersion) {
					t.Errorf("answer from unknown model version %q", r.score.ModelVersion)
				}
				mu.Lock()
				seen[r.score.ModelVersion]++
				mu.Unlock()
			}
		})
	}
	for i := 1; i <= swaps; i++ {
		time.Sleep(20 * time.Millisecond)
		id := fmt.Sprintf("m%d", i)
		src.set(id)
		if i%2 == 0 {
			if _, err := s.Reload(); err != nil { // races the poller on purpose
				t.Errorf("Reload to %s: %v", id, err)
			}
		}
		waitFor(t, "model "+id+" to be served", func() bool { info, _ := s.Info(); return info.Version == id })
	}
	time.Sleep(20 * time.Millisecond)
	stop.Store(true)
	wg.Wait()

	models := src.models()
	if len(models) != swaps+1 {
		t.Fatalf("%d models loaded, want %d", len(models), swaps+1)
	}
	var calls int64
	for i, m := range models {
		calls += m.calls.Load()
		wantCloses := int64(1)
		if i == swaps {
			wantCloses = 0 // still serving
		}
		if got := m.closes.Load(); got != wantCloses {
			t.Errorf("model %s closed %d times before shutdown, want %d", m.version, got, wantCloses)
		}
	}
	if calls != total.Load() {
		t.Errorf("models scored %d images for %d requests", calls, total.Load())
	}
	t.Logf("%d requests over %d models: %v", total.Load(), len(models), seen)

	fams := scrape(t, ts)
	wantSeries(t, fams, swaps, "ocgan_model_reloads_total")
	wantSeries(t, fams, 0, "ocgan_model_reload_failures_total")
	wantSeries(t, fams, float64(total.Load()), "ocgan_http_requests_total", "endpoint", "/score", "code", "200")
	last := fmt.Sprintf("m%d", swaps)
	if f := fams["ocgan_model_info"]; f == nil || len(f.GetMetric()) != 1 {
		t.Errorf("ocgan_model_info: %v, want exactly one series", f)
	}
	wantSeries(t, fams, 1, "ocgan_model_info", "version", last, "id", "bundle-"+last)
}

// TestReloadWaitsForInFlight swaps models while a request is blocked in the
// old one: new requests go to the new model at once, the old model stays
// open until the blocked request finishes, and that request is answered by
// the old model.
func TestReloadWaitsForInFlight(t *testing.T) {
	block := make(chan struct{})
	src := newFakeSource("old")
	src.templates["old"] = modelSpec{version: "old", threshold: 0.5, block: block}
	s, ts := startServer(t, src, Options{})
	img := grayPNG(t, 0, 4, 4)
	old := src.models()[0]
	unblock := opener(t, block)

	first := make(chan reply, 1)
	go func() { first <- postAsync(t, ts, img) }()
	waitFor(t, "the request to reach the old model", func() bool { return old.active.Load() == 1 })

	src.set("new")
	swapped, err := s.Reload()
	if err != nil || !swapped {
		t.Fatalf("Reload: swapped %v, err %v; want a swap", swapped, err)
	}
	if r := postImage(t, ts, "", img); r.status != http.StatusOK || r.score.ModelVersion != "new" {
		t.Fatalf("request after the swap: status %d, model %q; want 200 from new", r.status, r.score.ModelVersion)
	}
	if n := old.closes.Load(); n != 0 {
		t.Fatalf("old model closed while a request was in it")
	}
	unblock()
	if r := <-first; r.status != http.StatusOK || r.score.ModelVersion != "old" {
		t.Fatalf("in-flight request: status %d, model %q; want 200 from old", r.status, r.score.ModelVersion)
	}
	waitFor(t, "the old model to close", func() bool { return old.closes.Load() == 1 })
	if swapped, err := s.Reload(); err != nil || swapped {
		t.Errorf("Reload with nothing new: swapped %v, err %v; want neither", swapped, err)
	}
}

// TestReloadFailure makes the source fail in each way it can and checks
// that the old model keeps serving, the failure is counted and reported by
// /healthz, a retry happens, and a fixed source is then picked up.
func TestReloadFailure(t *testing.T) {
	errBroken := errors.New("bundle signature mismatch")
	tests := []struct {
		name    string
		breakIt func(src *fakeSource)
		wantIs  error // nil: any error
	}{
		{"Load fails", func(src *fakeSource) { src.loadErr["v2"] = errBroken }, errBroken},
		{"Load panics", func(src *fakeSource) { src.loadPanic["v2"] = true }, nil},
		{"Load returns nil", func(src *fakeSource) { src.loadNil["v2"] = true }, nil},
		{"Current fails", func(src *fakeSource) { src.currentErr = errBroken }, errBroken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := newFakeSource("v1")
			s, ts := startServer(t, src, Options{})
			img := grayPNG(t, 0, 4, 4)
			src.mu.Lock()
			src.id = "v2"
			tc.breakIt(src)
			src.mu.Unlock()
			for attempt := 1; attempt <= 2; attempt++ {
				swapped, err := s.Reload()
				if err == nil || swapped || (tc.wantIs != nil && !errors.Is(err, tc.wantIs)) {
					t.Fatalf("Reload %d: swapped %v, err %v; want a failure wrapping %v", attempt, swapped, err, tc.wantIs)
				}
				if r := postImage(t, ts, "", img); r.status != http.StatusOK || r.score.ModelVersion != "v1" {
					t.Fatalf("after failed reload: status %d, model %q; want 200 from v1", r.status, r.score.ModelVersion)
				}
			}
			var h HealthResponse
			if r := do(t, ts.Client(), http.MethodGet, ts.URL+pathHealthz, "", nil); r.status != http.StatusOK || !decodeInto(t, r.body, &h) || h.ReloadError == "" {
				t.Errorf("/healthz: status %d, body %s; want 200 with reload_error", r.status, r.body)
			}
			fams := scrape(t, ts)
			wantSeries(t, fams, 2, "ocgan_model_reload_failures_total")
			wantSeries(t, fams, 0, "ocgan_model_reloads_total")
			wantSeries(t, fams, 1, "ocgan_model_info", "version", "v1")

			src.mu.Lock()
			src.loadErr, src.loadPanic, src.loadNil, src.currentErr = map[string]error{}, map[string]bool{}, map[string]bool{}, nil
			src.mu.Unlock()
			if swapped, err := s.Reload(); err != nil || !swapped {
				t.Fatalf("Reload after the fix: swapped %v, err %v", swapped, err)
			}
			if r := postImage(t, ts, "", img); r.score.ModelVersion != "v2" {
				t.Errorf("after the fix: model %q, want v2", r.score.ModelVersion)
			}
			if err := s.LastReloadError(); err != nil {
				t.Errorf("LastReloadError after a good reload: %v", err)
			}
			fams = scrape(t, ts)
			wantSeries(t, fams, 2, "ocgan_model_reload_failures_total")
			wantSeries(t, fams, 1, "ocgan_model_reloads_total")
		})
	}
}

// TestPollPicksUpNewModel checks that polling alone swaps in a new model.
func TestPollPicksUpNewModel(t *testing.T) {
	src := newFakeSource("v1")
	s, _ := startServer(t, src, Options{PollInterval: 5 * time.Millisecond})
	src.set("v2")
	waitFor(t, "polling to load v2", func() bool { info, _ := s.Info(); return info.Version == "v2" })
}

// TestPollBackoff checks that polling retries a model that keeps failing
// to load with growing delays rather than every interval, and tries a new
// id at once.
func TestPollBackoff(t *testing.T) {
	const interval, window = 5 * time.Millisecond, 400 * time.Millisecond
	src := newFakeSource("v1")
	src.loadErr["v2"] = errors.New("broken")
	s, _ := startServer(t, src, Options{PollInterval: interval, MaxRetryBackoff: 80 * time.Millisecond})
	loadsBefore := src.loads.Load()
	src.set("v2")
	time.Sleep(window)
	// Without backoff: up to window/interval = 80 attempts. With it:
	// 5+10+20+40 ms, then every 80 ms: about 8.
	attempts := src.loads.Load() - loadsBefore
	if attempts < 2 || attempts > 15 {
		t.Errorf("%d load attempts in %v with poll interval %v, want 2..15", attempts, window, interval)
	}
	src.set("v3")
	waitFor(t, "a new id to load despite the backoff", func() bool { info, _ := s.Info(); return info.Version == "v3" })
}
