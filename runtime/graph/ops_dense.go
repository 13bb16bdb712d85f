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
	name, ok := g.beginWeighted(kind, x, w, b, 2, 1, "features", " (reshape first)")
	if !ok {
		return g.placeholder()
	}
	p := kernels.DenseParams{N: x.shape[0], In: x.shape[1], Out: w.shape[0], Bias: b != nil}
	return g.addWeighted(kind, name, DenseOp{P: p}, p, p.Out, x, w, b, func() []int { o := p.OutputShape(); return o[:] })
}

func (op DenseOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return weightedGradient(b, n, dy, need, DenseBackwardInputOp(op), DenseBackwardWeightOp(op), DenseBackwardBiasOp(op))
}

// beginWeighted runs the checks a conv or dense node on input x, weight w
// and optional bias b starts with (begin), names the node after w, and
// checks that x and w both have dims dimensions (hint ends that message)
// and that x's axis 1 matches w's axis wIn (the unit: "channels",
// "features"). It reports false when the node must not be added.
func (g *Graph) beginWeighted(kind string, x, w, b *Tensor, dims, wIn int, unit, hint string) (string, bool) {
	if !g.begin(kind, []*Tensor{x, w}, b) {
		return "", false
	}
	name := g.nameAfter(kind, w, ".weight")
	if len(x.shape) != dims || len(w.shape) != dims {
		g.failf(kind, name, "input %v and weight %v must both have %d dimensions%s", x.shape, w.shape, dims, hint)
		return "", false
	}
	if x.shape[1] != w.shape[wIn] {
		g.failf(kind, name, "input %v has %d %s, weight %v expects %d", x.shape, x.shape[1], unit, w.shape, w.shape[wIn])
		return "", false
	}
	return name, true
}

// addWeighted checks the bias b against k output channels and the kernel
// parameters p, then adds op with inputs x, w[, b] and the output shape out
// (called once p is valid).
func (g *Graph) addWeighted(kind, name string, op Op, p interface{ Validate() error }, k int, x, w, b *Tensor, out func() []int) *Tensor {
	if err := checkBiasShape(b, k); err != nil {
		return g.failf(kind, name, "weight %v: %v", w.shape, err)
	}
	if err := p.Validate(); err != nil {
		return g.failf(kind, name, "input %v, weight %v: %v", x.shape, w.shape, err)
	}
	return g.add1(op, name, out(), Activation, withBias(b, x, w)...)
}

// weightedGradient is the gradient of a conv or dense node (inputs x, w[, b]):
// dx, dw and db, built by the ops dxOp, dwOp and dbOp from dy, where needed.
func weightedGradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool, dxOp, dwOp, dbOp Op) ([]*Tensor, error) {
	x, w, out := n.inputs[0], n.inputs[1], make([]*Tensor, len(n.inputs))
	if need[0] {
		out[0] = b.node1(dxOp, x, n, w, dy[0])
	}
	if need[1] {
		out[1] = b.node1(dwOp, w, n, x, dy[0])
	}
	if len(need) > 2 && need[2] {
		out[2] = b.node1(dbOp, n.inputs[2], n, dy[0])
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
