package main

import (
	"fmt"
	"io"
	"math/rand"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
)

// measureCPU times the cases on the native CPU backend with o.threads threads,
// and the GEMM-shaped ones also as raw SGEMM calls of the backend's library.
func measureCPU(o options, cases []benchCase, progress io.Writer) (*report, error) {
	d, err := cpu.NewDevice(cpu.Options{Threads: o.threads})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	lib, err := openDeviceSgemm(d)
	if err != nil {
		return nil, err
	}
	defer lib.Close()
	rep := &report{Device: cpuprogram.ModelName(), Backend: "cpu", BLAS: lib.Name(), Threads: d.Threads()}
	return runCases(o, rep, cases, progress, func(c benchCase) (result, error) { return timeCPUCase(d, lib, o, c) })
}

// blasEnvNames maps the kind in a library's name to its value of blas.EnvVar.
var blasEnvNames = map[string]string{"onednn": "dnnl", "openblas": "openblas"}

// openDeviceSgemm opens the SGEMM library d uses, with d's threads, for timing
// the raw SGEMM calls beside d's kernels.
func openDeviceSgemm(d *cpu.Device) (*blas.Library, error) {
	name := d.BLAS() // "onednn 2.6.3/avx2, 2 threads"
	kind, _, _ := strings.Cut(name, " ")
	env, ok := blasEnvNames[kind]
	if !ok {
		return nil, fmt.Errorf("CPU backend's SGEMM library %q is not one kbench can open", name)
	}
	// blas.Open picks the faster library when both load; name d's.
	old, had := os.LookupEnv(blas.EnvVar)
	os.Setenv(blas.EnvVar, env)
	lib, err := blas.Open(d.Threads())
	if had {
		os.Setenv(blas.EnvVar, old)
	} else {
		os.Unsetenv(blas.EnvVar)
	}
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(name, lib.Name()+",") {
		lib.Close()
		return nil, fmt.Errorf("SGEMM library %s is not the CPU backend's (%s)", lib.Name(), name)
	}
	return lib, nil
}

// timeCPUCase runs one case warmup+runs times on d and summarises the
// wall-clock time of each run; for a GEMM-shaped case it times the raw SGEMM
// calls the same way.
func timeCPUCase(d *cpu.Device, lib *blas.Library, o options, c benchCase) (result, error) {
	h := c.hostArrays()
	times, err := timeRuns(o, func() error { return c.cpu(d, h) })
	if err != nil {
		return result{}, err
	}
	r := summarize(c, times)
	if len(c.gemms) > 0 {
		gemm := newGemmRun(lib, c.gemms, rand.New(rand.NewSource(int64(len(c.name)))))
		st, err := timeRuns(o, gemm)
		if err != nil {
			return result{}, fmt.Errorf("sgemm: %w", err)
		}
		sort.Float64s(st)
		r.SgemmMs = percentile(st, 0.5)
		if r.SgemmMs > 0 && r.MedianMs > 0 {
			r.SgemmGFLOPs = c.gemmFlops() / r.SgemmMs / 1e6
			r.OfSgemm = r.GFLOPs / r.SgemmGFLOPs
		}
	}
	if o.compareRef {
		if r.RefMs, err = timeRef(func() error { _, err := c.ref(h); return err }); err != nil {
			return result{}, err
		}
	}
	return r, nil
}

// timeRuns calls fn o.warmup+o.runs times and returns the wall-clock
// milliseconds of the timed calls.
func timeRuns(o options, fn func() error) ([]float64, error) {
	var times []float64
	for i := 0; i < o.warmup+o.runs; i++ {
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		if i >= o.warmup {
			times = append(times, msSince(t0))
		}
	}
	return times, nil
}

// newGemmRun returns a function that issues the SGEMM calls gemms on random
// operands of their shapes, densely stored, one after another.
func newGemmRun(lib *blas.Library, gemms []gemmShape, rng *rand.Rand) func() error {
	type call struct {
		g             gemmShape
		a, b, c       []float32
		lda, ldb, ldc int
	}
	randVec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	calls := make([]call, len(gemms))
	for i, g := range gemms {
		lda, ldb := g.k, g.n // A m×k, B k×n
		if g.transA {
			lda = g.m // A stored k×m
		}
		if g.transB {
			ldb = g.k // B stored n×k
		}
		calls[i] = call{g: g, a: randVec(g.m * g.k), b: randVec(g.k * g.n), c: make([]float32, g.m*g.n), lda: lda, ldb: ldb, ldc: g.n}
	}
	return func() error {
		for _, c := range calls {
			if err := lib.Sgemm(c.g.transA, c.g.transB, c.g.m, c.g.n, c.g.k, 1, c.a, c.lda, c.b, c.ldb, 0, c.c, c.ldc); err != nil {
				return err
			}
		}
		return nil
	}
}
