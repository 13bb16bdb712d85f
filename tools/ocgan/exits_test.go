package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUsageAndOutputExits runs every command with flags that are wrong
// (exit status 2) or outputs that cannot be written (exit status 1), and
// checks that the command says so before it loads anything: no device can
// be opened ($OCGAN_DEVICE names none), the models named do not exist, and
// each case must finish within a few seconds without the messages of
// loading or training.
func TestUsageAndOutputExits(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file") // a file where a folder should be
	existingKey := filepath.Join(dir, "old")
	img := filepath.Join(dir, "img.png")
	for _, f := range []string{blocker, existingKey + ".pub", img} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing.ocgan") // never opened by a case
	under := func(name string) string { return filepath.Join(blocker, name) }
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		// Usage errors.
		{[]string{"train", "--no-such-flag"}, exitUsage, "unknown flag: --no-such-flag"},
		{[]string{"train", "--class", "11", "--out", filepath.Join(dir, "m.ocgan")}, exitUsage, "--class 11: mnist has 10 classes, 0 to 9"},
		{[]string{"train", "--dataset", "fmnist", "--class", "10"}, exitUsage, "fmnist has 10 classes"},
		{[]string{"train", "--dataset", "cifar10", "--data", dir, "--class", "10"}, exitUsage, "cifar10 has 10 classes"},
		{[]string{"train", "--class", "x"}, exitUsage, "not a class number"},
		{[]string{"eval", "--model", missing, "--class", "11"}, exitUsage, "--class 11: mnist has 10 classes"},
		{[]string{"eval", "--model", "m{class}.ocgan", "--class", "0-10"}, exitUsage, "--class 0-10: mnist has 10 classes"},
		{[]string{"eval", "--class", "1"}, exitUsage, "--model is required"},
		{[]string{"eval", "--model", missing, "--normal", img, "--novel", img, "--results", dir}, exitUsage, "--results does not apply"},
		{[]string{"serve", "--model", missing, "--addr", "bogus"}, exitUsage, `--addr "bogus": address bogus: missing port`},
		{[]string{"serve", "--model", missing, "--addr", "127.0.0.1:no-such-port"}, exitUsage, "--addr"},
		{[]string{"serve", "--addr", ":0"}, exitUsage, "--model is required"},
		{[]string{"score", "--model", missing}, exitUsage, "give the images to score"},
		{[]string{"calibrate"}, exitUsage, "--model is required"},
		{[]string{"bundle", "build", "--key", "k", "--version", "1.0.0"}, exitUsage, "--model is required"},
		{[]string{"bundle", "build", "--model", missing, "--key", "k"}, exitUsage, "--version"},
		{[]string{"bundle", "keygen", "--out", ""}, exitUsage, "--out must name the key files"},
		{[]string{"inspect", missing, missing}, exitUsage, "give one checkpoint"},
		{[]string{"inspect", "--model", missing, missing}, exitUsage, "give one checkpoint"},
		{[]string{"train", "--gpu-timeout", "-1s"}, exitUsage, "--gpu-timeout -1s: want a positive duration"},
		{[]string{"score", "--model", missing, img, "--max-dispatches-per-submit", "-3"}, exitUsage, "--max-dispatches-per-submit -3: want a positive number"},
		// Outputs that cannot be written.
		{[]string{"train", "--out", under("m.ocgan")}, exitRuntime, "--out " + under("m.ocgan") + ": " + blocker + " is not a directory"},
		{[]string{"train", "--out", dir}, exitRuntime, "--out " + dir + ": " + dir + " is a directory"},
		{[]string{"eval", "--model", missing, "--roc", under("roc.png")}, exitRuntime, "--roc " + under("roc.png") + ": " + blocker + " is not a directory"},
		{[]string{"eval", "--model", missing, "--scores", under("s.csv")}, exitRuntime, "--scores " + under("s.csv")},
		{[]string{"eval", "--model", missing, "--scores", dir}, exitRuntime, "is a directory"},
		{[]string{"eval", "--model", missing, "--results", under("results")}, exitRuntime, "--results " + under("results") + ": " + blocker + " is not a directory"},
		{[]string{"eval", "--model", missing, "--maps", under("maps")}, exitRuntime, "--maps " + under("maps")},
		{[]string{"eval", "--model", under("m{class}.ocgan"), "--class", "0", "--train"}, exitRuntime, "--model " + under("m0.ocgan")},
		{[]string{"eval", "--model", missing, "--normal", img, "--novel", img, "--roc", under("roc.png")}, exitRuntime, "--roc " + under("roc.png")},
		{[]string{"eval", "--model", missing, "--normal", img, "--novel", img, "--scores", under("s.csv")}, exitRuntime, "--scores " + under("s.csv")},
		{[]string{"score", "--model", missing, "--maps", under("maps"), img}, exitRuntime, "--maps " + under("maps")},
		{[]string{"calibrate", "--model", under("m.ocgan")}, exitRuntime, "--model " + under("m.ocgan")},
		{[]string{"bundle", "build", "--model", missing, "--key", "k", "--version", "1.0.0", "--out", under("b")}, exitRuntime, "--out " + under("b")},
		{[]string{"bundle", "keygen", "--out", under("k")}, exitRuntime, "--out " + under("k.key")},
		{[]string{"bundle", "keygen", "--out", existingKey}, exitRuntime, existingKey + ".pub exists"},
	}
	t.Setenv("OCGAN_DEVICE", "no-such-device")
	for _, tc := range tests {
		code, stdout, stderr := runWithin(t, 20*time.Second, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("ocgan %s: exit %d, want %d with %q\nstderr: %s", strings.Join(tc.args, " "), code, tc.code, tc.msg, stderr)
			continue
		}
		for _, late := range []string{"no device matches", "training OCGAN", "serving model", "no such file"} {
			if strings.Contains(stderr, late) {
				t.Errorf("ocgan %s: the error came after loading (%q):\n%s", strings.Join(tc.args, " "), late, stderr)
			}
		}
		if stdout != "" {
			t.Errorf("ocgan %s: stdout %q, want nothing", strings.Join(tc.args, " "), stdout)
		}
	}
	if _, err := os.Stat(existingKey + ".key"); err == nil {
		t.Errorf("keygen wrote %s.key next to an existing %s.pub", existingKey, existingKey)
	}
}

// runWithin runs the command in-process and fails the test if it takes
// longer than limit.
func runWithin(t *testing.T, limit time.Duration, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(args, &stdout, &stderr) }()
	select {
	case code := <-done:
		return code, stdout.String(), stderr.String()
	case <-time.After(limit):
		t.Fatalf("ocgan %s: still running after %s: it did work before checking its flags and outputs", strings.Join(args, " "), limit)
		return 0, "", ""
	}
}

// TestUsageListsEveryCommand checks that `ocgan --help` names every command
// once, in usageOrder where it is listed there.
func TestUsageListsEveryCommand(t *testing.T) {
	cmds := commands()
	var b strings.Builder
	printUsage(&b, cmds)
	out := b.String()
	for name, c := range cmds {
		if n := strings.Count(out, "  "+fmt.Sprintf("%-16s %s", name, c.summary)); n != 1 {
			t.Errorf("usage names %q %d times:\n%s", name, n, out)
		}
	}
	for _, name := range usageOrder {
		if _, ok := cmds[name]; !ok {
			t.Errorf("usageOrder lists %q, which is not a command", name)
		}
	}
}
