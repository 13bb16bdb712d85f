package cpu

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// stepSizes are the lengths of the RNG, dropout and Adam tests: tiny,
// partial Philox blocks, and above the grain sizes split unevenly.
var stepSizes = []int{1, 3, 5, 13, 1023, 65537, 262147}

// rngStreams are (seed, counter) pairs, with high words set so that a lost
// half of either would show.
var rngStreams = [][2]uint64{{0, 0}, {42, 7}, {0x0123456789abcdef, 0xfedcba9876543210}}

func TestRNGMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		for _, s := range rngStreams {
			for _, n := range stepSizes {
				t.Run(fmt.Sprintf("%x/%x/%d", s[0], s[1], n), func(t *testing.T) {
					seed, counter := s[0], s[1]
					out := kerneltest.Poisoned(n)
					must(t, d.FillUniform01(seed, counter, out))
					kerneltest.BitEqual(t, "uniform01", out, kernels.FillUniform01(n, seed, counter))
					out = kerneltest.Poisoned(n)
					must(t, d.FillUniform(seed, counter, out))
					kerneltest.BitEqual(t, "uniform", out, kernels.FillUniform(n, seed, counter))
					out = kerneltest.Poisoned(n)
					must(t, d.FillNormal(seed, counter, 0.02, out))
					kerneltest.BitEqual(t, "normal", out, kernels.FillNormal(n, seed, counter, 0.02))
				})
			}
		}
	})
}

// An empty output is a no-op; the stream is not longer than 2³⁴ elements.
func TestRNGEmptyAndLimit(t *testing.T) {
	d := &Device{threads: 2}
	must(t, d.FillUniform01(1, 2, nil))
	must(t, d.FillUniform(1, 2, []float32{}))
	must(t, d.FillNormal(1, 2, 1, nil))
	if err := checkStream("rng: fill_normal", 4<<32+1); err == nil {
		t.Fatal("a stream of 2^34+1 elements was accepted")
	}
	must(t, checkStream("rng: fill_normal", 4<<32))
}

// TestPhiloxBlock checks the register form of the generator against
// kernels.PhiloxBlock on random seeds, counters and block indices.
func TestPhiloxBlock(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for range 1000 {
		seed, counter, b := rng.Uint64(), rng.Uint64(), rng.Uint32()
		if got, want := philoxBlock(seed, counter, b), kernels.PhiloxBlock(seed, counter, b); got != want {
			t.Fatalf("seed %#x counter %#x block %d: %x, want %x", seed, counter, b, got, want)
		}
	}
}
