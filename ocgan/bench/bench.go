// Package bench measures the throughput of OCGAN on a backend with the same
// protocol as the PyTorch peer's bench.py: a full Algorithm-1 iteration
// (mining on) and AE-only training at batch 64, scoring at batch 256, and
// batch-1 scoring latency, on random images in [-1, 1].
package bench

import (
	"errors"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Options configure a measurement. Zero fields take the peer's defaults.
type Options struct {
	Geometry   model.Geometry // MNIST28 when zero
	TrainBatch int            // 64
	ScoreBatch int            // 256
	Warmup     int            // 5 untimed iterations before each training measurement; negative: none
	Iters      int            // 25 timed Algorithm-1 iterations
	AEIters    int            // 30 timed AE-only iterations
	ScoreIters int            // 25 timed batches of ScoreBatch
	Latency    int            // 200 timed batch-1 scores
	// Profile also records where the device time of the timed Algorithm-1
	// iterations and batch-1 scores went, node by node (Report.Profile).
	// Timing each node costs a little: the other figures then run a little
	// slower than without it.
	Profile bool
	// Progress, when set, is called before each part with its name.
	Progress func(part string)
}

func (o *Options) defaults() {
	if o.Geometry.Name == "" {
		o.Geometry = model.MNIST28()
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.TrainBatch, 64)
	def(&o.ScoreBatch, 256)
	switch {
	case o.Warmup == 0:
		o.Warmup = 5
	case o.Warmup < 0:
		o.Warmup = 0
	}
	def(&o.Iters, 25)
	def(&o.AEIters, 30)
	def(&o.ScoreIters, 25)
	def(&o.Latency, 200)
}

// Timing summarises repeated measurements of one part.
type Timing struct {
	N              int     `json:"n"`
	MedianMS       float64 `json:"median_ms"`
	MinMS          float64 `json:"min_ms"`
	P99MS          float64 `json:"p99_ms"`
	ImagesPerSec   float64 `json:"images_per_s"`
	ImagesPerBatch int     `json:"images_per_batch"`
}

// Report is the result of Run. The flat fields are the headline figures.
type Report struct {
	Device  string `json:"device"`
	Backend string `json:"backend"`
	Detail  string `json:"detail"`
	Model   string `json:"model"`
	// ImageSize, Channels and Latent are the geometry's.
	ImageSize int `json:"image_size"`
	Channels  int `json:"channels"`
	Latent    int `json:"latent"`
	// ForwardGFLOPPerImage is the work of scoring one image: the
	// encoder's and decoder's convolutions, transposed convolutions and
	// dense layers (ForwardFlops), in 10⁹ floating-point operations.
	ForwardGFLOPPerImage float64 `json:"forward_gflop_per_image"`

	TrainImagesPerSec   float64 `json:"train_images_per_s"`
	AETrainImagesPerSec float64 `json:"ae_train_images_per_s"`
	ScoreImagesPerSec   float64 `json:"score_images_per_s"`
	ScoreBatch1MS       float64 `json:"score_batch1_ms"`
	ScoreBatch1P99MS    float64 `json:"score_batch1_p99_ms"`
	// TrainPeakRSSMiB is the process's peak resident set size at the end
	// of the Algorithm-1 measurement, the first: the memory training
	// needs. PeakRSSMiB is the peak of the whole run.
	TrainPeakRSSMiB float64 `json:"train_peak_rss_mib"`
	PeakRSSMiB      float64 `json:"peak_rss_mib"`

	Train   Timing `json:"train_algorithm1"`
	AETrain Timing `json:"train_ae_only"`
	Score   Timing `json:"score"`
	Batch1  Timing `json:"score_batch1"`

	// Profile is set with Options.Profile.
	Profile *Profile `json:"profile,omitempty"`
}

// Profile is where the device time of a measurement went, node by node:
// GPU timestamps on Vulkan, the wall clock on the native CPU backend.
type Profile struct {
	// Train is one Algorithm-1 iteration (the mean of the timed ones),
	// Batch1 one batch-1 score (the mean of the timed ones).
	Train  []NodeTime `json:"train_algorithm1"`
	Batch1 []NodeTime `json:"score_batch1"`
}

// NodeTime is one node of a phase's program (or one optimizer update, op
// "adam"): the runs of it per iteration or score, and their time.
type NodeTime struct {
	Phase string  `json:"phase"`
	Node  string  `json:"node"`
	Op    string  `json:"op"`
	Runs  float64 `json:"runs"`
	MS    float64 `json:"ms"`
}

// profileOf returns the entries of a phase's profile per iteration of iters.
func profileOf(phase string, nodes []backend.NodeTime, iters int) []NodeTime {
	out := make([]NodeTime, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, NodeTime{Phase: phase, Node: n.Name, Op: n.Op, Runs: float64(n.Steps) / float64(iters),
			MS: float64(n.Time.Nanoseconds()) / 1e6 / float64(iters)})
	}
	return out
}

// Run measures every part on be.
func Run(be backend.Backend, opts Options) (*Report, error) {
	if be == nil {
		return nil, errors.New("bench: nil backend")
	}
	opts.defaults()
	d := be.Device()
	g := opts.Geometry
	r := &Report{Device: d.Name, Backend: d.Backend, Detail: d.Detail, Model: g.Name,
		ImageSize: g.ImageSize, Channels: g.Channels, Latent: g.Latent}
	flops, err := ForwardFlops(g)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	r.ForwardGFLOPPerImage = flops / 1e9
	rng := rand.New(rand.NewSource(1))
	progress := func(s string) {
		// Each measurement starts from a collected heap, so the memory
		// of the previous one is reused rather than added to.
		runtime.GC()
		if opts.Progress != nil {
			opts.Progress(s)
		}
	}

	var ps *graph.ParamSet
	var prof *Profile
	if opts.Profile {
		prof = &Profile{}
	}
	progress(fmt.Sprintf("Algorithm-1 iteration, batch %d (%d warm-up + %d timed)", opts.TrainBatch, opts.Warmup, opts.Iters))
	if r.Train, ps, err = trainTiming(be, opts, train.Full, opts.Iters, rng, prof); err != nil {
		return nil, err
	}
	r.TrainPeakRSSMiB = PeakRSSMiB()
	progress(fmt.Sprintf("AE-only training, batch %d (%d warm-up + %d timed)", opts.TrainBatch, opts.Warmup, opts.AEIters))
	if r.AETrain, _, err = trainTiming(be, opts, train.AutoEncoder, opts.AEIters, rng, nil); err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("scoring, batch %d (%d timed)", opts.ScoreBatch, opts.ScoreIters))
	if r.Score, err = scoreTiming(be, opts, ps, opts.ScoreBatch, opts.ScoreIters, rng, nil); err != nil {
		return nil, err
	}
	progress(fmt.Sprintf("batch-1 scoring latency (%d images)", opts.Latency))
	if r.Batch1, err = scoreTiming(be, opts, ps, 1, opts.Latency, rng, prof); err != nil {
		return nil, err
	}
	r.Profile = prof
	r.TrainImagesPerSec = r.Train.ImagesPerSec
	r.AETrainImagesPerSec = r.AETrain.ImagesPerSec
	r.ScoreImagesPerSec = r.Score.ImagesPerSec
	r.ScoreBatch1MS, r.ScoreBatch1P99MS = r.Batch1.MedianMS, r.Batch1.P99MS
	r.PeakRSSMiB = PeakRSSMiB()
	return r, nil
}

// ForwardFlops returns the floating-point operations of the encoder and
// decoder forward passes for one image of geo: the sum of the Flops of
// their convolutions, transposed convolutions and dense layers.
func ForwardFlops(geo model.Geometry) (float64, error) {
	m, err := model.New(geo)
	if err != nil {
		return 0, err
	}
	var total float64
	for _, net := range []model.Net{model.NetEncoder, model.NetDecoder} {
		g := graph.New(graph.NewParamSet(), graph.Eval)
		if _, err := m.Build(g, net, 1); err != nil {
			return 0, err
		}
		for _, n := range g.Nodes() {
			switch op := n.Op().(type) {
			case graph.Conv2DOp:
				total += op.P.Flops()
			case graph.ConvTranspose2DOp:
				total += op.P.Flops()
			case graph.DenseOp:
				total += op.P.Flops()
			}
		}
	}
	return total, nil
}

// randomImages returns n images of geo with values uniform in [-1, 1).
func randomImages(geo model.Geometry, n int, rng *rand.Rand) (*dataset.Dataset, error) {
	c, s := geo.Channels, geo.ImageSize
	px := make([]float32, n*c*s*s)
	for i := range px {
		px[i] = rng.Float32()*2 - 1
	}
	return dataset.New(c, s, s, px, make([]int, n))
}

// trainTiming times iters iterations of mode after opts.Warmup untimed ones;
// with prof, it profiles the timed ones into prof.Train.
func trainTiming(be backend.Backend, opts Options, mode train.Mode, iters int, rng *rand.Rand, prof *Profile) (Timing, *graph.ParamSet, error) {
	if prof != nil {
		be = backend.Profiling(be)
	}
	cfg := train.DefaultConfig(opts.Geometry)
	cfg.Batch, cfg.ScoreBatch, cfg.Mode = opts.TrainBatch, 1, mode
	tr, err := train.NewTrainer(be, cfg)
	if err != nil {
		return Timing{}, nil, fmt.Errorf("bench: %w", err)
	}
	defer tr.Free()
	x, err := randomImages(opts.Geometry, opts.TrainBatch, rng)
	if err != nil {
		return Timing{}, nil, err
	}
	var ts []time.Duration
	for i := 0; i < opts.Warmup+iters; i++ {
		t0 := time.Now()
		if _, err := tr.Step(x.Pixels(), true); err != nil {
			return Timing{}, nil, fmt.Errorf("bench: %s iteration %d: %w", mode, i, err)
		}
		if i >= opts.Warmup {
			ts = append(ts, time.Since(t0))
		}
		if i == opts.Warmup-1 {
			tr.Profile() // start the profile with the timed iterations
		}
	}
	if prof != nil {
		for _, p := range tr.Profile() {
			prof.Train = append(prof.Train, profileOf(p.Phase, p.Nodes, iters)...)
		}
	}
	ps, err := tr.Params()
	if err != nil {
		return Timing{}, nil, err
	}
	return summarize(ts, opts.TrainBatch), ps, nil
}

// scoreTiming times iters calls of a scorer of the given batch, after 3
// untimed ones; with prof, it profiles the timed ones into prof.Batch1.
func scoreTiming(be backend.Backend, opts Options, ps *graph.ParamSet, batch, iters int, rng *rand.Rand, prof *Profile) (Timing, error) {
	if prof != nil {
		be = backend.Profiling(be)
	}
	s, err := train.NewScorer(be, opts.Geometry, batch, ps)
	if err != nil {
		return Timing{}, fmt.Errorf("bench: %w", err)
	}
	defer s.Free()
	imgs, err := randomImages(opts.Geometry, batch, rng)
	if err != nil {
		return Timing{}, err
	}
	var ts []time.Duration
	for i := 0; i < 3+iters; i++ {
		t0 := time.Now()
		if _, err := s.Scores(imgs); err != nil {
			return Timing{}, fmt.Errorf("bench: scoring: %w", err)
		}
		if i >= 3 {
			ts = append(ts, time.Since(t0))
		}
		if i == 2 {
			s.Profile() // start the profile with the timed calls
		}
	}
	if prof != nil {
		prof.Batch1 = profileOf("score", s.Profile(), iters)
	}
	return summarize(ts, batch), nil
}

// summarize returns the median, minimum and 99th percentile of ts.
func summarize(ts []time.Duration, batch int) Timing {
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	ms := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
	n := len(ts)
	med := ts[n/2]
	if n%2 == 0 {
		med = (ts[n/2-1] + ts[n/2]) / 2
	}
	p99 := ts[int(math.Ceil(0.99*float64(n)))-1]
	return Timing{N: n, MedianMS: ms(med), MinMS: ms(ts[0]), P99MS: ms(p99),
		ImagesPerSec: float64(batch) / med.Seconds(), ImagesPerBatch: batch}
}

// PeakRSSMiB returns the process's peak resident set size in MiB (0 where
// the system does not report it).
func PeakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Maxrss) / 1024 // KiB on Linux
}
