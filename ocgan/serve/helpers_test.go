package serve

import (
	"bytes"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// startServer starts a Server over src behind a loopback httptest server;
// cleanup closes both and checks every model's record.
func startServer(t testing.TB, src *fakeSource, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.PollInterval == 0 {
		opts.PollInterval = -1
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := New(src, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(func() {
		ts.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		for _, m := range src.models() {
			m.check(t)
			if n := m.closes.Load(); n != 1 {
				t.Errorf("model %s closed %d times, want 1", m.version, n)
			}
		}
	})
	return s, ts
}

// grayPNG is a w×h PNG of one gray level.
func grayPNG(t testing.TB, level uint8, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// grayJPEG is a w×h JPEG of one gray level.
func grayJPEG(t testing.TB, level uint8, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 100}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// part is one multipart/form-data part; file "" makes it a plain field.
type part struct {
	name, file string
	data       []byte
}

// multipartBody encodes parts and returns the body and its Content-Type.
func multipartBody(t testing.TB, parts ...part) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.file != "" {
			w, err = mw.CreateFormFile(p.name, p.file)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// waitFor polls cond until it holds or fails the test after 5 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// decodeInto decodes a JSON body into v, reporting failure with t.Error.
func decodeInto(t testing.TB, body []byte, v any) bool {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Errorf("decoding %q: %v", body, err)
		return false
	}
	return true
}

// opener returns a function that closes block once, and registers it as a
// cleanup so a failing test still unblocks the model (call it after
// startServer, so it runs before the server's cleanup waits for requests).
func opener(t testing.TB, block chan struct{}) func() {
	var once sync.Once
	open := func() { once.Do(func() { close(block) }) }
	t.Cleanup(open)
	return open
}
