package kernels

import (
	"fmt"
	"math"
)

// Defaults of PyTorch's BatchNorm layers.
const (
	DefaultBatchNormEps      float32 = 1e-5
	DefaultBatchNormMomentum float32 = 0.1
)

// BatchNormParams describes batch normalisation over the channels of an NCHW
// tensor x [N, C, H, W] (PyTorch BatchNorm2d), or over the features of a dense
// tensor x [N, C] by setting H = W = 1 (PyTorch BatchNorm1d). The statistics
// of channel c are taken over the M = N·H·W elements x[n,c,h,w] for all n, h, w.
//
//	gamma, beta                [C]  affine scale and shift
//	running mean, running var  [C]
//	output y                   [N, C, H, W] (same shape as x)
//
// Eps is added to the variance; Momentum weights the new batch statistic in
// the running-statistic update. Use NewBatchNorm2DParams or
// NewBatchNorm1DParams to get the PyTorch defaults (1e-5, 0.1).
type BatchNormParams struct {
	N, C, H, W int
	Eps        float32 // > 0
	Momentum   float32 // in [0, 1]
}

// BatchNormSaved is what the train-mode forward pass keeps for the backward
// pass, per channel: the batch mean and the inverse standard deviation
// 1/sqrt(var_biased + Eps), each rounded to float32.
type BatchNormSaved struct {
	Mean   []float32 // [C]
	InvStd []float32 // [C]
}

const OpBatchNorm = "batch_norm"

// NewBatchNorm2DParams returns parameters for x [n, c, h, w] with the default
// Eps and Momentum.
func NewBatchNorm2DParams(n, c, h, w int) BatchNormParams {
	return BatchNormParams{N: n, C: c, H: h, W: w, Eps: DefaultBatchNormEps, Momentum: DefaultBatchNormMomentum}
}

// NewBatchNorm1DParams returns parameters for dense features x [n, c]
// (H = W = 1) with the default Eps and Momentum.
func NewBatchNorm1DParams(n, c int) BatchNormParams {
	return NewBatchNorm2DParams(n, c, 1, 1)
}

// Validate reports the first invalid field: sizes must be >= 1, Eps > 0 and
// finite, Momentum in [0, 1].
func (p BatchNormParams) Validate() error {
	const op = OpBatchNorm
	if err := requirePositive(op, field{"N", p.N}, field{"C", p.C}, field{"H", p.H}, field{"W", p.W}); err != nil {
		return err
	}
	if !(p.Eps > 0) || math.IsInf(float64(p.Eps), 0) {
		return fmt.Errorf("%s: Eps must be > 0 and finite, got %v (the PyTorch default is %v)", op, p.Eps, DefaultBatchNormEps)
	}
	if !(p.Momentum >= 0 && p.Momentum <= 1) {
		return fmt.Errorf("%s: Momentum must be in [0, 1], got %v", op, p.Momentum)
	}
	return nil
}

// OutputShape returns [N, C, H, W], the shape of both x and y.
func (p BatchNormParams) OutputShape() [4]int { return [4]int{p.N, p.C, p.H, p.W} }

func (p BatchNormParams) Count() int { return p.N * p.H * p.W }

func (p BatchNormParams) checkX(name string, x []float32) error {
	return CheckLen(OpBatchNorm, name, len(x), "N*C*H*W", p.N, p.C, p.H, p.W)
}

func (p BatchNormParams) checkPerChannel(name string, v []float32) error {
	return CheckLen(OpBatchNorm, name, len(v), "C", p.C)
}

func (p BatchNormParams) ValidateTrain() error {
	if m := p.Count(); m < 2 {
		return fmt.Errorf("%s: training needs more than 1 value per channel, got N*H*W = %d*%d*%d = %d", OpBatchNorm, p.N, p.H, p.W, m)
	}
	return nil
}

// BatchNormTrainForward normalises x with the statistics of the batch and
// returns y together with the values the backward pass needs. For channel c,
// with M = N·H·W:
//
//	mean[c]   = (1/M) Σ_{n,h,w} x[n,c,h,w]
//	var[c]    = (1/M) Σ_{n,h,w} (x[n,c,h,w] − mean[c])²          (biased)
//	y[n,c,h,w] = gamma[c] · (x[n,c,h,w] − mean[c]) / sqrt(var[c] + Eps) + beta[c]
//
// y is computed from the unrounded float64 mean and variance. The running
// statistics are updated in place (PyTorch rule, unbiased variance; M must
// be >= 2):
//
//	runningMean[c] = (1 − Momentum)·runningMean[c] + Momentum·mean[c]
//	runningVar[c]  = (1 − Momentum)·runningVar[c]  + Momentum·var[c]·M/(M − 1)
//
// The returned BatchNormSaved holds float32(mean[c]) and
// float32(1/sqrt(var[c] + Eps)). Nothing is modified when an error is returned.
func BatchNormTrainForward(p BatchNormParams, x, gamma, beta, runningMean, runningVar []float32) ([]float32, BatchNormSaved, error) {
	if err := p.Validate(); err != nil {
		return nil, BatchNormSaved{}, err
	}
	if err := p.ValidateTrain(); err != nil {
		return nil, BatchNormSaved{}, err
	}
	if err := checkEachNamed(p.checkPerChannel, namedSlice{"gamma", gamma}, namedSlice{"beta", beta},
		namedSlice{"running mean", runningMean}, namedSlice{"running var", runningVar}); err != nil {
		return nil, BatchNormSaved{}, err
	}
	if err := p.checkX("input", x); err != nil {
		return nil, BatchNormSaved{}, err
	}
	y, mean, variance := batchNormTrainForward(p, x, gamma, beta)
	m := float64(p.Momentum)
	unbias := float64(p.Count()) / float64(p.Count()-1)
	saved := BatchNormSaved{Mean: make([]float32, p.C), InvStd: make([]float32, p.C)}
	for c := 0; c < p.C; c++ {
		saved.Mean[c] = float32(mean[c])
		saved.InvStd[c] = float32(1 / math.Sqrt(variance[c]+float64(p.Eps)))
		runningMean[c] = float32((1-m)*float64(runningMean[c]) + m*mean[c])
		runningVar[c] = float32((1-m)*float64(runningVar[c]) + m*variance[c]*unbias)
	}
	return round32(y), saved, nil
}

// batchNormTrainForward is the float64 body of BatchNormTrainForward without
// the running-statistic update; it returns y and the per-channel batch mean
// and biased variance. Arguments are assumed valid.
func batchNormTrainForward[T float](p BatchNormParams, x, gamma, beta []T) (y, mean, variance []float64) {
	hw, m := p.H*p.W, float64(p.Count())
	y = make([]float64, len(x))
	mean = make([]float64, p.C)
	variance = make([]float64, p.C)
	for c := 0; c < p.C; c++ {
		s := 0.0
		for n := 0; n < p.N; n++ {
			for _, v := range x[(n*p.C+c)*hw : (n*p.C+c+1)*hw] {
				s += float64(v)
			}
		}
		mu := s / m
		ss := 0.0
		for n := 0; n < p.N; n++ {
			for _, v := range x[(n*p.C+c)*hw : (n*p.C+c+1)*hw] {
				d := float64(v) - mu
				ss += d * d
			}
		}
		vr := ss / m
		mean[c], variance[c] = mu, vr
		inv := 1 / math.Sqrt(vr+float64(p.Eps))
		g, b := float64(gamma[c]), float64(beta[c])
		for n := 0; n < p.N; n++ {
			for i := (n*p.C + c) * hw; i < (n*p.C+c+1)*hw; i++ {
				y[i] = g*(float64(x[i])-mu)*inv + b
			}
		}
	}
	return y, mean, variance
}

// BatchNormTrainBackward returns the gradients of the train-mode forward
// pass, given the forward input x, gamma, the saved statistics and the output
// gradient dy. With M = N·H·W, xhat = (x − saved.Mean[c])·saved.InvStd[c] and
// sums over n, h, w of channel c:
//
//	dbeta[c]  = Σ dy
//	dgamma[c] = Σ dy·xhat
//	dx        = gamma[c]·saved.InvStd[c] · (dy − dbeta[c]/M − xhat·dgamma[c]/M)
//
// This includes the gradient flowing through the batch mean and variance.
func BatchNormTrainBackward(p BatchNormParams, x, gamma []float32, saved BatchNormSaved, dy []float32) (dx, dgamma, dbeta []float32, err error) {
	if err := p.Validate(); err != nil {
		return nil, nil, nil, err
	}
	if err := p.ValidateTrain(); err != nil {
		return nil, nil, nil, err
	}
	if err := checkEachNamed(p.checkPerChannel,
		namedSlice{"gamma", gamma}, namedSlice{"saved mean", saved.Mean}, namedSlice{"saved inv std", saved.InvStd}); err != nil {
		return nil, nil, nil, err
	}
	if err := p.checkX("input", x); err != nil {
		return nil, nil, nil, err
	}
	if err := p.checkX("grad output", dy); err != nil {
		return nil, nil, nil, err
	}
	hw, m := p.H*p.W, float64(p.Count())
	dx64 := make([]float64, len(x))
	dg := make([]float64, p.C)
	db := make([]float64, p.C)
	for c := 0; c < p.C; c++ {
		mu, inv := float64(saved.Mean[c]), float64(saved.InvStd[c])
		for n := 0; n < p.N; n++ {
			for i := (n*p.C + c) * hw; i < (n*p.C+c+1)*hw; i++ {
				g := float64(dy[i])
				db[c] += g
				dg[c] += g * (float64(x[i]) - mu) * inv
			}
		}
		k := float64(gamma[c]) * inv
		for n := 0; n < p.N; n++ {
			for i := (n*p.C + c) * hw; i < (n*p.C+c+1)*hw; i++ {
				xhat := (float64(x[i]) - mu) * inv
				dx64[i] = k * (float64(dy[i]) - db[c]/m - xhat*dg[c]/m)
			}
		}
	}
	return round32(dx64), round32(dg), round32(db), nil
}

// BatchNormEvalForward normalises x with the running statistics:
//
//	y[n,c,h,w] = gamma[c] · (x[n,c,h,w] − runningMean[c]) / sqrt(runningVar[c] + Eps) + beta[c]
//
// Nothing is updated. Any N·H·W >= 1 is allowed.
func BatchNormEvalForward(p BatchNormParams, x, gamma, beta, runningMean, runningVar []float32) ([]float32, error) {
	if err := p.checkEval(x, gamma, runningMean, runningVar); err != nil {
		return nil, err
	}
	if err := p.checkPerChannel("beta", beta); err != nil {
		return nil, err
	}
	return round32(batchNormEvalForward(p, x, gamma, beta, runningMean, runningVar)), nil
}

func (p BatchNormParams) checkEval(x, gamma, runningMean, runningVar []float32) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := checkEachNamed(p.checkPerChannel,
		namedSlice{"gamma", gamma}, namedSlice{"running mean", runningMean}, namedSlice{"running var", runningVar}); err != nil {
		return err
	}
	for c, v := range runningVar {
		if !(float64(v)+float64(p.Eps) > 0) {
			return fmt.Errorf("%s: running var[%d] + Eps = %v is not > 0", OpBatchNorm, c, float64(v)+float64(p.Eps))
		}
	}
	return p.checkX("input", x)
}

// batchNormEvalForward is the float64 body of BatchNormEvalForward; arguments
// are assumed valid.
func batchNormEvalForward[T float](p BatchNormParams, x, gamma, beta, runningMean, runningVar []T) []float64 {
	hw := p.H * p.W
	y := make([]float64, len(x))
	for c := 0; c < p.C; c++ {
		inv := 1 / math.Sqrt(float64(runningVar[c])+float64(p.Eps))
		mu, g, b := float64(runningMean[c]), float64(gamma[c]), float64(beta[c])
		for n := 0; n < p.N; n++ {
			for i := (n*p.C + c) * hw; i < (n*p.C+c+1)*hw; i++ {
				y[i] = g*(float64(x[i])-mu)*inv + b
			}
		}
	}
	return y
}

// BatchNormEvalBackward returns the gradients of the eval-mode forward pass
// (statistics fixed), with inv = 1/sqrt(runningVar[c] + Eps) and sums over
// n, h, w of channel c:
//
//	dx        = dy · gamma[c] · inv
//	dgamma[c] = Σ dy · (x − runningMean[c]) · inv
//	dbeta[c]  = Σ dy
func BatchNormEvalBackward(p BatchNormParams, x, gamma, runningMean, runningVar, dy []float32) (dx, dgamma, dbeta []float32, err error) {
	if err := p.checkEval(x, gamma, runningMean, runningVar); err != nil {
		return nil, nil, nil, err
	}
	if err := p.checkX("grad output", dy); err != nil {
		return nil, nil, nil, err
	}
	hw := p.H * p.W
	dx64 := make([]float64, len(x))
	dg := make([]float64, p.C)
	db := make([]float64, p.C)
	for c := 0; c < p.C; c++ {
		inv := 1 / math.Sqrt(float64(runningVar[c])+float64(p.Eps))
		mu, g := float64(runningMean[c]), float64(gamma[c])
		for n := 0; n < p.N; n++ {
			for i := (n*p.C + c) * hw; i < (n*p.C+c+1)*hw; i++ {
				d := float64(dy[i])
				dx64[i] = d * g * inv
				dg[c] += d * (float64(x[i]) - mu) * inv
				db[c] += d
			}
		}
	}
	return round32(dx64), round32(dg), round32(db), nil
}
