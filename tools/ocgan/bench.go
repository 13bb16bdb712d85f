package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/bench"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/device"
)

// benchCmd is `ocgan bench`: its flags.
type benchCmd struct {
	opts           bench.Options
	asJSON         bool
	tune           bool
	size, channels int
	geometryFlags  []*pflag.Flag // --image-size and --channels
}

func (c *benchCmd) flags(fs *pflag.FlagSet) {
	o := &c.opts
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object instead of a table")
	fs.IntVar(&o.TrainBatch, "train-batch", 64, "training batch")
	fs.IntVar(&o.ScoreBatch, "score-batch", 256, "scoring batch")
	fs.IntVar(&o.Warmup, "warmup", 5, "untimed iterations before each training measurement")
	fs.IntVar(&o.Iters, "iters", 25, "timed Algorithm-1 iterations")
	fs.IntVar(&o.AEIters, "ae-iters", 30, "timed AE-only training iterations")
	fs.IntVar(&o.ScoreIters, "score-iters", 25, "timed scoring batches")
	fs.IntVar(&o.Latency, "latency", 200, "timed batch-1 scores (median and p99)")
	fs.IntVar(&c.size, "image-size", 28, "image size of the model measured: "+sizeList())
	fs.IntVar(&c.channels, "channels", 1, "image channels of the model measured: 1 or 3 (the latent length is 16 for 1, 512 for 3)")
	fs.BoolVar(&o.Profile, "profile", false, "also print where the device time of an Algorithm-1 iteration and of a batch-1 score goes, by op and by node (GPU timestamps on Vulkan, wall clock on the CPU; timing each node slows the other figures a little)")
	fs.BoolVar(&c.tune, "tune", false, "first tune the conv kernels at the model's shapes (Vulkan), write the device's tuning table and measure with it")
	c.geometryFlags = []*pflag.Flag{fs.Lookup("image-size"), fs.Lookup("channels")}
}

// run measures training and scoring throughput on the chosen device,
// with the protocol of the PyTorch peer's bench.py.
func (c *benchCmd) run(e *env) error {
	o, asJSON := c.opts, c.asJSON
	for name, v := range map[string]int{"train-batch": o.TrainBatch, "score-batch": o.ScoreBatch, "iters": o.Iters,
		"ae-iters": o.AEIters, "score-iters": o.ScoreIters, "latency": o.Latency} {
		if v < 1 {
			return usageError{fmt.Errorf("--%s must be positive (got %d)", name, v)}
		}
		if v > maxIters || (v > maxBatch && (name == "train-batch" || name == "score-batch")) {
			return usageError{fmt.Errorf("--%s %d: too large (batches at most %d, counts at most %d)", name, v, maxBatch, maxIters)}
		}
	}
	if o.TrainBatch < 2 {
		return usageError{fmt.Errorf("--train-batch must be at least 2 (batch norm), got %d", o.TrainBatch)}
	}
	if o.Warmup < 0 || o.Warmup > maxIters {
		return usageError{fmt.Errorf("--warmup must be 0 to %d (got %d)", maxIters, o.Warmup)}
	}
	if o.Warmup == 0 {
		o.Warmup = -1 // bench.Options treats 0 as the default
	}
	if anyChanged(c.geometryFlags...) {
		size, channels := c.size, c.channels
		img := imageFlags{size: size, channels: channels, resize: dataset.ResizeFit.String()}
		if _, err := img.check(); err != nil {
			return err
		}
		geo, err := model.ForImage(size, channels, model.DefaultLatent(channels))
		if err != nil {
			return usageError{fmt.Errorf("--image-size %d --channels %d: %w", size, channels, err)}
		}
		o.Geometry = geo
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	o.Progress = func(part string) { fmt.Fprintf(e.stderr, "bench: %s ...\n", part) }
	fmt.Fprintf(e.stderr, "bench: device %s\n", deviceLabel(be))
	if c.tune {
		geo := o.Geometry
		if geo.Name == "" {
			geo = model.MNIST28()
		}
		shapes, err := modelConvShapes(geo, o.TrainBatch, o.ScoreBatch)
		if err != nil {
			return err
		}
		if err := tuneConvs(e, be, shapes, vulkan.ConvTuneOptions{Warmup: 2, Runs: 5, Confirm: 3}); err != nil {
			return err
		}
	}
	r, err := bench.Run(be, o)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	fmt.Fprintf(e.stdout, "device: %s [%s backend, %s], model %s (%dx%dx%d images, latent %d, %.3f GFLOP per image forward)\n", r.Device, r.Backend, r.Detail, r.Model,
		r.ImageSize, r.ImageSize, r.Channels, r.Latent, r.ForwardGFLOPPerImage)
	fmt.Fprintf(e.stdout, "%-34s %12s %12s %12s\n", "measurement", "images/s", "median ms", "p99 ms")
	row := func(name string, t bench.Timing) {
		fmt.Fprintf(e.stdout, "%-34s %12.1f %12.3f %12.3f\n", name, t.ImagesPerSec, t.MedianMS, t.P99MS)
	}
	row(fmt.Sprintf("train Algorithm-1 (bs %d)", r.Train.ImagesPerBatch), r.Train)
	row(fmt.Sprintf("train AE-only (bs %d)", r.AETrain.ImagesPerBatch), r.AETrain)
	row(fmt.Sprintf("score En+De+MSE (bs %d)", r.Score.ImagesPerBatch), r.Score)
	row("score batch 1", r.Batch1)
	fmt.Fprintf(e.stdout, "peak RSS: %.1f MiB while training (Algorithm 1), %.1f MiB in all\n", r.TrainPeakRSSMiB, r.PeakRSSMiB)
	if r.Profile != nil {
		return bench.WriteProfile(e.stdout, r.Profile, 15)
	}
	return nil
}
