package blas

import (
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

func TestDNNLISA(t *testing.T) {
	for _, tc := range []struct {
		major, v int
		want     string
	}{
		{2, 0x7, "avx2"},
		{3, 0x7, "avx2"},
		{2, 0x27, "avx512_core"},
		{2, 0xf, "avx512_mic"}, // the same value means another set in 3.x
		{3, 0xf, "avx2_vnni"},
		{2, 0x407, "avx2_vnni"},
		{3, 0x1ef, "avx512_core_fp16"},
		{2, 0x1ef, "isa0x1ef"},
		{9, 0x7, "isa0x7"},
		{2, 0, ""},
	} {
		if got := dnnlISA(tc.major, tc.v); got != tc.want {
			t.Errorf("dnnlISA(%d, %#x) = %q, want %q", tc.major, tc.v, got, tc.want)
		}
	}
}

// kernelsOf returns the kernel set in a library's Name ("avx2" of
// "onednn 2.6.3/avx2").
func kernelsOf(t *testing.T, name string) string {
	t.Helper()
	m := regexp.MustCompile(`^(onednn|openblas) \d+\.\d+\.\d+/(\S+)$`).FindStringSubmatch(name)
	if m == nil {
		t.Fatalf("Name() = %q, want \"LIBRARY x.y.z/KERNELS\"", name)
	}
	return m[2]
}

// TestLibraryKernels checks that each library names the kernel set it runs:
// oneDNN's instruction set agrees with the CPU's features, and follows
// ONEDNN_MAX_CPU_ISA (in a child process: oneDNN reads it once).
func TestLibraryKernels(t *testing.T) {
	if os.Getenv("OCGAN_BLAS_TEST_NAME") != "" {
		t.Skip("child process")
	}
	for _, lib := range libraries {
		t.Run(lib.env, func(t *testing.T) {
			l := openLib(t, lib.env, lib.pkg, 1)
			if runtime.GOARCH != "amd64" {
				t.Logf("%s", l.Name())
				return
			}
			kernels := kernelsOf(t, l.Name())
			if lib.env != "dnnl" {
				t.Logf("%s", l.Name())
				return
			}
			var want string
			switch {
			case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ:
				want = "avx512_core"
			case cpu.X86.HasAVX2:
				want = "avx2"
			case cpu.X86.HasAVX:
				want = "avx"
			default:
				want = "sse41"
			}
			if !strings.HasPrefix(kernels, want) {
				t.Errorf("oneDNN runs %q on a CPU whose features give %s", kernels, want)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestLibraryKernelsChild$", "-test.v")
			cmd.Env = append(os.Environ(), "ONEDNN_MAX_CPU_ISA=SSE41", EnvVar+"=dnnl", "OCGAN_BLAS_TEST_NAME=1",
				"XDG_CACHE_HOME="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "library: onednn ") || !strings.Contains(string(out), "/sse41\n") {
				t.Errorf("with ONEDNN_MAX_CPU_ISA=SSE41 the library is not named sse41:\n%s", out)
			}
		})
	}
}

// TestLibraryKernelsChild prints the name of the library Open gives; it runs
// only as TestLibraryKernels' child.
func TestLibraryKernelsChild(t *testing.T) {
	if os.Getenv("OCGAN_BLAS_TEST_NAME") == "" {
		t.Skip("run by TestLibraryKernels")
	}
	l, err := Open(1)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Stdout.WriteString("library: " + l.Name() + "\n")
}
