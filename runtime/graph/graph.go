package graph

import (
	"errors"
	"fmt"
	"strings"
)

// Mode selects the behaviour of mode-dependent ops.
type Mode int

// The graph modes.
const (
	// Train: batch norm normalises with batch statistics and updates the
	// running statistics; dropout drops.
	Train Mode = iota + 1
	// Eval: batch norm uses the running statistics; dropout is the identity.
	Eval
)

// String returns "train" or "eval".
func (m Mode) String() string {
	switch m {
	case Train:
		return "train"
	case Eval:
		return "eval"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Graph is a directed acyclic graph of ops on tensors, built by calling its
// methods. Nodes are kept in creation order, which is a topological order.
//
// Building uses a sticky error: the first error (a shape mismatch, a tensor
// of another graph, ...) is kept and returned by Err; every later op method
// adds nothing and returns a placeholder tensor.
type Graph struct {
	ps      *ParamSet
	mode    Mode
	tensors []*Tensor
	nodes   []*Node
	leaves  map[string]*Tensor // Param and State tensors by name, Input tensors by name
	err     error
}

// New returns an empty graph in the given mode whose parameters live in ps.
// A nil ps or an unknown mode makes the graph fail (see Err).
func New(ps *ParamSet, mode Mode) *Graph {
	g := &Graph{ps: ps, mode: mode, leaves: map[string]*Tensor{}}
	switch {
	case ps == nil:
		g.err = errors.New("graph: New: nil ParamSet")
	case mode != Train && mode != Eval:
		g.err = fmt.Errorf("graph: New: unknown mode %d (want Train or Eval)", int(mode))
	}
	return g
}

// Err returns the first error met while building the graph, or nil.
func (g *Graph) Err() error { return g.err }

// Mode returns the graph's mode.
func (g *Graph) Mode() Mode { return g.mode }

// Params returns the ParamSet the graph's Param and State tensors live in.
func (g *Graph) Params() *ParamSet { return g.ps }

// Nodes returns the nodes in creation (topological) order.
func (g *Graph) Nodes() []*Node { return append([]*Node(nil), g.nodes...) }

// Tensors returns every tensor in creation order; Tensors()[i].ID() == i.
func (g *Graph) Tensors() []*Tensor { return append([]*Tensor(nil), g.tensors...) }

// Input adds a tensor whose values the caller feeds on each run. Its name
// must differ from those of the graph's other inputs, parameters and state.
func (g *Graph) Input(name string, shape ...int) *Tensor {
	if g.err != nil {
		return g.placeholder()
	}
	if err := checkDims(shape); err != nil {
		return g.fail(fmt.Errorf("graph: input %q: %w", name, err))
	}
	if old, ok := g.leaves[name]; ok {
		return g.fail(fmt.Errorf("graph: input %q: the name is already used by %v", name, old))
	}
	t := g.newTensor(name, shape, Input, nil)
	if g.leaves == nil {
		g.leaves = map[string]*Tensor{}
	}
	g.leaves[name] = t
	return t
}

// Param returns the trainable parameter name with the given shape, creating
// it in the ParamSet (to be filled by init at ParamSet.Init) if it is new
// there. Asking again for the same name in this graph returns the same
// tensor. A shape differing from the ParamSet's, or a name the ParamSet holds
// as State, is an error.
func (g *Graph) Param(name string, shape []int, init Init) *Tensor {
	return g.leaf(name, shape, init, Param)
}

// State is Param for non-trainable state (batch-norm running statistics).
// State tensors can be updated by ops (BatchNorm in Train mode) and cannot
// be differentiated.
func (g *Graph) State(name string, shape []int, init Init) *Tensor {
	return g.leaf(name, shape, init, State)
}

func (g *Graph) leaf(name string, shape []int, init Init, role Role) *Tensor {
	if g.err != nil {
		return g.placeholder()
	}
	if g.ps == nil {
		return g.fail(fmt.Errorf("graph: %s %q: the graph has no ParamSet (use New)", role, name))
	}
	if err := g.ps.declare(name, shape, init, role); err != nil {
		return g.fail(fmt.Errorf("graph: %w", err))
	}
	if t, ok := g.leaves[name]; ok {
		if t.role != role {
			return g.fail(fmt.Errorf("graph: %s %q: the name is already used by %v", role, name, t))
		}
		return t
	}
	t := g.newTensor(name, shape, role, nil)
	if g.leaves == nil {
		g.leaves = map[string]*Tensor{}
	}
	g.leaves[name] = t
	return t
}

// Node is one op application: it reads its inputs and writes its outputs.
type Node struct {
	op      Op
	name    string
	inputs  []*Tensor
	outputs []*Tensor
}

// Op returns the node's operation; its concrete type (see ops.go) carries the
// kernels' parameters.
func (n *Node) Op() Op { return n.op }

// Name returns the node's name, e.g. "enc.conv1" (after its weight) or
// "leaky_relu#7" (kind and node index). Names are for messages: two nodes
// sharing a weight share a name.
func (n *Node) Name() string { return n.name }

// Inputs returns the tensors the node reads, in the order its op documents.
func (n *Node) Inputs() []*Tensor { return append([]*Tensor(nil), n.inputs...) }

// Outputs returns the tensors the node writes, in the order its op documents.
func (n *Node) Outputs() []*Tensor { return append([]*Tensor(nil), n.outputs...) }

// String returns the op kind and node name, e.g. `conv2d "enc.conv1"`.
func (n *Node) String() string { return fmt.Sprintf("%s %q", n.op.Kind(), n.name) }

// outSpec describes one output of a node being added.
type outSpec struct {
	name  string
	shape []int
	role  Role
}

// addNode appends a node and its output tensors; the caller has validated
// everything.
func (g *Graph) addNode(op Op, name string, inputs []*Tensor, outs ...outSpec) *Node {
	n := &Node{op: op, name: name, inputs: inputs}
	for _, o := range outs {
		n.outputs = append(n.outputs, g.newTensor(o.name, o.shape, o.role, n))
	}
	g.nodes = append(g.nodes, n)
	return n
}

// add1 appends a single-output node producing an Activation (or, for
// gradient nodes, role) tensor named after the node, and returns the output.
func (g *Graph) add1(op Op, name string, shape []int, role Role, inputs ...*Tensor) *Tensor {
	return g.addNode(op, name, inputs, outSpec{name, shape, role}).outputs[0]
}

func (g *Graph) newTensor(name string, shape []int, role Role, n *Node) *Tensor {
	t := &Tensor{g: g, id: len(g.tensors), shape: append([]int(nil), shape...), role: role, name: name, node: n}
	g.tensors = append(g.tensors, t)
	return t
}

// autoName returns "<kind>#<node index>", the name of a node without a
// parameter to name it after.
func (g *Graph) autoName(kind string) string { return fmt.Sprintf("%s#%d", kind, len(g.nodes)) }

// nameAfter names a node after its parameter: "enc.conv1.weight" gives
// "enc.conv1". Without a parameter it falls back to autoName.
func (g *Graph) nameAfter(kind string, p *Tensor, suffix string) string {
	if p != nil && (p.role == Param || p.role == State) {
		if s := strings.TrimSuffix(p.name, suffix); s != p.name && s != "" {
			return s
		}
		return p.name
	}
	return g.autoName(kind)
}

// placeholder returns the tensor op methods return on a failed graph.
func (g *Graph) placeholder() *Tensor {
	return &Tensor{g: g, id: -1, role: Activation, name: "<failed graph>"}
}

// fail records err if it is the first error and returns a placeholder.
// Fail records err as the graph's error (unless it already has one), for code
// that builds on a graph and finds its own inputs invalid. Like any failed op,
// later ops are no-ops and Err returns the first error.
func (g *Graph) Fail(err error) {
	if err != nil {
		g.fail(err)
	}
}

func (g *Graph) fail(err error) *Tensor {
	if g.err == nil {
		g.err = err
	}
	return g.placeholder()
}

// failf is fail with a message "<kind> <node>: <format...>".
func (g *Graph) failf(kind, node, format string, args ...any) *Tensor {
	return g.fail(fmt.Errorf("%s %q: %s", kind, node, fmt.Sprintf(format, args...)))
}

// own checks that the tensors (nil ones are skipped) belong to g and are not
// placeholders; it returns an error naming the op and the offending tensor.
func (g *Graph) own(kind string, ts ...*Tensor) error {
	for _, t := range ts {
		if t == nil {
			continue
		}
		if t.g != g {
			return fmt.Errorf("%s: tensor %v belongs to another graph", kind, t)
		}
		if t.id < 0 {
			return fmt.Errorf("%s: tensor is the placeholder of a failed graph", kind)
		}
	}
	return nil
}

// begin runs the checks every op method starts with: the graph has not
// failed, no required tensor is nil, every tensor is g's. It reports false
// (after recording an error, if it is new) when the op must not be added.
func (g *Graph) begin(kind string, required []*Tensor, optional ...*Tensor) bool {
	if g.err != nil {
		return false
	}
	for i, t := range required {
		if t == nil {
			g.fail(fmt.Errorf("%s: tensor argument %d is nil", kind, i+1))
			return false
		}
	}
	if err := g.own(kind, append(append([]*Tensor(nil), required...), optional...)...); err != nil {
		g.fail(err)
		return false
	}
	return true
}

func checkDims(shape []int) error {
	if len(shape) == 0 {
		return errors.New("shape is empty")
	}
	for i, d := range shape {
		if d < 1 {
			return fmt.Errorf("shape %v: dimension %d is %d, want >= 1", shape, i, d)
		}
	}
	return nil
}
