// Command serveload drives a running `ocgan serve` with real clients and,
// optionally, image-bomb senders, and prints the clients' throughput,
// latency percentiles, errors and the server's peak resident memory as one
// Markdown table row.
//
//	serveload --url http://127.0.0.1:8080 --pid 1234 --clients 8 --bombs 2 --duration 20s
//
// Every client posts a 28x28 gray PNG in a loop over its own keep-alive
// connection. Each bomb sender posts, in turn, a PNG of 8192x8192 16-bit
// gray pixels (a few hundred KB that decode to 128 MiB) and a 16-bit RGBA
// PNG of 1448x1448 pixels, the largest that the default limits let through
// to the decoder. With --spread, client i connects from 127.0.1.(i+1) and
// bomb sender j from 127.0.2.(j+1), as separate machines would.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "server base URL")
	pid := flag.Int("pid", 0, "server process id, for its peak RSS (0: not measured)")
	clients := flag.Int("clients", 8, "real clients")
	bombs := flag.Int("bombs", 0, "bomb senders")
	dur := flag.Duration("duration", 20*time.Second, "how long to run")
	spread := flag.Bool("spread", true, "connect each client and bomb sender from its own loopback address")
	token := flag.String("token", "", "bearer token")
	flag.Parse()
	if err := run(*url, *pid, *clients, *bombs, *dur, *spread, *token); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

// result is what one kind of sender saw.
type result struct {
	mu        sync.Mutex
	latencies []time.Duration
	codes     map[int]int
	errors    int
}

func (r *result) add(code int, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.errors++
	case code == http.StatusOK:
		r.latencies = append(r.latencies, d)
	default:
		r.errors++
	}
	if err == nil {
		r.codes[code]++
	}
}

func run(url string, pid, clients, bombs int, dur time.Duration, spread bool, token string) error {
	good, err := encodePNG(grayImage(28, 28))
	if err != nil {
		return err
	}
	var bombImgs [][]byte
	if bombs > 0 {
		huge, err := encodePNG(image.NewGray16(image.Rect(0, 0, 8192, 8192)))
		if err != nil {
			return err
		}
		atCap, err := encodePNG(gradient64(1448, 1448))
		if err != nil {
			return err
		}
		bombImgs = [][]byte{huge, atCap}
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	peak := make(chan int64, 1)
	go func() { peak <- peakRSS(ctx, pid) }()

	real, bomb := &result{codes: map[int]int{}}, &result{codes: map[int]int{}}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range clients {
		c := client(spread, fmt.Sprintf("127.0.1.%d", i%250+1))
		wg.Go(func() { loop(ctx, c, url, token, [][]byte{good}, real) })
	}
	for j := range bombs {
		c := client(spread, fmt.Sprintf("127.0.2.%d", j%250+1))
		wg.Go(func() { loop(ctx, c, url, token, bombImgs, bomb) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	rss := <-peak

	slices.Sort(real.latencies)
	n := len(real.latencies)
	if n == 0 {
		return fmt.Errorf("no real request succeeded (%d failed, answers %s)", real.errors, codes(real.codes))
	}
	fmt.Printf("| %d | %d | %.1f | %s | %s | %d | %s | %s |\n", clients, bombs, float64(n)/elapsed.Seconds(),
		pct(real.latencies, 50), pct(real.latencies, 99), real.errors, mib(rss), codes(bomb.codes))
	return nil
}

// loop posts imgs in turn until ctx is done.
func loop(ctx context.Context, c *http.Client, url, token string, imgs [][]byte, r *result) {
	for i := 0; ctx.Err() == nil; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/score", bytes.NewReader(imgs[i%len(imgs)]))
		if err != nil {
			panic(err)
		}
		req.Header.Set("Content-Type", "image/png")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		t0 := time.Now()
		resp, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if ctx.Err() != nil {
			return // cut short by the end of the run: not counted
		}
		code := 0
		if resp != nil {
			code = resp.StatusCode
		}
		r.add(code, time.Since(t0), err)
		if err != nil || code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests {
			time.Sleep(100 * time.Millisecond) // as a client honouring Retry-After would, but sooner
		}
	}
}

// client is a keep-alive client, connecting from localIP when spread.
func client(spread bool, localIP string) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if spread {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localIP)}
	}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 1}, Timeout: time.Minute}
}

// peakRSS polls the process's resident memory until ctx is done and
// returns the largest value seen, in bytes (0 without a pid).
func peakRSS(ctx context.Context, pid int) int64 {
	if pid == 0 {
		return 0
	}
	var peak int64
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
					kb, _ := strconv.ParseInt(f[1], 10, 64)
					peak = max(peak, kb<<10)
				}
			}
		}
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
	}
}

func pct(sorted []time.Duration, p int) string {
	if len(sorted) == 0 {
		return "–"
	}
	d := sorted[min(len(sorted)-1, len(sorted)*p/100)]
	return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
}

func mib(b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(b)/(1<<20))
}

// codes lists status codes and their counts, e.g. "413×120, 200×3".
func codes(m map[int]int) string {
	if len(m) == 0 {
		return "–"
	}
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func grayImage(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	return img
}

// gradient64 is a smooth 16-bit RGBA image: it compresses well but decodes
// to its full size.
func gradient64(w, h int) image.Image {
	img := image.NewRGBA64(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA64(x, y, color.RGBA64{uint16(x * 40), uint16(y * 40), 0x8000, 0xffff})
		}
	}
	return img
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encoding a %v image: %w", img.Bounds().Size(), err)
	}
	return b.Bytes(), nil
}
