package vulkan

import (
	"os"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestMain closes the Vulkan context the tests share (vktest.Shared).
func TestMain(m *testing.M) { os.Exit(vktest.Main(m)) }

// sharedLibrary returns the test binary's shared context and a library on
// it, so that each pipeline is built once for all the tests (vktest.Shared).
// Tests that change the device (subgroup operations, limits) or read a
// tuning table open their own.
func sharedLibrary(t testing.TB) (*vk.Context, *Library) {
	t.Helper()
	lib := vktest.SharedValue(t, NewLibrary)
	return lib.Context(), lib
}
