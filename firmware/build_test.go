package firmware

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestBuildRoundTrip builds fp32 and fp16 bundles of a checkpoint of all
// five networks and checks what Open and Checkpoint give back: only the
// encoder and decoder tensors, in order, bit for bit (fp32) or within
// binary16 precision (fp16), no Adam state, the threshold, and meta.json.
func TestBuildRoundTrip(t *testing.T) {
	pub, priv := testKey(1)
	geo := tinyGeometry(t)
	full := fullCheckpoint(t, geo, 3)
	var want []checkpoint.Tensor
	for _, tn := range full.Tensors {
		if net, _ := model.NetOf(tn.Name); net == model.NetEncoder || net == model.NetDecoder {
			want = append(want, tn)
		}
	}
	if len(want) == 0 || len(want) == len(full.Tensors) {
		t.Fatalf("%d of %d tensors are En/De: the checkpoint does not test stripping", len(want), len(full.Tensors))
	}
	sizes := map[bool]int{}
	for _, fp16 := range []bool{false, true} {
		opts := testOpts("1.2.0+mnist-c3")
		opts.FP16 = fp16
		data := mustBuild(t, opts, full, priv)
		sizes[fp16] = len(data)
		b, err := Open(data, pub)
		if err != nil {
			t.Fatal(err)
		}
		m := b.Meta()
		wantWeights := map[bool]string{false: WeightsFP32, true: WeightsFP16}[fp16]
		if m.Weights != wantWeights || m.ModelVersion != "1.2.0+mnist-c3" || m.MinRuntimeVersion != "0.1.0" ||
			m.Threshold != 0.0375 || m.Score != (ScoreNorm{0.02, 0.005}) || m.Geometry != "tiny" ||
			m.Input != (Input{8, 1, [2]float64{-1, 1}, ResizeBilinear, GrayscaleBT601, ""}) ||
			m.Source != (Source{"mnist", "3"}) || m.FormatVersion != FormatVersion || !m.Created.Equal(opts.Created) ||
			m.BundleID != b.ID() || len(b.ID()) != 32 || b.KeyID() != KeyID(pub) {
			t.Errorf("fp16=%v: meta %+v, id %s, key %s", fp16, m, b.ID(), b.KeyID())
		}
		ck, err := b.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		if len(ck.Adam) != 0 || ck.Train.Threshold != 0.0375 || ck.Geometry.Name != "tiny" || len(ck.Tensors) != len(want) {
			t.Fatalf("fp16=%v: %d adam, threshold %v, %d tensors (want %d)", fp16, len(ck.Adam), ck.Train.Threshold, len(ck.Tensors), len(want))
		}
		if err := ck.CheckArchitecture(geo); err != nil {
			t.Error(err)
		}
		for i, w := range want {
			g := ck.Tensors[i]
			if g.Name != w.Name || g.Role != w.Role || !slices.Equal(g.Shape, w.Shape) || len(g.Data) != len(w.Data) {
				t.Fatalf("fp16=%v: tensor %d is %s %v %v, want %s %v %v", fp16, i, g.Name, g.Role, g.Shape, w.Name, w.Role, w.Shape)
			}
			for j := range w.Data {
				if !fp16 && math.Float32bits(g.Data[j]) != math.Float32bits(w.Data[j]) {
					t.Fatalf("fp32 %s[%d] = %g, want %g bit for bit", w.Name, j, g.Data[j], w.Data[j])
				}
				if fp16 {
					checkHalfPrecision(t, w.Name, j, w.Data[j], g.Data[j])
				}
			}
		}
	}
	t.Logf("tiny bundle: fp32 %d bytes, fp16 %d bytes", sizes[false], sizes[true])
}

// checkHalfPrecision fails unless got is want rounded to binary16: within
// 2^-11 relative in the normal range, 2^-25 absolute below it.
func checkHalfPrecision(t testing.TB, name string, i int, want, got float32) {
	t.Helper()
	w, g := float64(want), float64(got)
	err := math.Abs(w - g)
	if math.Abs(w) >= 1.0/(1<<14) && err <= math.Abs(w)/(1<<11) || err <= 1.0/(1<<25) {
		return
	}
	t.Fatalf("fp16 %s[%d] = %g, want %g within binary16 precision", name, i, got, want)
}

// TestBuildRefuses checks what Build must not bundle.
func TestBuildRefuses(t *testing.T) {
	_, priv := testKey(1)
	geo := tinyGeometry(t)
	for _, c := range []struct {
		name   string
		change func(*BuildOptions, *checkpoint.Checkpoint)
		want   string
		is     error
	}{
		{"no threshold", func(_ *BuildOptions, c *checkpoint.Checkpoint) { c.Train.Threshold = math.NaN() }, "threshold", nil},
		{"infinite threshold", func(_ *BuildOptions, c *checkpoint.Checkpoint) { c.Train.Threshold = math.Inf(1) }, "threshold", nil},
		{"no model version", func(o *BuildOptions, _ *checkpoint.Checkpoint) { o.ModelVersion = "" }, "model_version", nil},
		{"free-text model version", func(o *BuildOptions, _ *checkpoint.Checkpoint) { o.ModelVersion = "mnist-c1-2026-11-28" }, "model_version", nil},
		{"bad runtime version", func(o *BuildOptions, _ *checkpoint.Checkpoint) { o.MinRuntimeVersion = "latest" }, "min_runtime_version", nil},
		{"NaN score std", func(o *BuildOptions, _ *checkpoint.Checkpoint) { o.ScoreStd = math.NaN() }, "score.std", nil},
		{"missing decoder tensor", func(_ *BuildOptions, c *checkpoint.Checkpoint) {
			c.Tensors = slices.DeleteFunc(c.Tensors, func(t checkpoint.Tensor) bool { return strings.HasPrefix(t.Name, "De.") })
		}, "lacks", checkpoint.ErrArchitecture},
		{"wrong shape", func(_ *BuildOptions, c *checkpoint.Checkpoint) {
			for i := range c.Tensors {
				if strings.HasPrefix(c.Tensors[i].Name, "En.") {
					c.Tensors[i].Shape = []int{len(c.Tensors[i].Data)}
					return
				}
			}
		}, "shape", checkpoint.ErrArchitecture},
		{"fp16 overflow", func(o *BuildOptions, c *checkpoint.Checkpoint) {
			o.FP16 = true
			for i := range c.Tensors {
				if strings.HasPrefix(c.Tensors[i].Name, "De.") {
					c.Tensors[i].Data[0] = 70000
					return
				}
			}
		}, "fp16 range", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := fullCheckpoint(t, geo, 3)
			opts := testOpts("1.0.0")
			c.change(&opts, ck)
			_, err := Build(opts, ck, priv)
			if err == nil || !strings.Contains(err.Error(), c.want) || c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("err = %v, want one mentioning %q (is %v)", err, c.want, c.is)
			}
		})
	}
	if _, err := Build(testOpts("1.0.0"), fullCheckpoint(t, geo, 3), priv[:10]); !errors.Is(err, ErrKey) {
		t.Errorf("short private key: err = %v, want ErrKey", err)
	}
}

// TestMNIST28Bundle bundles a real MNIST28 checkpoint (all five networks
// initialised as training does), restores the bundle's weights into the
// scorer's Eval ParamSet, compares sizes, and checks a sample of byte
// flips is refused.
func TestMNIST28Bundle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 2.3M-parameter model")
	}
	pub, priv := testKey(1)
	geo := model.MNIST28()
	full := fullCheckpoint(t, geo, 11)
	ps, err := scorerParams(geo)
	if err != nil {
		t.Fatal(err)
	}
	raw := 0
	for _, name := range ps.Names() {
		raw += 4 * len(ps.Get(name))
	}
	sizes := map[bool]int{}
	for _, fp16 := range []bool{false, true} {
		opts := testOpts("1.0.0+mnist-c3-2026-11-28")
		opts.FP16 = fp16
		data := mustBuild(t, opts, full, priv)
		sizes[fp16] = len(data)
		b, err := Open(data, pub)
		if err != nil {
			t.Fatal(err)
		}
		ck, err := b.Checkpoint()
		if err != nil {
			t.Fatal(err)
		}
		eval, _ := scorerParams(geo)
		if err := ck.Restore(eval, nil); err != nil {
			t.Fatalf("fp16=%v: the scorer's params do not restore from the bundle: %v", fp16, err)
		}
		byName := map[string][]float32{}
		for _, tn := range full.Tensors {
			byName[tn.Name] = tn.Data
		}
		for _, name := range eval.Names() {
			got, want := eval.Get(name), byName[name]
			for i := range want {
				if fp16 {
					checkHalfPrecision(t, name, i, want[i], got[i])
				} else if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("fp32 %s[%d] = %g, want %g", name, i, got[i], want[i])
				}
			}
		}
		// Flip about 40 bytes spread over the file and some in the header,
		// manifest and signature: each must be refused.
		for _, at := range append([]int{0, 9, 13, 20, 27, 40, len(data) - 1, len(data) - 40}, stride(len(data), len(data)/37)...) {
			d := slices.Clone(data)
			d[at] ^= 0x10
			if _, err := Open(d, pub); err == nil {
				t.Fatalf("fp16=%v: flipping byte %d of %d was not noticed", fp16, at, len(data))
			}
		}
	}
	if sizes[true] >= sizes[false] || sizes[false] > raw+raw/50 {
		t.Errorf("MNIST28 bundle: fp32 %d bytes, fp16 %d bytes, raw float32 %d bytes", sizes[false], sizes[true], raw)
	}
	t.Logf("MNIST28 encoder+decoder (%d tensors, %d values): raw float32 %d bytes, fp32 bundle %d bytes (%.1f%%), fp16 bundle %d bytes (%.1f%%)",
		len(ps.Names()), raw/4, raw, sizes[false], 100*float64(sizes[false])/float64(raw), sizes[true], 100*float64(sizes[true])/float64(raw))
}

// stride returns 0, step, 2·step, ... below n.
func stride(n, step int) []int {
	var v []int
	for i := 0; i < n; i += step {
		v = append(v, i)
	}
	return v
}

// TestFP16ZeroModel encodes a model of 100k zeros, which compresses beyond
// the decoder's ratio limit: the encoder must pad so it decodes, and the
// same data without the padding must be refused.
func TestFP16ZeroModel(t *testing.T) {
	ck := &checkpoint.Checkpoint{Geometry: tinyGeometry(t), Tensors: []checkpoint.Tensor{
		{Name: "De.zero", Role: graph.State, Shape: []int{100, 1000}, Data: make([]float32, 100000)}}}
	enc, err := encodeFP16(ck)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeFP16(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tensors) != 1 || len(got.Tensors[0].Data) != 100000 || slices.ContainsFunc(got.Tensors[0].Data, func(v float32) bool { return v != 0 }) {
		t.Fatalf("decoded %+v", got.Tensors)
	}
	pad := bytes.LastIndex(enc, []byte{0x50, 0x2a, 0x4d, 0x18})
	if pad < 0 {
		t.Fatalf("%d bytes for 100000 zeros and no padding frame", len(enc))
	}
	if _, err := decodeFP16(enc[:pad]); err == nil || !strings.Contains(err.Error(), "ratio") {
		t.Errorf("without its padding: err = %v, want a ratio error", err)
	}
	t.Logf("100000 fp16 zeros: %d bytes, %d of them padding", len(enc), len(enc)-pad)
}

// TestBuildRecordsPreprocessing bundles checkpoints with each resize
// policy, fp32 and fp16, and checks that meta.json records it (fit as
// before the field existed) and that Checkpoint gives it back.
func TestBuildRecordsPreprocessing(t *testing.T) {
	pub, priv := testKey(1)
	geo := tinyGeometry(t)
	for _, c := range []struct {
		pre    checkpoint.Preprocessing
		policy string
	}{
		{checkpoint.Preprocessing{}, ""},
		{checkpoint.Preprocessing{ImageSize: 8, Channels: 1, Resize: dataset.ResizeFit}, ""},
		{checkpoint.Preprocessing{ImageSize: 8, Channels: 1, Resize: dataset.ResizeCrop}, "crop"},
	} {
		for _, fp16 := range []bool{false, true} {
			ck := fullCheckpoint(t, geo, 3)
			ck.Preprocess = c.pre
			opts := testOpts("1.0.0")
			opts.FP16 = fp16
			b, err := Open(mustBuild(t, opts, ck, priv), pub)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Meta().Input.ResizePolicy; got != c.policy {
				t.Errorf("%v fp16=%v: meta.json resize_policy %q, want %q", c.pre, fp16, got, c.policy)
			}
			got, err := b.Checkpoint()
			if err != nil {
				t.Fatal(err)
			}
			if got.Preprocessing() != ck.Preprocessing() || got.Preprocess != ck.Preprocessing() {
				t.Errorf("%v fp16=%v: the bundle's checkpoint has preprocessing %v, want %v", c.pre, fp16, got.Preprocessing(), ck.Preprocessing())
			}
		}
	}
}
