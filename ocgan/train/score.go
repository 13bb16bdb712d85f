package train

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Scorer computes novelty scores with the Eval-mode scoring program: the
// per-image MSE of De(En(x)) against x (batch-norm running statistics, no
// dropout), on the clean input unless SetInputNoise says otherwise. Higher
// means more novel.
type Scorer struct {
	p      *scorePhase
	batch  int
	imgLen int
	own    bool // the scorer owns its program (NewScorer)
	// noiseSigma and noiseSeed are SetInputNoise's; sigma 0: clean input.
	noiseSigma float32
	noiseSeed  uint64
}

// scoreNoiseCounter is the Philox counter of image 0's input noise under
// SetInputNoise; image i draws from counter scoreNoiseCounter+i, apart from
// the training's streams and the validation noise.
const scoreNoiseCounter = 1 << 61

// SetInputNoise makes the scorer add Gaussian noise of standard deviation
// sigma to every image's input before scoring it, the target staying the
// clean image: the score becomes the MSE of De(En(x+n)) against x, as the
// authors' test code scores (the paper scores the clean input: sigma 0, the
// default). The noise of image i of a dataset is drawn from seed and i
// alone, so a score depends neither on the batch nor on the images scored
// with it. Only a scorer made by NewScorer or NewReconstructor takes it.
func (s *Scorer) SetInputNoise(sigma float64, seed uint64) error {
	if !s.own {
		return errors.New("train: SetInputNoise: a trainer's scorer scores the clean input")
	}
	if !(sigma >= 0) || math.IsInf(sigma, 0) {
		return fmt.Errorf("train: SetInputNoise: sigma %v, want a finite value >= 0", sigma)
	}
	s.noiseSigma, s.noiseSeed = float32(sigma), seed
	return nil
}

// inputNoise returns the noise SetInputNoise asked for (nil: none).
func (s *Scorer) inputNoise() imageNoise {
	if s.noiseSigma == 0 {
		return nil
	}
	sigma, seed, n := s.noiseSigma, s.noiseSeed, s.imgLen
	return func(i int) []float32 { return kernels.FillNormal(n, seed, scoreNoiseCounter+uint64(i), sigma) }
}

// imageNoise returns the noise to add to the input of image i of the
// dataset being scored (one image's values).
type imageNoise func(i int) []float32

// noiseOf is the imageNoise of noise drawn for a whole dataset, one
// image's values after another.
func noiseOf(noise []float32, imgLen int) imageNoise {
	return func(i int) []float32 { return noise[i*imgLen : (i+1)*imgLen] }
}

// NewScorer compiles a standalone scorer for geo with batch images per
// submit (fewer when the device cannot bind the tensors of so many: see
// Batch), on the values of ps (e.g. a checkpoint's; the En and De names of
// ocgan/model), on be's device. Free releases it.
//
// Its program folds every eval batch norm into the conv before it
// (graph.FoldBatchNorm, with ps's values at the call): fewer dispatches and
// passes over memory. Its scores are those of the trainer's scorer (which
// runs the batch norms, on the live parameters) to float32 rounding, about
// 1e-6 relative, not bit for bit; two standalone scorers of the same
// values on one device agree bit for bit, which is what a threshold
// calibrated with one and applied with the other needs.
func NewScorer(be backend.Backend, geo model.Geometry, batch int, ps *graph.ParamSet) (*Scorer, error) {
	return newScorer(be, geo, batch, ps, false)
}

// NewReconstructor is NewScorer for a scorer that also returns the
// reconstructions (Reconstruct): the same program with the decoder's output
// read back too.
func NewReconstructor(be backend.Backend, geo model.Geometry, batch int, ps *graph.ParamSet) (*Scorer, error) {
	return newScorer(be, geo, batch, ps, true)
}

func newScorer(be backend.Backend, geo model.Geometry, batch int, ps *graph.ParamSet, withRecon bool) (*Scorer, error) {
	if be == nil || ps == nil {
		return nil, errors.New("train: NewScorer: nil backend or ParamSet")
	}
	if batch < 1 {
		return nil, fmt.Errorf("train: NewScorer: batch %d, want >= 1", batch)
	}
	m, err := model.New(geo)
	if err != nil {
		return nil, fmt.Errorf("train: NewScorer: %w", err)
	}
	if batch, err = fitScoreBatch(be, geo, batch, withRecon); err != nil {
		return nil, err
	}
	p, err := buildScore(m, ps, batch, withRecon)
	if err == nil {
		err = p.fold()
	}
	if err != nil {
		return nil, fmt.Errorf("train: building the score phase: %w", err)
	}
	if err := p.compile(be, nil, Config{}); err != nil {
		return nil, err
	}
	shape := m.ImageShape(1)
	return &Scorer{p: p, batch: batch, imgLen: shape[1] * shape[2] * shape[3], own: true}, nil
}

// fitScoreBatch returns batch, or when the device cannot bind a tensor of
// the score phase at batch, the largest batch at which it can: scores do not
// depend on the batch they are computed in.
func fitScoreBatch(be backend.Backend, geo model.Geometry, batch int, withRecon bool) (int, error) {
	err := backend.CheckBatch(be.Device().MaxTensorBytes, "scoring batch", batch, scoreGraphs(geo, withRecon))
	var tl *backend.TensorTooLargeError
	if errors.As(err, &tl) && tl.MaxBatch >= 1 {
		return tl.MaxBatch, nil
	}
	if err != nil {
		return 0, fmt.Errorf("train: %w", err)
	}
	return batch, nil
}

// Free releases a scorer made by NewScorer (a Trainer's scorer is freed
// with the Trainer).
func (s *Scorer) Free() {
	if s.own {
		s.p.free()
	}
}

// Profile returns the scorer's profile since the previous call: each node
// of its program, summed over the batches scored (backend.Program.Profile;
// nil unless its backend profiles).
func (s *Scorer) Profile() []backend.NodeTime { return s.p.prog.Profile() }

// Scores returns the novelty score of every image of ds, in order. The
// images are scored in batches; the last batch is padded by repeating its
// last image and the padded scores are dropped.
func (s *Scorer) Scores(ds *dataset.Dataset) ([]float64, error) {
	return s.scores(ds, s.inputNoise(), nil, nil)
}

// Reconstruct returns the novelty score and the reconstruction De(En(x))
// of every image of ds, in order: recon holds ds.ImageLen() values per
// image (CHW, the decoder's tanh range [-1, 1]), and each score is the mean
// squared difference of the image and its reconstruction. Only a scorer
// made by NewReconstructor has them.
func (s *Scorer) Reconstruct(ds *dataset.Dataset) (scores []float64, recon []float32, err error) {
	if s.p.recon == nil {
		return nil, nil, errors.New("train: Reconstruct: the scorer was not made with reconstructions (NewReconstructor)")
	}
	if ds != nil {
		recon = make([]float32, 0, ds.Len()*ds.ImageLen())
	}
	scores, err = s.scores(ds, s.inputNoise(), nil, &recon)
	return scores, recon, err
}

// ScoreTiming is where the wall-clock time of scoring went, summed over
// the batches: Upload gathers the batch and writes it to the device,
// Forward runs the program (En, De, the per-image MSE) until its fence
// signals, Download reads the scores back.
type ScoreTiming struct {
	Upload, Forward, Download time.Duration
	Batches                   int
}

// ScoresTimed is Scores, also reporting where the time went.
func (s *Scorer) ScoresTimed(ds *dataset.Dataset) ([]float64, ScoreTiming, error) {
	var t ScoreTiming
	out, err := s.scores(ds, s.inputNoise(), &t, nil)
	return out, t, err
}

// Batch returns the number of images scored per submission.
func (s *Scorer) Batch() int { return s.batch }

// scores scores ds with noise (nil: none) added to the input only; the
// target is always the clean image. timing, if not nil, accumulates the
// time of each part; recon, if not nil, receives the reconstructions.
func (s *Scorer) scores(ds *dataset.Dataset, noise imageNoise, timing *ScoreTiming, recon *[]float32) ([]float64, error) {
	if ds == nil || ds.Len() == 0 {
		return nil, errors.New("train: scoring: no images")
	}
	if ds.ImageLen() != s.imgLen {
		return nil, fmt.Errorf("train: scoring: images of %d values (%dx%dx%d), the model takes %d",
			ds.ImageLen(), ds.Channels(), ds.Height(), ds.Width(), s.imgLen)
	}
	n := ds.Len()
	in, target := s.p.feeds[s.p.in], s.p.feeds[s.p.target]
	idx := make([]int, s.batch)
	out := make([]float64, 0, n)
	for start := 0; start < n; start += s.batch {
		t0 := time.Now()
		for j := range idx {
			idx[j] = min(start+j, n-1)
		}
		if err := ds.Gather(target, idx); err != nil {
			return nil, fmt.Errorf("train: scoring: %w", err)
		}
		copy(in, target)
		if noise != nil {
			for j, i := range idx {
				src := noise(i)
				dst := in[j*s.imgLen : (j+1)*s.imgLen]
				for k := range dst {
					dst[k] += src[k]
				}
			}
		}
		gather := time.Since(t0)
		res, st, err := s.p.stepTimed(0)
		if err != nil {
			return nil, err
		}
		if timing != nil {
			timing.Upload += gather + st.Upload
			timing.Forward += st.Run
			timing.Download += st.Download
			timing.Batches++
		}
		for j, v := range res[s.p.scores] {
			if start+j >= n {
				break
			}
			out = append(out, float64(v))
			if recon != nil {
				*recon = append(*recon, res[s.p.recon][j*s.imgLen:(j+1)*s.imgLen]...)
			}
		}
	}
	return out, nil
}

// Evaluate scores split.Test and returns the ROC AUC with the novel images
// (split.Novel) as positives, and the scores.
func (s *Scorer) Evaluate(split *dataset.Split) (auc float64, scores []float64, err error) {
	if split == nil || split.Test == nil {
		return 0, nil, errors.New("train: Evaluate: no test set")
	}
	if len(split.Novel) != split.Test.Len() {
		return 0, nil, fmt.Errorf("train: Evaluate: %d novelty labels for %d test images", len(split.Novel), split.Test.Len())
	}
	scores, err = s.Scores(split.Test)
	if err != nil {
		return 0, nil, err
	}
	auc, err = metrics.AUC(scores, split.NovelMask())
	if err != nil {
		return 0, scores, fmt.Errorf("train: Evaluate: %w", err)
	}
	return auc, scores, nil
}
