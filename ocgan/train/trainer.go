package train

import (
	"errors"
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Host random streams: each draw of iteration i uses the Philox counter
// i<<streamBits | stream under the config's seed.
const (
	streamBits   = 4
	streamNoise  = 0 // input noise n of the training batch
	streamLatent = 1 // latents u
	// valCounter is the counter of the validation noise, drawn once.
	valCounter = 1<<62 + 1
)

// Trainer holds the five networks' parameters on the device and the
// compiled programs of Algorithm 1's phases (see the package doc).
type Trainer struct {
	cfg    Config
	be     backend.Backend
	m      *model.Model
	ps     *graph.ParamSet
	dp     backend.Params
	cls    *classifierPhase // classifier update, or the sampling forward of the ablations with discriminators; nil in AutoEncoder mode
	disc   *discriminatorPhase
	mining *miningPhase
	gen    *generatorPhase
	scorer *Scorer

	imgLen int
	// iter counts the iterations run (host RNG streams); counter is the
	// next dropout RNG counter (every program step takes one).
	iter    int
	counter uint64
	// u and xn are the host buffers of one batch's latents and noisy input.
	u, xn []float32

	// run is the bookkeeping of the current or last Run (or of a restored
	// State); resumed says the next Run continues from it. final holds the
	// last epoch's values after Run has put the best epoch's on the device
	// (nil once Step changes them).
	run     *runState
	resumed bool
	final   map[string][]float32
	// epochTest is the split whose test AUC Run measures after every epoch
	// (nil: none).
	epochTest *dataset.Split
}

// SetEpochTest makes Run also measure, after every epoch, the test AUC of
// that epoch's parameters on split (its Test images, Novel labels) and
// record it in the epoch's EpochResult: the curve of test AUC over training.
// It is a diagnostic: model selection uses the validation MSE only. nil
// turns it off.
func (t *Trainer) SetEpochTest(split *dataset.Split) { t.epochTest = split }

// NewTrainer validates cfg, builds every phase's graph on one ParamSet,
// initialises it from cfg.Seed and compiles the phases' programs on one
// shared parameter store on be's device. Free releases them.
func NewTrainer(be backend.Backend, cfg Config) (*Trainer, error) {
	if be == nil {
		return nil, errors.New("train: NewTrainer: nil backend")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m, err := model.New(cfg.Geometry)
	if err != nil {
		return nil, fmt.Errorf("train: model: %w", err)
	}
	fgeo := cfg.Geometry
	fgeo.BNMomentum = 0
	frozen, err := model.New(fgeo)
	if err != nil {
		return nil, fmt.Errorf("train: frozen model: %w", err)
	}
	t := &Trainer{cfg: cfg, be: be, m: m, ps: graph.NewParamSet()}
	b := cfg.Batch
	shape := m.ImageShape(1)
	t.imgLen = shape[1] * shape[2] * shape[3]
	t.u = make([]float32, b*cfg.Geometry.Latent)
	t.xn = make([]float32, b*t.imgLen)

	if err := backend.CheckBatch(be.Device().MaxTensorBytes, "training batch", b, trainGraphs(cfg)); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	scoreBatch, err := fitScoreBatch(be, cfg.Geometry, cfg.ScoreBatch, false)
	if err != nil {
		return nil, err
	}
	tp, err := buildTrainPhases(m, frozen, t.ps, b, cfg)
	if err != nil {
		return nil, err
	}
	t.cls, t.disc, t.mining, t.gen = tp.cls, tp.disc, tp.mining, tp.gen
	sp, err := buildScore(m, t.ps, scoreBatch, false)
	if err != nil {
		return nil, fmt.Errorf("train: building the score phase: %w", err)
	}
	phases := append(tp.list(), sp.phase)

	if err := t.ps.Init(cfg.Seed); err != nil {
		return nil, fmt.Errorf("train: initialising parameters: %w", err)
	}
	if t.dp, err = be.NewParams(t.ps); err != nil {
		return nil, fmt.Errorf("train: device parameters: %w", err)
	}
	for _, p := range phases {
		if err := p.compile(be, t.dp, cfg); err != nil {
			t.Free()
			return nil, err
		}
	}
	t.scorer = &Scorer{p: sp, batch: scoreBatch, imgLen: t.imgLen}
	return t, nil
}

// trainPhases are the phases of Algorithm 1 that cfg's mode runs (nil
// where it runs none).
type trainPhases struct {
	cls    *classifierPhase
	disc   *discriminatorPhase
	mining *miningPhase
	gen    *generatorPhase
}

// buildTrainPhases builds the training phases of cfg's mode at batch b on
// ps: m's networks, and frozen's for mining.
func buildTrainPhases(m, frozen *model.Model, ps *graph.ParamSet, b int, cfg Config) (tp trainPhases, err error) {
	if cfg.Mode.adversarial() {
		if tp.cls, err = buildClassifier(m, ps, b, cfg.Mode); err != nil {
			return tp, err
		}
		if tp.disc, err = buildDiscriminators(m, ps, b, cfg); err != nil {
			return tp, err
		}
	}
	if cfg.Mode.classifier() && cfg.MineSteps > 0 {
		if tp.mining, err = buildMining(frozen, ps, b); err != nil {
			return tp, err
		}
	}
	tp.gen, err = buildGenerator(m, ps, b, cfg)
	return tp, err
}

// list returns the phases built, in Algorithm 1's order.
func (tp trainPhases) list() []*phase {
	var out []*phase
	if tp.cls != nil {
		out = append(out, tp.cls.phase, tp.disc.phase)
	}
	if tp.mining != nil {
		out = append(out, tp.mining.phase)
	}
	return append(out, tp.gen.phase)
}

// trainGraphs returns the graphs of cfg's training phases at a batch size,
// for backend.CheckBatch.
func trainGraphs(cfg Config) func(int) ([]*graph.Graph, error) {
	return func(b int) ([]*graph.Graph, error) {
		m, err := model.New(cfg.Geometry)
		if err != nil {
			return nil, fmt.Errorf("train: model: %w", err)
		}
		tp, err := buildTrainPhases(m, m, graph.NewParamSet(), b, cfg)
		if err != nil {
			return nil, err
		}
		return graphsOf(tp.list()), nil
	}
}

// scoreGraphs returns the graph of the score phase of geo at a batch size,
// for backend.CheckBatch.
func scoreGraphs(geo model.Geometry, withRecon bool) func(int) ([]*graph.Graph, error) {
	return func(b int) ([]*graph.Graph, error) {
		m, err := model.New(geo)
		if err != nil {
			return nil, fmt.Errorf("train: model: %w", err)
		}
		p, err := buildScore(m, graph.NewParamSet(), b, withRecon)
		if err != nil {
			return nil, err
		}
		return graphsOf([]*phase{p.phase}), nil
	}
}

// graphsOf returns the phases' graphs.
func graphsOf(ps []*phase) []*graph.Graph {
	gs := make([]*graph.Graph, len(ps))
	for i, p := range ps {
		gs[i] = p.g
	}
	return gs
}

// Free releases the programs and the device parameters.
func (t *Trainer) Free() {
	if t.cls != nil {
		t.cls.free()
	}
	if t.disc != nil {
		t.disc.free()
	}
	if t.mining != nil {
		t.mining.free()
	}
	if t.gen != nil {
		t.gen.free()
	}
	if t.scorer != nil {
		t.scorer.p.free()
	}
	if t.dp != nil {
		t.dp.Free()
		t.dp = nil
	}
}

// PhaseProfile is where one phase's device time went: each of its nodes
// and optimizer updates, summed over the steps since the previous profile
// (backend.Program.Profile).
type PhaseProfile struct {
	Phase string
	Nodes []backend.NodeTime
}

// Profile returns the profile of each training phase since the previous
// call, in Algorithm 1's order (mining: every mining step). Phases whose
// programs do not profile are left out: all of them unless the trainer's
// backend profiles (backend.Profiling).
func (t *Trainer) Profile() []PhaseProfile {
	var out []PhaseProfile
	for _, p := range (trainPhases{cls: t.cls, disc: t.disc, mining: t.mining, gen: t.gen}).list() {
		if nodes := p.prog.Profile(); nodes != nil {
			out = append(out, PhaseProfile{Phase: p.name, Nodes: nodes})
		}
	}
	return out
}

// Config returns the trainer's configuration.
func (t *Trainer) Config() Config { return t.cfg }

// Iterations returns the number of Algorithm-1 iterations run.
func (t *Trainer) Iterations() int { return t.iter }

// Scorer returns the Eval-mode scorer on the trainer's current parameters.
func (t *Trainer) Scorer() *Scorer { return t.scorer }

// DeviceParams returns the shared device store (Adam state for checkpoints).
func (t *Trainer) DeviceParams() backend.Params { return t.dp }

// Params downloads the current parameters and batch-norm statistics into
// the trainer's ParamSet and returns it (names as in ocgan/model).
func (t *Trainer) Params() (*graph.ParamSet, error) {
	if err := t.dp.Download(t.ps); err != nil {
		return nil, fmt.Errorf("train: downloading parameters: %w", err)
	}
	return t.ps, nil
}

// snapshot returns a host copy of every value on the device.
func (t *Trainer) snapshot() (map[string][]float32, error) {
	ps, err := t.Params()
	if err != nil {
		return nil, err
	}
	s := make(map[string][]float32, len(ps.Names()))
	for _, n := range t.dp.Names() {
		s[n] = ps.Get(n)
	}
	return s, nil
}

// restore uploads a snapshot to the device.
func (t *Trainer) restore(s map[string][]float32) error {
	for n, v := range s {
		if err := t.ps.Set(n, v); err != nil {
			return fmt.Errorf("train: restoring %s: %w", n, err)
		}
	}
	if err := t.dp.Upload(t.ps); err != nil {
		return fmt.Errorf("train: uploading parameters: %w", err)
	}
	return nil
}

func (t *Trainer) nextCounter() uint64 {
	c := t.counter
	t.counter++
	return c
}

// Step runs one iteration of Algorithm 1 on the batch x (Batch images, CHW
// back to back), with informative-negative mining when mine is true (and
// the mode has it). It returns the losses of the iteration: "C", "D_lat",
// "D_vis", "G_lat", "G_vis", "mse", and with mining "mine_before" and
// "mine_last" (the mean BCE(C(De(u)), 0) at the first and last mining step),
// as the mode has them.
func (t *Trainer) Step(x []float32, mine bool) (map[string]float64, error) {
	cfg := t.cfg
	if len(x) != len(t.xn) {
		return nil, fmt.Errorf("train: Step: batch has %d values, want %d (%d images of %d)", len(x), len(t.xn), cfg.Batch, t.imgLen)
	}
	t.final = nil
	it := uint64(t.iter)
	noise := kernels.FillNormal(len(x), cfg.Seed, it<<streamBits|streamNoise, cfg.NoiseStd)
	for i := range x {
		t.xn[i] = x[i] + noise[i]
	}
	copy(t.u, kernels.FillUniform(len(t.u), cfg.Seed, it<<streamBits|streamLatent))
	losses := map[string]float64{}

	if t.cls != nil {
		if t.cls.xn != nil {
			copy(t.cls.feeds[t.cls.xn], t.xn)
		}
		if t.cls.u != nil {
			copy(t.cls.feeds[t.cls.u], t.u)
		}
		out, err := t.cls.step(t.nextCounter())
		if err != nil {
			return nil, err
		}
		if t.cls.loss != nil {
			losses["C"] = float64(out[t.cls.loss][0])
		}
		d := t.disc
		if d.latent != nil {
			copy(d.feeds[d.u], t.u)
			copy(d.feeds[d.l1], out[t.cls.l1])
		}
		if d.visual != nil {
			copy(d.feeds[d.x], x)
			copy(d.feeds[d.fake], out[t.cls.fake])
		}
		out, err = d.step(t.nextCounter())
		if err != nil {
			return nil, err
		}
		if d.latent != nil {
			losses["D_lat"] = float64(out[d.latent][0])
		}
		if d.visual != nil {
			losses["D_vis"] = float64(out[d.visual][0])
		}
	}
	if mine && t.mining != nil {
		c := t.counter
		t.counter += uint64(cfg.MineSteps)
		res, err := t.mining.mine(t.u, cfg.MineSteps, cfg.MineStepSize, c)
		if err != nil {
			return nil, err
		}
		losses["mine_before"], losses["mine_last"] = res.Before, res.Last
	}
	g := t.gen
	copy(g.feeds[g.x], x)
	copy(g.feeds[g.xn], t.xn)
	if g.u != nil {
		copy(g.feeds[g.u], t.u)
	}
	out, err := g.step(t.nextCounter())
	if err != nil {
		return nil, err
	}
	losses["mse"] = float64(out[g.mse][0])
	if g.latent != nil {
		losses["G_lat"] = float64(out[g.latent][0])
	}
	if g.visual != nil {
		losses["G_vis"] = float64(out[g.visual][0])
	}
	t.iter++
	return losses, nil
}
