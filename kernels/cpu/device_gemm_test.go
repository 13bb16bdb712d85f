package cpu

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/cpu/blas"
)

// pinLibrary makes every Device the test opens after d use d's SGEMM
// library (unless OCGAN_BLAS already names one): NewDevice otherwise picks
// the faster library by timing each, and load from other processes can
// make two Devices of one test pick differently.
func pinLibrary(t *testing.T, d *Device) {
	t.Helper()
	if os.Getenv(blas.EnvVar) != "" {
		return
	}
	env := "openblas"
	if strings.HasPrefix(d.Library(), "onednn") {
		env = "dnnl"
	}
	t.Setenv(blas.EnvVar, env)
}

// openGemmDevices returns Devices with an SGEMM library: one as NewDevice
// makes it, one that splits its copies into the smallest chunks over three
// threads and runs convolutions one image and one channel per SGEMM, and one
// that makes col2im's columns one channel at a time over the whole batch, so
// that the parallel and blocked paths run on small shapes too, and the
// batch-invariant views of the first two. It skips the test when no library
// is installed.
func openGemmDevices(t testing.TB) []*Device {
	t.Helper()
	d, err := NewDevice(Options{Threads: 2})
	var ue *blas.UnavailableError
	if errors.As(err, &ue) {
		t.Skipf("no SGEMM library (%s): %v", blas.InstallHint, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	split, err := NewDevice(Options{Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	split.gemmGrain = 1
	split.gemmBlock = 1
	split.gemmColBlock = 1
	t.Cleanup(split.Close)
	chans, err := NewDevice(Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	chans.gemmColBlock = 1
	t.Cleanup(chans.Close)
	return []*Device{d, split, chans, d.BatchInvariant(), split.BatchInvariant()}
}

// expectErr fails unless err is an error whose text contains want.
func expectErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %v, want one containing %q", what, err, want)
	}
}

func TestNewDevice(t *testing.T) {
	d := openGemmDevices(t)[0]
	if d.Threads() != 2 {
		t.Errorf("Threads() = %d, want 2", d.Threads())
	}
	if s := d.BLAS(); !strings.HasSuffix(s, ", 2 threads") || !(strings.HasPrefix(s, "onednn ") || strings.HasPrefix(s, "openblas ")) {
		t.Errorf("BLAS() = %q", s)
	}
	t.Logf("BLAS: %s", d.BLAS())

	t.Setenv(blas.EnvVar, "none-such")
	if _, err := NewDevice(Options{}); err == nil || !strings.HasPrefix(err.Error(), "cpu: blas:") {
		t.Errorf("NewDevice with %s=none-such: error %v", blas.EnvVar, err)
	}
}

// TestThreadCount: the thread count in device strings reads as words.
func TestThreadCount(t *testing.T) {
	for n, want := range map[int]string{1: "1 thread", 2: "2 threads", 16: "16 threads"} {
		if got := ThreadCount(n); got != want {
			t.Errorf("ThreadCount(%d) = %q, want %q", n, got, want)
		}
	}
}
