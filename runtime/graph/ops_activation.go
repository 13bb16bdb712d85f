package graph

import "github.com/ocgan-vk/ocgan/kernels"

// ActivationOp is kernels.ActivationForward: input x; output y (same shape).
type ActivationOp struct{ P kernels.ActivationParams }

// ActivationBackwardOp is kernels.ActivationBackward: inputs saved (the
// forward input x, or the output y when P.Kind.BackwardUsesOutput()), dy;
// output dx.
type ActivationBackwardOp struct{ P kernels.ActivationParams }

// DropoutOp is kernels.DropoutForward in train mode: input x; output y. The
// RNG counter is not part of the op: a backend supplies one per run (on the
// device, the step-parameter counter), so P.Counter is ignored.
type DropoutOp struct{ P kernels.DropoutParams }

// DropoutBackwardOp is kernels.DropoutBackward with the forward's P and the
// same run counter: input dy; output dx.
type DropoutBackwardOp struct{ P kernels.DropoutParams }

// Kind implementations.
func (ActivationOp) Kind() string         { return "activation" }
func (ActivationBackwardOp) Kind() string { return "activation_backward" }
func (DropoutOp) Kind() string            { return "dropout" }
func (DropoutBackwardOp) Kind() string    { return "dropout_backward" }

// ReLU returns max(x, 0).
func (g *Graph) ReLU(x *Tensor) *Tensor {
	return g.activation(x, kernels.ActivationParams{Kind: kernels.ReLU})
}

// LeakyReLU returns x where x > 0, slope·x elsewhere.
func (g *Graph) LeakyReLU(x *Tensor, slope float32) *Tensor {
	return g.activation(x, kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: slope})
}

// Tanh returns tanh(x).
func (g *Graph) Tanh(x *Tensor) *Tensor {
	return g.activation(x, kernels.ActivationParams{Kind: kernels.Tanh})
}

// Sigmoid returns 1/(1+exp(−x)).
func (g *Graph) Sigmoid(x *Tensor) *Tensor {
	return g.activation(x, kernels.ActivationParams{Kind: kernels.Sigmoid})
}

func (g *Graph) activation(x *Tensor, p kernels.ActivationParams) *Tensor {
	kind := p.Kind.String()
	if !g.begin(kind, []*Tensor{x}) {
		return g.placeholder()
	}
	name := g.autoName(kind)
	if err := p.Validate(); err != nil {
		return g.failf(kind, name, "input %v: %v", x.shape, err)
	}
	return g.add1(ActivationOp{P: p}, name, x.shape, Activation, x)
}

// Dropout drops each element of x with probability p and scales the others
// by 1/(1−p) in a Train graph, with the mask from the Philox stream (seed,
// run counter); give every dropout of a graph its own seed. In an Eval graph
// it returns x itself and adds no node.
func (g *Graph) Dropout(x *Tensor, p float32, seed uint64) *Tensor {
	const kind = "dropout"
	if !g.begin(kind, []*Tensor{x}) {
		return g.placeholder()
	}
	name := g.autoName(kind)
	dp := kernels.DropoutParams{P: p, Seed: seed, Train: true}
	if err := dp.Validate(); err != nil {
		return g.failf(kind, name, "input %v: %v", x.shape, err)
	}
	if g.mode == Eval {
		return x
	}
	return g.add1(DropoutOp{P: dp}, name, x.shape, Activation, x)
}

func (op ActivationOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	saved := n.inputs[0]
	if op.P.Kind.BackwardUsesOutput() {
		saved = n.outputs[0]
	}
	return []*Tensor{b.node1(ActivationBackwardOp(op), n.inputs[0], n, saved, dy[0])}, nil
}

func (op DropoutOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return []*Tensor{b.node1(DropoutBackwardOp(op), n.inputs[0], n, dy[0])}, nil
}
