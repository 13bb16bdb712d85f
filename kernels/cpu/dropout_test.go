package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var dropoutCases = []kernels.DropoutParams{
	{P: 0.5, Seed: 1, Counter: 2, Train: true},
	{P: 0.2, Seed: 0x0123456789abcdef, Counter: 0xfedcba9876543210, Train: true},
	{P: 0, Seed: 3, Counter: 4, Train: true},
	{P: 0.999, Seed: 5, Counter: 6, Train: true},
	{P: 0.5, Seed: 1, Counter: 2, Train: false},
}

func TestDropoutMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		for _, p := range dropoutCases {
			for _, n := range stepSizes {
				t.Run(fmt.Sprintf("%+v/%d", p, n), func(t *testing.T) {
					x := kerneltest.RandVec(kerneltest.NewRand(int64(n)), n)
					want, err := kernels.DropoutForward(p, x)
					must(t, err)
					y := kerneltest.Poisoned(n)
					must(t, d.DropoutForward(p, x, y))
					kerneltest.BitEqual(t, "forward", y, want)
					inPlace := clone(x)
					must(t, d.DropoutForward(p, inPlace, inPlace))
					kerneltest.BitEqual(t, "forward in place", inPlace, want)

					want, err = kernels.DropoutBackward(p, x)
					must(t, err)
					dx := kerneltest.Poisoned(n)
					must(t, d.DropoutBackward(p, x, dx))
					kerneltest.BitEqual(t, "backward", dx, want)
				})
			}
		}
	})
}

func TestDropoutRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	x, y, short := make([]float32, 6), make([]float32, 6), make([]float32, 5)
	ok := kernels.DropoutParams{P: 0.5, Train: true}
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"P = 1", d.DropoutForward(kernels.DropoutParams{P: 1}, x, y), []string{"dropout forward", "P must be in [0, 1)"}},
		{"P NaN", d.DropoutBackward(kernels.DropoutParams{P: float32(math.NaN())}, x, y), []string{"dropout backward", "P must be"}},
		{"short y", d.DropoutForward(ok, x, short), []string{"dropout forward", "output y has 5 elements, want 6 (len(input x) = 6)"}},
		{"short dx", d.DropoutBackward(ok, x, short), []string{"dropout backward", "grad input dx has 5 elements, want 6 (len(grad output dy) = 6)"}},
		{"shifted y", d.DropoutForward(ok, x[1:], x[:5]), []string{"dropout forward", "output y partly overlaps input x"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
}

// TestDropoutKeepRule checks the integer form of dropout's keep rule against
// the reference's, kernels.Uniform01(w) >= P, at and around the threshold of
// probabilities whose P·2²⁴ is and is not an integer, and at the ends of
// the word range.
func TestDropoutKeepRule(t *testing.T) {
	for _, p := range []float32{0, 0.25, 0.5, 0.2, 0.3, 0.999, 1 - 1.0/(1<<24), 1.0 / (1 << 24), 0.7} {
		thr := keepThreshold(p)
		var words []uint32
		for _, base := range []uint32{0, thr, 1<<24 - 1} {
			for delta := -2; delta <= 2; delta++ {
				v := int64(base) + int64(delta)
				if v < 0 || v >= 1<<24 {
					continue
				}
				for _, low := range []uint32{0, 0xff} {
					words = append(words, uint32(v)<<8|low)
				}
			}
		}
		for _, w := range words {
			want := kernels.Uniform01(w) >= p
			if got := dropMask(w, thr) == 0; got != want {
				t.Errorf("P=%v word %#x: kept %v, want %v", p, w, got, want)
			}
		}
	}
}
