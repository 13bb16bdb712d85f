package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFlagLimitsAreUsageErrors gives size-like flags beyond their bounds,
// Algorithm-1 settings out of their range and non-finite thresholds: each is refused with exit status 2, naming the flag,
// before any data or model is read.
func TestFlagLimitsAreUsageErrors(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 2)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 2)
	train := []string{"train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1", "--out", filepath.Join(t.TempDir(), "m.ocgan")}
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{append(train, "--latent", "100000"), "--latent"},
		{append(train, "--latent", "-1"), "--latent"},
		{append(train, "--batch", "1000000"), "--batch"},
		{append(train, "--batch", "1"), "--batch"},
		{append(train, "--epochs", "0"), "--epochs"},
		{append(train, "--epochs", "100000000"), "--epochs"},
		{append(train, "--mine-steps", "5000"), "--mine-steps"},
		{append(train, "--mine-step-size", "0"), "--mine-step-size"},
		{append(train, "--mine-step-size", "NaN"), "--mine-step-size"},
		{append(train, "--mine-start", "1.5"), "--mine-start"},
		{append(train, "--select-from", "1"), "--select-from"},
		{append(train, "--select-from", "-0.2"), "--select-from"},
		{append(train, "--lambda", "-1"), "--lambda"},
		{append(train, "--latent-weight", "0"), "--latent-weight"},
		{append(train, "--mode", "ae+dv", "--latent-double-sigmoid"), "--latent-double-sigmoid"},
		{append(train, "--mode", "ae", "--latent-double-sigmoid"), "--latent-double-sigmoid"},
		{append(train, "--visual-width", "0"), "--visual-width"},
		{append(train, "--visual-width", "1000"), "--visual-width"},
		{append(train, "--noise", "-0.1"), "--noise"},
		{append(train, "--lr", "+Inf"), "--lr"},
		{append(train, "--dropout", "1"), "--dropout"},
		{append(train, "--dropout", "-0.1"), "--dropout"},
		{append(train, "--dropout", "NaN"), "--dropout"},
		{[]string{"score", "--threshold", "NaN", "x.png"}, "--threshold"},
		{[]string{"score", "--threshold", "+Inf", "x.png"}, "--threshold"},
		{[]string{"eval", "--seeds", "100000", "--model", "m.ocgan"}, "--seeds"},
		{[]string{"bench", "--train-batch", "100000"}, "--train-batch"},
		{[]string{"bench", "--iters", "1000000000"}, "--iters"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.flag) {
			t.Errorf("%v: exit %d, stderr %q; want %d naming %s", tc.args, code, stderr, exitUsage, tc.flag)
		}
	}
}

// TestBundleCommandsRefuseNonRegularFiles gives bundle inspect a FIFO, a
// device and a directory: each is refused at once.
func TestBundleCommandsRefuseNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero", dir} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		done := make(chan struct{})
		var code int
		var stderr string
		go func() {
			code, _, stderr = runCLI(t, "bundle", "inspect", p)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("bundle inspect %s: still running", p)
		}
		if code != exitRuntime || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("bundle inspect %s: exit %d, %q", p, code, stderr)
		}
	}
}

// TestBundleStatusReportsBrokenCurrent points current nowhere: status fails,
// naming the link's target, rather than reporting no version.
func TestBundleStatusReportsBrokenCurrent(t *testing.T) {
	root := t.TempDir()
	if err := os.Symlink("versions/0123456789abcdef0123456789abcdef", filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "bundle", "status", "--root", root)
	if code != exitRuntime || !strings.Contains(stderr, "versions/0123456789abcdef0123456789abcdef") || strings.Contains(stderr, "unsafe part name") {
		t.Fatalf("status: exit %d\n%s%s", code, out, stderr)
	}
	t.Log(stderr)
}
