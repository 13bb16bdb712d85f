package cpu

import (
	"fmt"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// lossShapes are [N, F]: single elements, odd sizes, OCGAN's MNIST images
// (F = 784), discriminator logits (F = 1) and a whole-tensor loss above the
// partial-sum block.
var lossShapes = [][2]int{{1, 1}, {1, 7}, {3, 5}, {7, 1}, {64, 1}, {5, 784}, {64, 784}, {3, 40001}}

// bceTargets returns n targets in [0, 1]: zeros, ones and values between.
func bceTargets(n int, seed int64) []float32 {
	r := kerneltest.NewRand(seed)
	y := make([]float32, n)
	for i := range y {
		switch i % 3 {
		case 0:
			y[i] = 1
		case 1:
			y[i] = float32(r.Float64())
		}
	}
	return y
}

func TestLossMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		for _, s := range lossShapes {
			t.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(t *testing.T) {
				p := kernels.LossParams{N: s[0], F: s[1]}
				n := s[0] * s[1]
				r := kerneltest.NewRand(int64(n))
				pred, target, dloss := kerneltest.RandVec(r, n), kerneltest.RandVec(r, n), kerneltest.RandVec(r, s[0])
				logits := kerneltest.RandVec(r, n)
				for i := range logits {
					logits[i] *= 4
					if i%11 == 3 {
						logits[i] = 60 // exp(60) overflows float32: the stable form must hold
					}
				}
				labels := bceTargets(n, int64(n))

				scalar := func(name string, f func(kernels.LossParams, []float32, []float32) (float32, error), m func(kernels.LossParams, []float32, []float32, []float32) error, x, y []float32) {
					want, err := f(p, x, y)
					must(t, err)
					out := kerneltest.Poisoned(1)
					must(t, m(p, x, y, out))
					kerneltest.ExpectClose(t, name, out, []float32{want})
				}
				scalar("mse", kernels.MSELoss, d.MSELoss, pred, target)
				scalar("bce", kernels.BCEWithLogitsLoss, d.BCEWithLogitsLoss, logits, labels)

				perSample := func(name string, f func(kernels.LossParams, []float32, []float32) ([]float32, error), m func(kernels.LossParams, []float32, []float32, []float32) error, x, y []float32) {
					want, err := f(p, x, y)
					must(t, err)
					out := kerneltest.Poisoned(s[0])
					must(t, m(p, x, y, out))
					kerneltest.ExpectClose(t, name, out, want)
				}
				perSample("mse per sample", kernels.MSELossPerSample, d.MSELossPerSample, pred, target)
				perSample("bce per sample", kernels.BCEWithLogitsLossPerSample, d.BCEWithLogitsLossPerSample, logits, labels)

				grad := func(name string, f func(kernels.LossParams, []float32, []float32) ([]float32, error), m func(kernels.LossParams, []float32, []float32, []float32) error, x, y []float32) {
					want, err := f(p, x, y)
					must(t, err)
					out := kerneltest.Poisoned(n)
					must(t, m(p, x, y, out))
					kerneltest.ExpectClose(t, name, out, want)
					inPlace := clone(x)
					must(t, m(p, inPlace, y, inPlace))
					kerneltest.ExpectClose(t, name+" in place", inPlace, want)
				}
				grad("mse grad", kernels.MSELossGrad, d.MSELossGrad, pred, target)
				grad("bce grad", kernels.BCEWithLogitsLossGrad, d.BCEWithLogitsLossGrad, logits, labels)

				gradPS := func(name string, f func(kernels.LossParams, []float32, []float32, []float32) ([]float32, error), m func(kernels.LossParams, []float32, []float32, []float32, []float32) error, x, y []float32) {
					want, err := f(p, x, y, dloss)
					must(t, err)
					out := kerneltest.Poisoned(n)
					must(t, m(p, x, y, dloss, out))
					kerneltest.ExpectClose(t, name, out, want)
					inPlace := clone(y)
					must(t, m(p, x, inPlace, dloss, inPlace))
					kerneltest.ExpectClose(t, name+" in place on target", inPlace, want)
				}
				gradPS("mse per-sample grad", kernels.MSELossPerSampleGrad, d.MSELossPerSampleGrad, pred, target)
				gradPS("bce per-sample grad", kernels.BCEWithLogitsLossPerSampleGrad, d.BCEWithLogitsLossPerSampleGrad, logits, labels)
			})
		}
	})
}

// Finite-difference check of BCEWithLogitsLossPerSampleGrad against
// BCEWithLogitsLossPerSample of this package, with the loss
// L = Σ_n dloss[n]·out[n] evaluated in float64 from the float32 outputs.
//
// Error budget: perturbing one logit changes one out[n] = (1/F) Σ_f ℓ, of
// size <= ~3, whose float32 rounding (<= 2⁻²⁴·3 ≈ 2e-7 absolute, times
// |dloss| <= ~3) in each of L(x+h), L(x−h) gives <= 1.2e-6 in their
// difference, i.e. <= 4e-5 in the quotient with 2h = 3e-2. Truncation:
// h²/6·|ℓ‴|·|dloss|/F <= (1.5e-2)²/6·0.1·3 ≈ 1e-5. The gradients are
// |dloss|·|sigmoid(x) − y|/F, up to ~0.3 here (F <= 7), so the tolerance
// 1e-3·max|numeric| (>= ~1e-4) is above the noise while a wrong term or
// factor (a missing 1/F, the sign of y, the weight of the wrong sample)
// changes the gradient by O(max|numeric|).
func TestBCEPerSampleGradFiniteDifferences(t *testing.T) {
	const h = 1.5e-2
	forDevices(t, func(t *testing.T, d *Device) {
		r := kerneltest.NewRand(9)
		for _, s := range [][2]int{{1, 1}, {3, 5}, {4, 7}, {9, 2}} {
			t.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(t *testing.T) {
				p := kernels.LossParams{N: s[0], F: s[1]}
				n := s[0] * s[1]
				x := kerneltest.RandVec(r, n)
				for i := range x {
					x[i] *= 2
				}
				y, dloss := bceTargets(n, int64(n)), kerneltest.RandVec(r, s[0])
				loss := func() float64 {
					out := make([]float32, s[0])
					must(t, d.BCEWithLogitsLossPerSample(p, x, y, out))
					l := 0.0
					for i, v := range out {
						l += float64(dloss[i]) * float64(v)
					}
					return l
				}
				g := kerneltest.Poisoned(n)
				must(t, d.BCEWithLogitsLossPerSampleGrad(p, x, y, dloss, g))
				fdCheck(t, "grad logits", x, g, h, 1e-3, loss, r)
			})
		}
	})
}

func TestLossRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	p := kernels.LossParams{N: 2, F: 3}
	a, b, g, one, buf := make([]float32, 6), make([]float32, 6), make([]float32, 6), make([]float32, 1), make([]float32, 7)
	short, two := make([]float32, 5), make([]float32, 2)
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"N = 0", d.MSELoss(kernels.LossParams{N: 0, F: 3}, a, b, one), []string{"mse_loss", "N must be >= 1"}},
		{"F = 0", d.BCEWithLogitsLossPerSample(kernels.LossParams{N: 2, F: 0}, a, b, two), []string{"bce_with_logits_loss", "F must be >= 1"}},
		{"short prediction", d.MSELossPerSample(p, short, b, two), []string{"mse_loss", "prediction has 5 elements, want 6 (N*F = 2*3)"}},
		{"short target", d.BCEWithLogitsLoss(p, a, short, one), []string{"bce_with_logits_loss", "target has 5 elements"}},
		{"two-element scalar output", d.MSELoss(p, a, b, two), []string{"mse_loss", "output has 2 elements, want 1"}},
		{"short per-sample output", d.BCEWithLogitsLossPerSample(p, a, b, one), []string{"bce_with_logits_loss", "output has 1 elements, want 2 (N = 2)"}},
		{"short grad", d.MSELossGrad(p, a, b, short), []string{"mse_loss", "gradient has 5 elements, want 6 (N*F = 2*3)"}},
		{"short dloss", d.MSELossPerSampleGrad(p, a, b, one, g), []string{"mse_loss", "per-sample loss gradient has 1 elements, want 2 (N = 2)"}},
		{"missing dloss", d.BCEWithLogitsLossPerSampleGrad(p, a, b, nil, g), []string{"bce_with_logits_loss", "per-sample loss gradient has 0 elements"}},
		{"output in prediction", d.MSELossPerSample(p, a, b, a[:2]), []string{"mse_loss", "output overlaps prediction"}},
		{"grad shifted on target", d.BCEWithLogitsLossGrad(p, a, buf[:6], buf[1:]), []string{"bce_with_logits_loss", "gradient partly overlaps target"}},
		{"grad over dloss", d.MSELossPerSampleGrad(p, a, b, g[:2], g), []string{"mse_loss", "gradient overlaps per-sample loss gradient"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
}
