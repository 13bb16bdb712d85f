package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNewFails checks that New refuses a source with no usable model and
// closes a model whose Info panics.
func TestNewFails(t *testing.T) {
	errNone := errors.New("no current symlink")
	tests := []struct {
		name    string
		breakIt func(*fakeSource)
		wantIs  error
	}{
		{"Current fails", func(s *fakeSource) { s.currentErr = errNone }, errNone},
		{"Load fails", func(s *fakeSource) { s.loadErr["v1"] = errNone }, errNone},
		{"Load panics", func(s *fakeSource) { s.loadPanic["v1"] = true }, nil},
		{"Load returns nil", func(s *fakeSource) { s.loadNil["v1"] = true }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := newFakeSource("v1")
			tc.breakIt(src)
			s, err := New(src, Options{PollInterval: -1})
			if err == nil || (tc.wantIs != nil && !errors.Is(err, tc.wantIs)) {
				t.Fatalf("New: %v, %v; want an error wrapping %v", s, err, tc.wantIs)
			}
		})
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil): no error")
	}
}

// TestOptions checks defaults and the rejection of negative values.
func TestOptions(t *testing.T) {
	o, err := Options{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:8080" || o.MaxBodyBytes != 8<<20 || o.MaxConcurrent != 4 || o.MaxQueue != 16 || o.PollInterval != time.Second {
		t.Errorf("defaults %+v", o)
	}
	if o, _ := (Options{MaxQueue: -1}).withDefaults(); o.MaxQueue != 0 {
		t.Errorf("MaxQueue -1 became %d, want 0", o.MaxQueue)
	}
	bad := []Options{
		{MaxBodyBytes: -1}, {MaxConcurrent: -1}, {QueueTimeout: -1}, {RetryAfter: -1}, {MaxRetryBackoff: -1}, {ShutdownTimeout: -1},
		{ReadTimeout: -1}, {MaxReading: -1}, {MaxConns: -1}, {MaxImagePixels: -1}, {MaxDecoders: -1},
	}
	for _, o := range bad {
		if _, err := New(newFakeSource("v1"), o); err == nil {
			t.Errorf("New with %+v: no error", o)
		}
	}
}

// TestCloseWaitsAndReportsModelClose checks that Close waits for a request
// in flight, returns the model's Close error, and is idempotent.
func TestCloseWaitsAndReportsModelClose(t *testing.T) {
	block := make(chan struct{})
	errClose := errors.New("device lost on close")
	src := newFakeSource("v1")
	src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, block: block, closeErr: errClose}
	s, err := New(src, Options{PollInterval: -1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	unblock := opener(t, block)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: s.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	m := src.models()[0]
	url := "http://" + ln.Addr().String()
	first := make(chan reply, 1)
	go func() {
		r, err := send(http.DefaultClient, http.MethodPost, url+pathScore, "image/png", strings.NewReader(string(grayPNG(t, 0, 4, 4))))
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	waitFor(t, "the request to reach the model", func() bool { return m.active.Load() == 1 })
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) with a request in flight", err)
	case <-time.After(20 * time.Millisecond):
	}
	unblock()
	if r := <-first; r.status != http.StatusOK {
		t.Errorf("in-flight request: status %d (%s)", r.status, r.body)
	}
	if err := <-closed; !errors.Is(err, errClose) {
		t.Errorf("Close: %v, want %v", err, errClose)
	}
	if err := s.Close(); !errors.Is(err, errClose) {
		t.Errorf("second Close: %v", err)
	}
	if n := m.closes.Load(); n != 1 {
		t.Errorf("model closed %d times", n)
	}
	m.check(t)
}

// TestServeGracefulShutdown runs Serve on a loopback listener, cancels its
// context while a request is in flight, and checks that the request is
// answered, Serve returns nil and the model is closed.
func TestServeGracefulShutdown(t *testing.T) {
	block := make(chan struct{})
	src := newFakeSource("v1")
	src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, block: block}
	s, err := New(src, Options{PollInterval: -1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	unblock := opener(t, block)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	m := src.models()[0]
	first := make(chan reply, 1)
	go func() {
		r, err := send(http.DefaultClient, http.MethodPost, url+pathScore, "image/png", strings.NewReader(string(grayPNG(t, 0, 4, 4))))
		if err != nil {
			t.Error(err)
		}
		first <- r
	}()
	waitFor(t, "the request to reach the model", func() bool { return m.active.Load() == 1 })
	cancel()
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if n := m.closes.Load(); n != 0 {
		t.Fatal("model closed while a request was in flight")
	}
	unblock()
	if r := <-first; r.status != http.StatusOK {
		t.Errorf("in-flight request: status %d (%s)", r.status, r.body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if n := m.closes.Load(); n != 1 {
		t.Errorf("model closed %d times after Serve, want 1", n)
	}
	m.check(t)
}

// TestListenAndServeBadAddr checks that a listen failure is reported.
func TestListenAndServeBadAddr(t *testing.T) {
	s, err := New(newFakeSource("v1"), Options{PollInterval: -1, Addr: "127.0.0.1:-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.ListenAndServe(context.Background()); err == nil || !strings.Contains(err.Error(), "listening") {
		t.Errorf("ListenAndServe on a bad address: %v", err)
	}
}
