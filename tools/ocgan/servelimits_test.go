package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestServeLimitParsing checks --memory-limit sizes, --token-file contents
// and which listen addresses count as loopback.
func TestServeLimitParsing(t *testing.T) {
	for s, want := range map[string]int64{"512MiB": 512 << 20, "2GiB": 2 << 30, "1000": 1000, "64KiB": 64 << 10, "3B": 3} {
		if got, err := parseBytes(s); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "MiB", "-1MiB", "0", "1.5GiB", "12XB", "9999999TiB"} {
		if got, err := parseBytes(s); err == nil {
			t.Errorf("parseBytes(%q) = %d, want an error", s, got)
		}
	}
	dir := t.TempDir()
	for content, want := range map[string]string{"tok\n": "tok", "  a.b-c \n\n": "a.b-c", "": "", "\n": "", "two words": ""} {
		p := filepath.Join(dir, "token")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readToken(p)
		if (want == "") != (err != nil) || got != want {
			t.Errorf("readToken of %q = %q, %v; want %q", content, got, err, want)
		}
	}
	for addr, want := range map[string]bool{"127.0.0.1:8080": true, "localhost:1": true, "[::1]:80": true, ":8080": false, "0.0.0.0:80": false, "10.0.0.1:80": false} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v", addr, got)
		}
	}
}
