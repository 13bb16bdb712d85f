package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/progress"
)

// Progress is what Run reports after every iteration and at the end of
// every epoch (EpochEnd, with ValMSE).
type Progress struct {
	// Epoch is 1-based, of Epochs planned; Iteration counts every
	// iteration run so far.
	Epoch, Epochs, Iteration int
	// EpochIteration is the iteration's place in its epoch (1-based) of
	// EpochIterations.
	EpochIteration, EpochIterations int
	// EpochEnd marks the report after an epoch's validation.
	EpochEnd bool
	// ImagesPerSec is the training throughput of the recent iterations:
	// the batch over the median time of the last recentIters.
	ImagesPerSec float64
	// Losses are the last iteration's (see Trainer.Step), or at EpochEnd
	// the epoch's means (each over the iterations that reported it).
	Losses map[string]float64
	// ValMSE is the validation MSE (NaN before the first epoch ends).
	ValMSE float64
	// TestAUC is, at EpochEnd with Trainer.SetEpochTest, the test AUC of the
	// epoch's parameters (nil otherwise).
	TestAUC *float64
	// Mining says whether informative-negative mining ran (in the
	// iteration, or at EpochEnd in any iteration of the epoch).
	Mining bool
	// ETA estimates the time left of the run: the iterations left at the
	// median time of the recent ones of their kind (with or without
	// mining), plus the end-of-epoch work left at the median time of that
	// done, within the budget. EpochETA is the time left of the epoch's
	// iterations. A pause (a suspended process) moves neither for longer
	// than it lasts.
	ETA, EpochETA time.Duration
	// ETALowerBound and EpochETALowerBound say that ETA and EpochETA count
	// mining iterations that are still to come at the time of an iteration
	// without mining, none having run yet: a mining iteration takes longer.
	ETALowerBound, EpochETALowerBound bool
}

// EpochResult is one epoch's record in Result.History.
type EpochResult struct {
	Epoch  int
	Losses map[string]float64
	ValMSE float64
	Mining bool
	// TestAUC, when not nil, is the test AUC of the epoch's parameters
	// (Trainer.SetEpochTest): a diagnostic that model selection never reads.
	TestAUC *float64
}

// Result is the outcome of Run.
type Result struct {
	// BestEpoch (1-based) is the epoch whose parameters were kept: the
	// lowest validation MSE (of the window Config.SelectFrom sets);
	// BestValMSE is its value.
	BestEpoch  int
	BestValMSE float64
	// History has one entry per epoch run (the curve of validation MSE).
	History []EpochResult
	// Iterations, Images and Elapsed are the work done; Stopped says the
	// wall-clock budget ended training early.
	Iterations, Images int
	Elapsed            time.Duration
	Stopped            bool
}

// epochState carries Run's schedule into an epoch.
type epochState struct {
	start      time.Time
	prior      time.Duration // wall-clock time the run spent before start (a resumed run)
	totalIters int
	doneIters  int
	progress   func(Progress)
	epoch      int
	stopped    bool
	mined      bool // mining ran in the current epoch
	// plainTimes, mineTimes and evalTimes are the durations of the recent
	// iterations without and with mining and of the work between epochs
	// (validation, test AUC, model selection, progress and the end-of-epoch
	// hook); mark is when the current iteration began, or when the last one
	// ended; lastMined says whether the last iteration mined.
	plainTimes, mineTimes, evalTimes *progress.Recent
	mark                             time.Time
	lastMined                        bool
}

// recentIters is the number of iterations whose median time estimates the
// next ones'.
const recentIters = 31

// newEpochState starts the schedule of a run (or of one Epoch) now.
func newEpochState(totalIters, doneIters int, prior time.Duration, report func(Progress)) *epochState {
	return &epochState{start: time.Now(), prior: prior, totalIters: totalIters, doneIters: doneIters, progress: report,
		plainTimes: progress.NewRecent(recentIters), mineTimes: progress.NewRecent(recentIters), evalTimes: progress.NewRecent(recentIters)}
}

// elapsed is the run's wall-clock time, earlier sessions included.
func (st *epochState) elapsed() time.Duration { return st.prior + time.Since(st.start) }

// fraction is how far training is: iterations done of those planned, or
// of the wall-clock budget, whichever is further.
func (t *Trainer) fraction(st *epochState) float64 {
	f := iterFraction(st.doneIters, st.totalIters)
	if t.cfg.Budget > 0 {
		f = math.Max(f, float64(st.elapsed())/float64(t.cfg.Budget))
	}
	return f
}

// Epoch runs one epoch on data (in-class training images): ceil(n/Batch)
// iterations over a seeded shuffle (the last batch wraps around to the
// start of the shuffle), mining as the schedule of a standalone run of
// Config.Epochs epochs says. A wall-clock budget counts from this call.
// It returns the epoch's mean losses (each over the iterations that
// reported it).
func (t *Trainer) Epoch(data *dataset.Dataset) (map[string]float64, error) {
	n := 0
	if data != nil {
		n = data.Len()
	}
	st := newEpochState(t.cfg.Epochs*ceilDiv(n, t.cfg.Batch), t.iter, 0, nil)
	st.epoch = t.iter/max(1, ceilDiv(n, t.cfg.Batch)) + 1
	losses, _, err := t.epoch(context.Background(), data, st, nil)
	return losses, err
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// ErrInterrupted is returned (wrapped) by RunContext when its context
// ends the run before its last epoch.
var ErrInterrupted = errors.New("training interrupted")

// epoch runs the epoch st.epoch on data, after the iterations of part when
// it is not nil (the part of the epoch an interrupted run had done), and
// returns its mean losses. When ctx is done after an iteration that does
// not end the epoch, it stops there and returns the part done and an error
// wrapping ErrInterrupted.
func (t *Trainer) epoch(ctx context.Context, data *dataset.Dataset, st *epochState, part *PartialEpoch) (map[string]float64, *PartialEpoch, error) {
	if data == nil || data.Len() == 0 {
		return nil, nil, errors.New("train: epoch: no training images")
	}
	if data.ImageLen() != t.imgLen {
		return nil, nil, fmt.Errorf("train: epoch: images of %d values (%dx%dx%d), the model takes %d",
			data.ImageLen(), data.Channels(), data.Height(), data.Width(), t.imgLen)
	}
	b := t.cfg.Batch
	n := data.Len()
	perm := rand.New(rand.NewPCG(t.cfg.Seed, uint64(st.epoch))).Perm(n)
	iters := ceilDiv(n, b)
	x := make([]float32, b*t.imgLen)
	idx := make([]int, b)
	sums, counts := map[string]float64{}, map[string]int{}
	st.mined = false
	first := 0
	if part != nil {
		first, st.mined = part.Iterations, part.Mined
		for k, v := range part.LossSums {
			sums[k], counts[k] = v, part.LossCounts[k]
		}
	}
	st.mark = time.Now()
	for i := first; i < iters; i++ {
		for j := range idx {
			idx[j] = perm[(i*b+j)%n]
		}
		if err := data.Gather(x, idx); err != nil {
			return nil, nil, fmt.Errorf("train: epoch %d: %w", st.epoch, err)
		}
		mine := t.mining != nil && t.fraction(st) >= t.cfg.MineStart
		losses, err := t.Step(x, mine)
		if err != nil {
			return nil, nil, fmt.Errorf("train: epoch %d iteration %d: %w", st.epoch, i+1, err)
		}
		st.doneIters++
		st.mined = st.mined || mine
		now := time.Now()
		if mine {
			st.mineTimes.Add(now.Sub(st.mark))
		} else {
			st.plainTimes.Add(now.Sub(st.mark))
		}
		st.mark, st.lastMined = now, mine
		for k, v := range losses {
			sums[k] += v
			counts[k]++
		}
		if st.progress != nil {
			p := Progress{Epoch: st.epoch, Epochs: t.cfg.Epochs, Iteration: t.iter, EpochIteration: i + 1, EpochIterations: iters,
				Losses: losses, ValMSE: math.NaN(), Mining: mine}
			// This epoch's evaluation is still to come.
			t.rates(st, iters-i-1, t.cfg.Epochs-st.epoch+1, &p)
			st.progress(p)
		}
		if t.cfg.Budget > 0 && st.elapsed() >= t.cfg.Budget {
			st.stopped = true
			break
		}
		if i+1 < iters && ctx.Err() != nil {
			done := &PartialEpoch{Iterations: i + 1, LossSums: sums, LossCounts: counts, Mined: st.mined}
			return nil, done, fmt.Errorf("%w after iteration %d of %d of epoch %d: %w", ErrInterrupted, i+1, iters, st.epoch, context.Cause(ctx))
		}
	}
	for k := range sums {
		sums[k] /= float64(counts[k])
	}
	return sums, nil, nil
}

// rates sets p's ImagesPerSec (of the recent iterations of the last one's
// kind), ETA (of the run, with evalsLeft end-of-epoch evaluations) and
// EpochETA (of the epoch's epochLeft iterations), with their lower-bound
// flags; it leaves them zero before the first iteration.
func (t *Trainer) rates(st *epochState, epochLeft, evalsLeft int, p *Progress) {
	plain, okPlain := st.plainTimes.Median()
	mine, okMine := st.mineTimes.Median()
	last, okLast := plain, okPlain
	if st.lastMined {
		last, okLast = mine, okMine
	}
	if !okLast || last <= 0 {
		return
	}
	if !okPlain {
		plain = mine
	}
	if !okMine {
		mine = plain
	}
	p.ImagesPerSec = float64(t.cfg.Batch) / last.Seconds()
	first := t.mineFrom(st.totalIters)
	if st.lastMined { // mining has started (a budget may start it sooner)
		first = 0
	}
	// cost is the time of the n iterations from the run's iteration from,
	// and whether it counts mining iterations at the time of plain ones.
	cost := func(from, n int) (time.Duration, bool) {
		plainN := min(max(0, first-from), n)
		mineN := n - plainN
		return plain*time.Duration(plainN) + mine*time.Duration(mineN), mineN > 0 && !okMine
	}
	p.ETA, p.ETALowerBound = cost(st.doneIters, max(0, st.totalIters-st.doneIters))
	if ev, ok := st.evalTimes.Median(); ok {
		p.ETA += ev * time.Duration(max(0, evalsLeft))
	}
	p.EpochETA, p.EpochETALowerBound = cost(st.doneIters, max(0, epochLeft))
	if t.cfg.Budget > 0 {
		left := max(0, t.cfg.Budget-st.elapsed())
		if p.ETA > left {
			p.ETA, p.ETALowerBound = left, false
		}
		if p.EpochETA > left {
			p.EpochETA, p.EpochETALowerBound = left, false
		}
	}
}

// mineFrom is the first iteration (0-based) of a run of total iterations
// that mines by the iteration count (a budget may start mining sooner):
// total when the run never mines.
func (t *Trainer) mineFrom(total int) int {
	if t.mining == nil || total <= 0 {
		return max(0, total)
	}
	return sort.Search(total, func(i int) bool { return iterFraction(i, total) >= t.cfg.MineStart })
}

// iterFraction is how far a run of total iterations is after done of them.
func iterFraction(done, total int) float64 { return float64(done) / float64(total) }

// Run trains on split.Train for Config.Epochs epochs (or until the budget
// is spent), computes the validation MSE on split.Val after every epoch
// (Eval mode; the input noise σ is drawn once, the target is clean), and
// keeps the parameters of the epoch with the lowest validation MSE (among
// those after the first Config.SelectFrom share of the epochs): they are on
// the device when Run returns. Test data are not touched.
// progress (may be nil) is called after every iteration and every epoch.
// After Restore, Run continues the restored run (see RunWith).
func (t *Trainer) Run(split *dataset.Split, progress func(Progress)) (*Result, error) {
	return t.RunWith(split, progress, nil)
}

// RunWith is Run with a hook called at the end of every epoch, after the
// validation, the model selection and progress, with the trainer's State
// (e.g. to write a checkpoint). A hook error ends the run at once: RunWith
// returns it (wrapped) and the device keeps the last epoch's values, as
// after an interruption.
//
// A Run starts at epoch 1, unless Restore came since the last Run: then it
// continues the restored run from the epoch after State.Epoch up to
// Config.Epochs (which may differ from the restored run's; the mining
// schedule follows the new plan from there), with the restored history,
// best epoch and budget accounting, so that an interrupted and resumed run
// gives the uninterrupted run's losses, history and parameters bit for bit.
// The restored state must end at an epoch boundary of split.Train, or inside
// an epoch where RunContext was interrupted (State.Partial): a run stopped
// by its budget in the middle of an epoch cannot be continued.
func (t *Trainer) RunWith(split *dataset.Split, progress func(Progress), hook func(State) error) (*Result, error) {
	return t.RunContext(context.Background(), split, progress, hook)
}

// RunContext is RunWith, interrupted when ctx is done: at the end of the
// iteration running then (or before the next epoch starts), it returns an
// error wrapping ErrInterrupted, and State then holds the run as it stands,
// the part of the epoch done included, for Restore to continue it exactly.
// The hook is not called for a part of an epoch.
func (t *Trainer) RunContext(ctx context.Context, split *dataset.Split, progress func(Progress), hook func(State) error) (*Result, error) {
	if split == nil || split.Train == nil || split.Train.Len() == 0 {
		return nil, errors.New("train: Run: no training images")
	}
	if split.Val == nil || split.Val.Len() == 0 {
		return nil, errors.New("train: Run: no validation images (model selection needs them)")
	}
	perEpoch := ceilDiv(split.Train.Len(), t.cfg.Batch)
	rs, done := t.run, 0
	if t.resumed && rs != nil {
		if p := rs.partial; p != nil && (p.Iterations >= perEpoch || t.iter != rs.epoch*perEpoch+p.Iterations) {
			return nil, fmt.Errorf("train: Run: the restored state is at iteration %d, %d iterations into epoch %d, not inside an epoch of %d iterations after %d epochs (different training data?)",
				t.iter, p.Iterations, rs.epoch+1, perEpoch, rs.epoch)
		}
		if rs.partial != nil && rs.epoch+1 > t.cfg.Epochs {
			return nil, fmt.Errorf("train: Run: the restored run was interrupted inside epoch %d, which a run of %d epochs would not finish", rs.epoch+1, t.cfg.Epochs)
		}
		if rs.partial == nil && t.iter != rs.epoch*perEpoch {
			if rs.stopped {
				return nil, fmt.Errorf("train: Run: the restored run was stopped by its budget during epoch %d (iteration %d); only a run that ended an epoch can be continued", rs.epoch, t.iter)
			}
			return nil, fmt.Errorf("train: Run: the restored state is at iteration %d after %d epochs, not at an epoch boundary of %d iterations per epoch (different training data?)", t.iter, rs.epoch, perEpoch)
		}
		rs.stopped = false
		done = t.iter
	} else {
		rs = &runState{bestVal: math.Inf(1)}
		t.run = rs
	}
	t.resumed = false
	noise := valNoise(t.cfg, split.Val)
	st := newEpochState(t.cfg.Epochs*perEpoch, done, rs.elapsed, progress)
	for e := rs.epoch + 1; e <= t.cfg.Epochs && !st.stopped; e++ {
		if err := ctx.Err(); err != nil {
			rs.elapsed = st.elapsed()
			return nil, fmt.Errorf("%w after epoch %d: %w", ErrInterrupted, e-1, context.Cause(ctx))
		}
		st.epoch = e
		losses, part, err := t.epoch(ctx, split.Train, st, rs.partial)
		rs.partial = part
		if err != nil {
			rs.elapsed = st.elapsed()
			return nil, err
		}
		mining := st.mined
		scores, err := t.scorer.scores(split.Val, noiseOf(noise, split.Val.ImageLen()), nil, nil)
		if err != nil {
			return nil, fmt.Errorf("train: validation after epoch %d: %w", e, err)
		}
		val := 0.0
		for _, s := range scores {
			val += s
		}
		val /= float64(len(scores))
		h := EpochResult{Epoch: e, Losses: losses, ValMSE: val, Mining: mining}
		if t.epochTest != nil {
			auc, _, err := t.scorer.Evaluate(t.epochTest)
			if err != nil {
				return nil, fmt.Errorf("train: test AUC after epoch %d: %w", e, err)
			}
			h.TestAUC = &auc
		}
		rs.history = append(rs.history, h)
		rs.epoch = e
		if t.cfg.selects(e, val, rs.bestEpoch, rs.bestVal) {
			if rs.best, err = t.snapshot(); err != nil {
				return nil, err
			}
			rs.bestEpoch, rs.bestVal = e, val
		}
		rs.elapsed, rs.stopped = st.elapsed(), st.stopped
		if progress != nil {
			p := Progress{Epoch: e, Epochs: t.cfg.Epochs, Iteration: t.iter, EpochIteration: t.iter - (e-1)*perEpoch, EpochIterations: perEpoch,
				EpochEnd: true, Losses: losses, ValMSE: val, Mining: mining, TestAUC: h.TestAUC}
			t.rates(st, 0, t.cfg.Epochs-e, &p)
			progress(p)
		}
		if hook != nil {
			s, err := t.State()
			if err != nil {
				return nil, err
			}
			if err := hook(s); err != nil {
				return nil, fmt.Errorf("train: after epoch %d: %w", e, err)
			}
		}
		// From the end of the epoch's last iteration to here; the
		// epoch-end report above goes by the earlier epochs'.
		st.evalTimes.Add(time.Since(st.mark))
	}
	rs.elapsed = st.elapsed()
	res := &Result{BestEpoch: rs.bestEpoch, BestValMSE: rs.bestVal, History: cloneHistory(rs.history),
		Iterations: st.doneIters, Images: st.doneIters * t.cfg.Batch, Elapsed: rs.elapsed, Stopped: st.stopped}
	if rs.best == nil {
		return nil, errors.New("train: Run: validation MSE was never finite")
	}
	final, err := t.snapshot()
	if err != nil {
		return nil, err
	}
	if err := t.restore(rs.best); err != nil {
		return nil, err
	}
	t.final = final
	return res, nil
}

// valNoise returns the fixed validation noise of split for cfg.
func valNoise(cfg Config, val *dataset.Dataset) []float32 {
	return kernels.FillNormal(val.Len()*val.ImageLen(), cfg.Seed, valCounter, cfg.NoiseStd)
}
