package main

import (
	"errors"
	"fmt"
	"sort"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/spf13/pflag"
)

// inspectCmd is `ocgan inspect`: its flags.
type inspectCmd struct {
	path   string
	asJSON bool
}

func (c *inspectCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.path, "model", "", "checkpoint to describe")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON")
}

// run describes a checkpoint: geometry, training state, metadata and tensors.
func (c *inspectCmd) run(e *env) error {
	path, asJSON := c.path, c.asJSON
	if e.fs.NArg() > 1 || path != "" && e.fs.NArg() > 0 {
		return usageError{errors.New("give one checkpoint: --model FILE, or FILE")}
	}
	if path == "" && e.fs.NArg() == 1 {
		path = e.fs.Arg(0)
	}
	ck, err := loadModel(path)
	if err != nil {
		return err
	}
	params := 0
	for _, t := range ck.Tensors {
		params += len(t.Data)
	}
	if asJSON {
		pre := ck.Preprocessing()
		preJSON := map[string]any{"image_size": pre.ImageSize, "channels": pre.Channels, "resize": pre.Resize.String()}
		return writeJSON(e.stdout, map[string]any{"model": path, "geometry": ck.Geometry, "preprocess": preJSON, "train": ck.Train,
			"meta": ck.Meta, "tensors": len(ck.Tensors), "values": params, "adam": len(ck.Adam)})
	}
	g := ck.Geometry
	fmt.Fprintf(e.stdout, "model %s\n", path)
	fmt.Fprintf(e.stdout, "geometry %s: %dx%dx%d images, latent %d, depth %d, widths En/De %d Dv %d C %d\n",
		g.Name, g.Channels, g.ImageSize, g.ImageSize, g.Latent, g.Depth, g.EncoderWidth, g.VisualWidth, g.ClassifierWidth)
	pre := ck.Preprocessing()
	fmt.Fprintf(e.stdout, "preprocessing: every image to %v (%s), values in [-1, 1]\n", pre,
		map[bool]string{true: "its centred square is resized", false: "the whole image is resized"}[pre.Resize == dataset.ResizeCrop])
	t := ck.Train
	fmt.Fprintf(e.stdout, "training: %d epochs, %d iterations, seed %d; best epoch %d (validation MSE %.5f); threshold %.5f\n",
		t.Epoch, t.Iteration, t.Seed, t.BestEpoch, t.BestValMSE, t.Threshold)
	fmt.Fprintf(e.stdout, "tensors: %d (%d values), Adam state for %d parameters\n", len(ck.Tensors), params, len(ck.Adam))
	keys := make([]string, 0, len(ck.Meta))
	for k := range ck.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(e.stdout, "%s: %s\n", k, ck.Meta[k])
	}
	return nil
}
