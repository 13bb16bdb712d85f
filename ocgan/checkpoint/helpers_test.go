package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// small returns a small valid checkpoint: two params (one with Adam state),
// one state tensor, awkward float values, NaN and Inf train floats, meta.
func small() *Checkpoint {
	return &Checkpoint{
		Geometry: model.MNIST28(),
		Train: TrainState{Epoch: 3, Iteration: 2811, Seed: math.MaxUint64, RNGCounter: 1 << 60,
			BestValMSE: math.Inf(1), BestEpoch: 2, Threshold: math.NaN()},
		Tensors: []Tensor{
			{Name: "En.conv1.weight", Role: graph.Param, Shape: []int{2, 1, 1, 2},
				Data: []float32{1.5, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, float32(math.Inf(-1))}},
			{Name: "En.bn1.running_var", Role: graph.State, Shape: []int{3}, Data: []float32{1, 2, float32(math.NaN())}},
			{Name: "De.fc.bias", Role: graph.Param, Shape: []int{2}, Data: []float32{-0.25, 1e-30}},
		},
		Adam: []Adam{{Name: "En.conv1.weight", M: []float32{0.1, 0.2, 0.3, 0.4}, V: []float32{1e-8, 2e-8, 3e-8, 0}, Steps: 2811}},
		Meta: map[string]string{"dataset": "mnist", "class": "3", "created": "2026-11-28T21:00:00Z"},
	}
}

// cropped is small with a recorded preprocessing other than the default
// (a format-version-2 checkpoint).
func cropped() *Checkpoint {
	c := small()
	c.Preprocess = Preprocessing{ImageSize: 28, Channels: 1, Resize: dataset.ResizeCrop}
	return c
}

// mustEncode encodes c or fails the test.
func mustEncode(t testing.TB, c *Checkpoint) []byte {
	t.Helper()
	b, err := encode(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameFloats32 compares bit patterns.
func sameFloats32(a, b []float32) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// sameFloat64 compares bit patterns, treating all NaNs as equal (the
// manifest stores NaN as a string).
func sameFloat64(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// diff returns "" if a and b hold the same checkpoint bit for bit, else
// the first difference.
func diff(a, b *Checkpoint) string {
	if fmt.Sprintf("%#v", a.Geometry) != fmt.Sprintf("%#v", b.Geometry) {
		return fmt.Sprintf("geometry %#v != %#v", a.Geometry, b.Geometry)
	}
	if a.Preprocessing() != b.Preprocessing() {
		return fmt.Sprintf("preprocessing %v != %v", a.Preprocessing(), b.Preprocessing())
	}
	ta, tb := a.Train, b.Train
	if !sameFloat64(ta.BestValMSE, tb.BestValMSE) || !sameFloat64(ta.Threshold, tb.Threshold) {
		return fmt.Sprintf("train floats %v/%v != %v/%v", ta.BestValMSE, ta.Threshold, tb.BestValMSE, tb.Threshold)
	}
	ta.BestValMSE, ta.Threshold, tb.BestValMSE, tb.Threshold = 0, 0, 0, 0
	if ta != tb {
		return fmt.Sprintf("train %+v != %+v", ta, tb)
	}
	if fmt.Sprint(a.Meta) != fmt.Sprint(b.Meta) || len(a.Meta) != len(b.Meta) {
		return fmt.Sprintf("meta %v != %v", a.Meta, b.Meta)
	}
	if len(a.Tensors) != len(b.Tensors) || len(a.Adam) != len(b.Adam) {
		return fmt.Sprintf("%d tensors, %d adam != %d, %d", len(a.Tensors), len(a.Adam), len(b.Tensors), len(b.Adam))
	}
	for i, x := range a.Tensors {
		y := b.Tensors[i]
		if x.Name != y.Name || x.Role != y.Role || fmt.Sprint(x.Shape) != fmt.Sprint(y.Shape) || !sameFloats32(x.Data, y.Data) {
			return fmt.Sprintf("tensor %d: %s %v %v != %s %v %v", i, x.Name, x.Role, x.Shape, y.Name, y.Role, y.Shape)
		}
	}
	for i, x := range a.Adam {
		y := b.Adam[i]
		if x.Name != y.Name || x.Steps != y.Steps || !sameFloats32(x.M, y.M) || !sameFloats32(x.V, y.V) {
			return fmt.Sprintf("adam %d: %s (%d steps) != %s (%d steps)", i, x.Name, x.Steps, y.Name, y.Steps)
		}
	}
	return ""
}

// modelParams returns the initialised ParamSet of all five networks of geo.
func modelParams(t testing.TB, geo model.Geometry, seed uint64) *graph.ParamSet {
	t.Helper()
	m, err := model.New(geo)
	if err != nil {
		t.Fatal(err)
	}
	ps := graph.NewParamSet()
	g := graph.New(ps, graph.Train)
	x := g.Input("x", m.ImageShape(2)...)
	z := m.Encoder(g, x)
	rec := m.Decoder(g, z)
	m.LatentDiscriminator(g, z)
	m.VisualDiscriminator(g, x)
	m.Classifier(g, rec)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(seed); err != nil {
		t.Fatal(err)
	}
	return ps
}

// fakeAdam is an AdamStore on the host, standing in for program.DeviceParams.
type fakeAdam struct {
	names []string
	st    map[string]backend.AdamState
}

// newFakeAdam gives every param of ps whose name starts with one of
// prefixes random moments (or zeros if rng is nil) and steps.
func newFakeAdam(ps *graph.ParamSet, rng *rand.Rand, prefixes ...string) *fakeAdam {
	f := &fakeAdam{st: map[string]backend.AdamState{}}
	for _, name := range ps.Names() {
		if ps.Role(name) != graph.Param || !hasPrefix(name, prefixes) {
			continue
		}
		n := len(ps.Get(name))
		st := backend.AdamState{M: make([]float32, n), V: make([]float32, n)}
		if rng != nil {
			for i := range st.M {
				st.M[i] = float32(rng.NormFloat64() * 1e-3)
				st.V[i] = float32(rng.Float64() * 1e-6)
			}
			st.Steps = rng.Intn(10000)
		}
		f.names = append(f.names, name)
		f.st[name] = st
	}
	return f
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if len(s) >= len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

func (f *fakeAdam) AdamNames() []string { return append([]string(nil), f.names...) }

func (f *fakeAdam) AdamState(name string) (backend.AdamState, error) {
	st, ok := f.st[name]
	if !ok {
		return backend.AdamState{}, fmt.Errorf("no adam state for %q", name)
	}
	return backend.AdamState{M: append([]float32(nil), st.M...), V: append([]float32(nil), st.V...), Steps: st.Steps}, nil
}

func (f *fakeAdam) SetAdamState(name string, st backend.AdamState) error {
	old, ok := f.st[name]
	if !ok {
		return fmt.Errorf("no adam state for %q", name)
	}
	if len(st.M) != len(old.M) || len(st.V) != len(old.V) {
		return fmt.Errorf("length mismatch for %q", name)
	}
	f.st[name] = st
	return nil
}

// craft builds a format-version-1 file around a hand-made manifest and
// tensor data, with a valid compression, header and checksum: what a
// hostile writer can make.
func craft(t testing.TB, manifestJSON string, data []byte) []byte {
	t.Helper()
	return craftVersion(t, 1, manifestJSON, data)
}

// craftVersion is craft for a file of the given format version.
func craftVersion(t testing.TB, version uint32, manifestJSON string, data []byte) []byte {
	t.Helper()
	p := binary.LittleEndian.AppendUint32(nil, uint32(len(manifestJSON)))
	p = append(p, manifestJSON...)
	p = append(p, data...)
	b, err := frame(p, version)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawFile builds a file from header fields and a compressed section, with a
// valid checksum.
func rawFile(version, flags uint32, payloadLen, compLen uint64, comp []byte) []byte {
	b := make([]byte, headerSize, headerSize+len(comp)+sumSize)
	writeHeader(b, version, payloadLen, compLen)
	binary.LittleEndian.PutUint32(b[12:], flags)
	b = append(b, comp...)
	return appendSum(b)
}

// resum recomputes the checksum of a file whose header or compressed bytes
// were changed (the last sumSize bytes are replaced).
func resum(b []byte) []byte {
	if len(b) < headerSize+sumSize {
		return b
	}
	out := bytes.Clone(b[:len(b)-sumSize])
	return appendSum(out)
}
