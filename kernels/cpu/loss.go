package cpu

import (
	"math"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Losses over a prediction and a target [N, F] (loss_ref.go). Sums
// accumulate in float64, each per-element term is computed in float64 from
// its float32 inputs, and every output is rounded once to float32.

const (
	opMSE = "mse_loss"
	opBCE = "bce_with_logits_loss"
)

// lossBlock is the number of elements each partial sum of a whole-tensor
// loss covers; the partials are added in order, so the result does not
// depend on the number of threads.
const lossBlock = 1 << 13

// lossCheck validates the params, the prediction and target [N, F], the
// output (want elements, formula) and, when dloss is not nil, the per-sample
// upstream gradient [N]. A gradient output (grad) may be the prediction or
// the target (in place); a loss output must be disjoint from them.
func lossCheck(op string, p kernels.LossParams, pred, target, dloss []float32, withDloss, grad bool, outName string, out []float32, formula string, dims ...int) error {
	if err := wrapParams(op, p.Validate()); err != nil {
		return err
	}
	if err := kernels.CheckLen(op, "prediction", len(pred), "N*F", p.N, p.F); err != nil {
		return err
	}
	if err := kernels.CheckLen(op, "target", len(target), "N*F", p.N, p.F); err != nil {
		return err
	}
	if withDloss {
		if err := kernels.CheckLen(op, "per-sample loss gradient", len(dloss), "N", p.N); err != nil {
			return err
		}
	}
	if err := kernels.CheckLen(op, outName, len(out), formula, dims...); err != nil {
		return err
	}
	o := named{outName, out}
	if grad {
		if err := checkInPlace(op, o, named{"prediction", pred}, named{"target", target}); err != nil {
			return err
		}
		return checkDisjoint(op, o, named{"per-sample loss gradient", dloss})
	}
	return checkDisjoint(op, o, named{"prediction", pred}, named{"target", target}, named{"per-sample loss gradient", dloss})
}

// mseSum returns Σ (x−y)² in float64.
func mseSum(x, y []float32) float64 {
	y = y[:len(x)]
	var s0, s1 float64
	i := 0
	for ; i+1 < len(x); i += 2 {
		d0 := float64(x[i]) - float64(y[i])
		d1 := float64(x[i+1]) - float64(y[i+1])
		s0 += d0 * d0
		s1 += d1 * d1
	}
	if i < len(x) {
		d0 := float64(x[i]) - float64(y[i])
		s0 += d0 * d0
	}
	return s0 + s1
}

// bceSum returns Σ ℓ(x, y) in float64, ℓ(x, y) = max(x, 0) − x·y +
// log1p(exp(−|x|)) (the stable form of the reference).
func bceSum(x, y []float32) float64 {
	y = y[:len(x)]
	s := 0.0
	for i, xv := range x {
		v := float64(xv)
		s += math.Max(v, 0) - v*float64(y[i]) + math.Log1p(math.Exp(-math.Abs(v)))
	}
	return s
}

// lossMean sets out[0] = sum(pred, target)/(N·F).
func (d *Device) lossMean(p kernels.LossParams, pred, target, out []float32, grain int, sum func(x, y []float32) float64) {
	n := p.N * p.F
	blocks := (n + lossBlock - 1) / lossBlock
	partial := make([]float64, blocks)
	d.parallel(blocks, max(1, grain/lossBlock), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			e := min((b+1)*lossBlock, n)
			partial[b] = sum(pred[b*lossBlock:e], target[b*lossBlock:e])
		}
	})
	t := 0.0
	for _, s := range partial {
		t += s
	}
	out[0] = float32(t / float64(n))
}

// lossPerSample sets out[n] = sum(pred[n], target[n])/F.
func (d *Device) lossPerSample(p kernels.LossParams, pred, target, out []float32, grain int, sum func(x, y []float32) float64) {
	f := p.F
	d.parallel(p.N, max(1, grain/f), func(lo, hi int) {
		for n := lo; n < hi; n++ {
			out[n] = float32(sum(pred[n*f:(n+1)*f], target[n*f:(n+1)*f]) / float64(f))
		}
	})
}

// lossKind is one loss of the package: its op name, the grain of its
// parallel loops, its block sum and its gradient, and the constant factor
// of the gradient (∂ℓ/∂x = factor·deriv).
type lossKind struct {
	op     string
	grain  int
	sum    func(x, y []float32) float64
	deriv  func(x, y, g []float32, w float64)
	factor float64
}

var (
	mseKind = lossKind{op: opMSE, grain: grainStream, sum: mseSum, deriv: mseGrad, factor: 2}
	bceKind = lossKind{op: opBCE, grain: grainHeavy, sum: bceSum, deriv: bceGrad, factor: 1}
)

// lossMeanOf checks the arguments and sets out[0] to the loss's mean over all
// N·F elements.
func (d *Device) lossMeanOf(l lossKind, p kernels.LossParams, pred, target, out []float32) error {
	if err := lossCheck(l.op, p, pred, target, nil, false, false, "output", out, "1"); err != nil {
		return err
	}
	d.lossMean(p, pred, target, out, l.grain, l.sum)
	return nil
}

// lossPerSampleOf checks the arguments and sets out[n] to the loss's mean
// over sample n.
func (d *Device) lossPerSampleOf(l lossKind, p kernels.LossParams, pred, target, out []float32) error {
	if err := lossCheck(l.op, p, pred, target, nil, false, false, "output", out, "N", p.N); err != nil {
		return err
	}
	d.lossPerSample(p, pred, target, out, l.grain, l.sum)
	return nil
}

// lossMeanGradOf checks the arguments and sets grad to the gradient of
// lossMeanOf w.r.t. pred, factor/(N·F)·deriv.
func (d *Device) lossMeanGradOf(l lossKind, p kernels.LossParams, pred, target, grad []float32) error {
	if err := lossCheck(l.op, p, pred, target, nil, false, true, "gradient", grad, "N*F", p.N, p.F); err != nil {
		return err
	}
	d.lossGrad(p, pred, target, nil, l.factor/float64(p.N*p.F), l.grain, grad, l.deriv)
	return nil
}

// lossPerSampleGradOf checks the arguments and sets grad to the gradient
// w.r.t. pred of Σ_n dloss[n]·lossPerSampleOf[n], dloss[n]·factor/F·deriv.
func (d *Device) lossPerSampleGradOf(l lossKind, p kernels.LossParams, pred, target, dloss, grad []float32) error {
	if err := lossCheck(l.op, p, pred, target, dloss, true, true, "gradient", grad, "N*F", p.N, p.F); err != nil {
		return err
	}
	d.lossGrad(p, pred, target, dloss, l.factor/float64(p.F), l.grain, grad, l.deriv)
	return nil
}

// MSELoss sets out[0] to the mean squared error over all N·F elements
// (kernels.MSELoss).
func (d *Device) MSELoss(p kernels.LossParams, pred, target, out []float32) error {
	return d.lossMeanOf(mseKind, p, pred, target, out)
}

// MSELossPerSample sets out[n] = (1/F) Σ_f (pred[n,f] − target[n,f])²
// (kernels.MSELossPerSample).
func (d *Device) MSELossPerSample(p kernels.LossParams, pred, target, out []float32) error {
	return d.lossPerSampleOf(mseKind, p, pred, target, out)
}

// BCEWithLogitsLoss sets out[0] to the mean binary cross-entropy of the
// logits pred against target over all N·F elements
// (kernels.BCEWithLogitsLoss).
func (d *Device) BCEWithLogitsLoss(p kernels.LossParams, pred, target, out []float32) error {
	return d.lossMeanOf(bceKind, p, pred, target, out)
}

// BCEWithLogitsLossPerSample sets out[n] to the mean binary cross-entropy of
// sample n (kernels.BCEWithLogitsLossPerSample).
func (d *Device) BCEWithLogitsLossPerSample(p kernels.LossParams, pred, target, out []float32) error {
	return d.lossPerSampleOf(bceKind, p, pred, target, out)
}

// MSELossGrad sets grad to the gradient of MSELoss w.r.t. pred
// (kernels.MSELossGrad): grad[n,f] = 2·(pred[n,f] − target[n,f])/(N·F).
// grad may be pred or target.
func (d *Device) MSELossGrad(p kernels.LossParams, pred, target, grad []float32) error {
	return d.lossMeanGradOf(mseKind, p, pred, target, grad)
}

// MSELossPerSampleGrad sets grad to the gradient w.r.t. pred of
// Σ_n dloss[n]·MSELossPerSample[n] (kernels.MSELossPerSampleGrad):
// grad[n,f] = dloss[n]·2·(pred[n,f] − target[n,f])/F. grad may be pred or
// target.
func (d *Device) MSELossPerSampleGrad(p kernels.LossParams, pred, target, dloss, grad []float32) error {
	return d.lossPerSampleGradOf(mseKind, p, pred, target, dloss, grad)
}

// BCEWithLogitsLossGrad sets grad to the gradient of BCEWithLogitsLoss
// w.r.t. the logits pred (kernels.BCEWithLogitsLossGrad):
// grad[n,f] = (sigmoid(pred[n,f]) − target[n,f])/(N·F). grad may be pred or
// target.
func (d *Device) BCEWithLogitsLossGrad(p kernels.LossParams, pred, target, grad []float32) error {
	return d.lossMeanGradOf(bceKind, p, pred, target, grad)
}

// BCEWithLogitsLossPerSampleGrad sets grad to the gradient w.r.t. the logits
// pred of Σ_n dloss[n]·BCEWithLogitsLossPerSample[n]
// (kernels.BCEWithLogitsLossPerSampleGrad):
// grad[n,f] = dloss[n]·(sigmoid(pred[n,f]) − target[n,f])/F. grad may be
// pred or target.
func (d *Device) BCEWithLogitsLossPerSampleGrad(p kernels.LossParams, pred, target, dloss, grad []float32) error {
	return d.lossPerSampleGradOf(bceKind, p, pred, target, dloss, grad)
}

// mseGrad sets g = float32(w·(x − y)).
func mseGrad(x, y, g []float32, w float64) {
	x, y = x[:len(g)], y[:len(g)]
	for i := range g {
		g[i] = float32(w * (float64(x[i]) - float64(y[i])))
	}
}

// bceGrad sets g = float32(w·(sigmoid(x) − y)).
func bceGrad(x, y, g []float32, w float64) {
	x, y = x[:len(g)], y[:len(g)]
	for i := range g {
		g[i] = float32(w * (sigmoid(float64(x[i])) - float64(y[i])))
	}
}

// lossGrad sets grad over the flat elements with the weight scale (times
// dloss[n] for sample n when dloss is not nil), calling deriv once per run
// of elements of one sample.
func (d *Device) lossGrad(p kernels.LossParams, pred, target, dloss []float32, scale float64, grain int, grad []float32, deriv func(x, y, g []float32, w float64)) {
	f := p.F
	d.parallel(p.N*f, grain, func(lo, hi int) {
		for lo < hi {
			n := lo / f
			e := min(hi, (n+1)*f)
			w := scale
			if dloss != nil {
				w *= float64(dloss[n])
			}
			deriv(pred[lo:e], target[lo:e], grad[lo:e], w)
			lo = e
		}
	})
}
