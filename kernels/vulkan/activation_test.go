package vulkan

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

var testActivations = []kernels.ActivationParams{{Kind: kernels.ReLU}, {Kind: kernels.LeakyReLU, Slope: 0.2}, {Kind: kernels.Tanh}, {Kind: kernels.Sigmoid}}

// actInput returns n values: normal, with every 7th scaled to ±30 (saturation) and
// every 11th tiny (tanh's series branch).
func actInput(rng *rand.Rand, n int) []float32 {
	x := kerneltest.RandVec(rng, n)
	for i := range x {
		switch {
		case i%7 == 3:
			x[i] = float32(math.Copysign(30, float64(x[i])))
		case i%11 == 5:
			x[i] *= 1e-3
		case i%5 == 1:
			x[i] *= 4
		}
	}
	return x
}

func TestActivationMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	rng := rand.New(rand.NewSource(21))
	// The last size needs the grid-stride loop: more vec4s than the capped grid has lanes.
	for _, n := range []int{1, 13, 1023, 65537, 4*lib.maxGroups1D()*int(lib.elementwiseLocal()) + 13} {
		for _, p := range testActivations {
			name := fmt.Sprintf("%s n=%d", p.Kind, n)
			x, dy := actInput(rng, n), kerneltest.RandVec(rng, n)
			wantY, err := kernels.ActivationForward(p, x)
			if err != nil {
				t.Fatal(err)
			}
			saved := x
			if p.Kind.BackwardUsesOutput() {
				saved = wantY
			}
			wantDX, err := kernels.ActivationBackward(p, saved, dy)
			if err != nil {
				t.Fatal(err)
			}

			xb, y := upload(t, ctx, x), upload(t, ctx, kerneltest.Poisoned(n))
			sb, dyb, dx := upload(t, ctx, saved), upload(t, ctx, dy), upload(t, ctx, kerneltest.Poisoned(n))
			runOne(t, ctx, func(s *vk.Sequence) error {
				if err := lib.ActivationForward(s, p, xb, y); err != nil {
					return err
				}
				return lib.ActivationBackward(s, p, sb, dyb, dx)
			})
			expectClose(t, name+" forward", y, wantY)
			expectClose(t, name+" backward", dx, wantDX)

			// In place: y = f(y), then dy·f′(saved) into dy.
			ib, gb := upload(t, ctx, x), upload(t, ctx, dy)
			runOne(t, ctx, func(s *vk.Sequence) error {
				if err := lib.ActivationForward(s, p, ib, ib); err != nil {
					return err
				}
				return lib.ActivationBackward(s, p, sb, gb, gb)
			})
			expectClose(t, name+" forward in place", ib, wantY)
			expectClose(t, name+" backward in place", gb, wantDX)

			// dx over the saved tensor.
			sv := upload(t, ctx, saved)
			runOne(t, ctx, func(s *vk.Sequence) error { return lib.ActivationBackward(s, p, sv, dyb, sv) })
			expectClose(t, name+" backward over saved", sv, wantDX)
		}
	}
}

// TestActivationSaturationAndSmallInputs checks element by element where the L2
// comparison could hide errors: tanh/sigmoid of large |x| must be exactly saturated
// (never NaN), and tanh/sigmoid of tiny inputs must keep their relative precision.
func TestActivationSaturationAndSmallInputs(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	x := []float32{30, -30, 88, -88, 100, -100, 1e30, -1e30, 15, -15}
	for _, p := range []kernels.ActivationParams{{Kind: kernels.Tanh}, {Kind: kernels.Sigmoid}} {
		y := upload(t, ctx, kerneltest.Poisoned(len(x)))
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.ActivationForward(s, p, upload(t, ctx, x), y) })
		got := download(t, y)
		want, _ := kernels.ActivationForward(p, x)
		for i := range x {
			if math.IsNaN(float64(got[i])) || math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Errorf("%s(%g) = %g, want %g", p.Kind, x[i], got[i], want[i])
			}
		}
	}
	rng := rand.New(rand.NewSource(22))
	small := make([]float32, 257)
	for i := range small {
		small[i] = float32(rng.NormFloat64() * math.Pow(10, -1-float64(i%6)))
	}
	for _, p := range []kernels.ActivationParams{{Kind: kernels.Tanh}, {Kind: kernels.Sigmoid}} {
		y := upload(t, ctx, kerneltest.Poisoned(len(small)))
		runOne(t, ctx, func(s *vk.Sequence) error { return lib.ActivationForward(s, p, upload(t, ctx, small), y) })
		got := download(t, y)
		want, _ := kernels.ActivationForward(p, small)
		for i := range small {
			if e := math.Abs(float64(got[i]-want[i])) / math.Abs(float64(want[i])); e > 1e-5 {
				t.Errorf("%s(%g) = %g, want %g (relative error %.2g)", p.Kind, small[i], got[i], want[i], e)
			}
		}
	}
}

func TestActivationRejectsBadArguments(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	seq := newSequence(t, ctx)
	a, b, c := upload(t, ctx, make([]float32, 5)), upload(t, ctx, make([]float32, 5)), upload(t, ctx, make([]float32, 6))
	relu := kernels.ActivationParams{Kind: kernels.ReLU}
	cases := []errCase{
		{"zero kind", lib.ActivationForward(seq, kernels.ActivationParams{}, a, b)},
		{"unknown kind", lib.ActivationBackward(seq, kernels.ActivationParams{Kind: 9}, a, b, a)},
		{"NaN slope", lib.ActivationForward(seq, kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: float32(math.NaN())}, a, b)},
		{"forward length", lib.ActivationForward(seq, relu, a, c)},
		{"forward nil", lib.ActivationForward(seq, relu, nil, a)},
		{"backward dy length", lib.ActivationBackward(seq, relu, a, c, b)},
		{"backward dx length", lib.ActivationBackward(seq, kernels.ActivationParams{Kind: kernels.Tanh}, a, b, c)},
		{"backward nil", lib.ActivationBackward(seq, relu, a, b, nil)},
	}
	expectOpErrors(t, kernels.OpActivation, cases)
	expectNothingRecorded(t, seq)
}
