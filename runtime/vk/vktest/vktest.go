// Package vktest opens Vulkan contexts for tests (validation always on, and any
// validation message fails the test) and benchmarks, each with a private
// pipeline cache; or hands a test binary's tests one context they share
// (Shared, SharedValue, Main), so that the driver builds each pipeline once.
package vktest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Open returns a context on the default device (or cfg's) with the validation layer on.
// At cleanup it closes the context and fails the test on any validation message.
func Open(t testing.TB, cfg ...vk.Config) *vk.Context {
	t.Helper()
	var c vk.Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	c.Validate = true
	return open(t, c)
}

// OpenBench returns a context on the default device for a benchmark: the
// validation layer off unless $OCGAN_VK_VALIDATE=1 (it would dominate the
// timings), a private pipeline cache, closed at cleanup.
func OpenBench(b testing.TB) *vk.Context {
	b.Helper()
	return open(b, vk.Config{})
}

// open opens c with a private pipeline cache unless c names one, and closes
// the context at cleanup.
func open(t testing.TB, c vk.Config) *vk.Context {
	t.Helper()
	if c.PipelineCacheDir == "" {
		c.PipelineCacheDir = t.TempDir()
	}
	ctx, err := vk.Open(c)
	if err != nil {
		t.Fatalf("opening a Vulkan device (run `make test` to install lavapipe and the validation layer): %v", err)
	}
	t.Cleanup(func() {
		if err := ctx.Close(); err != nil {
			t.Errorf("closing the Vulkan context: %v", err)
		}
	})
	return ctx
}

// NoValidationErrors fails the test if the validation layer reported anything since
// the last check.
func NoValidationErrors(t testing.TB, ctx *vk.Context) {
	t.Helper()
	if err := ctx.CheckValidation(); err != nil {
		t.Fatal(err)
	}
}

// SkipIfStorageRefused ends the test as skipped when err is the refusal of a
// kernel that binds more storage buffers than the device allows, under limits
// lowered by OCGAN_VK_LIMITS, after checking that the refusal says what it
// needs and names where it came from (want, such as "program: node"). Any other
// error returns for the caller to fail on.
func SkipIfStorageRefused(t testing.TB, err error, want string) {
	t.Helper()
	var le *vk.LimitError
	if os.Getenv(vk.LimitsEnv) == "" || !errors.As(err, &le) || le.Limit != vk.LimitStorageBuffers {
		return
	}
	if le.Need <= le.Device || !strings.Contains(err.Error(), want) {
		t.Fatalf("refusal %v: want a kernel over the limit, in a message containing %q", err, want)
	}
	t.Skipf("refused under %s=%s, as it must be: %v", vk.LimitsEnv, os.Getenv(vk.LimitsEnv), err)
}
