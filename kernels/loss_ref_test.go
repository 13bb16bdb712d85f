package kernels

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var lossCases = []struct {
	name string
	p    LossParams
}{
	{"n1_f1", LossParams{N: 1, F: 1}},
	{"n3_f13", LossParams{N: 3, F: 13}},
	{"n2_f784", LossParams{N: 2, F: 784}},
}

type lossData struct {
	pred, binTarget, softTarget, dloss []float32
}

func newLossData(seed int64, p LossParams) lossData {
	r := kerneltest.NewRand(seed)
	d := lossData{
		pred:       randn(r, p.N*p.F, 0, 2),
		softTarget: randUniform(r, p.N*p.F, 0, 1),
		dloss:      randn(r, p.N, 0, 1),
	}
	d.binTarget = make([]float32, p.N*p.F)
	for i := range d.binTarget {
		d.binTarget[i] = float32(r.Intn(2))
	}
	return d
}

func TestLossValues(t *testing.T) {
	p := LossParams{N: 2, F: 2}
	pred := []float32{1, 2, -1, 0.5}
	target := []float32{0, 2, 1, 1}
	// Squared errors 1, 0, 4, 0.25: per-sample means 0.5 and 2.125, mean 1.3125.
	l, err := MSELoss(p, pred, target)
	mustNoErr(t, "mse", err)
	if l != 1.3125 {
		t.Errorf("MSELoss = %v, want 1.3125", l)
	}
	ps, err := MSELossPerSample(p, pred, target)
	mustNoErr(t, "mse per sample", err)
	kerneltest.BitEqual(t, "MSELossPerSample", ps, []float32{0.5, 2.125})
	g, err := MSELossGrad(p, pred, target)
	mustNoErr(t, "mse grad", err)
	kerneltest.BitEqual(t, "MSELossGrad", g, []float32{0.5, 0, -1, -0.25})

	// BCE with logits: ℓ(x, y) = log(1 + exp(x)) − x·y.
	want := 0.0
	var wantPS []float64
	for n := 0; n < 2; n++ {
		s := 0.0
		for f := 0; f < 2; f++ {
			x, y := float64(pred[2*n+f]), float64(target[2*n+f])
			s += math.Log(1+math.Exp(x)) - x*y
		}
		want += s / 4
		wantPS = append(wantPS, s/2)
	}
	b, err := BCEWithLogitsLoss(p, pred, target)
	mustNoErr(t, "bce", err)
	assertClose(t, "BCEWithLogitsLoss", []float32{b}, []float64{want}, exactRTol, 0)
	bps, err := BCEWithLogitsLossPerSample(p, pred, target)
	mustNoErr(t, "bce per sample", err)
	assertClose(t, "BCEWithLogitsLossPerSample", bps, wantPS, exactRTol, 0)
}

// The stable form must not overflow for large |logits| and must match the
// asymptotes ℓ(x, y) → x·(1 − y) for x ≫ 0 and −x·y for x ≪ 0.
func TestBCEWithLogitsExtremeLogits(t *testing.T) {
	p := LossParams{N: 1, F: 4}
	x := []float32{100, -100, 1e30, -1e30}
	y := []float32{0, 1, 1, 0}
	want := []float64{100, 100, math.Log1p(math.Exp(-1e30)), math.Log1p(math.Exp(-1e30))}
	ps, err := BCEWithLogitsLossPerSample(LossParams{N: 4, F: 1}, x, y)
	mustNoErr(t, "bce", err)
	assertClose(t, "extreme logits", ps, want, exactRTol, 0)
	g, err := BCEWithLogitsLossGrad(p, x, y)
	mustNoErr(t, "bce grad", err)
	kerneltest.BitEqual(t, "extreme grads", g, []float32{0.25, -0.25, 0, 0})
}

func TestLossMeanIsMeanOfPerSample(t *testing.T) {
	for i, c := range lossCases {
		d := newLossData(int64(1600+i), c.p)
		for _, f := range []struct {
			name string
			mean func(LossParams, []float32, []float32) (float32, error)
			ps   func(LossParams, []float32, []float32) ([]float32, error)
		}{{"mse", MSELoss, MSELossPerSample}, {"bce", BCEWithLogitsLoss, BCEWithLogitsLossPerSample}} {
			m, err := f.mean(c.p, d.pred, d.softTarget)
			mustNoErr(t, f.name, err)
			ps, err := f.ps(c.p, d.pred, d.softTarget)
			mustNoErr(t, f.name, err)
			s := 0.0
			for _, v := range ps {
				s += float64(v)
			}
			assertClose(t, c.name+"/"+f.name, []float32{m}, []float64{s / float64(c.p.N)}, exactRTol, 0)
		}
	}
}

func TestLossGradFiniteDifferences(t *testing.T) {
	for i, c := range lossCases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			d := newLossData(int64(1700+i), p)
			r := kerneltest.NewRand(int64(1750 + i))
			pred := widen(d.pred)
			for _, tg := range []struct {
				name   string
				target []float32
			}{{"binary", d.binTarget}, {"soft", d.softTarget}} {
				target := widen(tg.target)
				perSample := func(term func(x, y float64) float64) func() float64 {
					return func() float64 { return weightedSum(d.dloss, lossPerSample(p, pred, target, term)) }
				}

				g, err := MSELossGrad(p, d.pred, tg.target)
				mustNoErr(t, "mse grad", err)
				fdCheck(t, tg.name+"/mse mean", pred, g, func() float64 { return lossMean(p, pred, target, mseTerm) }, r)

				g, err = MSELossPerSampleGrad(p, d.pred, tg.target, d.dloss)
				mustNoErr(t, "mse per-sample grad", err)
				fdCheck(t, tg.name+"/mse per sample", pred, g, perSample(mseTerm), r)

				g, err = BCEWithLogitsLossGrad(p, d.pred, tg.target)
				mustNoErr(t, "bce grad", err)
				fdCheck(t, tg.name+"/bce mean", pred, g, func() float64 { return lossMean(p, pred, target, bceTerm) }, r)

				g, err = BCEWithLogitsLossPerSampleGrad(p, d.pred, tg.target, d.dloss)
				mustNoErr(t, "bce per-sample grad", err)
				fdCheck(t, tg.name+"/bce per sample", pred, g, perSample(bceTerm), r)
			}
		})
	}
}

func TestLossValidation(t *testing.T) {
	p := LossParams{N: 2, F: 3}
	x := []float32{1, 2, 3, 4, 5, 6}
	cases := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"zero_N", func() error { return LossParams{N: 0, F: 3}.Validate() }, []string{"loss: N must be >= 1, got 0"}},
		{"zero_F", func() error { _, err := MSELoss(LossParams{N: 2, F: 0}, nil, nil); return err }, []string{"F must be >= 1"}},
		{"mse_short_pred", func() error { _, err := MSELoss(p, x[:5], x); return err },
			[]string{"mse_loss: prediction has 5 elements, want 6 (N*F = 2*3)"}},
		{"mse_short_target", func() error { _, err := MSELossPerSample(p, x, x[:4]); return err },
			[]string{"mse_loss: target has 4 elements, want 6"}},
		{"mse_grad_short", func() error { _, err := MSELossGrad(p, x, nil); return err },
			[]string{"mse_loss: target has 0 elements"}},
		{"mse_ps_grad_bad_dloss", func() error { _, err := MSELossPerSampleGrad(p, x, x, []float32{1}); return err },
			[]string{"mse_loss: per-sample loss gradient has 1 elements, want 2 (N = 2)"}},
		{"bce_short_logits", func() error { _, err := BCEWithLogitsLoss(p, x[1:], x); return err },
			[]string{"bce_with_logits_loss: prediction has 5 elements"}},
		{"bce_ps_short", func() error { _, err := BCEWithLogitsLossPerSample(p, x, x[1:]); return err },
			[]string{"bce_with_logits_loss: target has 5 elements"}},
		{"bce_grad_short", func() error { _, err := BCEWithLogitsLossGrad(p, x, x[:1]); return err },
			[]string{"bce_with_logits_loss: target has 1 elements"}},
		{"bce_ps_grad_bad_dloss", func() error { _, err := BCEWithLogitsLossPerSampleGrad(p, x, x, nil); return err },
			[]string{"bce_with_logits_loss: per-sample loss gradient has 0 elements, want 2"}},
	}
	for _, c := range cases {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}
}
