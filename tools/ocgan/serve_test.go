package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestServe runs `ocgan serve` on an install root in a child process and
// checks over loopback: the scores of /score equal those of ocgan score and
// ocgan eval for the same images and model, bad requests get 4xx, /healthz
// and /metrics, a reload when a new bundle is installed while clients keep
// scoring (no failed request), and a clean shutdown on SIGTERM.
func TestServe(t *testing.T) {
	if args := os.Getenv("OCGAN_TEST_SERVE_ARGS"); args != "" {
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
	}
	pinSGEMM(t)
	model, root := trainTiny(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "fleet")
	if code, _, stderr := runCLI(t, "bundle", "keygen", "--out", key); code != exitOK {
		t.Fatal(stderr)
	}
	b1, b2 := filepath.Join(dir, "v1.bundle"), filepath.Join(dir, "v2.bundle")
	for _, c := range [][]string{{b1, "1.0.0"}, {b2, "2.0.0", "--fp16"}} {
		args := append([]string{"bundle", "build", "--model", model, "--key", key + ".key", "--out", c[0], "--version", c[1]}, c[2:]...)
		if code, _, stderr := runCLI(t, args...); code != exitOK {
			t.Fatal(stderr)
		}
	}
	inst := filepath.Join(dir, "root")
	if code, _, stderr := runCLI(t, "bundle", "install", "--root", inst, "--key", key+".pub", b1); code != exitOK {
		t.Fatal(stderr)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"serve", "--model", inst, "--key", key + ".pub", "--addr", "127.0.0.1:0", "--poll", "50ms"}
	cmd := exec.Command(exe, "-test.run=^TestServe$")
	cmd.Env = append(os.Environ(), "OCGAN_TEST_SERVE_ARGS="+strings.Join(args, "\x1f"), "OCGAN_VK_VALIDATE=1",
		"OCGAN_VK_PIPELINE_CACHE="+t.TempDir())
	base, serverLog := startServe(t, cmd)

	post := func(body []byte, ctype string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(base+"/score", ctype, bytes.NewReader(body))
		if err != nil {
			t.Fatalf("POST /score: %v", err)
		}
		defer resp.Body.Close()
		var m map[string]any
		data, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("POST /score: %d %q: %v", resp.StatusCode, data, err)
		}
		return resp.StatusCode, m
	}

	// The same images through score, eval and serve.
	var files []string
	for _, sub := range []string{"0-bar", "1-disc"} {
		fs, _ := filepath.Glob(filepath.Join(root, sub, "*.png"))
		files = append(files, fs...)
	}
	want, _ := scoreJSON(t, append([]string{"--model", inst, "--key", key + ".pub"}, files...)...)
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code, r := post(data, "image/png")
		if code != http.StatusOK || r["score"] != want[i] || r["model_version"] != "1.0.0" {
			t.Errorf("%s: %d %v; ocgan score gives %v", filepath.Base(f), code, r, want[i])
		}
		if tm, _ := r["timing_ms"].(map[string]any); tm["forward"] == nil || tm["decode"] == nil {
			t.Errorf("timing_ms %v", r["timing_ms"])
		}
	}
	rows := evalScoreRows(t, model, root)
	for _, row := range rows[1:] {
		s, _ := strconv.ParseFloat(row[4], 64)
		found := false
		for _, w := range want {
			found = found || w == s
		}
		if !found {
			t.Errorf("eval test image %s scored %v, which no image scores with ocgan score / serve (%v)", row[2], s, want)
		}
	}

	// Bad requests: 4xx, and the server keeps working.
	for _, c := range []struct {
		method, path, ctype string
		body                []byte
		code                int
	}{
		{"POST", "/score", "image/png", []byte("not a png"), 400},
		{"POST", "/score", "image/png", nil, 400},
		{"POST", "/score", "text/plain", []byte("x"), 415},
		{"POST", "/score", "image/png", bytes.Repeat([]byte{1}, 9<<20), 413},
		{"GET", "/score", "", nil, 405},
		{"GET", "/nothing", "", nil, 404},
		{"POST", "/score?threshold=abc", "image/png", []byte("x"), 400},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, bytes.NewReader(c.body))
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code {
			t.Errorf("%s %s (%s, %d bytes): %d, want %d", c.method, c.path, c.ctype, len(c.body), resp.StatusCode, c.code)
		}
	}

	// Install v2 while clients keep scoring: every request answers 200, and
	// the server moves to v2.
	img, _ := os.ReadFile(files[0])
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	versions := map[string]int{}
	failures := 0
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.Post(base+"/score", "image/png", bytes.NewReader(img))
				mu.Lock()
				if err != nil || resp.StatusCode != 200 {
					failures++
				}
				if err == nil {
					var r struct {
						ModelVersion string `json:"model_version"`
					}
					json.NewDecoder(resp.Body).Decode(&r)
					resp.Body.Close()
					versions[r.ModelVersion]++
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if code, _, stderr := runCLI(t, "bundle", "install", "--root", inst, "--key", key+".pub", b2); code != exitOK {
		t.Fatal(stderr)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		mu.Lock()
		n := versions["2.0.0"]
		mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if failures > 0 || versions["1.0.0"] == 0 || versions["2.0.0"] == 0 {
		t.Errorf("during the reload: %d failed requests, answers by version %v\n%s", failures, versions, serverLog())
	}

	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != 200 || h["model_version"] != "2.0.0" {
		t.Errorf("/healthz: %d %v", resp.StatusCode, h)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ocgan_model_info{id=`, `version="2.0.0"`, "ocgan_model_reloads_total 1",
		`ocgan_http_requests_total{code="400",endpoint="/score"}`, "ocgan_score_duration_seconds_bucket"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(string(metrics), `version="1.0.0"`) {
		t.Error("/metrics still reports the old model's info")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, serverLog())
		}
	case <-time.After(time.Minute):
		t.Fatalf("serve did not stop after SIGTERM\n%s", serverLog())
	}
	if !strings.Contains(serverLog(), "shut down") {
		t.Errorf("no shutdown line:\n%s", serverLog())
	}
}

// startServe starts cmd, an `ocgan serve --addr 127.0.0.1:0` child, and
// returns its base URL, once it listens, and its log so far; the child is
// killed when the test ends.
func startServe(t *testing.T, cmd *exec.Cmd) (string, func() string) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	var logMu sync.Mutex
	var log strings.Builder
	addrC := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		re := regexp.MustCompile(`on http://(\S+) `)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrC <- m[1]
			}
		}
		close(addrC)
	}()
	serverLog := func() string { logMu.Lock(); defer logMu.Unlock(); return log.String() }
	select {
	case a, ok := <-addrC:
		if !ok {
			t.Fatalf("serve exited:\n%s", serverLog())
		}
		return "http://" + a, serverLog
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve did not start:\n%s", serverLog())
	}
	return "", nil
}
