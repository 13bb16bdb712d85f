package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestDevicesShowConvTuning lists the devices with no tuning table, none
// wanted, a corrupt one and a valid one.
func TestDevicesShowConvTuning(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"version\": 1, \"entr"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.json")
	tab, err := vulkan.NewConvTuning(vktest.Open(t).Info())
	if err != nil {
		t.Fatal(err)
	}
	s := vulkan.Conv2DShapes(kernels.Conv2DParams{N: 2, C: 3, H: 5, W: 5, K: 4, KH: 3, KW: 3, StrideH: 1, StrideW: 1})
	tab.Set(vulkan.ConvTuningEntry{Shape: s[0], Variant: vulkan.ConvVariant{Kind: "tiled", BM: 32, BN: 32, BK: 16, TM: 4, TN: 2, Split: 1}})
	if err := tab.Save(good); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ env, want string }{
		{"", "conv tuning      none ("},
		{"off", "conv tuning      off"},
		{bad, "conv tuning      ignored: not a conv tuning table (corrupt or truncated)"},
		{good, "conv tuning      1 entry (" + good + ")"},
	} {
		t.Setenv(vulkan.TuningEnv, c.env)
		code, out, stderr := runCLI(t, "devices", "--device", "llvmpipe")
		if code != exitOK || !strings.Contains(out, c.want) {
			t.Errorf("%s=%q: exit %d, want a line %q:\n%s%s", vulkan.TuningEnv, c.env, code, c.want, out, stderr)
		}
	}
}
