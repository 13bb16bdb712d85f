package graph

import (
	"fmt"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
)

// BatchNormTrainOp is kernels.BatchNormTrainForward: inputs x, gamma, beta,
// running mean, running var; outputs y, saved mean [C], saved inverse std [C].
// It updates the running statistics (State tensors) in place.
type BatchNormTrainOp struct{ P kernels.BatchNormParams }

// BatchNormEvalOp is kernels.BatchNormEvalForward: inputs x, gamma, beta,
// running mean, running var; output y.
type BatchNormEvalOp struct{ P kernels.BatchNormParams }

// BatchNormTrainBackwardOp is kernels.BatchNormTrainBackward: inputs x,
// gamma, saved mean, saved inverse std, dy; outputs dx, dgamma, dbeta.
type BatchNormTrainBackwardOp struct{ P kernels.BatchNormParams }

// BatchNormEvalBackwardOp is kernels.BatchNormEvalBackward: inputs x, gamma,
// running mean, running var, dy; outputs dx, dgamma, dbeta.
type BatchNormEvalBackwardOp struct{ P kernels.BatchNormParams }

// Kind implementations.
func (BatchNormTrainOp) Kind() string         { return "batch_norm_train" }
func (BatchNormEvalOp) Kind() string          { return "batch_norm_eval" }
func (BatchNormTrainBackwardOp) Kind() string { return "batch_norm_train_backward" }
func (BatchNormEvalBackwardOp) Kind() string  { return "batch_norm_eval_backward" }

// BatchNorm normalises x over its channels: x is [N,C,H,W] (BatchNorm2d) or
// [N,C] (BatchNorm1d); gamma, beta, runningMean and runningVar are [C], the
// last two State tensors. In a Train graph it uses the batch statistics and
// updates the running statistics when run (needs N·H·W >= 2); in an Eval
// graph it uses the running statistics. The node is named after gamma
// ("enc.bn1.weight" or "enc.bn1.gamma" give "enc.bn1"). Use
// kernels.DefaultBatchNormMomentum and kernels.DefaultBatchNormEps for
// PyTorch's defaults.
func (g *Graph) BatchNorm(x, gamma, beta, runningMean, runningVar *Tensor, momentum, eps float32) *Tensor {
	const kind = "batch_norm"
	if !g.begin(kind, []*Tensor{x, gamma, beta, runningMean, runningVar}) {
		return g.placeholder()
	}
	name := g.nameAfter(kind, gamma, ".weight")
	name = strings.TrimSuffix(name, ".gamma")
	p := kernels.BatchNormParams{Eps: eps, Momentum: momentum, H: 1, W: 1}
	switch len(x.shape) {
	case 2:
		p.N, p.C = x.shape[0], x.shape[1]
	case 4:
		p.N, p.C, p.H, p.W = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	default:
		return g.failf(kind, name, "input %v must be [N C H W] or [N C]", x.shape)
	}
	for _, v := range []struct {
		what string
		t    *Tensor
	}{{"gamma", gamma}, {"beta", beta}, {"running mean", runningMean}, {"running var", runningVar}} {
		if !sameShape(v.t.shape, []int{p.C}) {
			return g.failf(kind, name, "input %v has %d channels, %s %q has shape %v", x.shape, p.C, v.what, v.t.name, v.t.shape)
		}
	}
	for _, t := range []*Tensor{runningMean, runningVar} {
		if t.role != State {
			return g.failf(kind, name, "running statistic %v must be a State tensor (Graph.State)", t)
		}
	}
	if err := p.Validate(); err != nil {
		return g.failf(kind, name, "input %v: %v", x.shape, err)
	}
	in := []*Tensor{x, gamma, beta, runningMean, runningVar}
	if g.mode == Eval {
		return g.add1(BatchNormEvalOp{P: p}, name, x.shape, Activation, in...)
	}
	if m := p.N * p.H * p.W; m < 2 {
		return g.failf(kind, name, "input %v: training needs more than 1 value per channel, got N*H*W = %d", x.shape, m)
	}
	n := g.addNode(BatchNormTrainOp{P: p}, name, in,
		outSpec{name, x.shape, Activation},
		outSpec{name + ".saved_mean", []int{p.C}, Activation},
		outSpec{name + ".saved_inv_std", []int{p.C}, Activation})
	return n.outputs[0]
}

func (op BatchNormTrainOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	for i := 1; i < 3; i++ {
		if dy[i] != nil {
			return nil, fmt.Errorf("gradient: %v has no gradient rule for its saved statistic %v", n, n.outputs[i])
		}
	}
	x, gamma := n.inputs[0], n.inputs[1]
	bw := b.g.addNode(BatchNormTrainBackwardOp(op), "grad<-"+n.name,
		[]*Tensor{x, gamma, n.outputs[1], n.outputs[2], dy[0]},
		bnGradOuts(n)...)
	return bnGrads(n, bw, need)
}

func (op BatchNormEvalOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	in := n.inputs
	bw := b.g.addNode(BatchNormEvalBackwardOp(op), "grad<-"+n.name,
		[]*Tensor{in[0], in[1], in[3], in[4], dy[0]},
		bnGradOuts(n)...)
	return bnGrads(n, bw, need)
}

// bnGradOuts returns the output specs dx, dgamma, dbeta of a batch-norm
// backward node.
func bnGradOuts(n *Node) []outSpec {
	outs := make([]outSpec, 3)
	for i := range outs {
		t := n.inputs[i]
		outs[i] = outSpec{fmt.Sprintf("grad(%s)<-%s", t.name, n.name), t.shape, Grad}
	}
	return outs
}

// bnGrads maps the backward node's outputs to the forward node's inputs.
func bnGrads(n, bw *Node, need []bool) ([]*Tensor, error) {
	out := make([]*Tensor, 5)
	for i := range out {
		if !need[i] {
			continue
		}
		if i >= 3 {
			return nil, noRule(n, i, "running statistic")
		}
		out[i] = bw.outputs[i]
	}
	return out, nil
}
