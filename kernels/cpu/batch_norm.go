package cpu

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/kernels"
)

// Batch normalisation (batch_norm_ref.go) over x viewed as [N, C, HW]; dense
// features are HW = 1. Per-channel sums over the N·H·W values of a channel
// accumulate in float64 (about 15% slower than float32 sums for the
// statistics pass at 64x64x14x14, and accurate for any batch), and each output
// element is computed in float64 from its float32 inputs and rounded once,
// so the train backward pass stays accurate where its terms cancel (at
// N·H·W = 2, dx is O(Eps/var) times its terms).

const (
	opBNTrainForward  = "batch_norm train forward"
	opBNEvalForward   = "batch_norm eval forward"
	opBNTrainBackward = "batch_norm train backward"
	opBNEvalBackward  = "batch_norm eval backward"
)

// bnArg is a slice argument of a batch-norm method: a tensor [N, C, H, W] or
// a per-channel vector [C]; an output must not overlap any other argument.
type bnArg struct {
	name       string
	v          []float32
	perChannel bool
	output     bool
}

// bnCheck validates the params and the arguments of a batch-norm method:
// train methods need N·H·W >= 2, every slice has its expected length, and
// outputs are disjoint from every other argument.
func bnCheck(op string, p kernels.BatchNormParams, train bool, args ...bnArg) error {
	if err := wrapParams(op, p.Validate()); err != nil {
		return err
	}
	if m := p.N * p.H * p.W; train && m < 2 {
		return fmt.Errorf("%s: training needs more than 1 value per channel, got N*H*W = %d*%d*%d = %d", op, p.N, p.H, p.W, m)
	}
	for _, a := range args {
		var err error
		if a.perChannel {
			err = kernels.CheckLen(op, a.name, len(a.v), "C", p.C)
		} else {
			err = kernels.CheckLen(op, a.name, len(a.v), "N*C*H*W", p.N, p.C, p.H, p.W)
		}
		if err != nil {
			return err
		}
	}
	for i, o := range args {
		if !o.output {
			continue
		}
		for j, a := range args {
			if i != j && overlaps(o.v, a.v) {
				return fmt.Errorf("%s: %s overlaps %s; an output must not alias another argument", op, o.name, a.name)
			}
		}
	}
	return nil
}

// checkRunningVar reports a channel whose running variance + Eps is not > 0.
func checkRunningVar(op string, p kernels.BatchNormParams, runningVar []float32) error {
	for c, v := range runningVar {
		if !(float64(v)+float64(p.Eps) > 0) {
			return fmt.Errorf("%s: running var[%d] + Eps = %v is not > 0", op, c, float64(v)+float64(p.Eps))
		}
	}
	return nil
}

// bnPieceMin is the fewest elements of one channel that a thread sums on its
// own when the channels are fewer than the threads.
const bnPieceMin = 1 << 12

// bnChannels runs a batch-norm kernel in three steps per channel c, each over
// the M = N·H·W elements of the channel indexed m = n·HW + hw:
//
//	s1, s2 := sum(c, 0, M)        (or the sum of sum over pieces of [0, M))
//	a, b := fin(c, s1, s2)
//	apply(c, m0, m1, a, b)        over pieces covering [0, M) (apply may be nil)
//
// It splits the work over channels, and over pieces of each channel when
// the channels are fewer than the threads.
func (d *Device) bnChannels(p kernels.BatchNormParams,
	sum func(c, m0, m1 int) (s1, s2 float64),
	fin func(c int, s1, s2 float64) (a, b float64),
	apply func(c, m0, m1 int, a, b float64)) {
	m := p.N * p.H * p.W
	pieces := 1
	if p.C < d.threads {
		pieces = min((d.threads+p.C-1)/p.C, m/bnPieceMin)
	}
	if pieces <= 1 {
		d.parallel(p.C, max(1, grainStream/m), func(lo, hi int) {
			for c := lo; c < hi; c++ {
				s1, s2 := sum(c, 0, m)
				a, b := fin(c, s1, s2)
				if apply != nil {
					apply(c, 0, m, a, b)
				}
			}
		})
		return
	}
	units := p.C * pieces
	piece := func(u int) (c, m0, m1 int) {
		c, k := u/pieces, u%pieces
		return c, m * k / pieces, m * (k + 1) / pieces
	}
	partial := make([]float64, 2*units)
	d.parallel(units, 1, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			c, m0, m1 := piece(u)
			partial[2*u], partial[2*u+1] = sum(c, m0, m1)
		}
	})
	ab := make([]float64, 2*p.C)
	for c := 0; c < p.C; c++ {
		var s1, s2 float64
		for u := c * pieces; u < (c+1)*pieces; u++ {
			s1 += partial[2*u]
			s2 += partial[2*u+1]
		}
		ab[2*c], ab[2*c+1] = fin(c, s1, s2)
	}
	if apply == nil {
		return
	}
	d.parallel(units, 1, func(lo, hi int) {
		for u := lo; u < hi; u++ {
			c, m0, m1 := piece(u)
			apply(c, m0, m1, ab[2*c], ab[2*c+1])
		}
	})
}

// bnRow returns the part [m, e) of the channel range [m, m1) that lies in one
// sample's contiguous HW block, and the flat index of element m of channel
// c: the element m+j of the channel is at i+j for j < e−m.
func bnRow(p kernels.BatchNormParams, c, m, m1 int) (i, e int) {
	hw := p.H * p.W
	n := m / hw
	return (n*p.C+c)*hw + m - n*hw, min(m1, (n+1)*hw)
}

// sumShifted returns Σ (x−k) and Σ (x−k)² in float64.
func sumShifted(x []float32, k float64) (s1, s2 float64) {
	var a0, a1, b0, b1 float64
	i := 0
	for ; i+1 < len(x); i += 2 {
		d0, d1 := float64(x[i])-k, float64(x[i+1])-k
		a0 += d0
		a1 += d1
		b0 += d0 * d0
		b1 += d1 * d1
	}
	if i < len(x) {
		d0 := float64(x[i]) - k
		a0 += d0
		b0 += d0 * d0
	}
	return a0 + a1, b0 + b1
}

// sumGrad returns Σ dy and Σ dy·(x−mu) in float64.
func sumGrad(dy, x []float32, mu float64) (s1, s2 float64) {
	x = x[:len(dy)]
	var a0, a1, b0, b1 float64
	i := 0
	for ; i+1 < len(dy); i += 2 {
		g0, g1 := float64(dy[i]), float64(dy[i+1])
		a0 += g0
		a1 += g1
		b0 += g0 * (float64(x[i]) - mu)
		b1 += g1 * (float64(x[i+1]) - mu)
	}
	if i < len(dy) {
		g0 := float64(dy[i])
		a0 += g0
		b0 += g0 * (float64(x[i]) - mu)
	}
	return a0 + a1, b0 + b1
}

// affine sets y = float32((x−mu)·k + b).
func affine(x, y []float32, mu, k, b float64) {
	x = x[:len(y)]
	for i, v := range x {
		y[i] = float32((float64(v)-mu)*k + b)
	}
}

// BatchNormTrainForward normalises x with the statistics of the batch
// (kernels.BatchNormTrainForward): it sets y, the saved mean and inverse
// standard deviation [C] for the backward pass, and updates runningMean and
// runningVar in place (momentum, unbiased variance). Nothing is modified
// when an error is returned.
func (d *Device) BatchNormTrainForward(p kernels.BatchNormParams, x, gamma, beta, runningMean, runningVar, y, savedMean, savedInvStd []float32) error {
	const op = opBNTrainForward
	if err := bnCheck(op, p, true,
		bnArg{"input x", x, false, false},
		bnArg{"gamma", gamma, true, false},
		bnArg{"beta", beta, true, false},
		bnArg{"running mean", runningMean, true, true},
		bnArg{"running var", runningVar, true, true},
		bnArg{"output y", y, false, true},
		bnArg{"saved mean", savedMean, true, true},
		bnArg{"saved inv std", savedInvStd, true, true}); err != nil {
		return err
	}
	m := p.N * p.H * p.W
	mf := float64(m)
	mom, unbias, eps := float64(p.Momentum), mf/float64(m-1), float64(p.Eps)
	hw := p.H * p.W
	d.bnChannels(p,
		func(c, m0, m1 int) (s1, s2 float64) {
			// Shifting by one value of the channel keeps Σ(x−k)² − (Σ(x−k))²/M
			// accurate when the mean is large against the spread.
			k := float64(x[c*hw])
			for m0 < m1 {
				i, e := bnRow(p, c, m0, m1)
				a, b := sumShifted(x[i:i+e-m0], k)
				s1 += a
				s2 += b
				m0 = e
			}
			return s1, s2
		},
		func(c int, s1, s2 float64) (mean, inv float64) {
			k := float64(x[c*hw])
			dm := s1 / mf
			mean = k + dm
			variance := max(s2/mf-dm*dm, 0)
			inv = 1 / math.Sqrt(variance+eps)
			savedMean[c] = float32(mean)
			savedInvStd[c] = float32(inv)
			runningMean[c] = float32((1-mom)*float64(runningMean[c]) + mom*mean)
			runningVar[c] = float32((1-mom)*float64(runningVar[c]) + mom*variance*unbias)
			return mean, inv
		},
		func(c, m0, m1 int, mean, inv float64) {
			k, b := float64(gamma[c])*inv, float64(beta[c])
			for m0 < m1 {
				i, e := bnRow(p, c, m0, m1)
				affine(x[i:i+e-m0], y[i:i+e-m0], mean, k, b)
				m0 = e
			}
		})
	return nil
}

// BatchNormEvalForward normalises x with the running statistics
// (kernels.BatchNormEvalForward) into y. Any N·H·W >= 1 is allowed.
func (d *Device) BatchNormEvalForward(p kernels.BatchNormParams, x, gamma, beta, runningMean, runningVar, y []float32) error {
	const op = opBNEvalForward
	if err := bnCheck(op, p, false,
		bnArg{"input x", x, false, false},
		bnArg{"gamma", gamma, true, false},
		bnArg{"beta", beta, true, false},
		bnArg{"running mean", runningMean, true, false},
		bnArg{"running var", runningVar, true, false},
		bnArg{"output y", y, false, true}); err != nil {
		return err
	}
	if err := checkRunningVar(op, p, runningVar); err != nil {
		return err
	}
	hw := p.H * p.W
	coef := make([]float64, 3*p.C)
	for c := range p.C {
		coef[3*c] = float64(runningMean[c])
		coef[3*c+1] = float64(gamma[c]) / math.Sqrt(float64(runningVar[c])+float64(p.Eps))
		coef[3*c+2] = float64(beta[c])
	}
	rows := p.N * p.C
	d.parallel(rows, max(1, grainStream/hw), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			c := r % p.C
			affine(x[r*hw:(r+1)*hw], y[r*hw:(r+1)*hw], coef[3*c], coef[3*c+1], coef[3*c+2])
		}
	})
	return nil
}

// BatchNormTrainBackward sets the gradients of the train-mode forward pass
// (kernels.BatchNormTrainBackward), dx [N, C, H, W] and dgamma, dbeta [C],
// given its input x, gamma, the saved mean and inverse standard deviation
// and the output gradient dy.
func (d *Device) BatchNormTrainBackward(p kernels.BatchNormParams, x, gamma, savedMean, savedInvStd, dy, dx, dgamma, dbeta []float32) error {
	const op = opBNTrainBackward
	if err := bnCheck(op, p, true,
		bnArg{"input x", x, false, false},
		bnArg{"gamma", gamma, true, false},
		bnArg{"saved mean", savedMean, true, false},
		bnArg{"saved inv std", savedInvStd, true, false},
		bnArg{"grad output dy", dy, false, false},
		bnArg{"grad input dx", dx, false, true},
		bnArg{"grad gamma", dgamma, true, true},
		bnArg{"grad beta", dbeta, true, true}); err != nil {
		return err
	}
	mf := float64(p.N * p.H * p.W)
	d.bnChannels(p,
		func(c, m0, m1 int) (s1, s2 float64) {
			mu := float64(savedMean[c])
			for m0 < m1 {
				i, e := bnRow(p, c, m0, m1)
				a, b := sumGrad(dy[i:i+e-m0], x[i:i+e-m0], mu)
				s1 += a
				s2 += b
				m0 = e
			}
			return s1, s2
		},
		func(c int, sdy, sdyx float64) (db, dg float64) {
			db, dg = sdy, sdyx*float64(savedInvStd[c])
			dbeta[c] = float32(db)
			dgamma[c] = float32(dg)
			return db, dg
		},
		func(c, m0, m1 int, db, dg float64) {
			mu, inv := float64(savedMean[c]), float64(savedInvStd[c])
			// dx = k·(dy − db/M − xhat·dg/M), xhat = (x − mu)·inv.
			k, a, b := float64(gamma[c])*inv, db/mf, dg/mf*inv
			for m0 < m1 {
				i, e := bnRow(p, c, m0, m1)
				n := e - m0
				xs, g, out := x[i:i+n], dy[i:i+n], dx[i:i+n]
				for j := range out {
					out[j] = float32(k * (float64(g[j]) - a - (float64(xs[j])-mu)*b))
				}
				m0 = e
			}
		})
	return nil
}

// BatchNormEvalBackward sets the gradients of the eval-mode forward pass
// (kernels.BatchNormEvalBackward), dx [N, C, H, W] and dgamma, dbeta [C],
// given its input x, gamma, the running statistics and the output gradient
// dy.
func (d *Device) BatchNormEvalBackward(p kernels.BatchNormParams, x, gamma, runningMean, runningVar, dy, dx, dgamma, dbeta []float32) error {
	const op = opBNEvalBackward
	if err := bnCheck(op, p, false,
		bnArg{"input x", x, false, false},
		bnArg{"gamma", gamma, true, false},
		bnArg{"running mean", runningMean, true, false},
		bnArg{"running var", runningVar, true, false},
		bnArg{"grad output dy", dy, false, false},
		bnArg{"grad input dx", dx, false, true},
		bnArg{"grad gamma", dgamma, true, true},
		bnArg{"grad beta", dbeta, true, true}); err != nil {
		return err
	}
	if err := checkRunningVar(op, p, runningVar); err != nil {
		return err
	}
	eps := float64(p.Eps)
	d.bnChannels(p,
		func(c, m0, m1 int) (s1, s2 float64) {
			mu := float64(runningMean[c])
			k := float64(gamma[c]) / math.Sqrt(float64(runningVar[c])+eps)
			for m0 < m1 {
				i, e := bnRow(p, c, m0, m1)
				n := e - m0
				g, out := dy[i:i+n], dx[i:i+n]
				for j := range out {
					out[j] = float32(float64(g[j]) * k)
				}
				a, b := sumGrad(g, x[i:i+n], mu)
				s1 += a
				s2 += b
				m0 = e
			}
			return s1, s2
		},
		func(c int, sdy, sdyx float64) (float64, float64) {
			dbeta[c] = float32(sdy)
			dgamma[c] = float32(sdyx / math.Sqrt(float64(runningVar[c])+eps))
			return 0, 0
		},
		nil)
	return nil
}
