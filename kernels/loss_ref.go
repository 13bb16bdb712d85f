package kernels

import "math"

// LossParams gives the shape of the prediction and target of a loss: N
// samples of F features each (F = C·H·W for images), both [N, F] flat.
type LossParams struct {
	N, F int
}

const OpLoss = "loss"

// Validate reports the first field that is not >= 1.
func (p LossParams) Validate() error {
	return requirePositive(OpLoss, field{"N", p.N}, field{"F", p.F})
}

func (p LossParams) check(op string, pred, target []float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := CheckLen(op, "prediction", len(pred), "N*F", p.N, p.F); err != nil {
		return err
	}
	return CheckLen(op, "target", len(target), "N*F", p.N, p.F)
}

func (p LossParams) checkUpstream(op string, dloss []float32) error {
	return CheckLen(op, "per-sample loss gradient", len(dloss), "N", p.N)
}

const (
	OpMSE = "mse_loss"
	OpBCE = "bce_with_logits_loss"
)

// mseTerm and bceTerm are the per-element losses.
func mseTerm(x, y float64) float64 { d := x - y; return d * d }

func bceTerm(x, y float64) float64 {
	return math.Max(x, 0) - x*y + math.Log1p(math.Exp(-math.Abs(x)))
}

// perSampleSums returns Σ_f term(pred[n,f], target[n,f]) for each sample n.
func perSampleSums[T float](p LossParams, pred, target []T, term func(x, y float64) float64) []float64 {
	s := make([]float64, p.N)
	for n := 0; n < p.N; n++ {
		for f := n * p.F; f < (n+1)*p.F; f++ {
			s[n] += term(float64(pred[f]), float64(target[f]))
		}
	}
	return s
}

// lossMean returns (1/(N·F)) Σ_{n,f} term(pred, target) in float64.
func lossMean[T float](p LossParams, pred, target []T, term func(x, y float64) float64) float64 {
	t := 0.0
	for _, s := range perSampleSums(p, pred, target, term) {
		t += s
	}
	return t / float64(p.N*p.F)
}

// lossPerSample returns (1/F) Σ_f term(pred[n,f], target[n,f]) for each n in float64.
func lossPerSample[T float](p LossParams, pred, target []T, term func(x, y float64) float64) []float64 {
	s := perSampleSums(p, pred, target, term)
	for n := range s {
		s[n] /= float64(p.F)
	}
	return s
}

// elementLoss is a per-element loss ℓ(x, y) of a prediction x against a
// target y, with what its mean and per-sample forms and their gradients need.
type elementLoss struct {
	op     string
	term   func(x, y float64) float64 // ℓ(x, y)
	deriv  func(x, y float64) float64 // ∂ℓ/∂x up to the constant factor
	factor float64                    // ∂ℓ/∂x = factor·deriv
}

var (
	mseLoss = elementLoss{op: OpMSE, term: mseTerm, deriv: func(x, y float64) float64 { return x - y }, factor: 2}
	bceLoss = elementLoss{op: OpBCE, term: bceTerm, deriv: bceDeriv, factor: 1}
)

// mean returns (1/(N·F)) Σ_{n,f} ℓ(pred[n,f], target[n,f]).
func (l elementLoss) mean(p LossParams, pred, target []float32) (float32, error) {
	if err := p.check(l.op, pred, target); err != nil {
		return 0, err
	}
	return float32(lossMean(p, pred, target, l.term)), nil
}

// perSample returns N values, L[n] = (1/F) Σ_f ℓ(pred[n,f], target[n,f]).
func (l elementLoss) perSample(p LossParams, pred, target []float32) ([]float32, error) {
	if err := p.check(l.op, pred, target); err != nil {
		return nil, err
	}
	return round32(lossPerSample(p, pred, target, l.term)), nil
}

// meanGrad returns the gradient of mean w.r.t. pred,
// d[n,f] = (factor/(N·F))·deriv(pred[n,f], target[n,f]).
func (l elementLoss) meanGrad(p LossParams, pred, target []float32) ([]float32, error) {
	if err := p.check(l.op, pred, target); err != nil {
		return nil, err
	}
	scale := l.factor / float64(p.N*p.F)
	return lossGrad(pred, target, func(n int) float64 { return scale }, l.deriv, p.F), nil
}

// perSampleGrad returns the gradient w.r.t. pred of Σ_n dloss[n]·L[n],
// L = perSample: d[n,f] = dloss[n]·(factor/F)·deriv(pred[n,f], target[n,f]).
func (l elementLoss) perSampleGrad(p LossParams, pred, target, dloss []float32) ([]float32, error) {
	if err := p.check(l.op, pred, target); err != nil {
		return nil, err
	}
	if err := p.checkUpstream(l.op, dloss); err != nil {
		return nil, err
	}
	scale := l.factor / float64(p.F)
	return lossGrad(pred, target, func(n int) float64 { return float64(dloss[n]) * scale }, l.deriv, p.F), nil
}

// MSELoss returns the mean squared error over all N·F elements:
// L = (1/(N·F)) Σ_{n,f} (pred[n,f] − target[n,f])².
func MSELoss(p LossParams, pred, target []float32) (float32, error) {
	return mseLoss.mean(p, pred, target)
}

// MSELossPerSample returns N values, L[n] = (1/F) Σ_f (pred[n,f] − target[n,f])².
func MSELossPerSample(p LossParams, pred, target []float32) ([]float32, error) {
	return mseLoss.perSample(p, pred, target)
}

// MSELossGrad returns the gradient of MSELoss w.r.t. pred:
// d[n,f] = 2·(pred[n,f] − target[n,f])/(N·F).
func MSELossGrad(p LossParams, pred, target []float32) ([]float32, error) {
	return mseLoss.meanGrad(p, pred, target)
}

// MSELossPerSampleGrad returns the gradient w.r.t. pred of Σ_n dloss[n]·L[n],
// L = MSELossPerSample, i.e. d[n,f] = dloss[n]·2·(pred[n,f] − target[n,f])/F.
// dloss [N] is the upstream gradient of each sample's loss.
func MSELossPerSampleGrad(p LossParams, pred, target, dloss []float32) ([]float32, error) {
	return mseLoss.perSampleGrad(p, pred, target, dloss)
}

// BCEWithLogitsLoss returns the mean binary cross-entropy of logits x against
// targets y (PyTorch binary_cross_entropy_with_logits, reduction "mean"),
// using the numerically stable per-element form
//
//	ℓ(x, y) = max(x, 0) − x·y + log1p(exp(−|x|))
//	L = (1/(N·F)) Σ_{n,f} ℓ(x[n,f], y[n,f])
//
// Targets are normally in [0, 1]; they are not checked.
func BCEWithLogitsLoss(p LossParams, logits, target []float32) (float32, error) {
	return bceLoss.mean(p, logits, target)
}

// BCEWithLogitsLossPerSample returns N values, L[n] = (1/F) Σ_f ℓ(x[n,f], y[n,f])
// (ℓ as in BCEWithLogitsLoss).
func BCEWithLogitsLossPerSample(p LossParams, logits, target []float32) ([]float32, error) {
	return bceLoss.perSample(p, logits, target)
}

// BCEWithLogitsLossGrad returns the gradient of BCEWithLogitsLoss w.r.t. the
// logits: d[n,f] = (sigmoid(x[n,f]) − y[n,f])/(N·F).
func BCEWithLogitsLossGrad(p LossParams, logits, target []float32) ([]float32, error) {
	return bceLoss.meanGrad(p, logits, target)
}

// BCEWithLogitsLossPerSampleGrad returns the gradient w.r.t. the logits of
// Σ_n dloss[n]·L[n], L = BCEWithLogitsLossPerSample, i.e.
// d[n,f] = dloss[n]·(sigmoid(x[n,f]) − y[n,f])/F.
func BCEWithLogitsLossPerSampleGrad(p LossParams, logits, target, dloss []float32) ([]float32, error) {
	return bceLoss.perSampleGrad(p, logits, target, dloss)
}

func bceDeriv(x, y float64) float64 { return sigmoid(x) - y }

// lossGrad returns float32(weight(n)·deriv(pred[i], target[i])) for each
// element i of sample n = i/f.
func lossGrad(pred, target []float32, weight func(n int) float64, deriv func(x, y float64) float64, f int) []float32 {
	g := make([]float32, len(pred))
	for i := range pred {
		g[i] = float32(weight(i/f) * deriv(float64(pred[i]), float64(target[i])))
	}
	return g
}
