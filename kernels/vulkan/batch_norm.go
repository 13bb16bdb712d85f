package vulkan

import (
	"fmt"
	"math"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Batch normalisation on the device. Four shaders, over x viewed as [N, C, HW]
// (dense features are HW = 1):
//
//	batch_norm_stats     one workgroup per channel: the mean, then the biased
//	                     variance about it (two passes over the channel, fp32
//	                     two-level per-invocation sums + subgroup sums);
//	                     writes the saved mean / inverse std and updates the
//	                     running statistics
//	batch_norm_fwd       y from gamma, beta and the saved (train) or running
//	                     (eval, constant 1 = 1) statistics; grid = channels ×
//	                     slices of N·H·W
//	batch_norm_bwd       train backward, one workgroup per channel: Σdy and
//	                     Σdy·(x − mean) in float-float, then dx in float-float
//	                     (at N·H·W = 2 dx is O(Eps/var) times its terms)
//	batch_norm_eval_bwd  eval backward, one workgroup per channel, one pass: dx,
//	                     Σdy and Σdy·(x − mean)
//
// The per-channel shaders sum across a workgroup with subgroup operations, or
// shared-memory trees in their basic tier (see groupSumFor). No scratch buffers: the caller's saved-statistics buffers
// carry the forward's intermediates, and each backward keeps its sums in its
// workgroup.

const (
	bnTrainForward  = "batch_norm train forward"
	bnEvalForward   = "batch_norm eval forward"
	bnTrainBackward = "batch_norm train backward"
	bnEvalBackward  = "batch_norm eval backward"
)

// bnBuf is a named buffer argument with its expected length in floats, the
// product of dims.
type bnBuf struct {
	name    string
	b       *vk.Buffer
	formula string
	dims    []int
	output  bool
}

// bnCheck validates the params and the buffers of a batch-norm op: train ops
// need N·H·W >= 2; every buffer non-nil with the expected length; outputs
// distinct from every other argument.
func bnCheck(op string, p kernels.BatchNormParams, train bool, bufs ...bnBuf) error {
	if err := p.Validate(); err != nil {
		return bnRename(op, err)
	}
	if train {
		if err := p.ValidateTrain(); err != nil {
			return bnRename(op, err)
		}
	}
	if total := float64(p.N) * float64(p.C) * float64(p.H) * float64(p.W); total > math.MaxInt32 {
		return fmt.Errorf("%s: N*C*H*W = %.0f elements; the shaders index at most %d", op, total, math.MaxInt32)
	}
	for _, b := range bufs {
		if err := checkBuf(op, b.name, b.b, b.formula, b.dims...); err != nil {
			return err
		}
	}
	for i, o := range bufs {
		if !o.output {
			continue
		}
		for j, b := range bufs {
			if i != j && o.b == b.b {
				return fmt.Errorf("%s: %s and %s are the same buffer; an output must not alias another argument", op, o.name, b.name)
			}
		}
	}
	return nil
}

// bnRename replaces the "batch_norm: " prefix of a params error with op.
func bnRename(op string, err error) error {
	return fmt.Errorf("%s: %s", op, strings.TrimPrefix(err.Error(), kernels.OpBatchNorm+": "))
}

func bnTensor(p kernels.BatchNormParams, name string, b *vk.Buffer, output bool) bnBuf {
	return bnBuf{name, b, "N*C*H*W", []int{p.N, p.C, p.H, p.W}, output}
}

func bnChannel(p kernels.BatchNormParams, name string, b *vk.Buffer, output bool) bnBuf {
	return bnBuf{name, b, "C", []int{p.C}, output}
}

// bnShape is the block of batch_norm_bwd for p: x viewed as [N, C, H·W].
func bnShape(p kernels.BatchNormParams) bnShapePush {
	return bnShapePush{n: uint32(p.N), c: uint32(p.C), hw: uint32(p.H * p.W)}
}

// bnPush is the block of batch_norm_fwd and batch_norm_eval_bwd for p.
func bnPush(p kernels.BatchNormParams) bnEpsPush {
	return bnEpsPush{bnShapePush: bnShape(p), eps: p.Eps}
}

// bnChannelGroups is the grid of the per-channel reduction shaders: one
// workgroup per channel (the shaders loop when the device allows fewer).
func (l *Library) bnChannelGroups(c int) [3]uint32 {
	if max := int(l.ctx.Info().Compute.MaxWorkGroupCount[0]); c > max {
		c = max
	}
	return [3]uint32{uint32(c), 1, 1}
}

// bnSliceGroups is the grid of batch_norm_fwd: channels in x, and in y enough
// slices of N·H·W that each invocation visits about reducePerLane values.
func (l *Library) bnSliceGroups(p kernels.BatchNormParams) [3]uint32 {
	lim := l.ctx.Info().Compute.MaxWorkGroupCount
	per := int(l.elementwiseLocal()) * l.reducePerLane()
	gy := (p.Count() + per - 1) / per
	if gy > 1024 {
		gy = 1024
	}
	if gy > int(lim[1]) {
		gy = int(lim[1])
	}
	g := l.bnChannelGroups(p.C)
	g[1] = uint32(gy)
	return g
}

// bnFwdKernel is the pipeline of batch_norm_fwd in train or eval mode, for
// dispatches that pass push.
func (l *Library) bnFwdKernel(eval bool, push bnEpsPush) (*vk.Kernel, error) {
	mode := bnTrain
	if eval {
		mode = bnEval
	}
	// constant 1, reduce_common.glsl's one-subgroup flag, is unused here.
	return l.kernel("batch_norm_fwd", bnFwdAccess, push, l.elementwiseLocal(), 0, uint32(mode))
}

// bnFwdAccess is batch_norm_fwd's interface: x, gamma, beta, mean, statistic; y.
var bnFwdAccess = []vk.Access{vk.Read, vk.Read, vk.Read, vk.Read, vk.Read, vk.Write}

// bnStatsAccess is batch_norm_stats' interface: x, running mean and variance
// (updated in place); saved mean, saved inverse std.
var bnStatsAccess = []vk.Access{vk.Read, vk.ReadWrite, vk.ReadWrite, vk.Write, vk.Write}

// bnBwdAccess is the interface of both backward shaders: x, dy, gamma, mean,
// statistic (inv std or running var); dx, dgamma, dbeta.
var bnBwdAccess = []vk.Access{vk.Read, vk.Read, vk.Read, vk.Read, vk.Read, vk.Write, vk.Write, vk.Write}

// BatchNormTrainForward records the train-mode forward pass of
// BatchNormTrainForward (the reference): y from the batch statistics, the
// saved mean and inverse std (1/sqrt(biased var + Eps)) written to savedMean and
// savedInvStd, and runningMean / runningVar updated in place with Momentum
// (unbiased variance). x and y hold N·C·H·W floats, the rest C. Two
// dispatches: the statistics, then y.
func (l *Library) BatchNormTrainForward(seq *vk.Sequence, p kernels.BatchNormParams, x, gamma, beta, runningMean, runningVar, y, savedMean, savedInvStd *vk.Buffer) error {
	return l.batchNormTrainForward(seq, p, nil, x, gamma, beta, runningMean, runningVar, y, savedMean, savedInvStd)
}

// batchNormTrainForward is BatchNormTrainForward with the workgroup-sum specialization
// constants gs (nil: the device's; see groupSumFor).
func (l *Library) batchNormTrainForward(seq *vk.Sequence, p kernels.BatchNormParams, gs []uint32, x, gamma, beta, runningMean, runningVar, y, savedMean, savedInvStd *vk.Buffer) error {
	if err := bnCheck(bnTrainForward, p, true,
		bnTensor(p, "x", x, false), bnChannel(p, "gamma", gamma, false), bnChannel(p, "beta", beta, false),
		bnChannel(p, "running mean", runningMean, true), bnChannel(p, "running var", runningVar, true),
		bnTensor(p, "y", y, true), bnChannel(p, "saved mean", savedMean, true), bnChannel(p, "saved inv std", savedInvStd, true),
	); err != nil {
		return err
	}
	fwdPush := bnPush(p)
	statsPush := bnStatsPush{bnShapePush: bnShape(p), eps: p.Eps, momentum: p.Momentum}
	stats, err := l.groupSumFor("arithmetic", gs).kernel(l, "batch_norm_stats", bnStatsAccess, statsPush)
	if err != nil {
		return err
	}
	fwd, err := l.bnFwdKernel(false, fwdPush)
	if err != nil {
		return err
	}
	if err := seq.Dispatch(stats, l.bnChannelGroups(p.C), statsPush.words(), x, runningMean, runningVar, savedMean, savedInvStd); err != nil {
		return err
	}
	return seq.Dispatch(fwd, l.bnSliceGroups(p), fwdPush.words(), x, gamma, beta, savedMean, savedInvStd, y)
}

// BatchNormEvalForward records the eval-mode forward pass of
// BatchNormEvalForward: y from the running statistics, which are not modified.
// runningVar[c] + Eps must be > 0 (the device cannot report it; the reference
// checks it). One dispatch.
func (l *Library) BatchNormEvalForward(seq *vk.Sequence, p kernels.BatchNormParams, x, gamma, beta, runningMean, runningVar, y *vk.Buffer) error {
	if err := bnCheck(bnEvalForward, p, false,
		bnTensor(p, "x", x, false), bnChannel(p, "gamma", gamma, false), bnChannel(p, "beta", beta, false),
		bnChannel(p, "running mean", runningMean, false), bnChannel(p, "running var", runningVar, false),
		bnTensor(p, "y", y, true),
	); err != nil {
		return err
	}
	push := bnPush(p)
	fwd, err := l.bnFwdKernel(true, push)
	if err != nil {
		return err
	}
	return seq.Dispatch(fwd, l.bnSliceGroups(p), push.words(), x, gamma, beta, runningMean, runningVar, y)
}

// BatchNormTrainBackward records the gradients of the train-mode forward pass
// (BatchNormTrainBackward): dx [N·C·H·W], dgamma and dbeta [C], from x, gamma,
// the saved statistics and dy. One dispatch, one workgroup per channel.
func (l *Library) BatchNormTrainBackward(seq *vk.Sequence, p kernels.BatchNormParams, x, gamma, savedMean, savedInvStd, dy, dx, dgamma, dbeta *vk.Buffer) error {
	return l.batchNormTrainBackward(seq, p, nil, x, gamma, savedMean, savedInvStd, dy, dx, dgamma, dbeta)
}

// batchNormTrainBackward is BatchNormTrainBackward with the workgroup-sum specialization
// constants gs (nil: the device's; see groupSumFor).
func (l *Library) batchNormTrainBackward(seq *vk.Sequence, p kernels.BatchNormParams, gs []uint32, x, gamma, savedMean, savedInvStd, dy, dx, dgamma, dbeta *vk.Buffer) error {
	if err := bnCheck(bnTrainBackward, p, true,
		bnTensor(p, "x", x, false), bnChannel(p, "gamma", gamma, false),
		bnChannel(p, "saved mean", savedMean, false), bnChannel(p, "saved inv std", savedInvStd, false),
		bnTensor(p, "dy", dy, false), bnTensor(p, "dx", dx, true),
		bnChannel(p, "dgamma", dgamma, true), bnChannel(p, "dbeta", dbeta, true),
	); err != nil {
		return err
	}
	push := bnShape(p)
	k, err := l.groupSumFor("shuffle", gs).kernel(l, "batch_norm_bwd", bnBwdAccess, push)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.bnChannelGroups(p.C), push.words(), x, dy, gamma, savedMean, savedInvStd, dx, dgamma, dbeta)
}

// BatchNormEvalBackward records the gradients of the eval-mode forward pass
// (BatchNormEvalBackward), statistics fixed at the running mean and variance.
// One dispatch, one workgroup per channel.
func (l *Library) BatchNormEvalBackward(seq *vk.Sequence, p kernels.BatchNormParams, x, gamma, runningMean, runningVar, dy, dx, dgamma, dbeta *vk.Buffer) error {
	return l.batchNormEvalBackward(seq, p, nil, x, gamma, runningMean, runningVar, dy, dx, dgamma, dbeta)
}

// batchNormEvalBackward is BatchNormEvalBackward with the workgroup-sum specialization
// constants gs (nil: the device's; see groupSumFor).
func (l *Library) batchNormEvalBackward(seq *vk.Sequence, p kernels.BatchNormParams, gs []uint32, x, gamma, runningMean, runningVar, dy, dx, dgamma, dbeta *vk.Buffer) error {
	if err := bnCheck(bnEvalBackward, p, false,
		bnTensor(p, "x", x, false), bnChannel(p, "gamma", gamma, false),
		bnChannel(p, "running mean", runningMean, false), bnChannel(p, "running var", runningVar, false),
		bnTensor(p, "dy", dy, false), bnTensor(p, "dx", dx, true),
		bnChannel(p, "dgamma", dgamma, true), bnChannel(p, "dbeta", dbeta, true),
	); err != nil {
		return err
	}
	push := bnPush(p)
	k, err := l.groupSumFor("arithmetic", gs).kernel(l, "batch_norm_eval_bwd", bnBwdAccess, push)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.bnChannelGroups(p.C), push.words(), x, dy, gamma, runningMean, runningVar, dx, dgamma, dbeta)
}
