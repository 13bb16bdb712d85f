package checkpoint

import (
	"bytes"
	"errors"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/program"
)

func TestRoundTripBitExact(t *testing.T) {
	mnist := modelParams(t, model.MNIST28(), 7)
	full, err := FromParams(model.MNIST28(), mnist, newFakeAdam(mnist, rand.New(rand.NewSource(1)), "En.", "De."))
	if err != nil {
		t.Fatal(err)
	}
	full.Train = TrainState{Epoch: 14, Iteration: 123456, Seed: 42, RNGCounter: 987654321, BestValMSE: 0.012345678901234567, BestEpoch: 11, Threshold: -0.5}
	full.Meta = map[string]string{"dataset": "mnist", "class": "0"}
	noAdam := small()
	noAdam.Adam = nil
	noAdam.Meta = nil
	emptyMeta := small()
	emptyMeta.Meta = map[string]string{}
	for _, tc := range []struct {
		name string
		c    *Checkpoint
	}{
		{"small", small()},
		{"no adam, no meta", noAdam},
		{"no tensors", &Checkpoint{Geometry: model.CIFAR32()}},
		{"MNIST28 model with Adam", full},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, tc.c); err != nil {
				t.Fatal(err)
			}
			got, err := Decode(bytes.NewReader(buf.Bytes()), 0)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(tc.c, got); d != "" {
				t.Fatalf("Decode(Encode(c)) differs: %s", d)
			}
			path := filepath.Join(t.TempDir(), "c.ckpt")
			if err := Save(path, tc.c); err != nil {
				t.Fatal(err)
			}
			loaded, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(tc.c, loaded); d != "" {
				t.Fatalf("Load(Save(c)) differs: %s", d)
			}
			if again := mustEncode(t, loaded); !bytes.Equal(again, buf.Bytes()) {
				t.Fatal("re-encoding the decoded checkpoint gives other bytes")
			}
		})
	}
}

func TestParamsRestore(t *testing.T) {
	geo := model.MNIST28()
	src := modelParams(t, geo, 1)
	srcAdam := newFakeAdam(src, rand.New(rand.NewSource(2)), "En.", "De.", "Dl.")
	c, err := FromParams(geo, src, srcAdam)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := Save(path, c); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := loaded.CheckArchitecture(geo); err != nil {
		t.Fatal(err)
	}
	dst := modelParams(t, geo, 99) // other values
	dstAdam := newFakeAdam(dst, nil, "En.", "De.", "Dl.")
	if err := loaded.Restore(dst, dstAdam); err != nil {
		t.Fatal(err)
	}
	for _, name := range src.Names() {
		if !sameFloats32(src.Get(name), dst.Get(name)) {
			t.Fatalf("%s differs after restore", name)
		}
	}
	for _, name := range srcAdam.names {
		a, b := srcAdam.st[name], dstAdam.st[name]
		if !sameFloats32(a.M, b.M) || !sameFloats32(a.V, b.V) || a.Steps != b.Steps {
			t.Fatalf("adam state of %s differs after restore", name)
		}
	}

	// A nil *program.DeviceParams means no Adam state, both ways.
	var dp *program.DeviceParams
	c2, err := FromParams(geo, src, dp)
	if err != nil || len(c2.Adam) != 0 {
		t.Fatalf("FromParams with nil DeviceParams: %d adam entries, %v", len(c2.Adam), err)
	}
	if err := loaded.Restore(dst, dp); err != nil {
		t.Fatal(err)
	}
	if err := c2.Restore(dst, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusesMismatch(t *testing.T) {
	build := func(shape []int, role graph.Role) *graph.ParamSet {
		ps := graph.NewParamSet()
		g := graph.New(ps, graph.Train)
		g.Param("En.conv1.weight", []int{2, 1, 1, 2}, graph.InitZeros())
		g.Param("De.fc.bias", []int{2}, graph.InitZeros())
		if role == graph.State {
			g.State("x", shape, graph.InitZeros())
		} else if role == graph.Param {
			g.Param("x", shape, graph.InitZeros())
		}
		if err := g.Err(); err != nil {
			t.Fatal(err)
		}
		return ps
	}
	c := small()
	c.Tensors = append(c.Tensors, Tensor{Name: "x", Role: graph.State, Shape: []int{2}, Data: []float32{5, 6}})
	for _, tc := range []struct {
		name, want string
		ps         *graph.ParamSet
		adam       bool
	}{
		{"missing tensor", `no state "x"`, build([]int{2}, graph.State), false},
		{"shape", `shape [2] in the checkpoint, [3]`, build([]int{3}, graph.State), false},
		{"role", `"x" is a state in the checkpoint, a param`, build([]int{2}, graph.Param), false},
		{"missing adam", `no Adam state for "De.fc.bias"`, build(nil, 0), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc := c
			if tc.name == "missing tensor" {
				cc = small()
			}
			var adam AdamStore
			if tc.adam {
				adam = newFakeAdam(tc.ps, nil, "")
			}
			before := tc.ps.Get("En.conv1.weight")
			err := cc.Restore(tc.ps, adam)
			if !errors.Is(err, ErrArchitecture) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Restore: %v; want ErrArchitecture mentioning %q", err, tc.want)
			}
			if !sameFloats32(before, tc.ps.Get("En.conv1.weight")) {
				t.Fatal("a failed Restore changed the ParamSet")
			}
		})
	}
}

func TestCheckArchitecture(t *testing.T) {
	c := small() // MNIST28
	renamed := model.MNIST28()
	renamed.Name = "mine"
	latent := model.MNIST28()
	latent.Latent = 32
	slope := model.MNIST28()
	slope.LeakySlope = 0.1
	widths := model.MNIST28()
	widths.LatentWidths = []int{128, 64, 32, 8}
	for _, tc := range []struct {
		name string
		geo  model.Geometry
		want string // "" = accepted
	}{
		{"same", model.MNIST28(), ""},
		{"other name only", renamed, ""},
		{"CIFAR32", model.CIFAR32(), "ImageSize is 28 in the checkpoint"},
		{"latent", latent, "Latent is 16 in the checkpoint (geometry \"MNIST28\"), 32 in the model"},
		{"slope", slope, "LeakySlope is 0.2 in the checkpoint"},
		{"latent widths", widths, "LatentWidths is [128 64 32 16]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.CheckArchitecture(tc.geo)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrArchitecture) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want ErrArchitecture mentioning %q", err, tc.want)
			}
		})
	}
}

func TestEncodeRefusesInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		edit       func(c *Checkpoint)
	}{
		{"geometry", "geometry", func(c *Checkpoint) { c.Geometry.Latent = 0 }},
		{"negative epoch", "epoch -1", func(c *Checkpoint) { c.Train.Epoch = -1 }},
		{"empty name", "empty name", func(c *Checkpoint) { c.Tensors[1].Name = "" }},
		{"duplicate", "appears twice", func(c *Checkpoint) { c.Tensors[1].Name = c.Tensors[0].Name }},
		{"role", "want param or state", func(c *Checkpoint) { c.Tensors[1].Role = graph.Grad }},
		{"shape vs data", "does not match its 3 values", func(c *Checkpoint) { c.Tensors[1].Shape = []int{4} }},
		{"zero dim", "does not match", func(c *Checkpoint) { c.Tensors[1].Shape = []int{0}; c.Tensors[1].Data = nil }},
		{"rank", "does not match", func(c *Checkpoint) { c.Tensors[2].Shape = []int{1, 1, 1, 1, 1, 1, 1, 1, 2} }},
		{"adam of state", "no param of that name", func(c *Checkpoint) { c.Adam[0].Name = "En.bn1.running_var" }},
		{"adam length", "moments have 3 and 4 values", func(c *Checkpoint) { c.Adam[0].M = c.Adam[0].M[:3] }},
		{"adam steps", "steps -1", func(c *Checkpoint) { c.Adam[0].Steps = -1 }},
		{"adam twice", "appears twice", func(c *Checkpoint) { c.Adam = append(c.Adam, c.Adam[0]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := small()
			tc.edit(c)
			_, err := encode(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("encode: %v; want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// The manifest's geometry mirrors every field of model.Geometry.
func TestGeometryFieldsCovered(t *testing.T) {
	if n := reflect.TypeOf(model.Geometry{}).NumField(); n != geometryFields {
		t.Fatalf("model.Geometry has %d fields, geometryJSON mirrors %d: add the new ones to format.go (and the format doc)", n, geometryFields)
	}
	if n := reflect.TypeOf(geometryJSON{}).NumField(); n != geometryFields {
		t.Fatalf("geometryJSON has %d fields, want %d", n, geometryFields)
	}
	for _, g := range []model.Geometry{model.MNIST28(), model.CIFAR32(), model.Authors61()} {
		if got := toGeometryJSON(g).geometry(); !reflect.DeepEqual(got, g) {
			t.Fatalf("geometry round trip: %#v != %#v", got, g)
		}
	}
}

// Zeroed tensors compress far beyond MaxRatio; Save pads so that the file
// still loads.
func TestHighlyCompressibleStillLoads(t *testing.T) {
	n := 1 << 20 // 4 MiB of zeros
	c := &Checkpoint{Geometry: model.MNIST28(), Tensors: []Tensor{{Name: "z", Role: graph.Param, Shape: []int{n}, Data: make([]float32, n)}}}
	b := mustEncode(t, c)
	if len(b)-headerSize-sumSize < 4*n/MaxRatio {
		t.Fatalf("compressed section %d bytes, want >= %d", len(b)-headerSize-sumSize, 4*n/MaxRatio)
	}
	got, err := Decode(bytes.NewReader(b), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(c, got); d != "" {
		t.Fatal(d)
	}
}
