package blas

import (
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSgemmUnderCPUProfile runs each library's SGEMM, multi-threaded and
// single-threaded from two goroutines at once, for a second and a half under Go's CPU
// profiler (SIGPROF at 1 kHz), in a child process: the process must not
// crash and every product must equal the first one bit for bit. (oneDNN's
// OpenMP threads corrupted the C heap when profiling signals reached them,
// until the calls blocked SIGPROF.)
func TestSgemmUnderCPUProfile(t *testing.T) {
	if os.Getenv("OCGAN_BLAS_PROFILE_CHILD") != "" {
		t.Skip("child process")
	}
	for _, lib := range libraries {
		t.Run(lib.env, func(t *testing.T) {
			openLib(t, lib.env, lib.pkg, 2) // skips when not installed
			cmd := exec.Command(os.Args[0], "-test.run=^TestSgemmUnderCPUProfileChild$", "-test.v")
			cmd.Env = append(os.Environ(), "OCGAN_BLAS_PROFILE_CHILD=1", EnvVar+"="+lib.env)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "products checked:") {
				t.Fatalf("SGEMM under the CPU profiler: %v\n%s", err, out)
			}
		})
	}
}

func TestSgemmUnderCPUProfileChild(t *testing.T) {
	if os.Getenv("OCGAN_BLAS_PROFILE_CHILD") == "" {
		t.Skip("run by TestSgemmUnderCPUProfile")
	}
	l, err := Open(2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	runtime.SetCPUProfileRate(1000)
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer pprof.StopCPUProfile()
	// A conv layer's GEMM: 64 output channels, 13×13 positions of 16
	// images, 64·5·5 taps.
	const m, n, k = 64, 16 * 169, 1600
	r := rand.New(rand.NewPCG(1, 2))
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = r.Float32() - 0.5
	}
	for i := range b {
		b[i] = r.Float32() - 0.5
	}
	// One goroutine runs the library's threads, the other the calling
	// thread alone (as the scorers do), each against its own first product.
	calls := []func(c []float32) error{
		func(c []float32) error { return l.Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) },
		func(c []float32) error { return l.SgemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, c, n) },
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked := 0
	end := time.Now().Add(1500 * time.Millisecond)
	for _, call := range calls {
		want := make([]float32, m*n)
		if err := call(want); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := make([]float32, m*n)
			for time.Now().Before(end) {
				if err := call(c); err != nil {
					t.Error(err)
					return
				}
				if !slices.Equal(c, want) {
					t.Error("a product differs from the first")
					return
				}
				mu.Lock()
				checked++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	os.Stdout.WriteString("library: " + l.Name() + "\n")
	t.Logf("products checked: %d", checked)
}
