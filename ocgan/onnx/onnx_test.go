package onnx

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// tinyModel is y = Relu(Conv(x, w, b)) + x with a symbolic batch.
func tinyModel() *Model {
	return &Model{
		IRVersion: IRVersion7, Opset: 13,
		ProducerName: "test", ProducerVersion: "1.2.3", Doc: "a tiny model",
		Metadata: map[string]string{"b": "2", "a": "1", "empty": ""},
		Graph: Graph{
			Name: "tiny", Doc: "x → y",
			Inputs:  []ValueInfo{{Name: "x", Dims: []Dim{{Param: "N"}, {Value: 2}, {Value: 3}, {Value: 3}}}},
			Outputs: []ValueInfo{{Name: "y", Dims: []Dim{{Param: "N"}, {Value: 2}, {Value: 3}, {Value: 3}}}},
			Initializers: []Tensor{
				{Name: "w", Dims: []int64{2, 2, 1, 1}, Data: []float32{1, -2.5, float32(math.Inf(1)), 1e-30}},
				{Name: "b", Dims: []int64{2}, Data: []float32{0.25, -0}},
			},
			Nodes: []Node{
				{Name: "conv", OpType: "Conv", Inputs: []string{"x", "w", "b"}, Outputs: []string{"c"},
					Attrs: []Attribute{IntsAttr("pads", 0, 0, 0, 0), IntsAttr("kernel_shape", 1, 1), IntAttr("group", 1)}},
				{Name: "relu", OpType: "Relu", Inputs: []string{"c"}, Outputs: []string{"r"}},
				{Name: "lrelu", OpType: "LeakyRelu", Inputs: []string{"r"}, Outputs: []string{"l"}, Attrs: []Attribute{FloatAttr("alpha", 0.2)}},
				{Name: "add", OpType: "Add", Inputs: []string{"l", "x"}, Outputs: []string{"y"}},
			},
		},
	}
}

func TestMarshalDecodeRoundTrip(t *testing.T) {
	m := tinyModel()
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	// IntsAttr("pads", 0, 0, 0, 0) is written as four zero varints.
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, m)
	}
	again, err := got.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Error("re-encoding the decoded model gives other bytes")
	}
}

// TestWireBytes checks encodings against bytes worked out by hand from
// onnx.proto's field numbers, independently of this package's constants.
func TestWireBytes(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want []byte
	}{
		// AttributeProto: name (1) "pads", ints (8) packed [1, 2], type (20) INTS = 7.
		{"ints attribute", func() []byte { a := IntsAttr("pads", 1, 2); return a.marshal() }(),
			[]byte{0x0a, 4, 'p', 'a', 'd', 's', 0x42, 2, 1, 2, 0xa0, 0x01, 7}},
		// f (2) fixed32 1.0, type FLOAT = 1.
		{"float attribute", func() []byte { a := FloatAttr("a", 1); return a.marshal() }(),
			[]byte{0x0a, 1, 'a', 0x15, 0, 0, 0x80, 0x3f, 0xa0, 0x01, 1}},
		// TensorProto: dims (1) packed [2], data_type (2) FLOAT, name (8) "t", raw_data (9).
		{"tensor", func() []byte { x := Tensor{Name: "t", Dims: []int64{2}, Data: []float32{1, -2}}; return x.marshal() }(),
			[]byte{0x0a, 1, 2, 0x10, 1, 0x42, 1, 't', 0x4a, 8, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}},
		// ValueInfoProto: name (1), type (2) { tensor_type (1) { elem_type (1) FLOAT,
		// shape (2) { dim (1) { dim_param (2) "N" }, dim { dim_value (1) 3 } } } }.
		{"value info", func() []byte { v := ValueInfo{Name: "x", Dims: []Dim{{Param: "N"}, {Value: 3}}}; return v.marshal() }(),
			[]byte{0x0a, 1, 'x', 0x12, 15, 0x0a, 13, 0x08, 1, 0x12, 9, 0x0a, 3, 0x12, 1, 'N', 0x0a, 2, 0x08, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Equal(c.got, c.want) {
				t.Errorf("got  % x\nwant % x", c.got, c.want)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(m *Model)
		want   string
	}{
		{"opset", func(m *Model) { m.Opset = 0 }, "opset 0"},
		{"undefined input", func(m *Model) { m.Graph.Nodes[1].Inputs[0] = "nope" }, `input "nope" is not defined`},
		{"out of order", func(m *Model) {
			n := m.Graph.Nodes
			n[0], n[1] = n[1], n[0]
		}, `input "c" is not defined before it`},
		{"duplicate value", func(m *Model) { m.Graph.Nodes[1].Outputs[0] = "w" }, `value "w" is already defined by an initializer`},
		{"initializer size", func(m *Model) { m.Graph.Initializers[1].Data = []float32{1} }, `initializer "b": dimensions [2] want 2 values, it has 1`},
		{"negative dim", func(m *Model) { m.Graph.Initializers[1].Dims = []int64{-2} }, "negative dimension"},
		{"empty name", func(m *Model) { m.Graph.Inputs[0].Name = "" }, "empty value name"},
		{"no op type", func(m *Model) { m.Graph.Nodes[2].OpType = "" }, "want an op type"},
		{"undefined output", func(m *Model) { m.Graph.Outputs[0].Name = "z" }, `graph output "z"`},
		{"negative output dim", func(m *Model) { m.Graph.Outputs[0].Dims[1].Value = -1 }, "output y: negative dimension"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := tinyModel()
			c.change(m)
			_, err := m.Marshal()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want ErrInvalid mentioning %q", err, c.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	good, err := tinyModel().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)-3], "ModelProto"},
		{"bad tag", []byte{0x00}, "bad tag"},
		{"other domain", []byte{0x42, 0x0a, 0x0a, 6, 'a', 'i', '.', 'x', 'y', 'z', 0x10, 1}, `domain "ai.xyz"`},
		// graph { initializer { data_type INT64 (7) } }
		{"int64 initializer", []byte{0x3a, 6, 0x2a, 4, 0x10, 7, 0x42, 0}, "only FLOAT"},
		// graph { initializer { dims [3], FLOAT, raw_data of 8 bytes } }
		{"initializer size", []byte{0x3a, 17, 0x2a, 15, 0x0a, 1, 3, 0x10, 1, 0x4a, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "want 3 values"},
		// graph { input { name "x", type { sequence_type (4) {} } } }
		{"non-tensor type", []byte{0x3a, 9, 0x5a, 7, 0x0a, 1, 'x', 0x12, 2, 0x22, 0}, "only tensor types"},
		// graph { node { attribute { name "g", type GRAPH (5) } } }
		{"graph attribute", []byte{0x3a, 10, 0x0a, 8, 0x2a, 6, 0x0a, 1, 'g', 0xa0, 0x01, 5}, "only float, int and ints"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want ErrFormat mentioning %q", err, c.want)
			}
		})
	}
}

// TestAppendInt64s checks both encodings of a repeated int64 field and that
// other wire types are skipped.
func TestAppendInt64s(t *testing.T) {
	var got []int64
	if err := appendInt64s(&got, protowire.VarintType, 5, nil, "f"); err != nil {
		t.Fatal(err)
	}
	packed := protowire.AppendVarint(protowire.AppendVarint(nil, 7), 300)
	if err := appendInt64s(&got, protowire.BytesType, 0, packed, "f"); err != nil {
		t.Fatal(err)
	}
	if err := appendInt64s(&got, protowire.Fixed32Type, 9, nil, "f"); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int64{5, 7, 300}) {
		t.Errorf("got %v, want [5 7 300]", got)
	}
	if err := appendInt64s(&got, protowire.BytesType, 0, []byte{0x80}, "f"); err == nil {
		t.Error("a truncated packed field is accepted")
	}
}
