package weights

import (
	"fmt"
	"math"
	"slices"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/onnx"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// ONNXOpset is the opset of an exported scorer (ONNX 1.8 and later run it).
const ONNXOpset = 13

// Names of the exported scorer's graph inputs and outputs, and of its
// symbolic batch dimension.
const (
	ONNXInput          = "image"
	ONNXReconstruction = "reconstruction"
	ONNXScore          = "score"
	ONNXBatch          = "N"
)

// ONNX metadata keys besides those the safetensors export writes.
const (
	// MetaPreprocessing says what the caller does to an image before it is
	// the model's input.
	MetaPreprocessing = "ocgan.preprocessing"
	// MetaVerdict says how the score compares to the threshold.
	MetaVerdict = "ocgan.verdict"
)

// ONNXProducer is the producer name of an exported scorer.
const ONNXProducer = "ocgan-vk"

// verdictRule is MetaVerdict's value.
const verdictRule = "novel when score >= ocgan.threshold"

// ONNXOptions are the settings of ExportONNX.
type ONNXOptions struct {
	// ProducerVersion is the exporting program's version, recorded as the
	// model's producer_version.
	ProducerVersion string
}

// Preprocessing returns what the caller of an exported scorer of ck does to
// an image before it is the input: the same as ocgan score does.
func Preprocessing(ck *checkpoint.Checkpoint) string {
	p := ck.Preprocessing()
	colour := "to gray: ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B, unrounded"
	if p.Channels == 3 {
		colour = "to RGB: a gray image in all 3 channels"
	}
	resize := "resize the whole image, not keeping its aspect ratio,"
	if p.Resize == dataset.ResizeCrop {
		resize = "cut the largest centred square (an odd pixel is cut at the right or bottom) and resize it"
	}
	return fmt.Sprintf("pixels on the 0..255 scale (16-bit: v/257), alpha composited over black; %s; %s to %dx%d, bilinear with half-pixel centres "+
		"and no antialiasing on unrounded values (OpenCV INTER_LINEAR on a float array); v/127.5 - 1 (0 -> -1, 255 -> 1); float32, NCHW",
		colour, resize, p.ImageSize, p.ImageSize)
}

// ExportONNX returns ck's scorer as an ONNX model (opset ONNXOpset): input
// ONNXInput [N, Channels, ImageSize, ImageSize], preprocessed as
// Preprocessing says; outputs ONNXReconstruction, De(En(image)) of the same
// shape, and ONNXScore [N], the per-image mean squared difference of the
// two, which is ocgan score's novelty score. Both networks are in eval mode:
// batch norms use their running statistics and the decoder's dropout is
// absent. The metadata holds the geometry, preprocessing, score definition
// and, when ck has one, the threshold. Every parameter and running
// statistic of the encoder and decoder must be in ck, of the geometry's
// shape.
func ExportONNX(ck *checkpoint.Checkpoint, opts ONNXOptions) ([]byte, error) {
	m, err := scorerGraph(ck)
	if err != nil {
		return nil, fmt.Errorf("weights: ONNX export: %w", err)
	}
	meta, err := metadata(ck, ScoringNets())
	if err != nil {
		return nil, err
	}
	if math.IsNaN(ck.Train.Threshold) {
		delete(meta, MetaThreshold)
	}
	meta[MetaPreprocessing] = Preprocessing(ck)
	meta[MetaVerdict] = verdictRule
	m.Metadata = meta
	m.ProducerVersion = opts.ProducerVersion
	b, err := m.Marshal()
	if err != nil {
		return nil, fmt.Errorf("weights: ONNX export: %w", err)
	}
	return b, nil
}

// WriteONNXFile writes ExportONNX's result to path atomically.
func WriteONNXFile(path string, ck *checkpoint.Checkpoint, opts ONNXOptions) error {
	b, err := ExportONNX(ck, opts)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return fmt.Errorf("weights: writing %s: %w", path, err)
	}
	return nil
}

// graphBuilder adds the nodes and initializers of the scorer, layer by
// layer, each node's output named after its layer.
type graphBuilder struct {
	g      onnx.Graph
	byName map[string]*checkpoint.Tensor
	last   string // the latest node's output
	err    error
}

func scorerGraph(ck *checkpoint.Checkpoint) (*onnx.Model, error) {
	geo := ck.Geometry
	if err := geo.Validate(); err != nil {
		return nil, err
	}
	b := &graphBuilder{byName: make(map[string]*checkpoint.Tensor, len(ck.Tensors)), last: ONNXInput}
	for i := range ck.Tensors {
		b.byName[ck.Tensors[i].Name] = &ck.Tensors[i]
	}
	k, s := int64(geo.Kernel), int64(geo.Stride)
	slope := onnx.FloatAttr("alpha", geo.LeakySlope)

	cin := geo.Channels
	for i := 1; i <= geo.Depth+1; i++ {
		layer := fmt.Sprintf("%s.conv%d", model.NetEncoder, i)
		cout := geo.EncoderWidth << (i - 1)
		if i == geo.Depth+1 {
			cout = geo.Latent
		}
		p := int64(geo.ConvPad[i-1])
		b.node(layer, "Conv", []string{b.last, b.param(layer+".weight", cout, cin, geo.Kernel, geo.Kernel)}, i == 1, cout,
			onnx.IntsAttr("kernel_shape", k, k), onnx.IntsAttr("strides", s, s), onnx.IntsAttr("pads", p, p, p, p))
		if i > 1 {
			b.batchNorm(fmt.Sprintf("%s.bn%d", model.NetEncoder, i), cout, geo.BNEps)
		}
		if i <= geo.Depth {
			b.node(fmt.Sprintf("%s.lrelu%d", model.NetEncoder, i), "LeakyRelu", []string{b.last}, false, 0, slope)
		}
		cin = cout
	}
	b.node("latent", "Tanh", []string{b.last}, false, 0)

	for i := 1; i <= geo.Depth+1; i++ {
		layer := fmt.Sprintf("%s.convT%d", model.NetDecoder, i)
		cout := geo.EncoderWidth << max(geo.Depth-i, 0)
		if i == geo.Depth+1 {
			cout = geo.Channels
		}
		t := geo.TransposedPad[i-1]
		p, op := int64(t.Pad), int64(t.OutPad)
		b.node(layer, "ConvTranspose", []string{b.last, b.param(layer+".weight", cin, cout, geo.Kernel, geo.Kernel)}, i == geo.Depth+1, cout,
			onnx.IntsAttr("kernel_shape", k, k), onnx.IntsAttr("strides", s, s), onnx.IntsAttr("pads", p, p, p, p),
			onnx.IntsAttr("output_padding", op, op))
		if i <= geo.Depth {
			b.batchNorm(fmt.Sprintf("%s.bn%d", model.NetDecoder, i), cout, geo.BNEps)
			b.node(fmt.Sprintf("%s.relu%d", model.NetDecoder, i), "Relu", []string{b.last}, false, 0)
		}
		cin = cout
	}
	b.node(ONNXReconstruction, "Tanh", []string{b.last}, false, 0)

	b.node("error", "Sub", []string{ONNXReconstruction, ONNXInput}, false, 0)
	b.node("squared_error", "Mul", []string{"error", "error"}, false, 0)
	b.node(ONNXScore, "ReduceMean", []string{"squared_error"}, false, 0,
		onnx.IntsAttr("axes", 1, 2, 3), onnx.IntAttr("keepdims", 0))
	if b.err != nil {
		return nil, b.err
	}

	image := []onnx.Dim{{Param: ONNXBatch}, {Value: int64(geo.Channels)}, {Value: int64(geo.ImageSize)}, {Value: int64(geo.ImageSize)}}
	b.g.Name = "ocgan_scorer"
	b.g.Doc = fmt.Sprintf("OCGAN scorer, geometry %s: %s = De(En(%s)), %s = mean over C, H, W of (%s - %s)^2",
		geo.Name, ONNXReconstruction, ONNXInput, ONNXScore, ONNXReconstruction, ONNXInput)
	b.g.Inputs = []onnx.ValueInfo{{Name: ONNXInput, Dims: image}}
	b.g.Outputs = []onnx.ValueInfo{
		{Name: ONNXReconstruction, Dims: slices.Clone(image)},
		{Name: ONNXScore, Dims: []onnx.Dim{{Param: ONNXBatch}}},
	}
	return &onnx.Model{
		IRVersion: onnx.IRVersion7, Opset: ONNXOpset,
		ProducerName: ONNXProducer,
		Doc:          "OCGAN one-class novelty detector: reconstruction and novelty score of preprocessed images",
		Graph:        b.g,
	}, nil
}

// param adds the checkpoint tensor name as an initializer, checking its
// shape, and returns its name.
func (b *graphBuilder) param(name string, shape ...int) string {
	if b.err != nil {
		return name
	}
	t, ok := b.byName[name]
	if !ok {
		b.err = fmt.Errorf("%w: the checkpoint has no %q", ErrMissing, name)
		return name
	}
	if !slices.Equal(t.Shape, shape) {
		b.err = fmt.Errorf("checkpoint tensor %q has shape %v, the geometry wants %v", name, t.Shape, shape)
		return name
	}
	dims := make([]int64, len(shape))
	for i, d := range shape {
		dims[i] = int64(d)
	}
	b.g.Initializers = append(b.g.Initializers, onnx.Tensor{Name: name, Dims: dims, Data: t.Data})
	return name
}

// node adds a node named name with output name; with bias it also takes
// name+".bias" [channels] as its last input.
func (b *graphBuilder) node(name, op string, inputs []string, bias bool, channels int, attrs ...onnx.Attribute) {
	if bias {
		inputs = append(inputs, b.param(name+".bias", channels))
	}
	b.g.Nodes = append(b.g.Nodes, onnx.Node{Name: name, OpType: op, Inputs: inputs, Outputs: []string{name}, Attrs: attrs})
	b.last = name
}

// batchNorm adds an inference BatchNormalization with the layer's gamma,
// beta and running statistics.
func (b *graphBuilder) batchNorm(layer string, c int, eps float32) {
	inputs := []string{b.last}
	for _, s := range []string{"gamma", "beta", "running_mean", "running_var"} {
		inputs = append(inputs, b.param(layer+"."+s, c))
	}
	b.node(layer, "BatchNormalization", inputs, false, 0, onnx.FloatAttr("epsilon", eps))
}
