package cpuprogram

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// ModelName returns the CPU's model name from /proc/cpuinfo ("model name" on
// x86-64; on arm64 kernels that give none, "<arch> CPU").
func ModelName() string {
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
