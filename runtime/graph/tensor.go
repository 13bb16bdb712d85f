package graph

import "fmt"

// Role says where a tensor's values come from.
type Role int

// The tensor roles.
const (
	Input      Role = iota + 1 // fed by the caller for each run
	Param                      // a trainable parameter, stored in the ParamSet
	State                      // non-trainable state in the ParamSet (batch-norm running statistics)
	Activation                 // computed by a forward node
	Grad                       // computed by a gradient node (see Graph.Gradients)
)

// String returns the role's name in lower case.
func (r Role) String() string {
	switch r {
	case Input:
		return "input"
	case Param:
		return "param"
	case State:
		return "state"
	case Activation:
		return "activation"
	case Grad:
		return "grad"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Tensor is a value in a Graph: a flat float32 array in row-major layout with
// a fixed shape. Input, Param and State tensors are leaves; the others are
// produced by exactly one node.
type Tensor struct {
	g     *Graph
	id    int // index in g.tensors; -1 for the placeholder of a failed graph
	shape []int
	role  Role
	name  string
	node  *Node // producer, nil for leaves
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Len returns the number of elements (the product of the dimensions).
func (t *Tensor) Len() int { return numel(t.shape) }

// Role returns where the tensor's values come from.
func (t *Tensor) Role() Role { return t.role }

// Name returns the tensor's name; for Param and State tensors it is the name
// in the ParamSet.
func (t *Tensor) Name() string { return t.name }

// ID returns the tensor's index in its graph (0, 1, ... in creation order).
func (t *Tensor) ID() int { return t.id }

// Producer returns the node that computes the tensor, nil for a leaf.
func (t *Tensor) Producer() *Node { return t.node }

// String returns the name, role and shape, e.g. `"enc.conv1" activation [2 64 14 14]`.
func (t *Tensor) String() string { return fmt.Sprintf("%q %s %v", t.name, t.role, t.shape) }

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
