package serve

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowBody connects to addr from localIP and sends a /score request whose
// body dribbles in at one byte per second. It returns the status the server
// answered (0 if it closed the connection without one) once the server
// gives up on it, or when ctx is done.
func slowBody(ctx context.Context, addr, localIP string) (int, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if _, err := fmt.Fprintf(c, "POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n"); err != nil {
		return 0, err
	}
	status := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			status <- 0
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := c.Write([]byte{0x89}); err != nil {
			return <-status, nil
		}
		select {
		case code := <-status:
			return code, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// attackerIP is a loopback address other than 127.0.0.1, so the server
// sees the attack come from another client than the real requests.
func attackerIP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	ln.Close()
	return "127.0.0.2"
}

// realRate runs clients that post good images for d and returns the
// successful answers per second and the failures.
func realRate(t *testing.T, url string, img []byte, clients int, d time.Duration) (float64, int64) {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	var ok, failed atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				r, err := send(client, http.MethodPost, url+pathScore, "image/png", strings.NewReader(string(img)))
				if err == nil && r.status == http.StatusOK {
					ok.Add(1)
				} else {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return float64(ok.Load()) / d.Seconds(), failed.Load()
}

// TestSlowBodiesDoNotStarveRequests measures the rate of real requests
// with 20 attacking connections sending their bodies at one byte per second
// (each reconnecting when cut off), and requires at least 90% of the rate
// without them, measured before and after the attack (their mean, so that
// a change in the machine's load during the test is not taken for the
// attack's effect). Before bodies were read under their own deadline,
// outside the admission places, such an attack answered every real request
// with 503.
func TestSlowBodiesDoNotStarveRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for seconds")
	}
	evil := attackerIP(t)
	src := newFakeSource("v1")
	src.templates["v1"] = modelSpec{version: "v1", threshold: 0.5, delay: 40 * time.Millisecond}
	s, ts := startServer(t, src, Options{})
	img := grayPNG(t, 100, 28, 28)
	const clients, attackers, phase = 4, 20, 2 * time.Second

	before, failed := realRate(t, ts.URL, img, clients, phase)
	if failed > 0 || before < 10 {
		t.Fatalf("without the attack: %.1f req/s, %d failed; the model alone allows ~25", before, failed)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var cut, refused atomic.Int64
	for range attackers {
		wg.Go(func() {
			for ctx.Err() == nil {
				code, err := slowBody(ctx, ts.Listener.Addr().String(), evil)
				switch {
				case ctx.Err() != nil:
				case err != nil:
					t.Errorf("attacker: %v", err)
					return
				case code == http.StatusRequestTimeout:
					cut.Add(1)
				case code == http.StatusTooManyRequests:
					refused.Add(1)
				default:
					t.Errorf("attacker answered %d, want 408 or 429", code)
				}
				select { // reconnect at once, but not in a busy loop
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
			}
		})
	}
	waitFor(t, "attackers reading bodies", func() bool { return len(s.limit.reading) >= DefaultMaxClient })
	var reading atomic.Int64 // the most bodies seen arriving at once during the attack
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for ctx.Err() == nil {
			if n := int64(len(s.limit.reading)); n > reading.Load() {
				reading.Store(n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	attacked, failed := realRate(t, ts.URL, img, clients, phase)
	cancel()
	wg.Wait()
	<-sampled
	after, failedAfter := realRate(t, ts.URL, img, clients, phase)
	if failedAfter > 0 {
		t.Fatalf("after the attack: %d requests failed", failedAfter)
	}
	base := (before + after) / 2

	t.Logf("real requests: %.1f then %.1f req/s alone, %.1f req/s (%d failed) under attack; attackers cut off %d times, refused %d times, at most %d bodies arriving at once",
		before, after, attacked, failed, cut.Load(), refused.Load(), reading.Load())
	if attacked < 0.9*base {
		t.Errorf("under attack %.1f req/s, below 90%% of %.1f req/s", attacked, base)
	}
	if cut.Load() == 0 || refused.Load() == 0 || reading.Load() < DefaultMaxClient {
		t.Errorf("the attack did not happen as meant: %d cut off, %d refused, at most %d bodies arriving at once", cut.Load(), refused.Load(), reading.Load())
	}
}

// TestSlowBodyCutOff checks that a body arriving below MinReadRate is cut
// off after about a second with 408, and one within the rate but over
// ReadTimeout at ReadTimeout; both well before the connection-wide limits.
func TestSlowBodyCutOff(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		max  time.Duration
	}{
		{"below the rate", Options{}, readGrace + 3*time.Second},
		{"over the read timeout", Options{MinReadRate: -1, ReadTimeout: 1500 * time.Millisecond}, 1500*time.Millisecond + 3*time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := startServer(t, newFakeSource("v1"), tc.opts)
			start := time.Now()
			code, err := slowBody(context.Background(), ts.Listener.Addr().String(), "127.0.0.1")
			took := time.Since(start)
			if err != nil || code != http.StatusRequestTimeout {
				t.Fatalf("status %d, %v; want 408", code, err)
			}
			if took > tc.max || took < time.Second {
				t.Errorf("cut off after %v, want between 1s and %v", took, tc.max)
			}
		})
	}
}
