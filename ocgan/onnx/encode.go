package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of onnx.proto (ONNX 1.12) that this package reads and writes.
const (
	// ModelProto
	modelIRVersion       = 1
	modelProducerName    = 2
	modelProducerVersion = 3
	modelDoc             = 6
	modelGraph           = 7
	modelOpsetImport     = 8
	modelMetadataProps   = 14
	// OperatorSetIdProto
	opsetDomain  = 1
	opsetVersion = 2
	// StringStringEntryProto
	entryKey   = 1
	entryValue = 2
	// GraphProto
	graphNode        = 1
	graphName        = 2
	graphInitializer = 5
	graphDoc         = 10
	graphInput       = 11
	graphOutput      = 12
	// NodeProto
	nodeInput     = 1
	nodeOutput    = 2
	nodeName      = 3
	nodeOpType    = 4
	nodeAttribute = 5
	// AttributeProto
	attrName = 1
	attrF    = 2
	attrI    = 3
	attrInts = 8
	attrType = 20
	// TensorProto
	tensorDims     = 1
	tensorDataType = 2
	tensorName     = 8
	tensorRawData  = 9
	// ValueInfoProto
	valueName = 1
	valueType = 2
	// TypeProto, TypeProto.Tensor, TensorShapeProto, its Dimension
	typeTensor    = 1
	tensorElem    = 1
	tensorShape   = 2
	shapeDim      = 1
	dimValue      = 1
	dimParam      = 2
	dataTypeFloat = 1 // TensorProto.DataType FLOAT
)

// Marshal checks m (Check) and returns its protobuf encoding.
func (m *Model) Marshal() ([]byte, error) {
	if err := m.Check(); err != nil {
		return nil, err
	}
	var b []byte
	b = appendVarint(b, modelIRVersion, uint64(m.IRVersion))
	b = appendString(b, modelProducerName, m.ProducerName)
	b = appendString(b, modelProducerVersion, m.ProducerVersion)
	b = appendString(b, modelDoc, m.Doc)
	graph := m.Graph.marshal()
	if len(graph) > maxModelBytes {
		return nil, fmt.Errorf("onnx: %w: the graph takes %d bytes, more than a protobuf message holds (%d)", ErrInvalid, len(graph), maxModelBytes)
	}
	b = protowire.AppendTag(b, modelGraph, protowire.BytesType)
	b = protowire.AppendBytes(b, graph)
	// An empty domain is the default (ai.onnx) one; it is written, not
	// omitted, as ONNX's own writers do.
	opset := appendAlways(nil, opsetDomain, "")
	opset = appendVarint(opset, opsetVersion, uint64(m.Opset))
	b = appendMessage(b, modelOpsetImport, opset)
	for _, k := range m.metadataKeys() {
		var e []byte
		e = appendString(e, entryKey, k)
		e = appendString(e, entryValue, m.Metadata[k])
		b = appendMessage(b, modelMetadataProps, e)
	}
	if len(b) > maxModelBytes {
		return nil, fmt.Errorf("onnx: %w: the model takes %d bytes, more than a protobuf message holds (%d)", ErrInvalid, len(b), maxModelBytes)
	}
	return b, nil
}

func (g *Graph) marshal() []byte {
	size := 0
	for _, t := range g.Initializers {
		size += 4*len(t.Data) + 64
	}
	b := make([]byte, 0, size+4096)
	for _, n := range g.Nodes {
		b = appendMessage(b, graphNode, n.marshal())
	}
	b = appendString(b, graphName, g.Name)
	for _, t := range g.Initializers {
		b = appendMessage(b, graphInitializer, t.marshal())
	}
	b = appendString(b, graphDoc, g.Doc)
	for _, v := range g.Inputs {
		b = appendMessage(b, graphInput, v.marshal())
	}
	for _, v := range g.Outputs {
		b = appendMessage(b, graphOutput, v.marshal())
	}
	return b
}

func (n *Node) marshal() []byte {
	var b []byte
	for _, s := range n.Inputs {
		b = appendAlways(b, nodeInput, s)
	}
	for _, s := range n.Outputs {
		b = appendAlways(b, nodeOutput, s)
	}
	b = appendString(b, nodeName, n.Name)
	b = appendString(b, nodeOpType, n.OpType)
	for _, a := range n.Attrs {
		b = appendMessage(b, nodeAttribute, a.marshal())
	}
	return b
}

func (a *Attribute) marshal() []byte {
	var b []byte
	b = appendString(b, attrName, a.Name)
	switch a.Type {
	case AttrFloat:
		b = protowire.AppendTag(b, attrF, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, math.Float32bits(a.Float))
	case AttrInt:
		b = protowire.AppendTag(b, attrI, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(a.Int))
	case AttrInts:
		b = appendPacked(b, attrInts, a.Ints)
	}
	return appendVarint(b, attrType, uint64(a.Type))
}

func (t *Tensor) marshal() []byte {
	b := make([]byte, 0, 4*len(t.Data)+len(t.Name)+64)
	b = appendPacked(b, tensorDims, t.Dims)
	b = appendVarint(b, tensorDataType, dataTypeFloat)
	b = appendString(b, tensorName, t.Name)
	b = protowire.AppendTag(b, tensorRawData, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(4*len(t.Data)))
	for _, v := range t.Data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func (v *ValueInfo) marshal() []byte {
	var shape []byte
	for _, d := range v.Dims {
		var dim []byte
		if d.Param != "" {
			dim = appendString(dim, dimParam, d.Param)
		} else {
			dim = protowire.AppendTag(dim, dimValue, protowire.VarintType)
			dim = protowire.AppendVarint(dim, uint64(d.Value))
		}
		shape = appendMessage(shape, shapeDim, dim)
	}
	var tensor []byte
	tensor = appendVarint(tensor, tensorElem, dataTypeFloat)
	tensor = appendMessage(tensor, tensorShape, shape)
	var b []byte
	b = appendString(b, valueName, v.Name)
	return appendMessage(b, valueType, appendMessage(nil, typeTensor, tensor))
}

// appendVarint appends a varint field unless it is zero (proto3's default).
func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

// appendString appends a string field unless it is empty.
func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return appendAlways(b, num, s)
}

// appendAlways appends a string field, empty or not (an element of a
// repeated field: an empty node input means an omitted optional one).
func appendAlways(b []byte, num protowire.Number, s string) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// appendMessage appends an embedded message field, even an empty one.
func appendMessage(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

// appendPacked appends a repeated int64 field, packed.
func appendPacked(b []byte, num protowire.Number, v []int64) []byte {
	if len(v) == 0 {
		return b
	}
	var p []byte
	for _, x := range v {
		p = protowire.AppendVarint(p, uint64(x))
	}
	return appendMessage(b, num, p)
}
