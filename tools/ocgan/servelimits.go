package main

import (
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/serve"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// serveSecurity applies `ocgan serve`'s --token-file and --memory-limit,
// and warns when the server listens beyond loopback without a token.
func serveSecurity(e *env, tokenFile, memoryLimit string, opts *serve.Options) error {
	if tokenFile != "" {
		tok, err := readToken(tokenFile)
		if err != nil {
			return usageError{fmt.Errorf("--token-file: %w", err)}
		}
		opts.Token = tok
	}
	if opts.Token == "" && !isLoopback(opts.Addr) {
		fmt.Fprintf(e.stderr, "warning: --addr %s listens beyond loopback and no --token-file is set: anyone who reaches it can score\n", opts.Addr)
	}
	if memoryLimit != "" {
		n, err := parseBytes(memoryLimit)
		if err != nil {
			return usageError{fmt.Errorf("--memory-limit: %w", err)}
		}
		debug.SetMemoryLimit(n)
	}
	return nil
}

// checkListenAddr returns an error unless addr is a TCP listen address:
// HOST:PORT with a port number or service name (the host is resolved when
// listening).
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return err
	}
	return nil
}

// maxTokenFile bounds the size of a --token-file.
const maxTokenFile = 4 << 10

// readToken reads a bearer token: the file's contents without surrounding
// white space, which must not be empty or hold white space itself.
func readToken(path string) (string, error) {
	b, err := boundedfile.Read(path, maxTokenFile)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case tok == "":
		return "", fmt.Errorf("%s is empty", path)
	case strings.ContainsAny(tok, " \t\r\n"):
		return "", fmt.Errorf("%s holds white space inside the token", path)
	}
	return tok, nil
}

// isLoopback reports whether a listen address is on loopback only.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// byteUnits are the suffixes parseBytes takes, as GOMEMLIMIT does.
var byteUnits = []struct {
	suffix string
	scale  int64
}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// parseBytes parses a size such as 512MiB, 2GiB or 1000000 (bytes).
func parseBytes(s string) (int64, error) {
	num, scale := s, int64(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, scale = n, u.scale
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want a positive size such as 512MiB", s)
	}
	if n > (1<<63-1)/scale {
		return 0, errors.New("size too large")
	}
	return n * scale, nil
}
