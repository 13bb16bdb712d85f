// Package blas calls single-precision GEMM in a BLAS library loaded at run
// time with dlopen: oneDNN's dnnl_sgemm (libdnnl.so.3 or libdnnl.so.2, Debian
// package libdnnl2) or OpenBLAS's cblas_sgemm (libopenblas.so.0, Debian
// package libopenblas0-pthread). Nothing is linked at build time but libdl,
// so a binary builds and starts on a machine without either library and
// reports an *UnavailableError from Open.
//
// The environment variable OCGAN_BLAS=dnnl or OCGAN_BLAS=openblas makes Open
// use that library only; otherwise Open measures which is faster once per
// machine and keeps the answer in a pick file (PickDir).
//
// Go's CPU profiler does not mix with oneDNN on more than one thread: its
// SIGPROF signals reach oneDNN's OpenMP worker threads, and the process
// aborts with a corrupted C heap (seen with libdnnl2 2.6.3 and libgomp from
// GCC 12). Profile with OCGAN_BLAS=openblas or with one thread.
package blas

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// EnvVar names the environment variable that forces one library: "dnnl" or
// "openblas".
const EnvVar = "OCGAN_BLAS"

// InstallHint is the command that installs both supported libraries on
// Debian and Ubuntu.
const InstallHint = "apt-get install libdnnl2 libopenblas0-pthread"

// UnavailableError reports that no SGEMM library could be loaded.
type UnavailableError struct {
	// Reasons holds one line per library that was tried.
	Reasons []string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("blas: no SGEMM library could be loaded (%s); install one with: %s",
		strings.Join(e.Reasons, "; "), InstallHint)
}

// Library is one loaded SGEMM implementation with a fixed thread count. Its
// methods are safe for concurrent use: concurrent SGEMMs run side by side,
// each with the library's threads (a small one with one thread).
type Library struct {
	syms    *symbols
	threads int
	pick    string // why Open chose it (Pick)

	// mu guards calls against Close: Sgemm holds it for reading.
	mu     sync.RWMutex
	calls  chan func() // requests to the locked worker; nil when calling directly
	closed bool
}

// pickMargin is how much faster than oneDNN another library must measure
// to be picked (on x86-64 oneDNN leads by about 2x, on arm64 without ACL
// OpenBLAS leads by more).
const pickMargin = 0.8

// Open loads every available SGEMM library (only the one named by OCGAN_BLAS
// when it is set) and returns the faster one at a short measurement of a
// large and a small GEMM (oneDNN unless another is at least 20% faster), set
// to use the given number of threads (<= 0 means runtime.GOMAXPROCS(0)).
// The measurement is made once per machine, thread count and library
// versions and saved in a pick file in PickDir, which later calls follow
// (delete the file to measure again). Without any library it returns an
// *UnavailableError.
func Open(threads int) (*Library, error) {
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	type loader struct {
		env, pkg string
		load     func() (*symbols, error)
	}
	loaders := []loader{{"dnnl", "libdnnl2", loadDNNL}, {"openblas", "libopenblas0-pthread", loadOpenBLAS}}
	if want := os.Getenv(EnvVar); want != "" {
		var picked []loader
		for _, l := range loaders {
			if l.env == want {
				picked = append(picked, l)
			}
		}
		if len(picked) == 0 {
			return nil, fmt.Errorf("blas: %s=%q: want \"dnnl\" or \"openblas\"", EnvVar, want)
		}
		loaders = picked
	}
	forced := os.Getenv(EnvVar) != ""
	var cands []*Library
	var reasons []string
	for _, l := range loaders {
		s, err := l.load()
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("%s (package %s): %v", l.env, l.pkg, err))
			continue
		}
		cands = append(cands, newLibrary(s, threads, callLocked))
	}
	if len(cands) == 0 {
		return nil, &UnavailableError{Reasons: reasons}
	}
	if len(cands) == 1 {
		cands[0].pick = "the only SGEMM library installed"
		if forced {
			cands[0].pick = "named by " + EnvVar
		}
		return cands[0], nil
	}
	names := make([]string, len(cands))
	for i, l := range cands {
		names[i] = l.Name()
	}
	key := pickKey(threads, names)
	path := pickPath(PickDir(), key)
	best := slices.Index(names, readPick(path, key))
	how := "measured faster earlier on this machine, as kept in " + path
	if best < 0 {
		var totals []time.Duration
		best, totals = measurePick(cands)
		how = "measured faster now"
		// Not saved, the pick is measured again by the next process.
		if err := writePick(path, newPickRecord(key, names[best], names, totals)); err == nil && path != "" {
			how += ", kept in " + path
		}
	}
	cands[best].pick = how
	for i, l := range cands {
		if i != best {
			l.Close()
		}
	}
	return cands[best], nil
}

// measurePick times the candidates at the probe's GEMMs and returns the
// index of the one to use, with each one's total time.
func measurePick(cands []*Library) (int, []time.Duration) {
	// Five rounds, the libraries alternating; each shape keeps its best
	// time over the rounds, so a burst of load from another process during
	// one round rarely decides the pick.
	times := make([][]time.Duration, len(cands))
	for round := range 5 {
		for i, l := range cands {
			ts, err := l.probe(round == 0)
			if err != nil {
				continue
			}
			if times[i] == nil {
				times[i] = ts
			}
			for j, t := range ts {
				times[i][j] = min(times[i][j], t)
			}
		}
	}
	total := make([]time.Duration, len(cands))
	for i := range cands {
		total[i] = time.Duration(math.MaxInt64)
		if times[i] != nil {
			total[i] = 0
			for _, t := range times[i] {
				total[i] += t
			}
		}
	}
	// The first library (oneDNN) stays unless another is clearly faster:
	// the libraries' results differ in the last bits, so a pick flipped by
	// noise would make two runs on one machine differ.
	best := 0
	for i, t := range total {
		if float64(t) < pickMargin*float64(total[best]) {
			best = i
		}
	}
	return best, total
}

// callLocked selects the calling arrangement of new libraries: true runs
// every SGEMM on one goroutine locked to its OS thread, false on the
// goroutine that calls Sgemm.
//
// oneDNN's OpenMP runtime (libgomp) keeps a thread team per calling OS
// thread, while Go moves goroutines between OS threads, so a locked worker
// is the arrangement that keeps one team. Measured on the 2-core AVX-512
// build machine, whose other tenants make single runs vary by ±20%: every
// request to a locked worker costs two hand-offs between OS threads, 25 µs
// more on the 64x196x25 GEMM (8.5 µs direct, 34 µs locked); on the bare
// 128x3136x1600 GEMM in a loop the locked worker was faster (median 358
// against 296 GFLOP/s), but inside the convolutions, where Go code runs
// between the calls, neither it nor a mix (multi-threaded calls locked,
// single-threaded ones direct) beat direct calls, and the batch-1 OCGAN
// encoder and decoder forward was slower (1.3 against 1.0 ms). A team per
// OS thread costs nothing after its first use, so calls run on the calling
// goroutine; the thread count is set before every call, so it holds on
// whichever OS thread the call lands.
const callLocked = false

func newLibrary(s *symbols, threads int, locked bool) *Library {
	l := &Library{syms: s, threads: threads}
	if locked {
		l.calls = make(chan func())
		go func(calls <-chan func()) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for f := range calls {
				f()
			}
		}(l.calls)
	}
	return l
}

// probe returns the time of each GEMM Open compares the libraries on: a
// large layer at batch 16 (twice), a mid-size layer at batch 1 (4 times) and a small
// 1-channel layer (8 times); with warmUp true it first runs each shape once
// untimed.
func (l *Library) probe(warmUp bool) ([]time.Duration, error) {
	shapes := [...]struct{ m, n, k, times int }{{128, 784, 1600, 2}, {128, 49, 1600, 4}, {64, 196, 25, 8}}
	out := make([]time.Duration, len(shapes))
	for i, s := range shapes {
		a, b, c := probeData(s.m*s.k), probeData(s.k*s.n), make([]float32, s.m*s.n)
		run := func() error { return l.Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, b, s.n, 0, c, s.n) }
		if warmUp {
			if err := run(); err != nil {
				return nil, err
			}
		}
		t0 := time.Now()
		for range s.times {
			if err := run(); err != nil {
				return nil, err
			}
		}
		out[i] = time.Since(t0)
	}
	return out, nil
}

func probeData(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(i%7) - 3
	}
	return v
}

// Name returns the library, its version and the kernel set it runs on this
// CPU, e.g. "onednn 2.6.3/avx512_core" or "openblas 0.3.21/Haswell"
// (the version alone where the kernel set is not known).
func (l *Library) Name() string {
	if l.syms.kernels == "" {
		return l.syms.kind + " " + l.syms.version
	}
	return l.syms.kind + " " + l.syms.version + "/" + l.syms.kernels
}

// Threads returns the number of threads an SGEMM uses (a small one runs on
// one thread).
func (l *Library) Threads() int { return l.threads }

// Pick says why Open chose the library: named by OCGAN_BLAS, the only one
// installed, measured faster now, or as measured earlier and kept in a pick
// file (with its path).
func (l *Library) Pick() string { return l.pick }

// Close stops the library's calls; later calls to Sgemm fail. The shared
// library itself stays loaded for the life of the process.
func (l *Library) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	if l.calls != nil {
		close(l.calls)
	}
}

// SmallFlops is the size, in floating-point operations (2·m·n·k), below
// which Sgemm uses one thread. Measured with oneDNN on the 2-core AVX-512
// build machine: GEMMs of 0.2–8 MFLOP (the OCGAN batch-1 layers' small
// ones) run 1.4–4× faster on one thread than on two, whose team start and
// join dominate, while from 20 MFLOP up two threads are 1.5–2× faster.
const SmallFlops = 8e6

// errClosed is returned by Sgemm after Close.
var errClosed = errors.New("blas: sgemm on a closed library")

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major matrices, where
// op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB)
// and C is m×n; lda, ldb and ldc are the row strides. When beta is 0, C is
// not read. Dimensions, strides and slice lengths are checked before the
// library is called. A GEMM of fewer than SmallFlops floating-point
// operations runs on one thread.
func (l *Library) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) error {
	threads := l.threads
	if 2*float64(m)*float64(n)*float64(k) < SmallFlops {
		threads = 1
	}
	return l.sgemm(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling thread alone, whatever the size: for
// callers that run several GEMMs side by side, and for results that must not
// depend on how the library splits work between threads (one thread's
// summation order is fixed by the shape).
func (l *Library) SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) error {
	return l.sgemm(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func (l *Library) sgemm(threads int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("blas: sgemm: negative dimension m=%d n=%d k=%d", m, n, k)
	}
	if m == 0 || n == 0 {
		return nil
	}
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	if err := checkMatrix("A", ra, ca, lda, len(a)); err != nil {
		return err
	}
	if err := checkMatrix("B", rb, cb, ldb, len(b)); err != nil {
		return err
	}
	if err := checkMatrix("C", m, n, ldc, len(c)); err != nil {
		return err
	}
	if l.syms.kind == "openblas" {
		for _, v := range []int{m, n, k, lda, ldb, ldc} {
			if v > math.MaxInt32 {
				return fmt.Errorf("blas: sgemm: dimension or stride %d exceeds OpenBLAS's 32-bit int", v)
			}
		}
	}
	if k == 0 {
		scale(m, n, beta, c, ldc)
		return nil
	}
	var pa, pb unsafe.Pointer = unsafe.Pointer(&a[0]), unsafe.Pointer(&b[0])
	pc := unsafe.Pointer(&c[0])
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return errClosed
	}
	if l.calls == nil {
		return l.syms.sgemmC(threads, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc)
	}
	var err error
	done := make(chan struct{})
	l.calls <- func() {
		err = l.syms.sgemmC(threads, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc)
		close(done)
	}
	<-done
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
	return err
}

// checkMatrix checks a rows×cols row-major matrix with row stride ld held in
// a slice of n elements.
func checkMatrix(name string, rows, cols, ld, n int) error {
	if ld < max(1, cols) {
		return fmt.Errorf("blas: sgemm: ld%s=%d is smaller than the %d columns of %s", strings.ToLower(name), ld, cols, name)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if n < cols || (rows-1) > (n-cols)/ld {
		return fmt.Errorf("blas: sgemm: %s (%dx%d, ld=%d) needs %d elements, the slice has %d",
			name, rows, cols, ld, need(rows, cols, ld), n)
	}
	return nil
}

// need returns (rows−1)·ld + cols, saturated at math.MaxInt.
func need(rows, cols, ld int) int {
	if rows-1 > (math.MaxInt-cols)/ld {
		return math.MaxInt
	}
	return (rows-1)*ld + cols
}

// scale sets C = beta·C (C = 0 when beta is 0).
func scale(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}
