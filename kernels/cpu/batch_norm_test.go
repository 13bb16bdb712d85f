package cpu

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

type bnCase struct {
	n, c, h, w int
	mean       float64 // centre of x
}

func (c bnCase) String() string { return fmt.Sprintf("%dx%dx%dx%d@%g", c.n, c.c, c.h, c.w, c.mean) }

var bnCases = []bnCase{
	// odd shapes; N·H·W = 2 (where dx cancels to O(Eps/var) of its terms);
	// fewer channels than threads, split over pieces of N·H·W
	{1, 13, 5, 7, 3}, {3, 13, 5, 7, 3}, {3, 13, 1, 1, 3}, {1, 5, 1, 1, 3}, {3, 5, 1, 1, -3},
	{13, 70, 1, 1, 3}, {3, 3, 9, 9, 3}, {2, 3, 40, 41, 3}, {4, 2, 50, 51, 3}, {5, 7, 3, 1, 20},
	{1, 1, 1, 2, 3}, {2, 1, 1, 1, 3}, {130, 3, 1, 1, 3}, {1, 1, 97, 101, 3}, {7, 1, 33, 35, -5},
	{1, 2, 129, 65, 1000},
	// OCGAN encoder / decoder, batch 2 and 64, and its dense layers [64, C]
	{2, 128, 7, 7, 3}, {2, 64, 14, 14, 3}, {64, 128, 7, 7, 3}, {64, 128, 1, 1, 3}, {64, 16, 1, 1, 3},
}

// bnInputs returns x centred at tc.mean, gamma, beta, a running mean and a
// positive running var.
func bnInputs(tc bnCase, r *rand.Rand) (x, gamma, beta, rm, rv []float32) {
	n := tc.n * tc.c * tc.h * tc.w
	x = kerneltest.RandVec(r, n)
	for i := range x {
		x[i] += float32(tc.mean)
	}
	gamma, beta, rm = kerneltest.RandVec(r, tc.c), kerneltest.RandVec(r, tc.c), kerneltest.RandVec(r, tc.c)
	rv = kerneltest.RandVec(r, tc.c)
	for i := range rv {
		rv[i] = rv[i]*rv[i] + 0.1
	}
	return x, gamma, beta, rm, rv
}

func bnParams(tc bnCase) kernels.BatchNormParams {
	p := kernels.NewBatchNorm2DParams(tc.n, tc.c, tc.h, tc.w)
	p.Momentum = 0.25
	if tc.c%2 == 1 {
		p.Eps = 1e-3
	}
	return p
}

func TestBatchNormMatchesReference(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		r := kerneltest.NewRand(11)
		for _, tc := range bnCases {
			t.Run(tc.String(), func(t *testing.T) {
				p := bnParams(tc)
				n, c := tc.n*tc.c*tc.h*tc.w, tc.c
				x, gamma, beta, rm, rv := bnInputs(tc, r)
				dy := kerneltest.RandVec(r, n)

				if tc.n*tc.h*tc.w < 2 { // eval only
					kerneltest.WantErr(t, "train forward", d.BatchNormTrainForward(p, x, gamma, beta, rm, rv, kerneltest.Poisoned(n), kerneltest.Poisoned(c), kerneltest.Poisoned(c)), "more than 1 value")
				} else {
					wantRM, wantRV := clone(rm), clone(rv)
					wantY, saved, err := kernels.BatchNormTrainForward(p, x, gamma, beta, wantRM, wantRV)
					must(t, err)
					gotRM, gotRV := clone(rm), clone(rv)
					y, mean, invStd := kerneltest.Poisoned(n), kerneltest.Poisoned(c), kerneltest.Poisoned(c)
					must(t, d.BatchNormTrainForward(p, x, gamma, beta, gotRM, gotRV, y, mean, invStd))
					kerneltest.ExpectClose(t, "train y", y, wantY)
					kerneltest.ExpectClose(t, "saved mean", mean, saved.Mean)
					kerneltest.ExpectClose(t, "saved inv std", invStd, saved.InvStd)
					kerneltest.ExpectClose(t, "running mean", gotRM, wantRM)
					kerneltest.ExpectClose(t, "running var", gotRV, wantRV)

					wantDx, wantDg, wantDb, err := kernels.BatchNormTrainBackward(p, x, gamma, saved, dy)
					must(t, err)
					dx, dg, db := kerneltest.Poisoned(n), kerneltest.Poisoned(c), kerneltest.Poisoned(c)
					must(t, d.BatchNormTrainBackward(p, x, gamma, saved.Mean, saved.InvStd, dy, dx, dg, db))
					kerneltest.ExpectClose(t, "train dx", dx, wantDx)
					kerneltest.ExpectClose(t, "train dgamma", dg, wantDg)
					kerneltest.ExpectClose(t, "train dbeta", db, wantDb)

				}

				wantY, err := kernels.BatchNormEvalForward(p, x, gamma, beta, rm, rv)
				must(t, err)
				y := kerneltest.Poisoned(n)
				must(t, d.BatchNormEvalForward(p, x, gamma, beta, rm, rv, y))
				kerneltest.ExpectClose(t, "eval y", y, wantY)

				wantDx, wantDg, wantDb, err := kernels.BatchNormEvalBackward(p, x, gamma, rm, rv, dy)
				must(t, err)
				dx, dg, db := kerneltest.Poisoned(n), kerneltest.Poisoned(c), kerneltest.Poisoned(c)
				must(t, d.BatchNormEvalBackward(p, x, gamma, rm, rv, dy, dx, dg, db))
				kerneltest.ExpectClose(t, "eval dx", dx, wantDx)
				kerneltest.ExpectClose(t, "eval dgamma", dg, wantDg)
				kerneltest.ExpectClose(t, "eval dbeta", db, wantDb)
			})
		}
	})
}

// A constant channel has variance 0: y = beta, the inverse std is 1/sqrt(Eps).
func TestBatchNormConstantChannel(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		p := kernels.NewBatchNorm2DParams(3, 2, 5, 7)
		n := 3 * 2 * 5 * 7
		x := kerneltest.RandVec(kerneltest.NewRand(3), n)
		for nn := 0; nn < 3; nn++ {
			for i := 0; i < 35; i++ {
				x[(nn*2+1)*35+i] = 7.25
			}
		}
		gamma, beta := []float32{1.5, 2}, []float32{0.5, -0.25}
		rm, rv := []float32{0, 0}, []float32{1, 1}
		wantRM, wantRV := clone(rm), clone(rv)
		want, saved, err := kernels.BatchNormTrainForward(p, x, gamma, beta, wantRM, wantRV)
		must(t, err)
		y, mean, inv := kerneltest.Poisoned(n), kerneltest.Poisoned(2), kerneltest.Poisoned(2)
		must(t, d.BatchNormTrainForward(p, x, gamma, beta, rm, rv, y, mean, inv))
		kerneltest.ExpectClose(t, "y", y, want)
		kerneltest.ExpectClose(t, "saved inv std", inv, saved.InvStd)
		if rv[1] != wantRV[1] || mean[1] != 7.25 {
			t.Fatalf("constant channel: running var %v, mean %v; want %v, 7.25", rv[1], mean[1], wantRV[1])
		}
	})
}

// Finite-difference check of BatchNormTrainBackward against
// BatchNormTrainForward of this package, with the loss L = Σ r·y (r random)
// evaluated in float64 from the float32 outputs y.
//
// Error budget: each y is rounded to float32 (relative error <= 2⁻²⁴ ≈
// 6e-8, |y| <= ~5) and perturbing one input changes every y of its channel,
// so L(x+h) − L(x−h) carries a rounding error of at most about
// 2·6e-8·5·sqrt(M) ≈ 7e-6 (random signs) for the M <= 150 values of a
// channel here; divided by the step 2h = 2e-2 that is <= 4e-4. The
// truncation error h²/6·|∂³L| is ~2e-5 (O(1) third derivatives, the inputs
// having unit spread). The largest gradients are O(1) (0.6 to 3 here), so
// the tolerance 1e-3·max|numeric| sits above the worst noise (observed:
// 5e-5·max|numeric|), while a wrong or missing term of dx, dgamma or dbeta
// changes the gradient by O(max|numeric|).
func TestBatchNormTrainBackwardFiniteDifferences(t *testing.T) {
	const h = 1e-2
	forDevices(t, func(t *testing.T, d *Device) {
		r := kerneltest.NewRand(5)
		for _, tc := range []bnCase{{2, 3, 5, 5, 3}, {4, 2, 1, 1, -1}, {1, 2, 3, 7, 0}, {30, 1, 1, 1, 2}} {
			t.Run(tc.String(), func(t *testing.T) {
				p := bnParams(tc)
				n, c := tc.n*tc.c*tc.h*tc.w, tc.c
				x, gamma, beta, rm, rv := bnInputs(tc, r)
				rw := kerneltest.RandVec(r, n)
				forward := func() float64 {
					y, mean, inv := make([]float32, n), make([]float32, c), make([]float32, c)
					must(t, d.BatchNormTrainForward(p, x, gamma, beta, clone(rm), clone(rv), y, mean, inv))
					s := 0.0
					for i, v := range y {
						s += float64(rw[i]) * float64(v)
					}
					return s
				}
				y, mean, inv := make([]float32, n), make([]float32, c), make([]float32, c)
				must(t, d.BatchNormTrainForward(p, x, gamma, beta, clone(rm), clone(rv), y, mean, inv))
				dx, dg, db := kerneltest.Poisoned(n), kerneltest.Poisoned(c), kerneltest.Poisoned(c)
				must(t, d.BatchNormTrainBackward(p, x, gamma, mean, inv, rw, dx, dg, db))
				fdCheck(t, "dx", x, dx, h, 1e-3, forward, r)
				fdCheck(t, "dgamma", gamma, dg, h, 1e-3, forward, r)
				fdCheck(t, "dbeta", beta, db, h, 1e-3, forward, r)
			})
		}
	})
}

func TestBatchNormRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	p := kernels.NewBatchNorm2DParams(2, 3, 2, 2)
	x, y, dy, dx := make([]float32, 24), make([]float32, 24), make([]float32, 24), make([]float32, 24)
	ch := func() []float32 { return []float32{1, 1, 1} }
	g, b, rm, rv, sm, si, dg, db := ch(), ch(), ch(), ch(), ch(), ch(), ch(), ch()
	short, shortCh := make([]float32, 23), make([]float32, 2)
	badEps, badMom, zeroN := p, p, p
	badEps.Eps = 0
	badMom.Momentum = 1.5
	zeroN.N = 0
	one := kernels.NewBatchNorm2DParams(1, 3, 1, 1)
	negVar := []float32{1, -2, 1}
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"N = 0", d.BatchNormTrainForward(zeroN, x, g, b, rm, rv, y, sm, si), []string{"batch_norm train forward", "N must be >= 1"}},
		{"Eps = 0", d.BatchNormEvalForward(badEps, x, g, b, rm, rv, y), []string{"batch_norm eval forward", "Eps must be > 0"}},
		{"Momentum 1.5", d.BatchNormTrainBackward(badMom, x, g, sm, si, dy, dx, dg, db), []string{"batch_norm train backward", "Momentum"}},
		{"one value per channel", d.BatchNormTrainForward(one, x[:3], g, b, rm, rv, y[:3], sm, si), []string{"batch_norm train forward", "more than 1 value per channel", "N*H*W = 1*1*1 = 1"}},
		{"one value per channel backward", d.BatchNormTrainBackward(one, x[:3], g, sm, si, dy[:3], dx[:3], dg, db), []string{"batch_norm train backward", "more than 1 value"}},
		{"short x", d.BatchNormTrainForward(p, short, g, b, rm, rv, y, sm, si), []string{"batch_norm train forward", "input x has 23 elements, want 24 (N*C*H*W = 2*3*2*2)"}},
		{"short gamma", d.BatchNormTrainForward(p, x, shortCh, b, rm, rv, y, sm, si), []string{"train forward", "gamma has 2 elements, want 3 (C = 3)"}},
		{"short beta", d.BatchNormEvalForward(p, x, g, shortCh, rm, rv, y), []string{"eval forward", "beta has 2 elements"}},
		{"short running mean", d.BatchNormTrainForward(p, x, g, b, shortCh, rv, y, sm, si), []string{"train forward", "running mean has 2 elements"}},
		{"short running var", d.BatchNormEvalBackward(p, x, g, rm, shortCh, dy, dx, dg, db), []string{"eval backward", "running var has 2 elements"}},
		{"short y", d.BatchNormTrainForward(p, x, g, b, rm, rv, short, sm, si), []string{"train forward", "output y has 23 elements"}},
		{"short saved mean", d.BatchNormTrainForward(p, x, g, b, rm, rv, y, shortCh, si), []string{"train forward", "saved mean has 2 elements"}},
		{"short saved inv std", d.BatchNormTrainBackward(p, x, g, sm, shortCh, dy, dx, dg, db), []string{"train backward", "saved inv std has 2 elements"}},
		{"short dy", d.BatchNormTrainBackward(p, x, g, sm, si, short, dx, dg, db), []string{"train backward", "grad output dy has 23 elements"}},
		{"short dx", d.BatchNormEvalBackward(p, x, g, rm, rv, dy, short, dg, db), []string{"eval backward", "grad input dx has 23 elements"}},
		{"short dgamma", d.BatchNormTrainBackward(p, x, g, sm, si, dy, dx, shortCh, db), []string{"train backward", "grad gamma has 2 elements"}},
		{"short dbeta", d.BatchNormEvalBackward(p, x, g, rm, rv, dy, dx, dg, shortCh), []string{"eval backward", "grad beta has 2 elements"}},
		{"y is x", d.BatchNormTrainForward(p, x, g, b, rm, rv, x, sm, si), []string{"train forward", "output y overlaps input x"}},
		{"saved mean is running mean", d.BatchNormTrainForward(p, x, g, b, rm, rv, y, rm, si), []string{"train forward", "running mean overlaps saved mean"}},
		{"dx is dy", d.BatchNormTrainBackward(p, x, g, sm, si, dy, dy, dg, db), []string{"train backward", "grad input dx overlaps grad output dy"}},
		{"dgamma is gamma", d.BatchNormEvalBackward(p, x, g, rm, rv, dy, dx, g, db), []string{"eval backward", "grad gamma overlaps gamma"}},
		{"running var + Eps <= 0", d.BatchNormEvalForward(p, x, g, b, rm, negVar, y), []string{"eval forward", "running var[1] + Eps"}},
		{"running var + Eps <= 0 backward", d.BatchNormEvalBackward(p, x, g, rm, negVar, dy, dx, dg, db), []string{"eval backward", "running var[1]"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
	// Nothing is modified when an error is returned.
	rm2 := []float32{1, 2, 3}
	kerneltest.WantErr(t, "short saved", d.BatchNormTrainForward(p, x, g, b, rm2, rv, y, sm, shortCh), "saved inv std")
	if rm2[0] != 1 || rm2[1] != 2 || rm2[2] != 3 {
		t.Fatalf("running mean modified by a rejected call: %v", rm2)
	}
}

func BenchmarkBatchNorm(b *testing.B) {
	d := loopDevice()
	for _, s := range benchShapes {
		tc := bnCase{s[0], s[1], s[2], s[3], 3}
		p := bnParams(tc)
		n, c := tc.n*tc.c*tc.h*tc.w, tc.c
		x, gamma, beta, rm, rv := bnInputs(tc, kerneltest.NewRand(1))
		dy := kerneltest.RandVec(kerneltest.NewRand(2), n)
		y, mean, inv := make([]float32, n), make([]float32, c), make([]float32, c)
		dx, dg, db := make([]float32, n), make([]float32, c), make([]float32, c)
		b.Run(tc.String()+"/train_forward", func(b *testing.B) {
			for b.Loop() {
				must(b, d.BatchNormTrainForward(p, x, gamma, beta, rm, rv, y, mean, inv))
			}
			reportGBs(b, 8*n) // x read, y written
		})
		b.Run(tc.String()+"/train_backward", func(b *testing.B) {
			for b.Loop() {
				must(b, d.BatchNormTrainBackward(p, x, gamma, mean, inv, dy, dx, dg, db))
			}
			reportGBs(b, 12*n) // x, dy read, dx written
		})
		b.Run(tc.String()+"/eval_forward", func(b *testing.B) {
			for b.Loop() {
				must(b, d.BatchNormEvalForward(p, x, gamma, beta, rm, rv, y))
			}
			reportGBs(b, 8*n)
		})
		b.Run(tc.String()+"/eval_backward", func(b *testing.B) {
			for b.Loop() {
				must(b, d.BatchNormEvalBackward(p, x, gamma, rm, rv, dy, dx, dg, db))
			}
			reportGBs(b, 12*n)
		})
	}
}
