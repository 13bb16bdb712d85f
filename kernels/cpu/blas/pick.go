package blas

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// The pick of the faster library is measured once per machine, thread count
// and set of library versions and kept in a pick file, so that every later
// process there uses the same library: the libraries' results differ in the
// last bits, and a pick measured anew by each process, on a machine that is
// busy at that moment, could make training and scoring differ.

// pickVersion is the format version of pick files.
const pickVersion = 1

// pickRecord is the content of a pick file.
type pickRecord struct {
	Version int    `json:"version"`
	Key     string `json:"key"`
	Library string `json:"library"`
	// Measured is when the pick was timed; TotalsUS the probe's total time
	// per library, in microseconds.
	Measured string           `json:"measured"`
	TotalsUS map[string]int64 `json:"totals_us"`
}

// PickDir is the directory of the pick files: ocgan in the user's cache
// directory ($XDG_CACHE_HOME, else ~/.cache), "" when there is none.
func PickDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(base, "ocgan")
}

// pickKey names what a pick depends on: the machine, the thread count and
// the libraries with their versions.
func pickKey(threads int, names []string) string {
	return fmt.Sprintf("%s/%s cpu=%q threads=%d libraries=%s",
		runtime.GOOS, runtime.GOARCH, CPUModel(), threads, strings.Join(names, ","))
}

// pickPath is the pick file of key in dir ("" when dir is "").
func pickPath(dir, key string) string {
	if dir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, "blas-pick-"+hex.EncodeToString(sum[:8])+".json")
}

// readPick returns the library a valid pick file for key names, or "".
func readPick(path, key string) string {
	if path == "" {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var r pickRecord
	if json.Unmarshal(data, &r) != nil || r.Version != pickVersion || r.Key != key {
		return ""
	}
	return r.Library
}

// writePick saves a measured pick; a pick that cannot be saved is measured
// again by the next process.
func writePick(path string, r pickRecord) error {
	if path == "" {
		return nil
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o644)
}

// newPickRecord is the record of a pick of library among names measured
// with totals.
func newPickRecord(key, library string, names []string, totals []time.Duration) pickRecord {
	r := pickRecord{Version: pickVersion, Key: key, Library: library,
		Measured: time.Now().UTC().Format(time.RFC3339), TotalsUS: map[string]int64{}}
	for i, n := range names {
		r.TotalsUS[n] = totals[i].Microseconds()
	}
	return r
}

// CPUModel returns the CPU's model name from /proc/cpuinfo ("model name" on
// x86-64; on arm64 kernels that give none, "<arch> CPU"): the machine a
// pick is measured on.
func CPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			k, v, ok := strings.Cut(s.Text(), ":")
			if ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH + " CPU"
}
