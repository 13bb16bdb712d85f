package graph

import "fmt"

// Add returns a + b; a and b must have the same shape.
func (g *Graph) Add(a, b *Tensor) *Tensor {
	const kind = "add"
	if !g.begin(kind, []*Tensor{a, b}) {
		return g.placeholder()
	}
	name := g.autoName(kind)
	if !sameShape(a.shape, b.shape) {
		return g.failf(kind, name, "shapes differ: a %v (%q), b %v (%q)", a.shape, a.name, b.shape, b.name)
	}
	return g.add1(AddOp{}, name, a.shape, Activation, a, b)
}

// Scale returns s·a.
func (g *Graph) Scale(a *Tensor, s float32) *Tensor {
	const kind = "scale"
	if !g.begin(kind, []*Tensor{a}) {
		return g.placeholder()
	}
	return g.add1(ScaleOp{S: s}, g.autoName(kind), a.shape, Activation, a)
}

// Reshape returns a view of x with the given shape, which must hold the same
// number of elements; one dimension may be -1 and is then inferred.
func (g *Graph) Reshape(x *Tensor, shape ...int) *Tensor {
	const kind = "reshape"
	if !g.begin(kind, []*Tensor{x}) {
		return g.placeholder()
	}
	name := g.autoName(kind)
	out, err := inferShape(x.shape, shape)
	if err != nil {
		return g.failf(kind, name, "input %v to %v: %v", x.shape, shape, err)
	}
	return g.add1(ReshapeOp{}, name, out, Activation, x)
}

// inferShape resolves a -1 in shape so that it holds numel(in) elements.
func inferShape(in, shape []int) ([]int, error) {
	out := append([]int(nil), shape...)
	free, known := -1, 1
	for i, d := range out {
		switch {
		case d == -1 && free < 0:
			free = i
		case d == -1:
			return nil, fmt.Errorf("more than one -1")
		case d < 1:
			return nil, fmt.Errorf("dimension %d is %d, want >= 1 or -1", i, d)
		default:
			known *= d
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("shape is empty")
	}
	n := numel(in)
	if free >= 0 {
		if n%known != 0 {
			return nil, fmt.Errorf("%d elements do not divide into rows of %d", n, known)
		}
		out[free] = n / known
		known = n
	}
	if known != n {
		return nil, fmt.Errorf("%d elements, want %d", known, n)
	}
	return out, nil
}

// fill adds a constant tensor of the given shape and role.
func (g *Graph) fill(name string, shape []int, v float32, role Role) *Tensor {
	return g.add1(FillOp{V: v}, name, shape, role)
}

func (AddOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	// d(a+b)/da = d(a+b)/db = 1: both inputs receive dy itself.
	out := make([]*Tensor, 2)
	for i := range out {
		if need[i] {
			out[i] = dy[0]
		}
	}
	return out, nil
}

func (op ScaleOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return []*Tensor{b.node1(op, n.inputs[0], n, dy[0])}, nil
}

func (op ReshapeOp) gradient(b *gradBuilder, n *Node, dy []*Tensor, need []bool) ([]*Tensor, error) {
	return []*Tensor{b.node1(op, n.inputs[0], n, dy[0])}, nil
}
