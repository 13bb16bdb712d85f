package graph

import "fmt"

// Op is the operation of a node. The concrete types are the exported *Op
// structs of this package; each carries the kernels' params struct of the op
// it runs, and documents its inputs and outputs in order. Backends switch on
// the concrete type.
type Op interface {
	// Kind returns the op's name, e.g. "conv2d" or "conv2d_backward_input".
	Kind() string
}

// gradRule is implemented by the ops that can be differentiated. Given the
// node, the gradients dy of its outputs (nil where an output has none) and
// which inputs need a gradient, it adds gradient nodes through b and returns
// one gradient per input (nil where not needed). An input that needs a
// gradient the op cannot give is an error (see noRule).
type gradRule interface {
	gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error)
}

// noRule is the error of an op asked for a gradient it has no rule for.
func noRule(n *Node, input int, what string) error {
	return fmt.Errorf("gradient: %v has no gradient rule with respect to its %s (input %d, %v)",
		n, what, input, n.inputs[input])
}

// gradBuilder adds gradient nodes to a graph.
type gradBuilder struct {
	g *Graph
}

// node1 adds a gradient node with one output of the given shape, named
// "grad(<of>)<-<node>" where of is the tensor the gradient is for.
func (b *gradBuilder) node1(op Op, of *Tensor, from *Node, inputs ...*Tensor) *Tensor {
	return b.g.add1(op, fmt.Sprintf("grad(%s)<-%s", of.name, from.name), of.shape, Grad, inputs...)
}

// AddOp adds two tensors of the same shape: inputs a, b; output a+b
// (kernels.Add).
type AddOp struct{}

// ScaleOp multiplies by a constant: input a; output S·a (kernels.Scale).
type ScaleOp struct{ S float32 }

// ReshapeOp gives its input another shape with the same elements in the same
// order: input x; output y, a view of x (no data is moved).
type ReshapeOp struct{}

// FillOp produces a constant tensor: no inputs; output filled with V
// (kernels.Fill). Gradients uses it for the seed 1 and for zero gradients.
type FillOp struct{ V float32 }

// Kind implementations.
func (AddOp) Kind() string     { return "add" }
func (ScaleOp) Kind() string   { return "scale" }
func (ReshapeOp) Kind() string { return "reshape" }
func (FillOp) Kind() string    { return "fill" }

// OpTypes returns a zero value of every op type of the package: the op set
// every backend implements (each backend's Supports reports on it).
func OpTypes() []Op {
	return []Op{
		Conv2DOp{}, Conv2DBackwardInputOp{}, Conv2DBackwardWeightOp{}, Conv2DBackwardBiasOp{},
		ConvTranspose2DOp{}, ConvTranspose2DBackwardInputOp{}, ConvTranspose2DBackwardWeightOp{}, ConvTranspose2DBackwardBiasOp{},
		DenseOp{}, DenseBackwardInputOp{}, DenseBackwardWeightOp{}, DenseBackwardBiasOp{},
		BatchNormTrainOp{}, BatchNormEvalOp{}, BatchNormTrainBackwardOp{}, BatchNormEvalBackwardOp{},
		ActivationOp{}, ActivationBackwardOp{}, DropoutOp{}, DropoutBackwardOp{},
		MSELossOp{}, MSELossOp{PerSample: true}, BCEWithLogitsLossOp{}, BCEWithLogitsLossOp{PerSample: true},
		MSELossGradOp{}, BCEWithLogitsLossGradOp{}, MeanOp{}, MeanBackwardOp{},
		AddOp{}, ScaleOp{}, ReshapeOp{}, FillOp{},
	}
}

// Differentiable reports whether op has a gradient rule (Gradients can
// differentiate through it).
func Differentiable(op Op) bool {
	_, ok := op.(gradRule)
	return ok
}
