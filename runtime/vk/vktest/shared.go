package vktest

import (
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// shared is the test binary's shared context: opened by the first Shared,
// closed by Main after the last test. A test binary is one process running
// one package's tests one after another, so this is the fixture they share,
// as the context a TestMain would open.
var shared struct {
	mu     sync.Mutex
	main   bool // Main runs the tests
	ctx    *vk.Context
	dir    string // its private pipeline cache
	err    error  // why it could not be opened
	values map[reflect.Type]any
	// watched holds the tests whose cleanup checks the context.
	watched map[testing.TB]bool
}

// Main runs the tests of a package that uses Shared or SharedValue, then
// closes the shared context if a test opened it; a failure to close it
// (validation messages included) fails the run. Call it from the package's
// TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(vktest.Main(m)) }
func Main(m *testing.M) int {
	shared.mu.Lock()
	shared.main = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.ctx != nil {
		if err := shared.ctx.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "vktest: closing the shared Vulkan context: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
		os.RemoveAll(shared.dir)
		shared.ctx = nil
	}
	return code
}

// Shared returns the test binary's shared context on the default device,
// with the validation layer on, opened on first use. Tests that only record
// and run work share it, so that the driver compiles each pipeline once per
// binary instead of once per test (on lavapipe most of a small test's time).
// A validation message during the test fails it, as with Open, and so does a
// context the test leaves lost or timed out. Tests that need a device of
// their own — other limits or subgroup operations, simulated device losses
// and timeouts, their own pipeline cache or tuning table, a Close of their
// own — use Open. Tests using Shared must not run in parallel, and the
// package's TestMain must call Main.
func Shared(t testing.TB) *vk.Context {
	t.Helper()
	shared.mu.Lock()
	ctx, err := sharedLocked()
	shared.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := ctx.Err(); err != nil {
		t.Fatalf("the shared Vulkan context failed in an earlier test: %v", err)
	}
	shared.mu.Lock()
	watched := shared.watched[t]
	if !watched {
		if shared.watched == nil {
			shared.watched = map[testing.TB]bool{}
		}
		shared.watched[t] = true
	}
	shared.mu.Unlock()
	if watched {
		return ctx
	}
	// Messages reported before this test were failed by the test that caused them.
	t.Cleanup(func() {
		shared.mu.Lock()
		delete(shared.watched, t)
		shared.mu.Unlock()
		if err := ctx.CheckValidation(); err != nil {
			t.Errorf("on the shared Vulkan context: %v", err)
		}
		if err := ctx.Err(); err != nil {
			t.Errorf("the test left the shared Vulkan context unusable: %v", err)
		}
	})
	return ctx
}

// sharedLocked opens the shared context on first use; callers hold shared.mu.
func sharedLocked() (*vk.Context, error) {
	if !shared.main {
		return nil, fmt.Errorf("vktest.Shared: the package's TestMain must run its tests through vktest.Main, which closes the shared context")
	}
	if shared.ctx != nil || shared.err != nil {
		return shared.ctx, shared.err
	}
	dir, err := os.MkdirTemp("", "vktest-")
	if err != nil {
		shared.err = fmt.Errorf("a pipeline cache directory for the shared Vulkan context: %w", err)
		return nil, shared.err
	}
	ctx, err := vk.Open(vk.Config{Validate: true, PipelineCacheDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		shared.err = fmt.Errorf("opening a Vulkan device (run `make test` to install lavapipe and the validation layer): %w", err)
		return nil, shared.err
	}
	shared.ctx, shared.dir = ctx, dir
	return ctx, nil
}

// SharedValue returns the value build makes from the shared context (Shared),
// built by the first call for its type T and returned to every later one: a
// kernel library, say, whose pipelines every test of the binary then reuses.
// build must not call Shared or SharedValue.
func SharedValue[T any](t testing.TB, build func(*vk.Context) T) T {
	t.Helper()
	ctx := Shared(t)
	key := reflect.TypeFor[T]()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if v, ok := shared.values[key]; ok {
		return v.(T)
	}
	v := build(ctx)
	if shared.values == nil {
		shared.values = map[reflect.Type]any{}
	}
	shared.values[key] = v
	return v
}
