package modelsrc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/serve"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/program"
)

// startServer serves src over loopback; cleanup closes the server.
func startServer(t *testing.T, src serve.Source) (*serve.Server, string) {
	t.Helper()
	s, err := serve.New(src, serve.Options{PollInterval: -1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("closing the server: %v", err)
		}
	})
	return s, ts.URL
}

// call sends a request and decodes the JSON answer into v.
func call(t *testing.T, method, url string, body []byte, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "image/png")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s %s: %d %q: %v", method, url, resp.StatusCode, data, err)
	}
	return resp.StatusCode
}

// imageFile reads a fixture image.
func imageFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "img", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// scoreAll posts every fixture image and checks the answers against f.
func scoreAll(t *testing.T, base string, f fixture, version, id string) {
	t.Helper()
	for _, name := range images {
		var r serve.ScoreResponse
		code := call(t, http.MethodPost, base+"/score", imageFile(t, name), &r)
		if code != http.StatusOK || r.Score != f.Scores[name] || r.Verdict != f.Verdicts[name] || r.Threshold != f.Threshold ||
			r.ModelVersion != version || r.ModelID != id {
			t.Errorf("%s: %d %+v; want score %v (%s), threshold %v, model %q %q", name, code, r, f.Scores[name], f.Verdicts[name], f.Threshold, version, id)
		}
	}
}

// TestSourceServesFixtures serves the fixture checkpoint file, then the
// bundle copied over it (the file's id changes: a reload swaps it in), and
// an install root, on the native CPU backend: every answer is the score,
// verdict and threshold ocgan 0.1.0-dev printed.
func TestSourceServesFixtures(t *testing.T) {
	want := fixtures(t)
	be := openDevice(t, "cpu")
	o := Opener{Key: fleetKey(t), Runtime: runtimeVersion}
	path := filepath.Join(t.TempDir(), "model")
	copyFile(t, filepath.Join("testdata", "scoring.ocgan"), path)
	src := NewSource(path, o, be, "cpu")
	s, base := startServer(t, src)
	scoreAll(t, base, want["scoring.ocgan"], "checkpoint model", want["scoring.ocgan"].ID)
	var h serve.HealthResponse
	if code := call(t, http.MethodGet, base+"/healthz", nil, &h); code != http.StatusOK || h.Status != "ok" || h.Device != "cpu" {
		t.Errorf("/healthz: %d %+v", code, h)
	}

	copyFile(t, filepath.Join("testdata", "v1.bundle"), path)
	if swapped, err := s.Reload(); err != nil || !swapped {
		t.Fatalf("reload after the file changed: swapped %v, %v", swapped, err)
	}
	scoreAll(t, base, want["v1.bundle"], "1.0.0", want["v1.bundle"].ID)

	root, id := installRoot(t)
	_, base = startServer(t, NewSource(root, o, be, "cpu"))
	scoreAll(t, base, want["v1.bundle"], "1.0.0", id)
}

// copyFile copies the file src to dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDeviceLossServe loses the Vulkan device after a first good answer:
// every later /score answers 503 naming the loss, /healthz and /readyz 503
// with the reason, the served model's Check and a new Load say the same,
// and the server and the device still close cleanly.
func TestDeviceLossServe(t *testing.T) {
	want := fixtures(t)["scoring.ocgan"]
	be := openDevice(t, "vulkan")
	src := NewSource(filepath.Join("testdata", "scoring.ocgan"), Opener{Runtime: runtimeVersion}, be, "vulkan: llvmpipe")
	_, base := startServer(t, src)
	var r serve.ScoreResponse
	if code := call(t, http.MethodPost, base+"/score", imageFile(t, "bar0.png"), &r); code != http.StatusOK || r.Verdict != want.Verdicts["bar0.png"] {
		t.Fatalf("/score before the loss: %d %+v", code, r)
	}
	vulkanContext(t, be).SimulateDeviceLoss(0)
	for i := range 2 {
		var e struct{ Error string }
		code := call(t, http.MethodPost, base+"/score", imageFile(t, "bar4.png"), &e)
		if code != http.StatusServiceUnavailable || !strings.Contains(e.Error, "vulkan device lost") || !strings.Contains(e.Error, "restart the server") {
			t.Errorf("/score %d after the loss: %d %q; want 503 naming the device loss", i, code, e.Error)
		}
	}
	var h serve.HealthResponse
	if code := call(t, http.MethodGet, base+"/healthz", nil, &h); code != http.StatusServiceUnavailable || h.Status != "unavailable" ||
		!strings.Contains(h.Error, "vulkan device lost") {
		t.Errorf("/healthz after the loss: %d %+v", code, h)
	}
	var ready serve.ReadyResponse
	if code := call(t, http.MethodGet, base+"/readyz", nil, &ready); code != http.StatusServiceUnavailable || ready.Ready {
		t.Errorf("/readyz after the loss: %d %+v", code, ready)
	}
	id, err := src.Current()
	if err != nil {
		t.Fatal(err)
	}
	if m, err := src.Load(id); !errorIsUnavailable(err) {
		t.Errorf("Load on the lost device: %v, %v; want serve.ErrUnavailable", m, err)
	}
}

// vulkanContext is the Vulkan context of a backend opened on a Vulkan
// device.
func vulkanContext(t *testing.T, be backend.Backend) interface{ SimulateDeviceLoss(int) } {
	t.Helper()
	pb, ok := be.(*program.Backend)
	if !ok {
		t.Fatalf("backend %T is not a Vulkan backend", be)
	}
	return pb.Library().Context()
}

// errorIsUnavailable reports whether err wraps serve.ErrUnavailable.
func errorIsUnavailable(err error) bool { return errors.Is(err, serve.ErrUnavailable) }

// TestCheckDoesNotWaitForTheDevice: Check (every /healthz) answers while a
// model holds the device queue.
func TestCheckDoesNotWaitForTheDevice(t *testing.T) {
	be := openDevice(t, "cpu")
	src := NewSource(filepath.Join("testdata", "scoring.ocgan"), Opener{Runtime: runtimeVersion}, be, "cpu")
	id, err := src.Current()
	if err != nil {
		t.Fatal(err)
	}
	m, err := src.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	src.dev.mu.Lock()
	done := make(chan error, 1)
	go func() { done <- m.(*Served).Check() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Check on a working device: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Check waited for the device queue")
	}
	src.dev.mu.Unlock()
}
