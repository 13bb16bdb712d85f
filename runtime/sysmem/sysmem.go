// Package sysmem reports how much memory the process can still allocate,
// so that large allocations can be refused with a clear error instead of
// ending in the out-of-memory killer.
package sysmem

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
)

// Available returns the bytes of memory the process can still allocate, as
// far as the system says: the smaller of the kernel's estimate of available
// memory (MemAvailable in /proc/meminfo) and what the process's control
// group has left under its limit (cgroup v2 memory.max − memory.current, or
// v1 limit_in_bytes − usage_in_bytes). ok is false where none is known.
func Available() (n uint64, ok bool) {
	return available(os.ReadFile)
}

// available is Available reading files with read.
func available(read func(string) ([]byte, error)) (uint64, bool) {
	var best uint64
	var found bool
	take := func(v uint64) {
		if !found || v < best {
			best, found = v, true
		}
	}
	if b, err := read("/proc/meminfo"); err == nil {
		if v, ok := memAvailable(b); ok {
			take(v)
		}
	}
	for _, files := range [][2]string{
		{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"},
		{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"},
	} {
		limit, ok1 := readUint(read, files[0])
		used, ok2 := readUint(read, files[1])
		if ok1 && ok2 {
			if used > limit {
				used = limit
			}
			take(limit - used)
			break
		}
	}
	return best, found
}

// memAvailable parses the MemAvailable line of /proc/meminfo (in kB).
func memAvailable(meminfo []byte) (uint64, bool) {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		v, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil || v > 1<<53 {
			return 0, false
		}
		return v << 10, true
	}
	return 0, false
}

// readUint reads a file holding one decimal number; "max" (no limit) and
// anything unparsable count as unknown.
func readUint(read func(string) ([]byte, error), path string) (uint64, bool) {
	b, err := read(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v >= 1<<62 { // v1 reports "no limit" as a huge number
		return 0, false
	}
	return v, true
}
