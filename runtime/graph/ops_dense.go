package graph

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
)

// DenseOp is kernels.DenseForward: inputs x [N,In], w [Out,In] and, when
// P.Bias, b [Out]; output y [N,Out].
type DenseOp struct{ P kernels.DenseParams }

// DenseBackwardInputOp is kernels.DenseBackwardInput: inputs w, dy; output dx.
type DenseBackwardInputOp struct{ P kernels.DenseParams }

// DenseBackwardWeightOp is kernels.DenseBackwardWeight: inputs x, dy; output dw.
type DenseBackwardWeightOp struct{ P kernels.DenseParams }

// DenseBackwardBiasOp is kernels.DenseBackwardBias: input dy; output db.
type DenseBackwardBiasOp struct{ P kernels.DenseParams }

// Kind implementations.
func (DenseOp) Kind() string               { return "dense" }
func (DenseBackwardInputOp) Kind() string  { return "dense_backward_input" }
func (DenseBackwardWeightOp) Kind() string { return "dense_backward_weight" }
func (DenseBackwardBiasOp) Kind() string   { return "dense_backward_bias" }

// Dense returns x·wᵀ + b for x [N,In], w [Out,In] and b [Out] (b may be nil).
// The node is named after w.
func (g *Graph) Dense(x, w, b *Tensor) *Tensor {
	const kind = "dense"
	if !g.begin(kind, []*Tensor{x, w}, b) {
		return g.placeholder()
	}
	name := g.nameAfter(kind, w, ".weight")
	if len(x.shape) != 2 || len(w.shape) != 2 {
		return g.failf(kind, name, "input %v and weight %v must both have 2 dimensions (reshape first)", x.shape, w.shape)
	}
	if x.shape[1] != w.shape[1] {
		return g.failf(kind, name, "input %v has %d features, weight %v expects %d", x.shape, x.shape[1], w.shape, w.shape[1])
	}
	p := kernels.DenseParams{N: x.shape[0], In: x.shape[1], Out: w.shape[0], Bias: b != nil}
	if err := checkBiasShape(b, p.Out); err != nil {
		return g.failf(kind, name, "weight %v: %v", w.shape, err)
	}
	if err := p.Validate(); err != nil {
		return g.failf(kind, name, "input %v, weight %v: %v", x.shape, w.shape, err)
	}
	o := p.OutputShape()
	return g.add1(DenseOp{P: p}, name, o[:], Activation, withBias(b, x, w)...)
}

func (op DenseOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	x, w, out := n.inputs[0], n.inputs[1], make([]*Tensor, len(n.inputs))
	if need[0] {
		out[0] = b.node1(DenseBackwardInputOp(op), x, n, w, dy[0])
	}
	if need[1] {
		out[1] = b.node1(DenseBackwardWeightOp(op), w, n, x, dy[0])
	}
	if len(need) > 2 && need[2] {
		out[2] = b.node1(DenseBackwardBiasOp(op), n.inputs[2], n, dy[0])
	}
	return out, nil
}

// checkBiasShape checks an optional bias against the output channel count k.
func checkBiasShape(b *Tensor, k int) error {
	if b != nil && !sameShape(b.shape, []int{k}) {
		return fmt.Errorf("bias %v (%q), want [%d]", b.shape, b.name, k)
	}
	return nil
}

// withBias returns the input list x, w[, b].
func withBias(b *Tensor, xw ...*Tensor) []*Tensor {
	if b != nil {
		return append(xw, b)
	}
	return xw
}
