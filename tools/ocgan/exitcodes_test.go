package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEarlyRefusals runs each verb with arguments that must be refused
// before anything is loaded or trained: usage errors exit 2, outputs that
// cannot be written exit 1, and both within a second (no dataset, device
// or model was touched).
func TestEarlyRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	under := filepath.Join(file, "sub", "out") // a path through a file
	model := filepath.Join(dir, "missing.ocgan")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"train class out of range", []string{"train", "--dataset", "mnist", "--class", "11", "--out", filepath.Join(dir, "m.ocgan")}, exitUsage, "classes 0 to 9"},
		{"eval class out of range", []string{"eval", "--dataset", "mnist", "--class", "11", "--model", model}, exitUsage, "classes 0 to 9"},
		{"eval class range out of range", []string{"eval", "--dataset", "fmnist", "--class", "8-10", "--model", filepath.Join(dir, "m{class}.ocgan")}, exitUsage, "--class 10"},
		{"serve bad address", []string{"serve", "--addr", "bogus", "--model", model}, exitUsage, "--addr"},
		{"serve bad port", []string{"serve", "--addr", ":99999", "--model", model}, exitUsage, "invalid port"},
		{"unknown flag", []string{"train", "--no-such-flag"}, exitUsage, "no-such-flag"},
		{"selftest too large", []string{"selftest", "--n", "1000000000"}, exitUsage, "--n 1000000000"},
		{"selftest without steps", []string{"selftest", "--steps", "0"}, exitUsage, "--steps 0"},
		{"install keeping a negative count", []string{"bundle", "install", "--root", dir, "--keep", "-3", file}, exitUsage, "--keep -3"},
		{"train output is a folder", []string{"train", "--dataset", "mnist", "--class", "1", "--out", dir}, exitRuntime, "--out: " + dir + " is a directory"},
		{"train output under a file", []string{"train", "--dataset", "mnist", "--class", "1", "--out", under}, exitRuntime, "--out"},
		{"eval roc under a file", []string{"eval", "--dataset", "mnist", "--class", "1", "--model", model, "--roc", under}, exitRuntime, "--roc"},
		{"eval scores is a folder", []string{"eval", "--dataset", "mnist", "--class", "1", "--model", model, "--scores", dir}, exitRuntime, "--scores"},
		{"eval results under a file", []string{"eval", "--dataset", "mnist", "--class", "1", "--model", model, "--results", under}, exitRuntime, "--results"},
		{"own eval roc is a folder", []string{"eval", "--model", model, "--normal", dir, "--novel", dir, "--roc", dir}, exitRuntime, "--roc"},
		{"bundle output is a folder", []string{"bundle", "build", "--model", model, "--key", file, "--version", "1.0.0", "--out", dir}, exitRuntime, "--out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tc.code, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("refused after %s: something was loaded first", d)
			}
		})
	}
}
