package weights

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/onnx"
)

// onnxGeometries returns every geometry the model package makes: the
// presets and ForImage's sizes in gray and RGB. With narrow, the channel
// widths shrink to 4 so that the 128-pixel networks stay small; the size
// chain, paddings and depth, which the export's structure follows, do not
// depend on them.
func onnxGeometries(t testing.TB, narrow bool) []model.Geometry {
	t.Helper()
	geos := []model.Geometry{model.MNIST28(), model.CIFAR32(), model.Authors61()}
	for _, size := range model.SupportedImageSizes() {
		for _, c := range []int{1, 3} {
			g, err := model.ForImage(size, c, model.DefaultLatent(c))
			if err != nil {
				t.Fatal(err)
			}
			geos = append(geos, g)
		}
	}
	if narrow {
		for i := range geos {
			geos[i].EncoderWidth = 4
			if err := geos[i].Validate(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return geos
}

func decodeONNX(t testing.TB, b []byte) *onnx.Model {
	t.Helper()
	m, err := onnx.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	return m
}

func attr(n onnx.Node, name string) (onnx.Attribute, bool) {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a, true
		}
	}
	return onnx.Attribute{}, false
}

func TestExportONNXGeometries(t *testing.T) {
	for _, geo := range onnxGeometries(t, true) {
		t.Run(geo.Name, func(t *testing.T) {
			ck := randomCheckpoint(t, geo, 3)
			b, err := ExportONNX(ck, ONNXOptions{ProducerVersion: "9.8.7"})
			if err != nil {
				t.Fatal(err)
			}
			m := decodeONNX(t, b)
			if m.Opset != ONNXOpset || m.IRVersion != onnx.IRVersion7 || m.ProducerName != ONNXProducer || m.ProducerVersion != "9.8.7" {
				t.Errorf("opset %d, IR %d, producer %q %q", m.Opset, m.IRVersion, m.ProducerName, m.ProducerVersion)
			}
			image := fmt.Sprintf("[N %d %d %d]", geo.Channels, geo.ImageSize, geo.ImageSize)
			io := fmt.Sprint(m.Graph.Inputs, m.Graph.Outputs)
			want := fmt.Sprintf("[{image %s}] [{reconstruction %s} {score [N]}]", image, image)
			if io != want {
				t.Errorf("inputs and outputs %s, want %s", io, want)
			}

			// Initializers: exactly the checkpoint's tensors, values unchanged.
			if len(m.Graph.Initializers) != len(ck.Tensors) {
				t.Errorf("%d initializers, the checkpoint has %d tensors", len(m.Graph.Initializers), len(ck.Tensors))
			}
			byName := map[string]checkpoint.Tensor{}
			for _, x := range ck.Tensors {
				byName[x.Name] = x
			}
			for _, x := range m.Graph.Initializers {
				want, ok := byName[x.Name]
				if !ok || fmt.Sprint(x.Dims) != fmt.Sprint(want.Shape) || !slices.Equal(x.Data, want.Data) {
					t.Errorf("initializer %s %v differs from the checkpoint's", x.Name, x.Dims)
				}
			}

			// The layer sequence and each convolution's geometry.
			var ops []string
			var convPads, convTPads []string
			for _, n := range m.Graph.Nodes {
				ops = append(ops, n.OpType)
				pads, _ := attr(n, "pads")
				strides, _ := attr(n, "strides")
				if (n.OpType == "Conv" || n.OpType == "ConvTranspose") && fmt.Sprint(strides.Ints) != fmt.Sprint([]int{geo.Stride, geo.Stride}) {
					t.Errorf("%s: strides %v", n.Name, strides.Ints)
				}
				switch n.OpType {
				case "Conv":
					convPads = append(convPads, fmt.Sprint(pads.Ints))
				case "ConvTranspose":
					op, _ := attr(n, "output_padding")
					convTPads = append(convTPads, fmt.Sprint(pads.Ints, op.Ints))
				case "BatchNormalization":
					if eps, _ := attr(n, "epsilon"); eps.Float != geo.BNEps {
						t.Errorf("%s: epsilon %v", n.Name, eps.Float)
					}
				case "LeakyRelu":
					if a, _ := attr(n, "alpha"); a.Float != geo.LeakySlope {
						t.Errorf("%s: alpha %v", n.Name, a.Float)
					}
				}
			}
			var wantOps, wantPads, wantTPads []string
			for i := 1; i <= geo.Depth+1; i++ {
				wantOps = append(wantOps, "Conv")
				if i > 1 {
					wantOps = append(wantOps, "BatchNormalization")
				}
				if i <= geo.Depth {
					wantOps = append(wantOps, "LeakyRelu")
				}
				p := geo.ConvPad[i-1]
				wantPads = append(wantPads, fmt.Sprint([]int{p, p, p, p}))
			}
			wantOps = append(wantOps, "Tanh")
			for i := 1; i <= geo.Depth+1; i++ {
				wantOps = append(wantOps, "ConvTranspose")
				if i <= geo.Depth {
					wantOps = append(wantOps, "BatchNormalization", "Relu")
				}
				tp := geo.TransposedPad[i-1]
				wantTPads = append(wantTPads, fmt.Sprint([]int{tp.Pad, tp.Pad, tp.Pad, tp.Pad}, []int{tp.OutPad, tp.OutPad}))
			}
			wantOps = append(wantOps, "Tanh", "Sub", "Mul", "ReduceMean")
			if !slices.Equal(ops, wantOps) {
				t.Errorf("ops %v\nwant %v", ops, wantOps)
			}
			if !slices.Equal(convPads, wantPads) || !slices.Equal(convTPads, wantTPads) {
				t.Errorf("conv pads %v, transposed (pads, output padding) %v; want %v, %v", convPads, convTPads, wantPads, wantTPads)
			}

			md := m.Metadata
			if md[MetaThreshold] != "0.25" || md[MetaImageSize] != strconv.Itoa(geo.ImageSize) ||
				md[MetaChannels] != strconv.Itoa(geo.Channels) || md[MetaLatent] != strconv.Itoa(geo.Latent) ||
				md[MetaResize] != "fit" || md[MetaRange] != "-1,1" || md[MetaVerdict] == "" ||
				!strings.Contains(md[MetaPreprocessing], fmt.Sprintf("to %dx%[1]d", geo.ImageSize)) {
				t.Errorf("metadata %v", md)
			}
			back, err := checkpoint.UnmarshalGeometry([]byte(md[MetaGeometry]))
			if err != nil || back.Name != geo.Name || back.EncoderWidth != geo.EncoderWidth {
				t.Errorf("geometry metadata %q: %v", md[MetaGeometry], err)
			}
		})
	}
}

func TestExportONNXThresholdAndPreprocessing(t *testing.T) {
	ck := randomCheckpoint(t, model.CIFAR32(), 4)
	ck.Train.Threshold = math.NaN()
	ck.Preprocess = checkpoint.Preprocessing{ImageSize: 32, Channels: 3, Resize: 1}
	b, err := ExportONNX(ck, ONNXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	md := decodeONNX(t, b).Metadata
	if _, ok := md[MetaThreshold]; ok {
		t.Errorf("a checkpoint without a threshold exports %s=%q", MetaThreshold, md[MetaThreshold])
	}
	if md[MetaResize] != "crop" || !strings.Contains(md[MetaPreprocessing], "centred square") || !strings.Contains(md[MetaPreprocessing], "RGB") {
		t.Errorf("preprocessing metadata %q, %q", md[MetaResize], md[MetaPreprocessing])
	}
}

func TestExportONNXErrors(t *testing.T) {
	for _, c := range []struct {
		name    string
		change  func(ck *checkpoint.Checkpoint)
		want    string
		wantErr error
	}{
		{"missing tensor", func(ck *checkpoint.Checkpoint) {
			ck.Tensors = slices.DeleteFunc(ck.Tensors, func(x checkpoint.Tensor) bool { return x.Name == "De.bn2.running_var" })
		}, `"De.bn2.running_var"`, ErrMissing},
		{"wrong shape", func(ck *checkpoint.Checkpoint) {
			for i := range ck.Tensors {
				if ck.Tensors[i].Name == "En.conv2.weight" {
					ck.Tensors[i].Shape = []int{64, 128, 5, 5}
				}
			}
		}, `"En.conv2.weight" has shape [64 128 5 5], the geometry wants [128 64 5 5]`, nil},
		{"bad geometry", func(ck *checkpoint.Checkpoint) { ck.Geometry.ConvPad[0] = 7 }, "En.conv1", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ck := randomCheckpoint(t, model.MNIST28(), 5)
			c.change(ck)
			_, err := ExportONNX(ck, ONNXOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) || (c.wantErr != nil && !errors.Is(err, c.wantErr)) {
				t.Errorf("error %v, want one mentioning %s (wrapping %v)", err, c.want, c.wantErr)
			}
		})
	}
}

func TestWriteONNXFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.onnx")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	ck := randomCheckpoint(t, model.MNIST28(), 6)
	if err := WriteONNXFile(path, ck, ONNXOptions{}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	decodeONNX(t, b)
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %d entries after the write, want the model alone", len(entries))
	}

	// A failed export leaves the old file as it was.
	ck.Tensors = ck.Tensors[1:]
	if err := WriteONNXFile(path, ck, ONNXOptions{}); !errors.Is(err, ErrMissing) {
		t.Errorf("export of an incomplete checkpoint: %v, want ErrMissing", err)
	}
	if again, _ := os.ReadFile(path); !slices.Equal(again, b) {
		t.Error("a failed export changed the file")
	}
	under := filepath.Join(path, "m.onnx") // a file's "folder"
	if err := WriteONNXFile(under, randomCheckpoint(t, model.MNIST28(), 6), ONNXOptions{}); err == nil || !strings.Contains(err.Error(), under) {
		t.Errorf("write under a file: %v, want an error naming %s", err, under)
	}
}
