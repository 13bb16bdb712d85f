package blas

/*
#cgo LDFLAGS: -ldl
#cgo noescape ocgan_dnnl_sgemm
#cgo nocallback ocgan_dnnl_sgemm
#cgo noescape ocgan_cblas_sgemm
#cgo nocallback ocgan_cblas_sgemm

#include <dlfcn.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <signal.h>

// The libraries' entry points, declared here so that no header of either
// library is needed at build time.
typedef int (*ocgan_dnnl_sgemm_t)(char transa, char transb, int64_t m, int64_t n, int64_t k,
	float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
	float beta, float *c, int64_t ldc);
typedef void (*ocgan_cblas_sgemm_t)(int order, int transa, int transb, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc);
typedef void (*ocgan_set_threads_t)(int n);
typedef struct {
	int major, minor, patch;
	const char *hash;
	unsigned cpu_runtime, gpu_runtime;
} ocgan_dnnl_version_t;
typedef const ocgan_dnnl_version_t *(*ocgan_dnnl_version_fn)(void);
typedef const char *(*ocgan_string_fn)(void);
typedef int (*ocgan_int_fn)(void);

static void *ocgan_dlopen(const char *name) { return dlopen(name, RTLD_NOW | RTLD_LOCAL); }
static void *ocgan_dlsym(void *h, const char *name) { return dlsym(h, name); }
static const char *ocgan_dlerror(void) { return dlerror(); }

// ocgan_dnnl_sgemm sets the calling thread's OpenMP team size (when the
// setter is known) and runs dnnl_sgemm in one call from Go. A call on more
// than one thread runs with SIGPROF blocked: the OpenMP threads it may
// create inherit the mask, so no profiling signal ever reaches them (their
// handler corrupted the C heap when Go's CPU profiler was on). A call on the
// calling thread alone creates none and skips the two system calls, which
// cost microseconds on some virtual machines.
static int ocgan_dnnl_sgemm(void *fn, void *set_threads, int threads,
	char ta, char tb, int64_t m, int64_t n, int64_t k,
	float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
	float beta, float *c, int64_t ldc) {
	sigset_t prof, old;
	if (threads > 1) {
		sigemptyset(&prof);
		sigaddset(&prof, SIGPROF);
		pthread_sigmask(SIG_BLOCK, &prof, &old);
	}
	if (set_threads != NULL) ((ocgan_set_threads_t)set_threads)(threads);
	int st = ((ocgan_dnnl_sgemm_t)fn)(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	if (threads > 1) pthread_sigmask(SIG_SETMASK, &old, NULL);
	return st;
}

// ocgan_cblas_sgemm sets OpenBLAS's thread count (when the setter is known)
// and runs cblas_sgemm on row-major matrices in one call from Go.
static void ocgan_cblas_sgemm(void *fn, void *set_threads, int threads, int ta, int tb, int m, int n, int k,
	float alpha, const float *a, int lda, const float *b, int ldb,
	float beta, float *c, int ldc) {
	if (set_threads != NULL) ((ocgan_set_threads_t)set_threads)(threads);
	((ocgan_cblas_sgemm_t)fn)(101, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void ocgan_dnnl_version(void *fn, int *v) {
	const ocgan_dnnl_version_t *p = ((ocgan_dnnl_version_fn)fn)();
	v[0] = p->major; v[1] = p->minor; v[2] = p->patch;
}

static const char *ocgan_call_string(void *fn) { return ((ocgan_string_fn)fn)(); }
static int ocgan_call_int(void *fn) { return ((ocgan_int_fn)fn)(); }
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// symbols are the entry points of one loaded library. The handle is never
// closed: a library whose threads may still be running cannot be unloaded
// safely, and a process that opens it again gets the same handle.
type symbols struct {
	kind       string         // "onednn" or "openblas"
	version    string         // e.g. "2.6.3"
	kernels    string         // the kernel set it dispatches to on this CPU, e.g. "avx2" or "Zen"; "" if unknown
	sgemm      unsafe.Pointer // dnnl_sgemm or cblas_sgemm
	setThreads unsafe.Pointer // omp_set_num_threads or openblas_set_num_threads; nil if absent
}

type loaded struct {
	once sync.Once
	syms *symbols
	err  error
}

// The dlopen handles are process-wide; they are looked up once.
var (
	dnnlLib     loaded
	openblasLib loaded
)

func dlopen(names ...string) (unsafe.Pointer, string, error) {
	var errs []string
	for _, name := range names {
		cs := C.CString(name)
		h := C.ocgan_dlopen(cs)
		C.free(unsafe.Pointer(cs))
		if h != nil {
			return h, name, nil
		}
		errs = append(errs, C.GoString(C.ocgan_dlerror()))
	}
	return nil, "", fmt.Errorf("dlopen: %s", strings.Join(errs, "; "))
}

func dlsym(h unsafe.Pointer, name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.ocgan_dlsym(h, cs)
}

// load dlopens the first of names that loads and looks up its SGEMM entry
// point sgemm, once per process; more then looks up the library's optional
// symbols.
func (l *loaded) load(kind, sgemm string, names []string, more func(h unsafe.Pointer, s *symbols)) (*symbols, error) {
	l.once.Do(func() {
		h, _, err := dlopen(names...)
		if err != nil {
			l.err = err
			return
		}
		s := &symbols{kind: kind, version: "unknown"}
		if s.sgemm = dlsym(h, sgemm); s.sgemm == nil {
			l.err = fmt.Errorf("dlsym %s: %s", sgemm, C.GoString(C.ocgan_dlerror()))
			return
		}
		more(h, s)
		l.syms = s
	})
	return l.syms, l.err
}

// loadDNNL loads oneDNN's dnnl_sgemm, its version, the instruction set its
// kernels use (dnnl_get_effective_cpu_isa) and the OpenMP runtime's
// omp_set_num_threads (oneDNN's CPU threads follow OpenMP's team size).
func loadDNNL() (*symbols, error) {
	return dnnlLib.load("onednn", "dnnl_sgemm", []string{"libdnnl.so.3", "libdnnl.so.2"}, func(h unsafe.Pointer, s *symbols) {
		major := 0
		if v := dlsym(h, "dnnl_version"); v != nil {
			var ver [3]C.int
			C.ocgan_dnnl_version(v, &ver[0])
			major = int(ver[0])
			s.version = fmt.Sprintf("%d.%d.%d", ver[0], ver[1], ver[2])
		}
		if f := dlsym(h, "dnnl_get_effective_cpu_isa"); f != nil && major > 0 {
			s.kernels = dnnlISA(major, int(C.ocgan_call_int(f)))
		}
		// libdnnl depends on libgomp, so this finds the copy already loaded.
		if g, _, err := dlopen("libgomp.so.1"); err == nil {
			s.setThreads = dlsym(g, "omp_set_num_threads")
		}
	})
}

// loadOpenBLAS loads OpenBLAS's cblas_sgemm, openblas_set_num_threads, the
// version from openblas_get_config ("OpenBLAS 0.3.21 ...") and the kernel
// set it picked for this CPU from openblas_get_corename ("Haswell", "Zen",
// "SkylakeX", ...; OPENBLAS_CORETYPE overrides its pick).
func loadOpenBLAS() (*symbols, error) {
	return openblasLib.load("openblas", "cblas_sgemm", []string{"libopenblas.so.0"}, func(h unsafe.Pointer, s *symbols) {
		if f := dlsym(h, "openblas_get_config"); f != nil {
			if fields := strings.Fields(C.GoString(C.ocgan_call_string(f))); len(fields) >= 2 {
				s.version = fields[1]
			}
		}
		if f := dlsym(h, "openblas_get_corename"); f != nil {
			s.kernels = strings.TrimSpace(C.GoString(C.ocgan_call_string(f)))
		}
		s.setThreads = dlsym(h, "openblas_set_num_threads")
	})
}

// sgemmC calls the library's SGEMM with the given number of threads on
// arguments already checked by Sgemm. It reports a non-zero oneDNN status as
// an error.
func (s *symbols) sgemmC(threads int, transA, transB bool, m, n, k int, alpha float32,
	a unsafe.Pointer, lda int, b unsafe.Pointer, ldb int, beta float32, c unsafe.Pointer, ldc int) error {
	switch s.kind {
	case "onednn":
		ta, tb := C.char('N'), C.char('N')
		if transA {
			ta = 'T'
		}
		if transB {
			tb = 'T'
		}
		st := C.ocgan_dnnl_sgemm(s.sgemm, s.setThreads, C.int(threads), ta, tb,
			C.int64_t(m), C.int64_t(n), C.int64_t(k), C.float(alpha),
			(*C.float)(a), C.int64_t(lda), (*C.float)(b), C.int64_t(ldb),
			C.float(beta), (*C.float)(c), C.int64_t(ldc))
		if st != 0 {
			return fmt.Errorf("dnnl_sgemm returned status %d", int(st))
		}
	default:
		ta, tb := C.int(111), C.int(111) // CblasNoTrans
		if transA {
			ta = 112 // CblasTrans
		}
		if transB {
			tb = 112
		}
		C.ocgan_cblas_sgemm(s.sgemm, s.setThreads, C.int(threads), ta, tb, C.int(m), C.int(n), C.int(k), C.float(alpha),
			(*C.float)(a), C.int(lda), (*C.float)(b), C.int(ldb),
			C.float(beta), (*C.float)(c), C.int(ldc))
	}
	return nil
}
