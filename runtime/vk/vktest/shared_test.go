package vktest

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// fakeTB stands for a test whose failures are to be checked: it records what
// the test reports and runs its cleanups when finished.
type fakeTB struct {
	testing.TB
	errs, fatals []string
	cleanups     []func()
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatal(args ...any) {
	f.fatals = append(f.fatals, fmt.Sprint(args...))
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatals = append(f.fatals, fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// run runs body as the fake test, then its cleanups, as the testing package does.
func (f *fakeTB) run(body func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// resetShared closes the shared context, so that the next Shared opens a new one.
func resetShared(t *testing.T) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ctx != nil {
		if err := shared.ctx.Close(); err != nil {
			t.Errorf("closing the shared context: %v", err)
		}
		os.RemoveAll(shared.dir)
	}
	shared.ctx, shared.dir, shared.err, shared.values = nil, "", nil, nil
}

func TestSharedIsOneContextWithOneValuePerType(t *testing.T) {
	a, b := Shared(t), Shared(t)
	if a != b {
		t.Fatal("two calls gave two contexts")
	}
	if !a.Validating() {
		t.Error("the shared context runs without the validation layer")
	}
	builds := 0
	lib := func(ctx *vk.Context) *vulkan.Library { builds++; return vulkan.NewLibrary(ctx) }
	l1, l2 := SharedValue(t, lib), SharedValue(t, lib)
	if l1 != l2 || builds != 1 || l1.Context() != a {
		t.Errorf("libraries %p, %p on %p after %d builds; want one library on the shared context %p", l1, l2, l1.Context(), builds, a)
	}
	type other struct{ ctx *vk.Context }
	if o := SharedValue(t, func(ctx *vk.Context) other { return other{ctx} }); o.ctx != a || builds != 1 {
		t.Errorf("a value of another type: %+v after %d library builds", o, builds)
	}
}

// TestSharedFailsWhoBreaksIt: a test that leaves the shared context lost
// fails, and so does every later test that asks for it, with an error that
// says where it came from.
func TestSharedFailsWhoBreaksIt(t *testing.T) {
	defer resetShared(t)
	breaker := &fakeTB{}
	breaker.run(func(tb testing.TB) {
		ctx := Shared(tb)
		lib := SharedValue(tb, vulkan.NewLibrary)
		y, err := ctx.NewBufferFloat32(5, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer y.Free()
		seq, err := ctx.NewSequence(vk.SequenceOptions{Name: "fill"})
		if err != nil {
			t.Fatal(err)
		}
		defer seq.Free()
		if err := lib.Fill(seq, y, 1); err != nil {
			t.Fatal(err)
		}
		ctx.SimulateDeviceLoss(0)
		if err := seq.Run(); !errors.Is(err, vk.ErrDeviceLost) {
			t.Fatalf("run: %v, want a lost device", err)
		}
	})
	if len(breaker.fatals) != 0 || len(breaker.errs) != 1 || !strings.Contains(breaker.errs[0], "left the shared Vulkan context unusable") {
		t.Errorf("the test that lost the device reported %q (fatal %q), want that it left the context unusable", breaker.errs, breaker.fatals)
	}
	later := &fakeTB{}
	later.run(func(tb testing.TB) {
		Shared(tb)
		t.Error("Shared returned a lost context")
	})
	if len(later.fatals) != 1 || !strings.Contains(later.fatals[0], "failed in an earlier test") {
		t.Errorf("a later test reported %q, want that the context failed in an earlier test", later.fatals)
	}
}

func TestSharedNeedsMain(t *testing.T) {
	shared.mu.Lock()
	shared.main = false
	shared.mu.Unlock()
	defer func() {
		shared.mu.Lock()
		shared.main = true
		shared.mu.Unlock()
	}()
	f := &fakeTB{}
	f.run(func(tb testing.TB) { Shared(tb) })
	if len(f.fatals) != 1 || !strings.Contains(f.fatals[0], "vktest.Main") {
		t.Errorf("Shared without Main reported %q, want that TestMain must call vktest.Main", f.fatals)
	}
}
