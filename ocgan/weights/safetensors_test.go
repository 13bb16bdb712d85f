package weights

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// rawFile builds a safetensors file from a header JSON and n data bytes.
func rawFile(header string, n int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, n)...)
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	in := []Tensor{
		{Name: "a", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}},
		{Name: "b.c", Shape: []int{1}, Data: []float32{7}},
	}
	b, err := Encode(in, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if hl := binary.LittleEndian.Uint64(b); (8+hl)%8 != 0 {
		t.Errorf("data starts at byte %d, not 8-byte aligned", 8+hl)
	}
	f, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["k"] != "v" {
		t.Errorf("metadata %v", f.Metadata)
	}
	for _, want := range in {
		got, err := f.Float32(want.Name)
		if err != nil {
			t.Fatal(err)
		}
		shape, _ := f.Shape(want.Name)
		if !slices.Equal(got, want.Data) || !slices.Equal(shape, want.Shape) {
			t.Errorf("%s: %v %v, want %v %v", want.Name, shape, got, want.Shape, want.Data)
		}
	}
}

func TestDecodeRefusesMalformed(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "shorter than"},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 1<<40), "header length"},
		{"bad json", rawFile(`{"a":`, 0), "header JSON"},
		{"unknown dtype", rawFile(`{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}`, 4), `"a": unknown dtype`},
		{"offsets past end", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 4), `"a": data offsets`},
		{"reversed offsets", rawFile(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, 4), `"a": data offsets`},
		{"size mismatch", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 8), "needs 8"},
		{"huge shape", rawFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, 4), "larger than the file"},
		{"negative dim", rawFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4), "negative"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8), "overlap"},
		{"metadata not strings", rawFile(`{"__metadata__":{"k":1}}`, 0), "__metadata__"},
		{"unknown field", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, 4), `"a"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.data)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Decode: %v, want ErrFormat mentioning %q", err, c.want)
			}
		})
	}
}

func TestFloat32DTypes(t *testing.T) {
	f, err := Decode(rawFile(`{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"i":{"dtype":"I64","shape":[1],"data_offsets":[8,16]}}`, 16))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Float32("i"); !errors.Is(err, ErrDType) || !strings.Contains(err.Error(), `"i"`) {
		t.Errorf("I64 tensor: %v, want ErrDType naming it", err)
	}
	if _, err := f.Float32("nope"); !errors.Is(err, ErrMissing) {
		t.Errorf("missing tensor: %v, want ErrMissing", err)
	}
	for _, c := range []struct {
		bits uint16
		want float32
	}{{0x3c00, 1}, {0xc000, -2}, {0x3555, 0.33325195}, {0x0001, 5.9604645e-08}, {0x7c00, float32(math.Inf(1))}, {0x8000, 0}} {
		if got := halfToFloat(c.bits); got != c.want {
			t.Errorf("halfToFloat(%#04x) = %v, want %v", c.bits, got, c.want)
		}
	}
}

// TestPeerNamesCoverModel checks that the name map covers every tensor of
// every network of several geometries exactly once, on both sides.
func TestPeerNamesCoverModel(t *testing.T) {
	for _, geo := range []model.Geometry{model.MNIST28(), model.CIFAR32(), model.Authors61()} {
		m, err := model.New(geo)
		if err != nil {
			t.Fatal(err)
		}
		for _, net := range model.Nets() {
			pairs, err := PeerNames(geo, net)
			if err != nil {
				t.Fatal(err)
			}
			ps := graphParams(t, m, net)
			var ours, peer []string
			for _, p := range pairs {
				ours, peer = append(ours, p.Ours), append(peer, p.Peer)
			}
			if !slices.Equal(ours, ps) {
				t.Errorf("%s %s: names %v, the model declares %v", geo.Name, net, ours, ps)
			}
			slices.Sort(peer)
			if len(slices.Compact(peer)) != len(pairs) {
				t.Errorf("%s %s: peer names repeat: %v", geo.Name, net, peer)
			}
		}
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	geo := model.CIFAR32()
	ck := randomCheckpoint(t, geo, 3)
	b, err := Export(ck)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		opts      ImportOptions
		threshold float64
	}{
		{"metadata", ImportOptions{}, ck.Train.Threshold},
		{"threshold option", ImportOptions{Threshold: ptr(0.5)}, 0.5},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := Import(f, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := got.CheckArchitecture(geo); err != nil {
				t.Error(err)
			}
			if got.Train.Threshold != c.threshold {
				t.Errorf("threshold %v, want %v", got.Train.Threshold, c.threshold)
			}
			for i, want := range ck.Tensors {
				g := got.Tensors[i]
				if g.Name != want.Name || g.Role != want.Role || !slices.Equal(g.Data, want.Data) {
					t.Errorf("tensor %d: %s %v, want %s %v", i, g.Name, g.Role, want.Name, want.Role)
				}
			}
		})
	}
	other := model.MNIST28()
	if _, err := Import(f, ImportOptions{Geometry: &other}); err == nil || !strings.Contains(err.Error(), "32x32x3") {
		t.Errorf("import with a geometry that disagrees with the file's: %v", err)
	}
}

func TestImportNamesTheBadTensor(t *testing.T) {
	geo := model.MNIST28()
	ck := randomCheckpoint(t, geo, 4)
	pairs, err := PeerNames(geo, ScoringNets()...)
	if err != nil {
		t.Fatal(err)
	}
	var tensors []Tensor
	for i, p := range pairs {
		for _, ct := range ck.Tensors {
			if ct.Name != p.Ours {
				continue
			}
			if i == 3 {
				ct.Shape, ct.Data = []int{len(ct.Data) + 1}, append(ct.Data, 0)
			}
			if i != 5 {
				tensors = append(tensors, Tensor{Name: p.Peer, Shape: ct.Shape, Data: ct.Data})
			}
		}
	}
	b, err := Encode(tensors, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(f, ImportOptions{}); err == nil || !strings.Contains(err.Error(), "no geometry") {
		t.Errorf("no geometry in file or options: %v", err)
	}
	_, err = Import(f, ImportOptions{Geometry: &geo})
	if !errors.Is(err, checkpoint.ErrArchitecture) || !strings.Contains(err.Error(), pairs[3].Peer) {
		t.Errorf("wrong shape: %v, want ErrArchitecture naming %q", err, pairs[3].Peer)
	}
	for _, ct := range ck.Tensors {
		if ct.Name == pairs[3].Ours {
			tensors[3] = Tensor{Name: pairs[3].Peer, Shape: ct.Shape, Data: ct.Data}
		}
	}
	if b, err = Encode(tensors, nil); err != nil {
		t.Fatal(err)
	}
	if f, err = Decode(b); err != nil {
		t.Fatal(err)
	}
	if _, err = Import(f, ImportOptions{Geometry: &geo}); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), pairs[5].Peer) {
		t.Errorf("missing tensor: %v, want ErrMissing naming %q", err, pairs[5].Peer)
	}
}

func ptr[T any](v T) *T { return &v }

// graphParams returns the names of net's tensors in declaration order.
func graphParams(t *testing.T, m *model.Model, net model.Net) []string {
	t.Helper()
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Eval)
	if _, err := m.Build(g, net, 1); err != nil {
		t.Fatal(err)
	}
	return ps.Names()
}
