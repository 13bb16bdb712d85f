package kernels

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var batchNormCases = []struct {
	name string
	p    BatchNormParams
}{
	{"nchw_n3_c13_5x7", NewBatchNorm2DParams(3, 13, 5, 7)},
	{"nchw_n1_c4_5x7", NewBatchNorm2DParams(1, 4, 5, 7)},
	{"nchw_n3_c2_1x1", NewBatchNorm2DParams(3, 2, 1, 1)},
	{"nchw_n2_c3_1x2", NewBatchNorm2DParams(2, 3, 1, 2)},
	{"dense_n4_c13", NewBatchNorm1DParams(4, 13)},
	{"dense_n2_c16_custom", BatchNormParams{N: 2, C: 16, H: 1, W: 1, Eps: 1e-3, Momentum: 0.3}},
}

type bnData struct {
	x, gamma, beta, rmean, rvar, dy []float32
}

// newBNData returns inputs with a per-channel offset and scale (so mean
// subtraction and variance matter), gamma away from 0 and positive running
// variances.
func newBNData(seed int64, p BatchNormParams) bnData {
	r := kerneltest.NewRand(seed)
	hw := p.H * p.W
	x := make([]float32, p.N*p.C*hw)
	for c := 0; c < p.C; c++ {
		mu, sd := 4*r.Float64()-2, 0.5+2*r.Float64()
		for n := 0; n < p.N; n++ {
			for i := 0; i < hw; i++ {
				x[(n*p.C+c)*hw+i] = float32(mu + sd*r.NormFloat64())
			}
		}
	}
	return bnData{
		x:     x,
		gamma: randAwayFromZero(r, p.C, 0.3),
		beta:  randn(r, p.C, 0, 1),
		rmean: randn(r, p.C, 0, 1),
		rvar:  randUniform(r, p.C, 0.2, 3),
		dy:    randn(r, len(x), 0, 1),
	}
}

// channelValues returns the M = N·H·W values of channel c.
func channelValues(p BatchNormParams, x []float32, c int) []float64 {
	var v []float64
	hw := p.H * p.W
	for n := 0; n < p.N; n++ {
		for i := 0; i < hw; i++ {
			v = append(v, float64(x[(n*p.C+c)*hw+i]))
		}
	}
	return v
}

func meanVar(v []float64) (mean, biased, unbiased float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, ss / float64(len(v)), ss / float64(len(v)-1)
}

func TestBatchNormTrainForward(t *testing.T) {
	for i, c := range batchNormCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			d := newBNData(int64(1000+i), p)
			rm, rv := Copy(d.rmean), Copy(d.rvar)
			y, saved, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, rm, rv)
			mustNoErr(t, "train forward", err)

			hw, m, eps := p.H*p.W, float64(p.Momentum), float64(p.Eps)
			wantY := make([]float64, len(y))
			var wantMean, wantInv, wantRM, wantRV []float64
			for ch := 0; ch < p.C; ch++ {
				mu, vb, vu := meanVar(channelValues(p, d.x, ch))
				inv := 1 / math.Sqrt(vb+eps)
				wantMean = append(wantMean, mu)
				wantInv = append(wantInv, inv)
				wantRM = append(wantRM, (1-m)*float64(d.rmean[ch])+m*mu)
				wantRV = append(wantRV, (1-m)*float64(d.rvar[ch])+m*vu)
				for n := 0; n < p.N; n++ {
					for j := 0; j < hw; j++ {
						k := (n*p.C+ch)*hw + j
						wantY[k] = float64(d.gamma[ch])*(float64(d.x[k])-mu)*inv + float64(d.beta[ch])
					}
				}
			}
			assertClose(t, "y", y, wantY, exactRTol, exactATol)
			assertClose(t, "saved mean", saved.Mean, wantMean, exactRTol, exactATol)
			assertClose(t, "saved inv std", saved.InvStd, wantInv, exactRTol, exactATol)
			assertClose(t, "running mean (in place)", rm, wantRM, exactRTol, exactATol)
			assertClose(t, "running var (in place, unbiased)", rv, wantRV, exactRTol, exactATol)

			// The normalised output has per-channel mean beta and variance
			// gamma²·var/(var+eps).
			for ch := 0; ch < p.C; ch++ {
				ym, yv, _ := meanVar(channelValues(p, y, ch))
				_, vb, _ := meanVar(channelValues(p, d.x, ch))
				wantV := float64(d.gamma[ch]) * float64(d.gamma[ch]) * vb / (vb + eps)
				if math.Abs(ym-float64(d.beta[ch])) > 1e-5 || math.Abs(yv-wantV) > 1e-5*(1+wantV) {
					t.Errorf("channel %d: output mean %v var %v, want %v and %v", ch, ym, yv, d.beta[ch], wantV)
				}
			}
		})
	}
}

func TestBatchNormDenseEqualsSpatial1x1(t *testing.T) {
	p1 := NewBatchNorm1DParams(5, 3)
	p2 := NewBatchNorm2DParams(5, 3, 1, 1)
	if p1 != p2 {
		t.Fatalf("NewBatchNorm1DParams = %+v, want %+v", p1, p2)
	}
	if p1.Eps != 1e-5 || p1.Momentum != 0.1 {
		t.Errorf("defaults: Eps %v Momentum %v, want 1e-5 and 0.1", p1.Eps, p1.Momentum)
	}
}

func TestBatchNormMomentumExtremes(t *testing.T) {
	p := NewBatchNorm2DParams(2, 3, 2, 2)
	d := newBNData(7, p)
	for _, c := range []struct {
		momentum float32
		wantRM   func(ch int, mu float64) float32
		wantRV   func(ch int, vu float64) float32
	}{
		{0, func(ch int, _ float64) float32 { return d.rmean[ch] }, func(ch int, _ float64) float32 { return d.rvar[ch] }},
		{1, func(_ int, mu float64) float32 { return float32(mu) }, func(_ int, vu float64) float32 { return float32(vu) }},
	} {
		p.Momentum = c.momentum
		rm, rv := Copy(d.rmean), Copy(d.rvar)
		_, _, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, rm, rv)
		mustNoErr(t, "train forward", err)
		for ch := 0; ch < p.C; ch++ {
			mu, _, vu := meanVar(channelValues(p, d.x, ch))
			if rm[ch] != c.wantRM(ch, mu) || rv[ch] != c.wantRV(ch, vu) {
				t.Errorf("momentum %v channel %d: running (%v, %v), want (%v, %v)", c.momentum, ch, rm[ch], rv[ch], c.wantRM(ch, mu), c.wantRV(ch, vu))
			}
		}
	}
}

// Train-mode backward, checked by finite differences of the full train-mode
// forward (batch mean and variance recomputed from the perturbed input).
func TestBatchNormTrainBackwardFiniteDifferences(t *testing.T) {
	for i, c := range batchNormCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			d := newBNData(int64(1100+i), p)
			r := kerneltest.NewRand(int64(1150 + i))
			_, saved, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, Copy(d.rmean), Copy(d.rvar))
			mustNoErr(t, "train forward", err)
			dx, dg, db, err := BatchNormTrainBackward(p, d.x, d.gamma, saved, d.dy)
			mustNoErr(t, "train backward", err)

			x, g, b := widen(d.x), widen(d.gamma), widen(d.beta)
			loss := func() float64 {
				y, _, _ := batchNormTrainForward(p, x, g, b)
				return weightedSum(d.dy, y)
			}
			fdCheck(t, "grad input", x, dx, loss, r)
			fdCheck(t, "grad gamma", g, dg, loss, r)
			fdCheck(t, "grad beta", b, db, loss, r)
		})
	}
}

func TestBatchNormEval(t *testing.T) {
	for i, c := range append(batchNormCases, struct {
		name string
		p    BatchNormParams
	}{"eval_batch1_1x1", NewBatchNorm2DParams(1, 16, 1, 1)}) {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			d := newBNData(int64(1200+i), p)
			r := kerneltest.NewRand(int64(1250 + i))
			rm, rv := Copy(d.rmean), Copy(d.rvar)
			y, err := BatchNormEvalForward(p, d.x, d.gamma, d.beta, rm, rv)
			mustNoErr(t, "eval forward", err)
			kerneltest.BitEqual(t, "running mean untouched", rm, d.rmean)
			kerneltest.BitEqual(t, "running var untouched", rv, d.rvar)
			hw := p.H * p.W
			want := make([]float64, len(y))
			for k := range want {
				ch := k / hw % p.C
				want[k] = float64(d.gamma[ch])*(float64(d.x[k])-float64(d.rmean[ch]))/math.Sqrt(float64(d.rvar[ch])+float64(p.Eps)) + float64(d.beta[ch])
			}
			assertClose(t, "eval y", y, want, exactRTol, exactATol)

			dx, dg, db, err := BatchNormEvalBackward(p, d.x, d.gamma, d.rmean, d.rvar, d.dy)
			mustNoErr(t, "eval backward", err)
			x, g, b := widen(d.x), widen(d.gamma), widen(d.beta)
			m, v := widen(d.rmean), widen(d.rvar)
			loss := func() float64 { return weightedSum(d.dy, batchNormEvalForward(p, x, g, b, m, v)) }
			fdCheck(t, "eval grad input", x, dx, loss, r)
			fdCheck(t, "eval grad gamma", g, dg, loss, r)
			fdCheck(t, "eval grad beta", b, db, loss, r)
		})
	}
}

func TestBatchNormValidation(t *testing.T) {
	p := NewBatchNorm2DParams(2, 3, 2, 2)
	d := newBNData(3, p)
	_, saved, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, Copy(d.rmean), Copy(d.rvar))
	mustNoErr(t, "train forward", err)
	mod := func(f func(q *BatchNormParams)) BatchNormParams { q := p; f(&q); return q }
	train := func(q BatchNormParams) error {
		_, _, err := BatchNormTrainForward(q, d.x, d.gamma, d.beta, Copy(d.rmean), Copy(d.rvar))
		return err
	}
	cases := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"zero_N", func() error { return mod(func(q *BatchNormParams) { q.N = 0 }).Validate() }, []string{"batch_norm: N must be >= 1, got 0"}},
		{"zero_C", func() error { return train(mod(func(q *BatchNormParams) { q.C = 0 })) }, []string{"batch_norm: C must be >= 1"}},
		{"zero_eps", func() error { return BatchNormParams{N: 2, C: 3, H: 1, W: 1}.Validate() }, []string{"batch_norm: Eps must be > 0", "default is 1e-05"}},
		{"nan_eps", func() error { return mod(func(q *BatchNormParams) { q.Eps = float32(math.NaN()) }).Validate() }, []string{"Eps must be > 0"}},
		{"inf_eps", func() error { return mod(func(q *BatchNormParams) { q.Eps = float32(math.Inf(1)) }).Validate() }, []string{"Eps must be > 0 and finite"}},
		{"momentum_above_1", func() error { return train(mod(func(q *BatchNormParams) { q.Momentum = 1.5 })) }, []string{"batch_norm: Momentum must be in [0, 1], got 1.5"}},
		{"momentum_negative", func() error { return mod(func(q *BatchNormParams) { q.Momentum = -0.1 }).Validate() }, []string{"Momentum must be in [0, 1]"}},
		{"train_one_value_per_channel", func() error {
			q := NewBatchNorm1DParams(1, 3)
			_, _, err := BatchNormTrainForward(q, d.x[:3], d.gamma, d.beta, Copy(d.rmean), Copy(d.rvar))
			return err
		}, []string{"batch_norm: training needs more than 1 value per channel, got N*H*W = 1*1*1 = 1"}},
		{"train_backward_one_value", func() error {
			_, _, _, err := BatchNormTrainBackward(NewBatchNorm1DParams(1, 3), d.x[:3], d.gamma, saved, d.x[:3])
			return err
		}, []string{"more than 1 value per channel"}},
		{"train_bad_x", func() error {
			_, _, err := BatchNormTrainForward(p, d.x[1:], d.gamma, d.beta, Copy(d.rmean), Copy(d.rvar))
			return err
		}, []string{"batch_norm: input has 23 elements, want 24 (N*C*H*W = 2*3*2*2)"}},
		{"train_bad_gamma", func() error {
			_, _, err := BatchNormTrainForward(p, d.x, d.gamma[:2], d.beta, Copy(d.rmean), Copy(d.rvar))
			return err
		}, []string{"batch_norm: gamma has 2 elements, want 3 (C = 3)"}},
		{"train_bad_beta", func() error {
			_, _, err := BatchNormTrainForward(p, d.x, d.gamma, nil, Copy(d.rmean), Copy(d.rvar))
			return err
		}, []string{"batch_norm: beta has 0 elements"}},
		{"train_bad_running_mean", func() error {
			_, _, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, d.rmean[:1], Copy(d.rvar))
			return err
		}, []string{"batch_norm: running mean has 1 elements"}},
		{"train_bad_running_var", func() error {
			_, _, err := BatchNormTrainForward(p, d.x, d.gamma, d.beta, Copy(d.rmean), append(Copy(d.rvar), 1))
			return err
		}, []string{"batch_norm: running var has 4 elements"}},
		{"train_backward_bad_saved", func() error {
			_, _, _, err := BatchNormTrainBackward(p, d.x, d.gamma, BatchNormSaved{Mean: saved.Mean}, d.dy)
			return err
		}, []string{"batch_norm: saved inv std has 0 elements"}},
		{"train_backward_bad_dy", func() error {
			_, _, _, err := BatchNormTrainBackward(p, d.x, d.gamma, saved, d.dy[:4])
			return err
		}, []string{"batch_norm: grad output has 4 elements"}},
		{"eval_bad_running_var", func() error {
			_, err := BatchNormEvalForward(p, d.x, d.gamma, d.beta, d.rmean, d.rvar[:2])
			return err
		}, []string{"batch_norm: running var has 2 elements"}},
		{"eval_negative_variance", func() error {
			_, err := BatchNormEvalForward(p, d.x, d.gamma, d.beta, d.rmean, []float32{1, -1, 1})
			return err
		}, []string{"batch_norm: running var[1] + Eps"}},
		{"eval_bad_beta", func() error {
			_, err := BatchNormEvalForward(p, d.x, d.gamma, d.beta[:1], d.rmean, d.rvar)
			return err
		}, []string{"batch_norm: beta has 1 elements"}},
		{"eval_backward_bad_dy", func() error {
			_, _, _, err := BatchNormEvalBackward(p, d.x, d.gamma, d.rmean, d.rvar, nil)
			return err
		}, []string{"batch_norm: grad output has 0 elements"}},
	}
	for _, c := range cases {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}

	// A failed call leaves the running statistics untouched.
	rm, rv := Copy(d.rmean), Copy(d.rvar)
	_, _, err = BatchNormTrainForward(p, d.x[1:], d.gamma, d.beta, rm, rv)
	kerneltest.WantErr(t, "bad input", err, "input")
	kerneltest.BitEqual(t, "running mean after error", rm, d.rmean)
	kerneltest.BitEqual(t, "running var after error", rv, d.rvar)
}
