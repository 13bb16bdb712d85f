package main

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/weights"
	"github.com/spf13/pflag"
)

// Weight formats: export writes both, import reads safetensors.
const (
	formatSafetensors = "safetensors"
	formatONNX        = "onnx"
)

func exportFlags(fs *pflag.FlagSet) {
	fs.String("model", "", "checkpoint to export")
	fs.String("format", formatSafetensors, "output format: safetensors (weights under the PyTorch peer's names) or "+
		"onnx (the scorer, opset 13: input image [N,C,H,W] preprocessed to [-1,1], outputs reconstruction and score [N])")
	fs.String("out", "", "file to write")
	fs.Bool("all", false, "safetensors: export all five networks (default: the encoder and decoder that scoring needs)")
}

// runExport writes a checkpoint's weights under the PyTorch peer's names,
// or its scorer as an ONNX model.
func runExport(e *env) error {
	path, _ := e.fs.GetString("model")
	format, _ := e.fs.GetString("format")
	out, _ := e.fs.GetString("out")
	all, _ := e.fs.GetBool("all")
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

func importFlags(fs *pflag.FlagSet) {
	fs.String("format", formatSafetensors, "input format: safetensors")
	fs.String("in", "", "weights to import (PyTorch peer names; En and De)")
	fs.String("out", "", "checkpoint to write")
	fs.Int("image-size", 0, "image size, when the file records no geometry")
	fs.Int("channels", 0, "image channels, when the file records no geometry")
	fs.Int("latent", 0, "latent length, when the file records no geometry")
	fs.Float64("threshold", math.NaN(), "novelty-score threshold (default: the file's, else none; then run ocgan calibrate)")
	fs.String("data", "", "folder of normal images that `ocgan calibrate` holds half of out to choose the threshold")
}

// importValShare is the share of --data that calibrate scores.
const importValShare = 0.5

// runImport builds a scoring checkpoint from safetensors weights.
func runImport(e *env) error {
	format, _ := e.fs.GetString("format")
	in, _ := e.fs.GetString("in")
	out, _ := e.fs.GetString("out")
	if format != formatSafetensors {
		return usageError{fmt.Errorf("--format %q: want %s", format, formatSafetensors)}
	}
	if in == "" || out == "" {
		return usageError{fmt.Errorf("--in and --out are required")}
	}
	var opts weights.ImportOptions
	if e.fs.Changed("image-size") || e.fs.Changed("channels") || e.fs.Changed("latent") {
		size, _ := e.fs.GetInt("image-size")
		channels, _ := e.fs.GetInt("channels")
		latent, _ := e.fs.GetInt("latent")
		geo, err := model.ForImage(size, channels, latent)
		if err != nil {
			return usageError{err}
		}
		opts.Geometry = &geo
	}
	if e.fs.Changed("threshold") {
		v, _ := e.fs.GetFloat64("threshold")
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
	ck.Meta = map[string]string{"imported_from": in, metaStatus: metaStatusDone}
	if data, _ := e.fs.GetString("data"); data != "" {
		abs, err := filepath.Abs(data)
		if err != nil {
			return err
		}
		ck.Meta["dataset"], ck.Meta[metaData], ck.Meta[metaValShare] = datasetImages, abs, formatFloat(importValShare)
	}
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
