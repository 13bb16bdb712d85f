package serve

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdownCutsSlowBodies runs Serve with a client sending its body at
// one byte per second (no rate limit, a long read timeout, so only the
// shutdown can end it) and a request being scored, then cancels Serve:
// Serve must return nil well within ShutdownTimeout, the scored request
// must get 200, and the slow client an answer or a closed connection.
func TestShutdownCutsSlowBodies(t *testing.T) {
	src := newFakeSource("v1")
	src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, delay: 500 * time.Millisecond}
	const shutdownTimeout = 20 * time.Second
	s, err := New(src, Options{PollInterval: -1, MinReadRate: -1, ReadTimeout: time.Minute, ShutdownTimeout: shutdownTimeout, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	img := grayPNG(t, 9, 4, 4)
	slow := make(chan int, 1)
	go func() {
		code, _ := slowBody(context.Background(), addr, "127.0.0.1")
		slow <- code
	}()
	scored := make(chan reply, 1)
	go func() {
		r, err := send(http.DefaultClient, http.MethodPost, "http://"+addr+pathScore, "image/png", bytes.NewReader(img))
		if err != nil {
			t.Error(err)
		}
		scored <- r
	}()
	waitFor(t, "the slow body arriving and the other request scoring", func() bool {
		return len(s.limit.reading) == 1 && src.models()[0].active.Load() == 1
	})

	start := time.Now()
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v, want nil", err)
		}
	case <-time.After(shutdownTimeout):
		t.Fatal("Serve did not return within the shutdown timeout")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %v; the slow client held it", took)
	}
	if r := <-scored; r.status != http.StatusOK {
		t.Errorf("request being scored at shutdown: status %d (%s), want 200", r.status, r.body)
	}
	if code := <-slow; code != 0 && code != http.StatusServiceUnavailable {
		t.Errorf("slow client: status %d, want 503 or the connection closed", code)
	}
	for _, m := range src.models() {
		m.check(t)
	}
}
