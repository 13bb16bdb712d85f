package train

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/results"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestRunLearnsAndSelects trains the full model for a few epochs on the
// synthetic split (normal: a square; novel: a cross): the reconstruction
// loss falls, the kept parameters are those of the epoch with the lowest
// validation MSE (recomputed after Run, bit for bit), and the novelty score
// separates the classes (AUC > 0.9).
func TestRunLearnsAndSelects(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 6
	cfg.MineStart = 0.5
	cfg.LR = 2e-3
	tr := newTrainer(t, newBackend(t), cfg)
	split := syntheticSplit(t, 32, 8, 16)
	reports, ends := 0, 0
	perEpoch := 32 / cfg.Batch
	res, err := tr.Run(split, func(p Progress) {
		reports++
		if p.Epochs != cfg.Epochs || p.EpochIterations != perEpoch || p.Iteration != (p.Epoch-1)*perEpoch+p.EpochIteration ||
			(!p.EpochEnd && p.EpochETA > p.ETA) {
			t.Errorf("report %d: epoch %d/%d, iteration %d (%d/%d of the epoch), ETA %v, epoch ETA %v", reports,
				p.Epoch, p.Epochs, p.Iteration, p.EpochIteration, p.EpochIterations, p.ETA, p.EpochETA)
		}
		if p.EpochEnd {
			ends++
			t.Logf("epoch %d it %d val_mse %.5f mining %v %.1f img/s eta %v losses %v",
				p.Epoch, p.Iteration, p.ValMSE, p.Mining, p.ImagesPerSec, p.ETA, p.Losses)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if ends != cfg.Epochs || reports != cfg.Epochs*(perEpoch+1) {
		t.Errorf("%d reports, %d epoch ends", reports, ends)
	}
	best := 0
	for i, h := range res.History {
		if h.ValMSE < res.History[best].ValMSE {
			best = i
		}
	}
	if res.BestEpoch != best+1 || res.BestValMSE != res.History[best].ValMSE {
		t.Errorf("selected epoch %d (%v), the curve's minimum is epoch %d", res.BestEpoch, res.BestValMSE, best+1)
	}
	first, last := res.History[0].Losses["mse"], res.History[len(res.History)-1].Losses["mse"]
	if !(last < first) {
		t.Errorf("reconstruction loss did not fall: epoch 1 %v, last %v", first, last)
	}
	if !res.History[len(res.History)-1].Mining || res.History[0].Mining {
		t.Errorf("mining schedule: first epoch %v, last %v", res.History[0].Mining, res.History[len(res.History)-1].Mining)
	}
	// The device holds the selected epoch's parameters.
	again, err := tr.Scorer().scores(split.Val, noiseOf(valNoise(cfg, split.Val), split.Val.ImageLen()), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := meanF64(again); math.Float64bits(v) != math.Float64bits(res.BestValMSE) {
		t.Errorf("validation MSE after Run %v, selected %v", v, res.BestValMSE)
	}
	auc, scores, err := tr.Scorer().Evaluate(split)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("AUC %.4f; normal scores %.4f, novel %.4f", auc, meanF64(scores[:16]), meanF64(scores[16:]))
	if !(auc > 0.9) {
		t.Errorf("AUC %v, want > 0.9", auc)
	}
}

// TestModelSelectionKeepsBestEpoch validates on images of the novel
// pattern, which the model does not learn to reconstruct, so the
// validation curve is not monotone (with seed 1 on lavapipe its minimum is
// epoch 4 of 6): Run must keep the epoch with the lowest validation MSE
// (among epochs 5 and 6 with SelectFrom 0.7) and leave
// exactly its parameters on the device.
func TestModelSelectionKeepsBestEpoch(t *testing.T) {
	for _, from := range []float64{0, 0.7} {
		t.Run(fmt.Sprintf("from-%v", from), func(t *testing.T) {
			cfg := tinyConfig(t)
			cfg.Epochs = 6
			cfg.LR = 2e-3
			cfg.Seed = 1
			cfg.SelectFrom = from
			tr := newTrainer(t, newBackend(t), cfg)
			split := syntheticSplit(t, 32, 8, 16)
			split.Val = synthetic(t, 1, 8, 4000)
			res, err := tr.Run(split, nil)
			if err != nil {
				t.Fatal(err)
			}
			skip := results.SelectionStart(from, cfg.Epochs)
			best := skip
			for i, h := range res.History {
				t.Logf("epoch %d: validation MSE %.6f", h.Epoch, h.ValMSE)
				if i > skip && h.ValMSE < res.History[best].ValMSE {
					best = i
				}
			}
			t.Logf("selected epoch %d", res.BestEpoch)
			if res.BestEpoch != best+1 || res.BestValMSE != res.History[best].ValMSE {
				t.Errorf("selected epoch %d (%v), the curve's minimum after epoch %d is epoch %d", res.BestEpoch, res.BestValMSE, skip, best+1)
			}
			if res.BestEpoch == len(res.History) {
				t.Logf("the minimum is the last epoch on this device: selection is checked only against the curve")
			}
			again, err := tr.Scorer().scores(split.Val, noiseOf(valNoise(cfg, split.Val), split.Val.ImageLen()), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v := meanF64(again); math.Float64bits(v) != math.Float64bits(res.BestValMSE) {
				t.Errorf("validation MSE of the parameters left on the device %v, selected %v", v, res.BestValMSE)
			}
		})
	}
}

// TestSelectionWindow: with SelectFrom an epoch of the window (after the
// first ⌊SelectFrom·Epochs⌋) replaces any epoch before it, then the lowest
// validation MSE wins; before the window (a run stopped early) the lowest
// so far is kept; NaN and infinite MSEs never are.
func TestSelectionWindow(t *testing.T) {
	cfg := Config{Epochs: 10, SelectFrom: 0.5} // the window: epochs 6 to 10
	inf := math.Inf(1)
	cases := []struct {
		e       int
		val     float64
		best    int
		bestVal float64
		want    bool
	}{
		{1, 0.5, 0, inf, true},
		{2, 0.4, 1, 0.5, true},
		{3, 0.6, 2, 0.4, false},
		{6, 0.9, 2, 0.4, true}, // the first epoch of the window
		{7, 0.95, 6, 0.9, false},
		{8, 0.8, 6, 0.9, true},
		{9, 0.8, 8, 0.8, false}, // equal: the earlier stays
		{1, math.NaN(), 0, inf, false},
		{1, inf, 0, inf, false},
		{7, math.NaN(), 3, 0.4, false},
	}
	for _, c := range cases {
		if got := cfg.selects(c.e, c.val, c.best, c.bestVal); got != c.want {
			t.Errorf("epoch %d (%v) against epoch %d (%v): %v, want %v", c.e, c.val, c.best, c.bestVal, got, c.want)
		}
	}
	every := Config{Epochs: 10}
	if every.selects(6, 0.9, 2, 0.4) || !every.selects(3, 0.3, 2, 0.4) {
		t.Error("SelectFrom 0: the lowest validation MSE of every epoch is not kept")
	}
	for _, bad := range []float64{-0.1, 1, math.NaN()} {
		c := DefaultConfig(model.MNIST28())
		c.SelectFrom = bad
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SelectFrom") {
			t.Errorf("SelectFrom %v: %v", bad, err)
		}
	}
}

// TestBudgetStopsAtIterationEnd: a budget that is spent at once stops Run at
// the end of the first iteration, which is still validated and selected.
func TestBudgetStopsAtIterationEnd(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 3
	cfg.Budget = time.Nanosecond
	tr := newTrainer(t, newBackend(t), cfg)
	res, err := tr.Run(syntheticSplit(t, 16, 4, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Stopped || res.Iterations != 1 || len(res.History) != 1 || res.BestEpoch != 1 {
		t.Errorf("budget run: stopped %v, %d iterations, %d epochs, best %d", res.Stopped, res.Iterations, len(res.History), res.BestEpoch)
	}
}

// TestStandaloneScorerMatchesTrainer: NewScorer on the trainer's downloaded
// parameters (its batch norms folded into the convs) gives the trainer
// scorer's scores to float32 rounding, the same scores bit for bit whatever
// its batch (1 as a server scores, 3, or more than the images), and
// ScoresTimed gives the same scores with the time of each part.
func TestStandaloneScorerMatchesTrainer(t *testing.T) {
	for _, lib := range allBackends(t) {
		t.Run(lib.Device().Backend, func(t *testing.T) { testStandaloneScorer(t, lib) })
	}
}

func testStandaloneScorer(t *testing.T, lib backend.Backend) {
	cfg := tinyConfig(t)
	tr := newTrainer(t, lib, cfg)
	data := synthetic(t, 0, 8, 0)
	if _, err := tr.Epoch(data); err != nil {
		t.Fatal(err)
	}
	trainer, err := tr.Scorer().Scores(data)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := tr.Params()
	if err != nil {
		t.Fatal(err)
	}
	var want []float64 // the standalone scores at batch 1
	for _, batch := range []int{1, 3, 11} {
		s, err := NewScorer(lib, cfg.Geometry, batch, ps)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Scores(data)
		if err != nil {
			t.Fatal(err)
		}
		timed, tm, err := s.ScoresTimed(data)
		s.Free()
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
			kerneltest.ExpectClose(t, "standalone scores against the trainer's", toFloat32(got), toFloat32(trainer))
		}
		if len(got) != len(want) || len(timed) != len(want) {
			t.Fatalf("batch %d: %d and %d scores, want %d", batch, len(got), len(timed), len(want))
		}
		for i := range got {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) || math.Float64bits(timed[i]) != math.Float64bits(want[i]) {
				t.Errorf("batch %d image %d: %v (timed %v), at batch 1 %v", batch, i, got[i], timed[i], want[i])
			}
		}
		if wantBatches := (len(want) + batch - 1) / batch; tm.Batches != wantBatches || tm.Upload <= 0 || tm.Forward <= 0 || tm.Download <= 0 {
			t.Errorf("batch %d: timing %+v, want %d batches and positive times", batch, tm, wantBatches)
		}
		checkReconstructor(t, lib, cfg, batch, ps, data, want)
	}
}

// checkReconstructor checks that a reconstructor's scores are the scorer's
// (want) bit for bit and that each is the mean squared difference of the
// image and the reconstruction it returns.
func checkReconstructor(t *testing.T, lib backend.Backend, cfg Config, batch int, ps *graph.ParamSet, data *dataset.Dataset, want []float64) {
	t.Helper()
	r, err := NewReconstructor(lib, cfg.Geometry, batch, ps)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Free()
	scores, recon, err := r.Reconstruct(data)
	if err != nil {
		t.Fatal(err)
	}
	n := data.ImageLen()
	if len(scores) != len(want) || len(recon) != len(want)*n {
		t.Fatalf("batch %d: %d scores and %d reconstruction values, want %d and %d", batch, len(scores), len(recon), len(want), len(want)*n)
	}
	for i := range scores {
		if math.Float64bits(scores[i]) != math.Float64bits(want[i]) {
			t.Errorf("batch %d image %d: reconstructor's score %v, scorer's %v", batch, i, scores[i], want[i])
		}
		mse := 0.0
		for k, x := range data.Image(i) {
			d := float64(x) - float64(recon[i*n+k])
			mse += d * d
		}
		if mse /= float64(n); math.Abs(mse-want[i]) > 1e-5*want[i] {
			t.Errorf("batch %d image %d: mean squared difference of the reconstruction %v, score %v", batch, i, mse, want[i])
		}
	}
	if _, _, err := newScorerOrFail(t, lib, cfg, ps).Reconstruct(data); err == nil {
		t.Error("a plain scorer's Reconstruct did not fail")
	}
}

// newScorerOrFail is NewScorer at batch 2, freed at the end of the test.
func newScorerOrFail(t *testing.T, lib backend.Backend, cfg Config, ps *graph.ParamSet) *Scorer {
	s, err := NewScorer(lib, cfg.Geometry, 2, ps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Free)
	return s
}

// TestEpochTestAUC: with SetEpochTest, every epoch's history holds the test
// AUC of that epoch's parameters (what Evaluate gives at the epoch's end),
// the checkpoint keeps it, and measuring it changes nothing of training:
// the validation curve and the selected epoch equal those of a run without.
func TestEpochTestAUC(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 3
	split := syntheticSplit(t, 16, 4, 8)
	be := newCPUBackend(t)
	plain, err := newTrainer(t, be, cfg).Run(split, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range plain.History {
		if h.TestAUC != nil {
			t.Fatalf("epoch %d: a test AUC without SetEpochTest", h.Epoch)
		}
	}
	tr := newTrainer(t, be, cfg)
	tr.SetEpochTest(split)
	var atEnd []float64
	res, err := tr.RunWith(split, nil, func(State) error {
		auc, _, err := tr.Scorer().Evaluate(split)
		atEnd = append(atEnd, auc)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range res.History {
		if h.TestAUC == nil || math.Float64bits(*h.TestAUC) != math.Float64bits(atEnd[i]) {
			t.Errorf("epoch %d: test AUC %v, Evaluate at the epoch's end %v", h.Epoch, h.TestAUC, atEnd[i])
		}
		if math.Float64bits(h.ValMSE) != math.Float64bits(plain.History[i].ValMSE) {
			t.Errorf("epoch %d: validation MSE %v with the test AUC measured, %v without", h.Epoch, h.ValMSE, plain.History[i].ValMSE)
		}
	}
	if res.BestEpoch != plain.BestEpoch {
		t.Errorf("selected epoch %d with the test AUC measured, %d without", res.BestEpoch, plain.BestEpoch)
	}
	s, err := tr.State()
	if err != nil {
		t.Fatal(err)
	}
	ck, err := tr.Checkpoint(s, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ReadRecord(ck)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range rec.History {
		if h.TestAUC == nil || *h.TestAUC != atEnd[i] {
			t.Errorf("checkpoint, epoch %d: test AUC %v, want %v", h.Epoch, h.TestAUC, atEnd[i])
		}
	}
}

// toFloat32 converts scores for kerneltest's comparisons.
func toFloat32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// TestScorerInputNoise: with SetInputNoise a score is the MSE of
// De(En(x+n)) against the clean x, with image i's noise drawn from the seed
// and i alone: the same at every batch and when the image is scored among
// others; another seed draws other noise; sigma 0 is the clean score; bad
// sigmas and a trainer's scorer are refused. Checked on every backend.
func TestScorerInputNoise(t *testing.T) {
	cfg := tinyConfig(t)
	for _, lib := range allBackends(t) {
		t.Run(lib.Device().Backend, func(t *testing.T) {
			tr := newTrainer(t, lib, cfg)
			data := synthetic(t, 0, 7, 0)
			if _, err := tr.Epoch(data); err != nil {
				t.Fatal(err)
			}
			if err := tr.Scorer().SetInputNoise(0.2, 1); err == nil {
				t.Error("a trainer's scorer took input noise")
			}
			ps, err := tr.Params()
			if err != nil {
				t.Fatal(err)
			}
			const sigma, seed = 0.2, 5
			n := data.ImageLen()
			var want []float32 // drawn here: image i from counter scoreNoiseCounter+i
			for i := range data.Len() {
				want = append(want, kernels.FillNormal(n, seed, scoreNoiseCounter+uint64(i), sigma)...)
			}
			ref := newScorerOrFail(t, lib, cfg, ps)
			clean, err := ref.Scores(data)
			if err != nil {
				t.Fatal(err)
			}
			explicit, err := ref.scores(data, noiseOf(want, n), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, batch := range []int{1, 3} {
				s, err := NewScorer(lib, cfg.Geometry, batch, ps)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Free()
				for _, bad := range []float64{-0.1, math.NaN(), math.Inf(1)} {
					if err := s.SetInputNoise(bad, seed); err == nil {
						t.Errorf("sigma %v taken", bad)
					}
				}
				if err := s.SetInputNoise(sigma, seed); err != nil {
					t.Fatal(err)
				}
				got, err := s.Scores(data)
				if err != nil {
					t.Fatal(err)
				}
				kerneltest.ExpectClose(t, fmt.Sprintf("batch %d: scores of the noisy input", batch), toFloat32(got), toFloat32(explicit))
				differ := 0
				for i := range got {
					if math.Abs(got[i]-clean[i]) > 1e-3*clean[i] {
						differ++
					}
				}
				if differ < len(got)/2 {
					t.Errorf("batch %d: %d of %d scores moved with the noise: %v against clean %v", batch, differ, len(got), got, clean)
				}
				// The last image alone scores as it did among the others.
				last, err := dataset.New(data.Channels(), data.Height(), data.Width(), slices.Clone(data.Image(data.Len()-1)), []int{0})
				if err != nil {
					t.Fatal(err)
				}
				alone, err := s.Scores(last)
				if err != nil {
					t.Fatal(err)
				}
				first := kernels.FillNormal(n, seed, scoreNoiseCounter, sigma)
				if wantAlone, _ := ref.scores(last, noiseOf(first, n), nil, nil); math.Abs(alone[0]-wantAlone[0]) > 1e-6*wantAlone[0] {
					t.Errorf("batch %d: an image scored alone %v, want the noise of image 0 (%v)", batch, alone[0], wantAlone[0])
				}
				if err := s.SetInputNoise(sigma, seed+1); err != nil {
					t.Fatal(err)
				}
				other, _ := s.Scores(data)
				if slices.Equal(other, got) {
					t.Errorf("batch %d: another seed gave the same scores", batch)
				}
				if err := s.SetInputNoise(0, seed); err != nil {
					t.Fatal(err)
				}
				again, _ := s.Scores(data)
				kerneltest.ExpectClose(t, fmt.Sprintf("batch %d: sigma 0 against the clean scores", batch), toFloat32(again), toFloat32(clean))
			}
		})
	}
}

// TestRatesIgnorePause: the progress estimates go by the median of the
// recent iterations, so one iteration that spanned a pause does not move
// them; the run's ETA adds the evaluations left at their median time, and
// a budget caps both.
func TestRatesIgnorePause(t *testing.T) {
	tr := &Trainer{cfg: Config{Batch: 64, Epochs: 10}}
	st := newEpochState(100, 40, 0, nil)
	var p Progress
	if tr.rates(st, 5, 3, &p); p.ImagesPerSec != 0 || p.ETA != 0 || p.EpochETA != 0 {
		t.Errorf("before any iteration: %+v", p)
	}
	for range 30 {
		st.plainTimes.Add(100 * time.Millisecond)
	}
	st.plainTimes.Add(time.Hour) // an iteration during which the process was stopped
	st.evalTimes.Add(time.Second)
	st.evalTimes.Add(time.Second)
	tr.rates(st, 5, 3, &p)
	if math.Abs(p.ImagesPerSec-640) > 1e-9 || p.ETA != 60*100*time.Millisecond+3*time.Second || p.EpochETA != 500*time.Millisecond ||
		p.ETALowerBound || p.EpochETALowerBound {
		t.Errorf("images/s %v, ETA %v, epoch ETA %v, lower bounds %v %v; want 640, 9s, 500ms, false false",
			p.ImagesPerSec, p.ETA, p.EpochETA, p.ETALowerBound, p.EpochETALowerBound)
	}
	tr.cfg.Budget = time.Minute
	st.prior = 58 * time.Second // a resumed run with about 2 s of budget left
	if tr.rates(st, 50, 3, &p); p.ETA > 2*time.Second || p.EpochETA > 2*time.Second || p.ETA < time.Second {
		t.Errorf("with 2 s of budget left: ETA %v, epoch ETA %v", p.ETA, p.EpochETA)
	}
}

// TestRatesWithMining: iterations with and without mining are timed apart
// and the iterations left counted by the mining schedule; until a mining
// iteration has run, an estimate that covers mining iterations is marked
// as a lower bound.
func TestRatesWithMining(t *testing.T) {
	tr := &Trainer{cfg: Config{Batch: 64, Epochs: 10, MineStart: 0.75}, mining: &miningPhase{}}
	if got := tr.mineFrom(100); got != 75 {
		t.Fatalf("mining from iteration %d of 100, want 75", got)
	}
	for _, c := range []struct {
		start       float64
		total, want int
	}{{0, 10, 0}, {1, 10, 10}, {0.7, 7, 5}, {0.75, 2075, 1557}, {0.5, 1, 1}} {
		tr.cfg.MineStart = c.start
		got := tr.mineFrom(c.total)
		if got != c.want || (got < c.total && float64(got)/float64(c.total) < c.start) || (got > 0 && float64(got-1)/float64(c.total) >= c.start) {
			t.Errorf("mine start %v of %d iterations: from %d, want %d", c.start, c.total, got, c.want)
		}
	}
	tr.cfg.MineStart = 0.75
	st := newEpochState(100, 40, 0, nil)
	for range 5 {
		st.plainTimes.Add(100 * time.Millisecond)
	}
	var p Progress
	tr.rates(st, 5, 0, &p)
	// 35 plain and 25 mining iterations left, both at the plain time.
	if p.ETA != 6*time.Second || !p.ETALowerBound || p.EpochETA != 500*time.Millisecond || p.EpochETALowerBound {
		t.Errorf("before mining: ETA %v (lower bound %v), epoch ETA %v (%v); want 6s (true), 500ms (false)",
			p.ETA, p.ETALowerBound, p.EpochETA, p.EpochETALowerBound)
	}
	if tr.rates(st, 50, 0, &p); p.EpochETA != 5*time.Second || !p.EpochETALowerBound {
		t.Errorf("an epoch into mining: epoch ETA %v (lower bound %v), want 5s (true)", p.EpochETA, p.EpochETALowerBound)
	}
	st.doneIters = 76
	st.mineTimes.Add(300 * time.Millisecond)
	st.lastMined = true
	tr.rates(st, 4, 0, &p)
	if math.Abs(p.ImagesPerSec-64/0.3) > 1e-9 || p.ETA != 24*300*time.Millisecond || p.ETALowerBound ||
		p.EpochETA != 4*300*time.Millisecond || p.EpochETALowerBound {
		t.Errorf("mining: images/s %v, ETA %v (%v), epoch ETA %v (%v); want %v, 7.2s, 1.2s, not lower bounds",
			p.ImagesPerSec, p.ETA, p.ETALowerBound, p.EpochETA, p.EpochETALowerBound, 64/0.3)
	}
	st.doneIters = 60 // a budget started mining before the iteration count would
	if tr.rates(st, 0, 0, &p); p.ETA != 40*300*time.Millisecond || p.ETALowerBound {
		t.Errorf("mining started early: ETA %v (%v), want 12s", p.ETA, p.ETALowerBound)
	}
	tr.mining = nil
	st = newEpochState(100, 40, 0, nil)
	st.plainTimes.Add(100 * time.Millisecond)
	if tr.rates(st, 0, 0, &p); p.ETA != 6*time.Second || p.ETALowerBound {
		t.Errorf("without mining: ETA %v (%v), want 6s", p.ETA, p.ETALowerBound)
	}
}

// TestETACountsEpochEndWork: the run's ETA counts the whole of the work
// between epochs at its measured time, the end-of-epoch hook (a checkpoint
// write) included, once per evaluation left.
func TestETACountsEpochEndWork(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 3
	split := syntheticSplit(t, 16, 4, 8)
	const hookTime = 300 * time.Millisecond
	var etas []time.Duration
	_, err := newTrainer(t, newCPUBackend(t), cfg).RunWith(split, func(p Progress) {
		if p.Epoch == 2 && !p.EpochEnd {
			etas = append(etas, p.ETA)
		}
	}, func(State) error {
		time.Sleep(hookTime)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(etas) == 0 {
		t.Fatal("no progress report in epoch 2")
	}
	// Two evaluations are left during epoch 2 (its own and epoch 3's).
	for i, eta := range etas {
		if eta < 2*hookTime {
			t.Errorf("epoch 2, report %d: ETA %v, want at least %v (two epoch ends of at least %v)", i+1, eta, 2*hookTime, hookTime)
		}
	}
}
