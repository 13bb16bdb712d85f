// Package onnx encodes and decodes ONNX models: the part of onnx.proto that
// a feed-forward float32 inference graph uses (a model with opset imports,
// producer and metadata; a graph of nodes with int, float and int-list
// attributes; float32 initializers; tensor inputs and outputs whose
// dimensions are fixed or named).
//
// Marshal checks the model before it writes it: names present and unique,
// initializer sizes equal to their dimensions, and every node input defined
// by a graph input, an initializer or an earlier node, so that the nodes
// are in the topological order ONNX requires. Decode reads that subset back
// and skips the fields it does not know, as protobuf readers do; its errors
// wrap ErrFormat.
package onnx

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// IRVersion7 is the ONNX IR version of opsets 12 to 14.
const IRVersion7 = 7

// ErrFormat is wrapped by Decode's errors: the data is not a well-formed
// encoding of the supported subset.
var ErrFormat = errors.New("malformed ONNX model")

// ErrInvalid is wrapped by Marshal's errors: the model breaks a rule of the
// format (see Model.Check).
var ErrInvalid = errors.New("invalid ONNX model")

// maxModelBytes is the largest model a protobuf message can hold.
const maxModelBytes = 1<<31 - 1

// Model is an ONNX ModelProto with one opset import of the default domain.
type Model struct {
	IRVersion       int64
	Opset           int64
	ProducerName    string
	ProducerVersion string
	Doc             string
	Graph           Graph
	// Metadata becomes metadata_props, written in key order.
	Metadata map[string]string
}

// Graph is an ONNX GraphProto.
type Graph struct {
	Name         string
	Doc          string
	Nodes        []Node
	Initializers []Tensor
	Inputs       []ValueInfo
	Outputs      []ValueInfo
}

// Node is one operator application (NodeProto) of the default domain.
type Node struct {
	Name    string
	OpType  string
	Inputs  []string
	Outputs []string
	Attrs   []Attribute
}

// AttrType is an AttributeProto's type.
type AttrType int

// The attribute types this package writes (onnx.proto's numbering).
const (
	AttrFloat AttrType = 1
	AttrInt   AttrType = 2
	AttrInts  AttrType = 7
)

// Attribute is a node attribute: a float, an int or a list of ints.
type Attribute struct {
	Name  string
	Type  AttrType
	Float float32
	Int   int64
	Ints  []int64
}

// FloatAttr is a float attribute.
func FloatAttr(name string, v float32) Attribute {
	return Attribute{Name: name, Type: AttrFloat, Float: v}
}

// IntAttr is an int attribute.
func IntAttr(name string, v int64) Attribute { return Attribute{Name: name, Type: AttrInt, Int: v} }

// IntsAttr is an int-list attribute.
func IntsAttr(name string, v ...int64) Attribute {
	return Attribute{Name: name, Type: AttrInts, Ints: slices.Clone(v)}
}

// Tensor is a float32 initializer: row-major Data of product(Dims) values.
type Tensor struct {
	Name string
	Dims []int64
	Data []float32
}

// ValueInfo is a graph input or output: a float32 tensor of the given
// dimensions.
type ValueInfo struct {
	Name string
	Dims []Dim
}

// Dim is a dimension: Param names a symbolic one (e.g. the batch "N"),
// otherwise Value is its size.
type Dim struct {
	Value int64
	Param string
}

// String returns the value or the parameter's name.
func (d Dim) String() string {
	if d.Param != "" {
		return d.Param
	}
	return fmt.Sprint(d.Value)
}

// Check reports the first rule of the format m breaks: an opset below 1, an
// empty or repeated value name, an initializer whose data does not match its
// dimensions, a node without an op type or outputs, a node input that is
// neither a graph input, an initializer nor the output of an earlier node,
// a graph output no node or input provides, or a negative fixed dimension.
func (m *Model) Check() error {
	if err := m.check(); err != nil {
		return fmt.Errorf("onnx: %w: %w", ErrInvalid, err)
	}
	return nil
}

func (m *Model) check() error {
	if m.Opset < 1 {
		return fmt.Errorf("opset %d, want >= 1", m.Opset)
	}
	g := &m.Graph
	defined := make(map[string]string) // value name → what defines it
	define := func(name, by string) error {
		if name == "" {
			return fmt.Errorf("%s: empty value name", by)
		}
		if prev, dup := defined[name]; dup {
			return fmt.Errorf("%s: value %q is already defined by %s", by, name, prev)
		}
		defined[name] = by
		return nil
	}
	for _, in := range g.Inputs {
		if err := checkDims("input "+in.Name, in.Dims); err != nil {
			return err
		}
		if err := define(in.Name, "graph input"); err != nil {
			return err
		}
	}
	for _, t := range g.Initializers {
		n := int64(1)
		for _, d := range t.Dims {
			if d < 0 {
				return fmt.Errorf("initializer %q: negative dimension in %v", t.Name, t.Dims)
			}
			n *= d
		}
		if n != int64(len(t.Data)) {
			return fmt.Errorf("initializer %q: dimensions %v want %d values, it has %d", t.Name, t.Dims, n, len(t.Data))
		}
		if err := define(t.Name, "an initializer"); err != nil {
			return err
		}
	}
	for i, nd := range g.Nodes {
		by := fmt.Sprintf("node %d (%q)", i, nd.Name)
		if nd.OpType == "" || len(nd.Outputs) == 0 {
			return fmt.Errorf("%s: want an op type and at least one output", by)
		}
		for _, in := range nd.Inputs {
			if _, ok := defined[in]; !ok && in != "" {
				return fmt.Errorf("%s: input %q is not defined before it", by, in)
			}
		}
		for _, out := range nd.Outputs {
			if err := define(out, by); err != nil {
				return err
			}
		}
	}
	for _, out := range g.Outputs {
		if err := checkDims("output "+out.Name, out.Dims); err != nil {
			return err
		}
		if _, ok := defined[out.Name]; !ok {
			return fmt.Errorf("graph output %q: no node or input defines it", out.Name)
		}
	}
	return nil
}

func checkDims(what string, dims []Dim) error {
	for _, d := range dims {
		if d.Param == "" && d.Value < 0 {
			return fmt.Errorf("%s: negative dimension in %v", what, dims)
		}
	}
	return nil
}

// metadataKeys returns m.Metadata's keys, sorted.
func (m *Model) metadataKeys() []string { return slices.Sorted(maps.Keys(m.Metadata)) }
