package graph

import (
	"github.com/ocgan-vk/ocgan/kernels"
)

// MSELossOp is kernels.MSELoss (output [1]) or, when PerSample,
// kernels.MSELossPerSample (output [N]): inputs pred, target, both [N,F].
type MSELossOp struct {
	P         kernels.LossParams
	PerSample bool
}

// BCEWithLogitsLossOp is kernels.BCEWithLogitsLoss (output [1]) or, when
// PerSample, kernels.BCEWithLogitsLossPerSample (output [N]): inputs logits,
// target, both [N,F].
type BCEWithLogitsLossOp struct {
	P         kernels.LossParams
	PerSample bool
}

// MSELossGradOp is kernels.MSELossPerSampleGrad: inputs pred, target,
// upstream gradient dloss [P.N]; output dpred. The gradient of a mean loss
// over N·F elements uses P = {N: 1, F: N·F}: the mean is the one "sample" of
// all elements, and dloss [1] is the loss's upstream gradient.
type MSELossGradOp struct{ P kernels.LossParams }

// BCEWithLogitsLossGradOp is kernels.BCEWithLogitsLossPerSampleGrad: inputs
// logits, target, dloss [P.N]; output dlogits (P as for MSELossGradOp).
type BCEWithLogitsLossGradOp struct{ P kernels.LossParams }

// MeanOp is kernels.ReduceMean over every axis with KeepDims (one element):
// input x; output [1].
type MeanOp struct{ P kernels.ReduceParams }

// MeanBackwardOp is kernels.ReduceMeanBackward: input dy [1]; output dx.
type MeanBackwardOp struct{ P kernels.ReduceParams }

// Kind implementations.
func (op MSELossOp) Kind() string {
	if op.PerSample {
		return "mse_loss_per_sample"
	}
	return "mse_loss"
}

func (op BCEWithLogitsLossOp) Kind() string {
	if op.PerSample {
		return "bce_with_logits_loss_per_sample"
	}
	return "bce_with_logits_loss"
}

func (MSELossGradOp) Kind() string           { return "mse_loss_grad" }
func (BCEWithLogitsLossGradOp) Kind() string { return "bce_with_logits_loss_grad" }
func (MeanOp) Kind() string                  { return "mean" }
func (MeanBackwardOp) Kind() string          { return "mean_backward" }

// MSELoss returns the mean of (pred − target)² over all elements, shape [1].
// pred and target have the same shape, sample-major ([N, ...]).
func (g *Graph) MSELoss(pred, target *Tensor) *Tensor {
	return g.loss("mse_loss", pred, target, func(p kernels.LossParams) Op { return MSELossOp{P: p} }, false)
}

// MSELossPerSample returns, for each sample n of pred [N, ...], the mean of
// (pred − target)² over its elements, shape [N].
func (g *Graph) MSELossPerSample(pred, target *Tensor) *Tensor {
	return g.loss("mse_loss_per_sample", pred, target, func(p kernels.LossParams) Op { return MSELossOp{P: p, PerSample: true} }, true)
}

// BCEWithLogitsLoss returns the mean binary cross-entropy of logits against
// target (PyTorch binary_cross_entropy_with_logits), shape [1]. The target
// gets no gradient.
func (g *Graph) BCEWithLogitsLoss(logits, target *Tensor) *Tensor {
	return g.loss("bce_with_logits_loss", logits, target, func(p kernels.LossParams) Op { return BCEWithLogitsLossOp{P: p} }, false)
}

// BCEWithLogitsLossPerSample returns the per-sample mean binary cross-entropy,
// shape [N].
func (g *Graph) BCEWithLogitsLossPerSample(logits, target *Tensor) *Tensor {
	return g.loss("bce_with_logits_loss_per_sample", logits, target, func(p kernels.LossParams) Op { return BCEWithLogitsLossOp{P: p, PerSample: true} }, true)
}

func (g *Graph) loss(kind string, pred, target *Tensor, mk func(kernels.LossParams) Op, perSample bool) *Tensor {
	if !g.begin(kind, []*Tensor{pred, target}) {
		return g.placeholder()
	}
	name := g.autoName(kind)
	if !sameShape(pred.shape, target.shape) {
		return g.failf(kind, name, "prediction %v (%q) and target %v (%q) differ in shape", pred.shape, pred.name, target.shape, target.name)
	}
	p := kernels.LossParams{N: pred.shape[0], F: pred.Len() / pred.shape[0]}
	if err := p.Validate(); err != nil {
		return g.failf(kind, name, "prediction %v: %v", pred.shape, err)
	}
	out := []int{1}
	if perSample {
		out = []int{p.N}
	}
	return g.add1(mk(p), name, out, Activation, pred, target)
}

// Mean returns the mean of all elements of x, shape [1] (e.g. to reduce a
// per-sample loss).
func (g *Graph) Mean(x *Tensor) *Tensor {
	const kind = "mean"
	if !g.begin(kind, []*Tensor{x}) {
		return g.placeholder()
	}
	name := g.autoName(kind)
	p := kernels.ReduceParams{Shape: x.Shape(), KeepDims: true}
	for i := range x.shape {
		p.Axes = append(p.Axes, i)
	}
	if err := p.Validate(); err != nil {
		return g.failf(kind, name, "input %v: %v", x.shape, err)
	}
	return g.add1(MeanOp{P: p}, name, []int{1}, Activation, x)
}

// lossGradParams returns the params of the per-sample grad kernel that
// differentiates op's loss, and the loss params.
func lossGradParams(p kernels.LossParams, perSample bool) kernels.LossParams {
	if perSample {
		return p
	}
	return kernels.LossParams{N: 1, F: p.N * p.F}
}

func (op MSELossOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	pred, target := n.inputs[0], n.inputs[1]
	dpred := b.node1(MSELossGradOp{P: lossGradParams(op.P, op.PerSample)}, pred, n, pred, target, dy[0])
	out := []*Tensor{nil, nil}
	if need[0] {
		out[0] = dpred
	}
	if need[1] {
		// ∂(pred − target)²/∂target = −∂(pred − target)²/∂pred.
		out[1] = b.node1(ScaleOp{S: -1}, target, n, dpred)
	}
	return out, nil
}

func (op BCEWithLogitsLossOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	if need[1] {
		return nil, noRule(n, 1, "target")
	}
	logits, target := n.inputs[0], n.inputs[1]
	return []*Tensor{b.node1(BCEWithLogitsLossGradOp{P: lossGradParams(op.P, op.PerSample)}, logits, n, logits, target, dy[0]), nil}, nil
}

func (op MeanOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return []*Tensor{b.node1(MeanBackwardOp(op), n.inputs[0], n, dy[0])}, nil
}
