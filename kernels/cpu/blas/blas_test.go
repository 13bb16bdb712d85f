package blas

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// libraries lists the libraries by OCGAN_BLAS value and Debian package.
var libraries = []struct{ env, pkg string }{
	{"dnnl", "libdnnl2"},
	{"openblas", "libopenblas0-pthread"},
}

// openLib opens the library named env (through OCGAN_BLAS) or skips the test
// when it is not installed.
func openLib(t testing.TB, env, pkg string, threads int) *Library {
	t.Helper()
	t.Setenv(EnvVar, env)
	l, err := Open(threads)
	var ue *UnavailableError
	if errors.As(err, &ue) {
		t.Skipf("%s not installed (Debian package %s): %v", env, pkg, err)
	}
	if err != nil {
		t.Fatalf("Open with %s=%s: %v", EnvVar, env, err)
	}
	t.Cleanup(l.Close)
	return l
}

// refGemm returns C = alpha·op(A)·op(B) + beta·C in float64 over the m×n
// block of c; elements outside the block are copied unchanged.
func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) []float32 {
	out := append([]float32(nil), c...)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			acc := 0.0
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				acc += float64(av) * float64(bv)
			}
			v := float64(alpha) * acc
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			out[i*ldc+j] = float32(v)
		}
	}
	return out
}

type gemmCase struct {
	m, n, k        int
	pad            int // added to every minimal leading dimension
	alpha, beta    float32
	transA, transB bool
}

func (c gemmCase) String() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s_%dx%dx%d_pad%d_a%g_b%g", t(c.transA), t(c.transB), c.m, c.n, c.k, c.pad, c.alpha, c.beta)
}

func gemmCases() []gemmCase {
	var cs []gemmCase
	shapes := []struct{ m, n, k, pad int }{
		{1, 1, 1, 0}, {3, 5, 7, 2}, {17, 13, 29, 0}, {64, 33, 100, 5}, {130, 71, 257, 3}, {1, 200, 31, 1},
	}
	for _, s := range shapes {
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, ab := range [][2]float32{{1, 0}, {0.7, -1.3}, {-2, 1}} {
				cs = append(cs, gemmCase{s.m, s.n, s.k, s.pad, ab[0], ab[1], tr[0], tr[1]})
			}
		}
	}
	return cs
}

// runCase checks one Sgemm call against refGemm; C starts random when beta
// is non-zero and NaN-poisoned when it is 0 (so a library that reads C then
// fails), and the padding columns of C must come back unchanged.
func runCase(t *testing.T, l *Library, c gemmCase, rng *rand.Rand) {
	t.Helper()
	ra, ca := c.m, c.k
	if c.transA {
		ra, ca = c.k, c.m
	}
	rb, cb := c.k, c.n
	if c.transB {
		rb, cb = c.n, c.k
	}
	lda, ldb, ldc := ca+c.pad, cb+c.pad, c.n+c.pad
	a := kerneltest.RandVec(rng, ra*lda)
	b := kerneltest.RandVec(rng, rb*ldb)
	var cm []float32
	if c.beta == 0 {
		cm = kerneltest.Poisoned(c.m * ldc)
	} else {
		cm = kerneltest.RandVec(rng, c.m*ldc)
	}
	want := refGemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc)
	if err := l.Sgemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, cm, ldc); err != nil {
		t.Fatalf("%v: %v", c, err)
	}
	// Compare the m×n block; the padding must be bit-identical (NaN stays NaN).
	var got, ref []float32
	for i := 0; i < c.m; i++ {
		got = append(got, cm[i*ldc:i*ldc+c.n]...)
		ref = append(ref, want[i*ldc:i*ldc+c.n]...)
		for j := c.n; j < ldc; j++ {
			if math.Float32bits(cm[i*ldc+j]) != math.Float32bits(want[i*ldc+j]) {
				t.Fatalf("%v: C[%d,%d] outside the %dx%d block changed to %v", c, i, j, c.m, c.n, cm[i*ldc+j])
			}
		}
	}
	kerneltest.ExpectClose(t, c.String(), got, ref)
}

func TestSgemm(t *testing.T) {
	for _, lib := range libraries {
		t.Run(lib.env, func(t *testing.T) {
			l := openLib(t, lib.env, lib.pkg, 2)
			for _, locked := range []bool{false, true} {
				ll := newLibrary(l.syms, 2, locked)
				t.Cleanup(ll.Close)
				rng := rand.New(rand.NewSource(1))
				for _, c := range gemmCases() {
					t.Run(fmt.Sprintf("locked=%v/%v", locked, c), func(t *testing.T) { runCase(t, ll, c, rng) })
				}
			}
		})
	}
}

// TestSgemmKZero checks that k = 0 gives C = beta·C (and zeros for beta 0,
// even over NaN).
func TestSgemmKZero(t *testing.T) {
	for _, lib := range libraries {
		t.Run(lib.env, func(t *testing.T) {
			l := openLib(t, lib.env, lib.pkg, 2)
			c := []float32{1, 2, 99, 3, 4, 99}
			if err := l.Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 0.5, c, 3); err != nil {
				t.Fatal(err)
			}
			if want := []float32{0.5, 1, 99, 1.5, 2, 99}; fmt.Sprint(c) != fmt.Sprint(want) {
				t.Fatalf("beta 0.5: got %v, want %v", c, want)
			}
			c = kerneltest.Poisoned(4)
			if err := l.Sgemm(true, true, 2, 2, 0, 1, nil, 2, nil, 1, 0, c, 2); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(c) != fmt.Sprint([]float32{0, 0, 0, 0}) {
				t.Fatalf("beta 0: got %v, want zeros", c)
			}
		})
	}
}

func TestSgemmBounds(t *testing.T) {
	for _, lib := range libraries {
		t.Run(lib.env, func(t *testing.T) {
			l := openLib(t, lib.env, lib.pkg, 2)
			a, b, c := make([]float32, 6), make([]float32, 12), make([]float32, 8) // A 2x3, B 3x4, C 2x4
			if err := l.Sgemm(false, false, 2, 4, 3, 1, a, 3, b, 4, 0, c, 4); err != nil {
				t.Fatalf("valid call: %v", err)
			}
			for _, tc := range []struct {
				name string
				call func() error
				want string
			}{
				{"negative m", func() error { return l.Sgemm(false, false, -1, 4, 3, 1, a, 3, b, 4, 0, c, 4) }, "negative dimension"},
				{"short A", func() error { return l.Sgemm(false, false, 2, 4, 3, 1, a[:5], 3, b, 4, 0, c, 4) }, "A (2x3, ld=3) needs 6 elements, the slice has 5"},
				{"short B", func() error { return l.Sgemm(false, false, 2, 4, 3, 1, a, 3, b[:11], 4, 0, c, 4) }, "B (3x4, ld=4) needs 12"},
				{"short C", func() error { return l.Sgemm(false, false, 2, 4, 3, 1, a, 3, b, 4, 0, c[:7], 4) }, "C (2x4, ld=4) needs 8"},
				{"ldc too large for C", func() error { return l.Sgemm(false, false, 2, 4, 3, 1, a, 3, b, 4, 0, c, 5) }, "needs 9"},
				{"lda below columns", func() error { return l.Sgemm(false, false, 2, 4, 3, 1, a, 2, b, 4, 0, c, 4) }, "lda=2 is smaller than the 3 columns of A"},
				{"transposed A short", func() error { return l.Sgemm(true, false, 2, 4, 3, 1, a[:5], 2, b, 4, 0, c, 4) }, "A (3x2, ld=2) needs 6"},
				{"transposed B short", func() error { return l.Sgemm(false, true, 2, 4, 3, 1, a, 3, b[:11], 3, 0, c, 4) }, "B (4x3, ld=3) needs 12"},
				{"huge ld", func() error { return l.Sgemm(false, false, 2, 4, 3, 1, a, math.MaxInt/2, b, 4, 0, c, 4) }, "A (2x3"},
			} {
				err := tc.call()
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
				}
			}
			l.Close()
			if err := l.Sgemm(false, false, 2, 4, 3, 1, a, 3, b, 4, 0, c, 4); !errors.Is(err, errClosed) {
				t.Errorf("after Close: error %v, want %v", err, errClosed)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	t.Setenv(EnvVar, "")
	l, err := Open(0)
	var ue *UnavailableError
	if errors.As(err, &ue) {
		if !strings.Contains(err.Error(), InstallHint) {
			t.Fatalf("unavailable error %q does not name %q", err, InstallHint)
		}
		t.Skipf("no library installed: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if !regexp.MustCompile(`^(onednn|openblas) \d+\.\d+\.\d+(/\S+)?$`).MatchString(l.Name()) {
		t.Errorf("Name() = %q, want \"onednn|openblas x.y.z\", with /KERNELS where known", l.Name())
	}
	if l.Threads() < 1 {
		t.Errorf("Threads() = %d", l.Threads())
	}
	t.Logf("picked %s with %d threads", l.Name(), l.Threads())

	t.Setenv(EnvVar, "mkl")
	if _, err := Open(1); err == nil || !strings.Contains(err.Error(), `OCGAN_BLAS="mkl"`) {
		t.Errorf("Open with OCGAN_BLAS=mkl: error %v", err)
	}
}

func TestUnavailableError(t *testing.T) {
	err := error(&UnavailableError{Reasons: []string{"dnnl (package libdnnl2): dlopen: not found"}})
	if !strings.Contains(err.Error(), "apt-get install libdnnl2 libopenblas0-pthread") ||
		!strings.Contains(err.Error(), "dlopen: not found") {
		t.Errorf("message %q", err)
	}
}

// benchShapes are SGEMM shapes of the OCGAN 28x28 layers.
var benchShapes = []struct {
	name    string
	m, n, k int
}{
	{"enc2_fwd_b64", 128, 3136, 1600},
	{"enc3_fwd_b64", 256, 1024, 3200},
	{"enc2_fwd_b1", 128, 49, 1600},
	{"enc1_fwd_b1", 64, 196, 25},
}

// BenchmarkSgemm reports GFLOP/s of each library at the OCGAN shapes,
// called from the benchmark goroutine (direct) and through a locked worker.
func BenchmarkSgemm(b *testing.B) {
	for _, lib := range libraries {
		b.Run(lib.env, func(b *testing.B) {
			l := openLib(b, lib.env, lib.pkg, 0)
			for _, mode := range []struct {
				name   string
				locked bool
			}{{"direct", false}, {"locked", true}} {
				ll := newLibrary(l.syms, l.threads, mode.locked)
				b.Cleanup(ll.Close)
				for _, s := range benchShapes {
					b.Run(mode.name+"/"+s.name, func(b *testing.B) {
						a, bm, c := probeData(s.m*s.k), probeData(s.k*s.n), make([]float32, s.m*s.n)
						for b.Loop() {
							if err := ll.Sgemm(false, false, s.m, s.n, s.k, 1, a, s.k, bm, s.n, 0, c, s.n); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					})
				}
			}
		})
	}
}

// TestOpenKeepsThePick checks that the pick measured by one Open is saved and
// followed by the next (which then does not time the libraries), and that a
// pick file that is corrupt or made for another machine, thread count or
// library set is measured again and replaced.
func TestOpenKeepsThePick(t *testing.T) {
	t.Setenv(EnvVar, "")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	l, err := Open(2)
	if err != nil {
		t.Skipf("no library: %v", err)
	}
	measured, firstPick := l.Name(), l.Pick()
	l.Close()
	files, _ := filepath.Glob(filepath.Join(PickDir(), "blas-pick-*.json"))
	if len(files) == 0 {
		t.Skipf("one library only (%s): nothing to pick", measured)
	}
	if len(files) != 1 {
		t.Fatalf("pick files %v, want one", files)
	}
	path := files[0]
	if want := "measured faster now, kept in " + path; firstPick != want {
		t.Errorf("first Open: Pick() = %q, want %q", firstPick, want)
	}
	var r pickRecord
	if data, err := os.ReadFile(path); err != nil || json.Unmarshal(data, &r) != nil || r.Library != measured || len(r.TotalsUS) != 2 {
		t.Fatalf("pick file %s: %+v (%v), want library %q and two totals", path, r, err, measured)
	}
	var other string
	for name := range r.TotalsUS {
		if name != measured {
			other = name
		}
	}
	write := func(r pickRecord) {
		t.Helper()
		data, _ := json.Marshal(r)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pick string // the last Open's Pick()
	open := func() string {
		t.Helper()
		l, err := Open(2)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		pick = l.Pick()
		return l.Name()
	}
	// A saved pick is followed, whatever a measurement would say.
	saved := r
	saved.Library = other
	write(saved)
	if got := open(); got != other || pick != "measured faster earlier on this machine, as kept in "+path {
		t.Errorf("with %s saved as the pick, Open gave %s (%q)", other, got, pick)
	}
	// Files that do not apply are measured again and replaced.
	foreign := saved
	foreign.Key = strings.Replace(saved.Key, "threads=2", "threads=3", 1)
	for name, bad := range map[string]func(){
		"corrupt":       func() { os.WriteFile(path, []byte("{\"version\": 1, \"libr"), 0o644) },
		"other key":     func() { write(foreign) },
		"other version": func() { v := saved; v.Version = 99; write(v) },
		"unknown lib":   func() { v := saved; v.Library = "mkl 1.0.0"; write(v) },
	} {
		bad()
		if got := open(); got != measured && got != other {
			t.Errorf("%s: Open gave %q", name, got)
		}
		var back pickRecord
		if data, err := os.ReadFile(path); err != nil || json.Unmarshal(data, &back) != nil ||
			back.Key != r.Key || back.Version != pickVersion || (back.Library != measured && back.Library != other) {
			t.Errorf("%s: pick file not replaced by a measurement: %+v (%v)", name, back, err)
		}
		write(saved)
	}
	// OCGAN_BLAS overrides a saved pick.
	t.Setenv(EnvVar, map[bool]string{true: "dnnl", false: "openblas"}[strings.HasPrefix(measured, "onednn")])
	if got := open(); got != measured || pick != "named by "+EnvVar {
		t.Errorf("%s=%s: Open gave %s (%q)", EnvVar, os.Getenv(EnvVar), got, pick)
	}
}
