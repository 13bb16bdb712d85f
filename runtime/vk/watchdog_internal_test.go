package vk

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/shaders"
)

func TestTimeoutAndSplitSettings(t *testing.T) {
	tests := []struct {
		cfg        Config
		envTimeout string
		envSplit   string
		timeout    time.Duration
		split      int
		errPart    string
	}{
		{Config{}, "", "", DefaultTimeout, 0, ""},
		{Config{}, "90s", "12", 90 * time.Second, 12, ""},
		{Config{Timeout: time.Second, MaxDispatchesPerSubmit: 3}, "90s", "12", time.Second, 3, ""},
		{Config{}, "soon", "", 0, 0, "$OCGAN_VK_TIMEOUT"},
		{Config{}, "-5s", "", 0, 0, "$OCGAN_VK_TIMEOUT"},
		{Config{}, "", "many", 0, 0, "$OCGAN_VK_MAX_DISPATCHES"},
		{Config{}, "", "0", 0, 0, "$OCGAN_VK_MAX_DISPATCHES"},
		{Config{Timeout: -time.Second}, "", "", 0, 0, "must be positive"},
		{Config{MaxDispatchesPerSubmit: -2}, "", "", 0, 0, "must be positive"},
	}
	for _, tc := range tests {
		t.Setenv("OCGAN_VK_TIMEOUT", tc.envTimeout)
		t.Setenv("OCGAN_VK_MAX_DISPATCHES", tc.envSplit)
		d, err1 := tc.cfg.timeout()
		n, err2 := tc.cfg.maxDispatches()
		err := errors.Join(err1, err2)
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("%+v with %q, %q: error %v; want one naming %s", tc.cfg, tc.envTimeout, tc.envSplit, err, tc.errPart)
			}
			continue
		}
		if err != nil || d != tc.timeout || n != tc.split {
			t.Errorf("%+v with %q, %q: %s, %d, %v; want %s, %d", tc.cfg, tc.envTimeout, tc.envSplit, d, n, err, tc.timeout, tc.split)
		}
	}
	t.Setenv("OCGAN_VK_TIMEOUT", "never")
	if _, err := Open(Config{PipelineCacheDir: "off"}); err == nil || !strings.Contains(err.Error(), "OCGAN_VK_TIMEOUT") {
		t.Errorf("Open with a bad $OCGAN_VK_TIMEOUT: %v", err)
	}
}

// spinSequence records 64 single-invocation fills of 64 MiB each: work
// that runs far longer than a microsecond on any device, and still runs when
// a loaded machine deschedules the test between the submit and the wait.
func spinSequence(t *testing.T, ctx *Context) (*Sequence, *Buffer) {
	t.Helper()
	code, err := shaders.Load("fill")
	if err != nil {
		t.Fatal(err)
	}
	k, err := ctx.NewKernel(KernelSpec{Name: "fill", Bindings: []Access{Write}, PushWords: 2, SPIRV: code, Spec: []uint32{1}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 16 << 20
	y, err := ctx.NewBuffer(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := ctx.NewSequence(SequenceOptions{Name: "spin"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 64; i++ {
		if err := seq.Dispatch(k, [3]uint32{1, 1, 1}, []uint32{F32(float32(i)), n}, y); err != nil {
			t.Fatal(err)
		}
	}
	return seq, y
}

// TestStuckWorkIsNotFreed times out a long run and frees and closes while it
// still runs: nothing the device uses is freed (the context is left to the
// driver) and no call waits more than once.
func TestStuckWorkIsNotFreed(t *testing.T) {
	ctx, err := Open(Config{PipelineCacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	seq, y := spinSequence(t, ctx)
	ctx.timeout = time.Microsecond
	var te *TimeoutError
	if err := seq.Run(); !errors.As(err, &te) {
		t.Fatalf("run past the timeout: %v", err)
	}
	seq.Free()
	y.Free()
	if !ctx.stuck || len(ctx.pending) != 1 {
		t.Errorf("after freeing: stuck %v with %d pending submissions; want stuck with 1", ctx.stuck, len(ctx.pending))
	}
	if err := ctx.Close(); err == nil || !strings.Contains(err.Error(), "the device was not freed") {
		t.Errorf("close with work still running: %v", err)
	}
}

// TestTimeoutIsTypedAndFinal runs one long dispatch (a single invocation
// filling 64 MiB) under a timeout of a microsecond: the run fails with a
// *TimeoutError naming the sequence, later work fails with the same error,
// and closing waits for the work still in flight, with the validation
// layer silent throughout.
func TestTimeoutIsTypedAndFinal(t *testing.T) {
	ctx, err := Open(Config{Validate: true, PipelineCacheDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	seq, y := spinSequence(t, ctx)
	ctx.timeout = time.Microsecond
	runErr := seq.Run()
	var te *TimeoutError
	if !errors.As(runErr, &te) || te.Timeout != time.Microsecond || !strings.Contains(te.Work, `sequence "spin"`) ||
		!strings.Contains(runErr.Error(), "--gpu-timeout") {
		t.Fatalf("run past the timeout: %v; want a *TimeoutError naming the sequence and the flag", runErr)
	}
	if err := seq.Run(); err != runErr {
		t.Errorf("a later run: %v, want the same error", err)
	}
	if _, err := ctx.NewSequence(SequenceOptions{}); err != runErr {
		t.Errorf("a new sequence: %v, want the same error", err)
	}
	if err := y.Write(0, make([]byte, 16)); err != nil && !errors.As(err, &te) {
		t.Errorf("a write: %v", err)
	}
	ctx.timeout = DefaultTimeout // the wait for the work in flight at Free and Close
	seq.Free()
	y.Free()
	if err := ctx.Close(); err != nil {
		t.Fatalf("close after a timeout: %v", err)
	}
}
