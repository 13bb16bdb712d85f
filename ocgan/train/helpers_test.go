package train

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/cpuprogram"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// tinyGeometry is small enough for lavapipe: 12×12×1 images, L = 4, depth 2
// (12→6→3→1), widths 4 / 2 / 4, latent discriminator 8-4, dropout in decoder
// block 2.
func tinyGeometry(t testing.TB) model.Geometry {
	t.Helper()
	g := model.Geometry{
		Name: "tiny", ImageSize: 12, Channels: 1, Latent: 4,
		Depth: 2, Kernel: 5, Stride: 2,
		EncoderWidth: 4, VisualWidth: 2, ClassifierWidth: 4, LatentWidths: []int{8, 4},
		DropoutP: 0.5, DropoutBlock: 2,
		BNMomentum: 0.9, BNEps: 1e-5, LeakySlope: 0.2,
	}
	d, err := g.Derive()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// tinyConfig is DefaultConfig for tinyGeometry with batch 4, scoring batch 8
// and mining from the start.
func tinyConfig(t testing.TB) Config {
	cfg := DefaultConfig(tinyGeometry(t))
	cfg.Batch, cfg.ScoreBatch, cfg.Epochs = 4, 8, 2
	cfg.MineStart = 0
	cfg.Seed = 7
	return cfg
}

// newBackend returns the Vulkan backend on the test device (lavapipe, with
// validation): the test binary's shared context and kernel library
// (vktest.Shared), so that each pipeline is built once for all the tests.
func newBackend(t testing.TB) backend.Backend {
	t.Helper()
	return program.NewBackend(vktest.SharedValue(t, vulkan.NewLibrary))
}

// newCPUBackend returns the native CPU backend.
func newCPUBackend(t testing.TB) backend.Backend {
	t.Helper()
	c, err := cpuprogram.Open(cpu.Options{})
	if err != nil {
		t.Fatalf("opening the native CPU backend (run `make test` to install its SGEMM library): %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// allBackends returns the Vulkan test device and the native CPU backend.
func allBackends(t testing.TB) []backend.Backend {
	t.Helper()
	return []backend.Backend{newBackend(t), newCPUBackend(t)}
}

func newTrainer(t testing.TB, lib backend.Backend, cfg Config) *Trainer {
	t.Helper()
	tr, err := NewTrainer(lib, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Free)
	return tr
}

// pattern returns a 12×12 image in [-1, 1]: kind 0 is a bright centred
// square on a dark background (the normal class), kind 1 a bright cross
// through the whole image (novel), each with N(0, 0.05²) noise from the
// Philox stream (seed, counter).
func pattern(kind int, seed, counter uint64) []float32 {
	const s = 12
	img := make([]float32, s*s)
	noise := kernels.FillNormal(s*s, seed, counter, 0.05)
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			v := float32(-1)
			switch kind {
			case 0:
				if x >= 3 && x < 9 && y >= 3 && y < 9 {
					v = 1
				}
			default:
				if x == 5 || x == 6 || y == 5 || y == 6 {
					v = 1
				}
			}
			img[y*s+x] = float32(math.Max(-1, math.Min(1, float64(v+noise[y*s+x]))))
		}
	}
	return img
}

// synthetic returns n images of kind (label = kind), noise stream from base.
func synthetic(t testing.TB, kind, n int, base uint64) *dataset.Dataset {
	t.Helper()
	var px []float32
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		px = append(px, pattern(kind, 99, base+uint64(i))...)
		labels[i] = kind
	}
	d, err := dataset.New(1, 12, 12, px, labels)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// syntheticSplit is a one-class split: train/val of the square pattern, a
// test set of nTest squares followed by nTest crosses.
func syntheticSplit(t testing.TB, nTrain, nVal, nTest int) *dataset.Split {
	t.Helper()
	test, err := dataset.Concat(synthetic(t, 0, nTest, 2000), synthetic(t, 1, nTest, 3000))
	if err != nil {
		t.Fatal(err)
	}
	novel := make([]int, 2*nTest)
	for i := nTest; i < 2*nTest; i++ {
		novel[i] = 1
	}
	return &dataset.Split{Class: 0, Train: synthetic(t, 0, nTrain, 0), Val: synthetic(t, 0, nVal, 1000), Test: test, Novel: novel}
}

// batchOf returns the first Batch images of d, back to back.
func batchOf(t testing.TB, d *dataset.Dataset, b int) []float32 {
	t.Helper()
	idx := make([]int, b)
	for i := range idx {
		idx[i] = i % d.Len()
	}
	x := make([]float32, b*d.ImageLen())
	if err := d.Gather(x, idx); err != nil {
		t.Fatal(err)
	}
	return x
}

func meanF64(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
