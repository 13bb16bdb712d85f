package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/spf13/pflag"
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

// TestDeviceLossKeepsLastCheckpoint loses the Vulkan device in the middle of
// the second epoch of a training run: the run fails with ErrDeviceLost and
// says what to do, and the checkpoint on disk is, byte for byte, the one
// written after the first epoch, with no temporary file left beside it.
func TestDeviceLossKeepsLastCheckpoint(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 12)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 8)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "model.ocgan")
	fs := pflag.NewFlagSet("ocgan train", pflag.ContinueOnError)
	trainFlags(fs)
	if err := fs.Parse([]string{"--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
		"--epochs", "2", "--batch", "4"}); err != nil {
		t.Fatal(err)
	}
	d, err := trainData(fs)
	if err != nil {
		t.Fatal(err)
	}
	j, err := trainJobFrom(fs, d)
	if err != nil {
		t.Fatal(err)
	}
	j.out, j.log = out, io.Discard

	dcfg := device.Config{Device: vulkanDevice(t), Vulkan: vk.Config{Validate: true, PipelineCacheDir: t.TempDir()}}
	var ctx *vk.Context
	var opened backend.Backend
	j.open = func(cfg device.Config) (backend.Backend, error) {
		be, err := device.Open(cfg)
		if err == nil {
			opened, ctx = be, be.(*program.Backend).Library().Context()
		}
		return be, err
	}
	var first []byte
	j.progress = func(p train.Progress) {
		if p.Epoch == 2 && p.EpochIteration == 1 && !p.EpochEnd && first == nil {
			if first, err = os.ReadFile(out); err != nil {
				t.Errorf("no checkpoint after the first epoch: %v", err)
			}
			ctx.SimulateDeviceLoss(2)
		}
	}
	_, err = j.run(dcfg)
	if !errors.Is(err, vk.ErrDeviceLost) || !strings.Contains(err.Error(), out+" holds the last completed epoch: continue with --resume") {
		t.Fatalf("training on a lost device: %v; want ErrDeviceLost and the checkpoint named", err)
	}
	if first == nil {
		t.Fatal("the device was never lost")
	}
	if err := opened.Close(); err != nil { // closed by run: its outcome, validation messages included
		t.Errorf("closing the lost device: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, first) {
		t.Fatalf("the checkpoint changed after the device was lost (read error %v)", err)
	}
	ck, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if st := ck.Meta[metaStatus]; st != "training: epoch 1 of 2" {
		t.Errorf("checkpoint status %q, want epoch 1 of 2", st)
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("files beside the checkpoint: %v", entries)
	}
}
