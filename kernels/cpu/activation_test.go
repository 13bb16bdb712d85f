package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var activationCases = []kernels.ActivationParams{
	{Kind: kernels.ReLU},
	{Kind: kernels.LeakyReLU, Slope: 0.2},
	{Kind: kernels.Tanh},
	{Kind: kernels.Sigmoid},
}

// activationInput returns n values of spread 3 with exact zeros and values
// far into the saturation of tanh and sigmoid.
func activationInput(n int, seed int64) []float32 {
	x := kerneltest.RandVec(kerneltest.NewRand(seed), n)
	for i := range x {
		x[i] *= 3
		switch i % 97 {
		case 5:
			x[i] = 0
		case 11:
			x[i] = 40
		case 17:
			x[i] = -40
		}
	}
	return x
}

func TestActivationMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		for _, p := range activationCases {
			for _, n := range elementwiseSizes {
				t.Run(fmt.Sprintf("%v/%d", p.Kind, n), func(t *testing.T) {
					x := activationInput(n, int64(n))
					dy := kerneltest.RandVec(kerneltest.NewRand(int64(n)+1), n)
					want, err := kernels.ActivationForward(p, x)
					must(t, err)
					y := kerneltest.Poisoned(n)
					must(t, d.ActivationForward(p, x, y))
					kerneltest.ExpectClose(t, "forward", y, want)
					inPlace := clone(x)
					must(t, d.ActivationForward(p, inPlace, inPlace))
					kerneltest.ExpectClose(t, "forward in place", inPlace, want)

					saved := x
					if p.Kind.BackwardUsesOutput() {
						saved = want
					}
					wantDx, err := kernels.ActivationBackward(p, saved, dy)
					must(t, err)
					dx := kerneltest.Poisoned(n)
					must(t, d.ActivationBackward(p, saved, dy, dx))
					kerneltest.ExpectClose(t, "backward", dx, wantDx)
					inPlace = clone(dy)
					must(t, d.ActivationBackward(p, saved, inPlace, inPlace))
					kerneltest.ExpectClose(t, "backward in place", inPlace, wantDx)
				})
			}
		}
	})
}

func TestActivationRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	x, y, short := make([]float32, 6), make([]float32, 6), make([]float32, 5)
	relu := kernels.ActivationParams{Kind: kernels.ReLU}
	tanh := kernels.ActivationParams{Kind: kernels.Tanh}
	nanSlope := kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: float32(math.NaN())}
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"unset kind", d.ActivationForward(kernels.ActivationParams{}, x, y), []string{"activation forward", "unknown Kind 0"}},
		{"kind 9 backward", d.ActivationBackward(kernels.ActivationParams{Kind: 9}, x, y, y), []string{"activation backward", "unknown Kind 9"}},
		{"NaN slope", d.ActivationForward(nanSlope, x, y), []string{"activation forward", "Slope must be finite"}},
		{"short y", d.ActivationForward(relu, x, short), []string{"activation forward", "output y has 5 elements, want 6 (len(input x) = 6)"}},
		{"shifted y", d.ActivationForward(relu, x[:5], x[1:]), []string{"activation forward", "output y partly overlaps input x"}},
		{"short dy", d.ActivationBackward(tanh, x, short, y), []string{"activation backward", "grad output dy has 5 elements, want 6 (len(saved output y) = 6)"}},
		{"short dx", d.ActivationBackward(relu, x, y, short), []string{"activation backward", "grad input dx has 5 elements, want 6 (len(saved input x) = 6)"}},
		{"dx overlaps saved", d.ActivationBackward(relu, x[:5], y[:5], x[1:]), []string{"activation backward", "grad input dx partly overlaps saved input x"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
}

// benchShapes are OCGAN's batch-64 feature maps.
var benchShapes = [][4]int{{64, 64, 14, 14}, {64, 128, 7, 7}}

func BenchmarkActivation(b *testing.B) {
	d := loopDevice()
	for _, s := range benchShapes {
		n := s[0] * s[1] * s[2] * s[3]
		x := activationInput(n, 1)
		dy := kerneltest.RandVec(kerneltest.NewRand(2), n)
		y := make([]float32, n)
		for _, p := range activationCases {
			name := fmt.Sprintf("%dx%dx%dx%d/%v", s[0], s[1], s[2], s[3], p.Kind)
			b.Run(name+"/forward", func(b *testing.B) {
				for b.Loop() {
					must(b, d.ActivationForward(p, x, y))
				}
				reportGBs(b, 8*n)
			})
			b.Run(name+"/backward", func(b *testing.B) {
				for b.Loop() {
					must(b, d.ActivationBackward(p, x, dy, y))
				}
				reportGBs(b, 12*n)
			})
		}
	}
}
