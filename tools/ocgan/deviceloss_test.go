package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/device"
)

// vulkanDevice returns the --device index of the first Vulkan device.
func vulkanDevice(t *testing.T) string {
	t.Helper()
	l := device.List(device.Config{})
	for _, e := range l.Entries {
		if e.Backend == "vulkan" {
			return strconv.Itoa(e.Index)
		}
	}
	t.Fatalf("no Vulkan device (run `make test` to install lavapipe): %s", l.VulkanProblem)
	return ""
}

// TestBatchTooLargeIsRefusedUpFront asks for a training batch whose first
// activation is larger than the Vulkan device can bind: train refuses it
// before compiling anything (the dispatch-time refusal says otherwise), naming the tensor, its size, the limit and the
// largest batch that fits, and writes no checkpoint.
func TestBatchTooLargeIsRefusedUpFront(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 6)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 6)
	out := filepath.Join(t.TempDir(), "model.ocgan")
	var stdout, stderr bytes.Buffer
	code := run([]string{"train", "--device", vulkanDevice(t), "--dataset", "folder", "--data", root, "--class", "0",
		"--image-size", "128", "--channels", "3", "--batch", "4096", "--out", out, "--progress-every", "0"}, &stdout, &stderr)
	msg := regexp.MustCompile(`--batch: training batch 4096 is too large for the device: tensor "En.conv1" activation \[4096 64 64 64\] ` +
		`is 4096.0 MiB \(4294967296 bytes\), over the largest buffer a kernel can bind \(maxStorageBufferRange, [0-9.]+ MiB \(\d+ bytes\)\); ` +
		`the largest training batch that fits is \d+\n$`)
	if code != exitUsage || !msg.MatchString(stderr.String()) {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %s", code, stderr.String(), exitUsage, msg)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a checkpoint was written: %v", err)
	}
}
