package main

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
	"github.com/ocgan-vk/ocgan/ocgan/weights"
	"github.com/spf13/pflag"
)

// Weight formats: export writes both, import reads safetensors.
const (
	formatSafetensors = "safetensors"
	formatONNX        = "onnx"
)

// exportCmd is `ocgan export`: its flags.
type exportCmd struct {
	path, format, out string
	all               bool
}

func (c *exportCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.path, "model", "", "checkpoint to export")
	fs.StringVar(&c.format, "format", formatSafetensors, "output format: safetensors (weights under the PyTorch peer's names) or "+
		"onnx (the scorer, opset 13: input image [N,C,H,W] preprocessed to [-1,1], outputs reconstruction and score [N])")
	fs.StringVar(&c.out, "out", "", "file to write")
	fs.BoolVar(&c.all, "all", false, "safetensors: export all five networks (default: the encoder and decoder that scoring needs)")
}

// run writes a checkpoint's weights under the PyTorch peer's names, or its
// scorer as an ONNX model.
func (c *exportCmd) run(e *env) error {
	path, format, out, all := c.path, c.format, c.out, c.all
	if format != formatSafetensors && format != formatONNX {
		return usageError{fmt.Errorf("--format %q: want %s or %s", format, formatSafetensors, formatONNX)}
	}
	if format == formatONNX && all {
		return usageError{fmt.Errorf("--all applies to --format %s only: the ONNX model is the scorer (encoder and decoder)", formatSafetensors)}
	}
	if out == "" {
		return usageError{fmt.Errorf("--out is required")}
	}
	ck, err := loadModel(path)
	if err != nil {
		return err
	}
	if format == formatONNX {
		opts := weights.ONNXOptions{ProducerVersion: version + " (" + buildCommit() + ")"}
		if err := weights.WriteONNXFile(out, ck, opts); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(e.stdout, "%s: the scorer of %s (geometry %s) written as ONNX opset %d\n", out, path, ck.Geometry.Name, weights.ONNXOpset)
		if math.IsNaN(ck.Train.Threshold) {
			fmt.Fprintf(e.stdout, "no threshold in %s: the model's metadata has none (run ocgan calibrate, then export again)\n", path)
		} else {
			fmt.Fprintf(e.stdout, "threshold %.6g (metadata %s): novel when score >= threshold\n", ck.Train.Threshold, weights.MetaThreshold)
		}
		return nil
	}
	nets := weights.ScoringNets()
	if all {
		nets = model.Nets()
	}
	if err := weights.WriteFile(out, ck, nets...); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %v of %s written as %s\n", out, nets, path, format)
	return nil
}

// importCmd is `ocgan import`: its flags.
type importCmd struct {
	format, in, out, data  string
	size, channels, latent int
	threshold              float64
	// geometryFlags are --image-size, --channels and --latent.
	geometryFlags []*pflag.Flag
	thresholdFlag *pflag.Flag
}

func (c *importCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.format, "format", formatSafetensors, "input format: safetensors")
	fs.StringVar(&c.in, "in", "", "weights to import (PyTorch peer names; En and De)")
	fs.StringVar(&c.out, "out", "", "checkpoint to write")
	fs.IntVar(&c.size, "image-size", 0, "image size, when the file records no geometry")
	fs.IntVar(&c.channels, "channels", 0, "image channels, when the file records no geometry")
	fs.IntVar(&c.latent, "latent", 0, "latent length, when the file records no geometry")
	fs.Float64Var(&c.threshold, "threshold", math.NaN(), "novelty-score threshold (default: the file's, else none; then run ocgan calibrate)")
	fs.StringVar(&c.data, "data", "", "folder of normal images, half of them held out (as by ocgan calibrate) to choose the threshold")
	c.geometryFlags = []*pflag.Flag{fs.Lookup("image-size"), fs.Lookup("channels"), fs.Lookup("latent")}
	c.thresholdFlag = fs.Lookup("threshold")
}

// importValShare is the share of --data that calibrate scores.
const importValShare = 0.5

// run builds a scoring checkpoint from safetensors weights.
func (c *importCmd) run(e *env) error {
	format, in, out := c.format, c.in, c.out
	if format != formatSafetensors {
		return usageError{fmt.Errorf("--format %q: want %s", format, formatSafetensors)}
	}
	if in == "" || out == "" {
		return usageError{fmt.Errorf("--in and --out are required")}
	}
	var opts weights.ImportOptions
	if anyChanged(c.geometryFlags...) {
		geo, err := model.ForImage(c.size, c.channels, c.latent)
		if err != nil {
			return usageError{err}
		}
		opts.Geometry = &geo
	}
	if anyChanged(c.thresholdFlag) {
		v := c.threshold
		opts.Threshold = &v
	}
	f, err := weights.ReadFile(in, 0)
	if err != nil {
		return err
	}
	ck, err := weights.Import(f, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	ck.Meta = pipeline.ImportMeta(in, c.data, importValShare)
	if err := checkpoint.Save(out, ck); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: geometry %s, from %s\n", out, ck.Geometry.Name, in)
	if math.IsNaN(ck.Train.Threshold) {
		fmt.Fprintf(e.stdout, "no threshold: scores only, until `ocgan calibrate --model %s` sets one (import with --data DIR first)\n", out)
	} else {
		fmt.Fprintf(e.stdout, "threshold %.6g\n", ck.Train.Threshold)
	}
	return nil
}
