package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Decode parses an encoded ModelProto into m's subset: fields outside it
// are skipped, an opset import of another domain is an error, and so are
// initializers that are not float32 raw data and tensor types that are not
// float32. Errors wrap ErrFormat and name the message.
func Decode(data []byte) (*Model, error) {
	m := &Model{}
	err := fields(data, "ModelProto", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		switch {
		case num == modelIRVersion && typ == protowire.VarintType:
			m.IRVersion = int64(v)
		case num == modelProducerName && typ == protowire.BytesType:
			m.ProducerName = string(b)
		case num == modelProducerVersion && typ == protowire.BytesType:
			m.ProducerVersion = string(b)
		case num == modelDoc && typ == protowire.BytesType:
			m.Doc = string(b)
		case num == modelGraph && typ == protowire.BytesType:
			return m.Graph.decode(b)
		case num == modelOpsetImport && typ == protowire.BytesType:
			return m.decodeOpset(b)
		case num == modelMetadataProps && typ == protowire.BytesType:
			var k, val string
			if err := fields(b, "StringStringEntryProto", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
				if typ == protowire.BytesType && num == entryKey {
					k = string(b)
				} else if typ == protowire.BytesType && num == entryValue {
					val = string(b)
				}
				return nil
			}); err != nil {
				return err
			}
			if m.Metadata == nil {
				m.Metadata = make(map[string]string)
			}
			m.Metadata[k] = val
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("onnx: %w: %w", ErrFormat, err)
	}
	return m, nil
}

func (m *Model) decodeOpset(data []byte) error {
	var domain string
	var version int64
	err := fields(data, "OperatorSetIdProto", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		if num == opsetDomain && typ == protowire.BytesType {
			domain = string(b)
		} else if num == opsetVersion && typ == protowire.VarintType {
			version = int64(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if domain != "" && domain != "ai.onnx" {
		return fmt.Errorf("opset import of domain %q: only the default domain is supported", domain)
	}
	m.Opset = version
	return nil
}

func (g *Graph) decode(data []byte) error {
	return bytesFields(data, "GraphProto", func(num protowire.Number, b []byte) error {
		switch num {
		case graphNode:
			return appendDecoded(&g.Nodes, b)
		case graphName:
			g.Name = string(b)
		case graphDoc:
			g.Doc = string(b)
		case graphInitializer:
			return appendDecoded(&g.Initializers, b)
		case graphInput:
			return appendDecoded(&g.Inputs, b)
		case graphOutput:
			return appendDecoded(&g.Outputs, b)
		}
		return nil
	})
}

func (n *Node) decode(data []byte) error {
	return bytesFields(data, "NodeProto", func(num protowire.Number, b []byte) error {
		switch num {
		case nodeInput:
			n.Inputs = append(n.Inputs, string(b))
		case nodeOutput:
			n.Outputs = append(n.Outputs, string(b))
		case nodeName:
			n.Name = string(b)
		case nodeOpType:
			n.OpType = string(b)
		case nodeAttribute:
			if err := appendDecoded(&n.Attrs, b); err != nil {
				return fmt.Errorf("node %q: %w", n.Name, err)
			}
		}
		return nil
	})
}

// decoder is a pointer to a message that decodes itself.
type decoder[T any] interface {
	*T
	decode(data []byte) error
}

// appendDecoded decodes the message in b and appends it to list.
func appendDecoded[T any, P decoder[T]](list *[]T, b []byte) error {
	var x T
	if err := P(&x).decode(b); err != nil {
		return err
	}
	*list = append(*list, x)
	return nil
}

func (a *Attribute) decode(data []byte) error {
	err := fields(data, "AttributeProto", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		switch {
		case num == attrName && typ == protowire.BytesType:
			a.Name = string(b)
		case num == attrF && typ == protowire.Fixed32Type:
			a.Float = math.Float32frombits(uint32(v))
		case num == attrI && typ == protowire.VarintType:
			a.Int = int64(v)
		case num == attrInts:
			return appendInt64s(&a.Ints, typ, v, b, "AttributeProto.ints")
		case num == attrType && typ == protowire.VarintType:
			a.Type = AttrType(v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	switch a.Type {
	case AttrFloat, AttrInt, AttrInts:
		return nil
	}
	return fmt.Errorf("attribute %q: type %d: only float, int and ints are supported", a.Name, a.Type)
}

func (t *Tensor) decode(data []byte) error {
	dataType := int64(-1)
	var raw []byte
	err := fields(data, "TensorProto", func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error {
		switch {
		case num == tensorDims:
			return appendInt64s(&t.Dims, typ, v, b, "TensorProto.dims")
		case num == tensorDataType && typ == protowire.VarintType:
			dataType = int64(v)
		case num == tensorName && typ == protowire.BytesType:
			t.Name = string(b)
		case num == tensorRawData && typ == protowire.BytesType:
			raw = b
		}
		return nil
	})
	if err != nil {
		return err
	}
	if dataType != dataTypeFloat {
		return fmt.Errorf("initializer %q: data type %d: only FLOAT (1) is supported", t.Name, dataType)
	}
	if len(raw)%4 != 0 {
		return fmt.Errorf("initializer %q: %d bytes of raw data, not whole float32 values", t.Name, len(raw))
	}
	n := int64(1)
	for _, d := range t.Dims {
		if d < 0 || (d > 0 && n > int64(len(raw))/d) {
			return fmt.Errorf("initializer %q: dimensions %v do not match its %d bytes of raw data", t.Name, t.Dims, len(raw))
		}
		n *= d
	}
	if 4*n != int64(len(raw)) {
		return fmt.Errorf("initializer %q: dimensions %v want %d values, the raw data holds %d", t.Name, t.Dims, n, len(raw)/4)
	}
	t.Data = make([]float32, n)
	for i := range t.Data {
		t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return nil
}

func (v *ValueInfo) decode(data []byte) error {
	return fields(data, "ValueInfoProto", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
		switch {
		case num == valueName && typ == protowire.BytesType:
			v.Name = string(b)
		case num == valueType && typ == protowire.BytesType:
			return fields(b, "TypeProto", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
				if num != typeTensor || typ != protowire.BytesType {
					return fmt.Errorf("value %q: only tensor types are supported", v.Name)
				}
				return v.decodeTensorType(b)
			})
		}
		return nil
	})
}

func (v *ValueInfo) decodeTensorType(data []byte) error {
	elem := int64(-1)
	err := fields(data, "TypeProto.Tensor", func(num protowire.Number, typ protowire.Type, x uint64, b []byte) error {
		switch {
		case num == tensorElem && typ == protowire.VarintType:
			elem = int64(x)
		case num == tensorShape && typ == protowire.BytesType:
			return fields(b, "TensorShapeProto", func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
				if num != shapeDim || typ != protowire.BytesType {
					return nil
				}
				var d Dim
				err := fields(b, "TensorShapeProto.Dimension", func(num protowire.Number, typ protowire.Type, x uint64, b []byte) error {
					if num == dimValue && typ == protowire.VarintType {
						d.Value = int64(x)
					} else if num == dimParam && typ == protowire.BytesType {
						d.Param = string(b)
					}
					return nil
				})
				v.Dims = append(v.Dims, d)
				return err
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if elem != dataTypeFloat {
		return fmt.Errorf("value %q: element type %d: only FLOAT (1) is supported", v.Name, elem)
	}
	return nil
}

// appendInt64s appends the values of a repeated int64 field to list: v of
// an unpacked (varint) field, the varints in b of a packed one (msg names
// the field in errors); other wire types are skipped.
func appendInt64s(list *[]int64, typ protowire.Type, v uint64, b []byte, msg string) error {
	switch typ {
	case protowire.VarintType:
		*list = append(*list, int64(v))
	case protowire.BytesType:
		ints, err := unpack(b, msg)
		if err != nil {
			return err
		}
		*list = append(*list, ints...)
	}
	return nil
}

// bytesFields calls f with the number and bytes of each length-delimited
// field of the message in data; other fields are skipped (see fields).
func bytesFields(data []byte, msg string, f func(num protowire.Number, b []byte) error) error {
	return fields(data, msg, func(num protowire.Number, typ protowire.Type, _ uint64, b []byte) error {
		if typ != protowire.BytesType {
			return nil
		}
		return f(num, b)
	})
}

// fields calls f with each field of the message in data: its number, wire
// type, and its value (varint and fixed types) or bytes (length-delimited).
// Groups are skipped.
func fields(data []byte, msg string, f func(num protowire.Number, typ protowire.Type, v uint64, b []byte) error) error {
	for off := 0; off < len(data); {
		num, typ, n := protowire.ConsumeTag(data[off:])
		if n < 0 {
			return fmt.Errorf("%s: bad tag at byte %d: %w", msg, off, protowire.ParseError(n))
		}
		off += n
		var v uint64
		var b []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(data[off:])
		case protowire.Fixed32Type:
			var x uint32
			x, n = protowire.ConsumeFixed32(data[off:])
			v = uint64(x)
		case protowire.Fixed64Type:
			v, n = protowire.ConsumeFixed64(data[off:])
		case protowire.BytesType:
			b, n = protowire.ConsumeBytes(data[off:])
		default:
			n = protowire.ConsumeFieldValue(num, typ, data[off:])
		}
		if n < 0 {
			return fmt.Errorf("%s: field %d at byte %d: %w", msg, num, off, protowire.ParseError(n))
		}
		off += n
		if typ == protowire.StartGroupType {
			continue
		}
		if err := f(num, typ, v, b); err != nil {
			return err
		}
	}
	return nil
}

// unpack decodes a packed repeated varint field.
func unpack(b []byte, field string) ([]int64, error) {
	var out []int64
	for len(b) > 0 {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return nil, fmt.Errorf("%s: %w", field, protowire.ParseError(n))
		}
		out = append(out, int64(v))
		b = b[n:]
	}
	return out, nil
}
