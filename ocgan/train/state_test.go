package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// errInterrupt ends a run from its epoch hook, as a crash would.
var errInterrupt = errors.New("interrupted")

// iterLog records the per-iteration progress reports of a run.
type iterLog struct {
	iters  []int
	losses []map[string]float64
	mining []bool
}

func (l *iterLog) progress(p Progress) {
	if !p.EpochEnd {
		l.iters = append(l.iters, p.Iteration)
		l.losses = append(l.losses, p.Losses)
		l.mining = append(l.mining, p.Mining)
	}
}

func sameBits(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func sameLosses(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !sameBits(v, w) {
			return false
		}
	}
	return true
}

func sameValues(t *testing.T, what string, got, want map[string][]float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d tensors, want %d", what, len(got), len(want))
	}
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Errorf("%s %s: %d values, want %d", what, name, len(g), len(w))
			continue
		}
		for i := range w {
			if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
				t.Errorf("%s %s[%d]: %v, want %v", what, name, i, g[i], w[i])
				break
			}
		}
	}
}

// TestResumeMatchesUninterrupted trains 3 epochs in one run, and 1 epoch
// whose hook then interrupts the run, its State restored into a fresh
// trainer that runs the 2 others: every iteration's losses, the history,
// the model selection, the parameters left on the device and the final
// state (values, Adam, counters) must be the same bit for bit. Mining starts
// in the middle of epoch 2 (MineStart 0.5) and the validation images are of
// the novel pattern, so the validation curve need not fall and the best
// epoch may be the one before the interruption.
func TestResumeMatchesUninterrupted(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 3
	cfg.MineStart = 0.5
	cfg.LR = 2e-3
	lib := newBackend(t)
	split := syntheticSplit(t, 16, 4, 4)
	split.Val = synthetic(t, 1, 4, 4000)

	// Uninterrupted.
	uninterrupted := runToEnd(t, newTrainer(t, lib, cfg), split, &iterLog{})
	want := uninterrupted.res
	for _, h := range want.History {
		t.Logf("epoch %d: validation MSE %.6f, mining %v", h.Epoch, h.ValMSE, h.Mining)
	}
	t.Logf("best epoch %d", want.BestEpoch)

	// Interrupted after epoch 1.
	var part iterLog
	first := newTrainer(t, lib, cfg)
	var saved State
	hooks := 0
	_, err := first.RunWith(split, part.progress, func(s State) error {
		hooks++
		saved = s
		return errInterrupt
	})
	if !errors.Is(err, errInterrupt) || hooks != 1 {
		t.Fatalf("interrupted run: %d hooks, error %v", hooks, err)
	}
	if saved.Epoch != 1 || saved.Iteration != 4 || len(saved.History) != 1 || saved.Best == nil || len(saved.Adam) == 0 {
		t.Fatalf("state after epoch 1: epoch %d, iteration %d, %d history entries, best %d, %d Adam",
			saved.Epoch, saved.Iteration, len(saved.History), saved.BestEpoch, len(saved.Adam))
	}
	first.Free()

	// Restored with no epochs left, Run only selects: the device gets the
	// state's best values and the result its history.
	cfg1 := cfg
	cfg1.Epochs = 1
	done := newTrainer(t, lib, cfg1)
	if err := done.Restore(saved); err != nil {
		t.Fatal(err)
	}
	res1, err := done.Run(split, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res1.BestEpoch != 1 || res1.Iterations != 4 || len(res1.History) != 1 || !sameBits(res1.History[0].ValMSE, saved.History[0].ValMSE) {
		t.Errorf("restored run with no epochs left: %+v", res1)
	}
	if v, err := done.snapshot(); err != nil {
		t.Fatal(err)
	} else {
		sameValues(t, "epoch 1's selected values", v, saved.Best)
	}
	done.Free()

	// Resumed in a fresh trainer.
	rest := newTrainer(t, lib, cfg)
	other := saved
	other.Config.Seed++
	if err := rest.Restore(other); !errors.Is(err, ErrConfigMismatch) {
		t.Errorf("Restore of another seed's state: %v", err)
	}
	other = saved
	other.Config.ScoreBatch++ // scores do not depend on it
	if err := rest.Restore(other); err != nil {
		t.Errorf("Restore of a state scored at another batch: %v", err)
	}
	if err := rest.Restore(saved); err != nil {
		t.Fatal(err)
	}
	if _, err := rest.Run(syntheticSplit(t, 12, 4, 4), nil); err == nil {
		t.Errorf("resumed on a training set of another size: no error")
	}
	expectSameRun(t, runToEnd(t, rest, split, &part), uninterrupted)
}

// restoredTrainer returns a new trainer of cfg on lib with s restored.
func restoredTrainer(t *testing.T, lib backend.Backend, cfg Config, s State) *Trainer {
	t.Helper()
	tr := newTrainer(t, lib, cfg)
	if err := tr.Restore(s); err != nil {
		t.Fatal(err)
	}
	return tr
}

// runToEnd runs tr on split, its progress into log, and returns the outcome.
func runToEnd(t *testing.T, tr *Trainer, split *dataset.Split, log *iterLog) runOutcome {
	t.Helper()
	res, err := tr.Run(split, log.progress)
	if err != nil {
		t.Fatal(err)
	}
	params, err := tr.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	state, err := tr.State()
	if err != nil {
		t.Fatal(err)
	}
	return runOutcome{*log, res, params, state}
}

// runOutcome is what a training run leaves: its per-iteration reports, its
// result, the parameters on the device after it and its final State.
type runOutcome struct {
	log    iterLog
	res    *Result
	params map[string][]float32
	state  State
}

// expectSameRun checks that got, a run that was interrupted and resumed,
// is want, the same run uninterrupted, bit for bit: every iteration's
// losses and mining, the result and history, the selected parameters and
// the final state (values, Adam, counters).
func expectSameRun(t *testing.T, got, want runOutcome) {
	t.Helper()
	part, whole := got.log, want.log
	if len(part.losses) != len(whole.losses) {
		t.Fatalf("%d iterations, uninterrupted %d", len(part.losses), len(whole.losses))
	}
	for i := range whole.losses {
		if part.iters[i] != whole.iters[i] || part.mining[i] != whole.mining[i] || !sameLosses(part.losses[i], whole.losses[i]) {
			t.Errorf("iteration %d: %d %v %v, uninterrupted %d %v %v", i+1, part.iters[i], part.mining[i], part.losses[i],
				whole.iters[i], whole.mining[i], whole.losses[i])
		}
	}
	if !whole.mining[len(whole.mining)-1] || whole.mining[0] {
		t.Errorf("mining schedule %v: want it off at first and on at the end", whole.mining)
	}
	g, w := got.res, want.res
	if g.BestEpoch != w.BestEpoch || !sameBits(g.BestValMSE, w.BestValMSE) || g.Iterations != w.Iterations ||
		g.Images != w.Images || g.Stopped != w.Stopped || len(g.History) != len(w.History) {
		t.Fatalf("result %+v, uninterrupted %+v", g, w)
	}
	for i, h := range w.History {
		gh := g.History[i]
		if gh.Epoch != h.Epoch || gh.Mining != h.Mining || !sameBits(gh.ValMSE, h.ValMSE) || !sameLosses(gh.Losses, h.Losses) {
			t.Errorf("epoch %d: %+v, uninterrupted %+v", h.Epoch, gh, h)
		}
	}
	sameValues(t, "selected parameters", got.params, want.params)
	gs, ws := got.state, want.state
	if gs.Epoch != ws.Epoch || gs.Iteration != ws.Iteration || gs.Counter != ws.Counter || gs.Partial != nil {
		t.Errorf("final counters: epoch %d iteration %d counter %d (partial %v), uninterrupted %d %d %d", gs.Epoch, gs.Iteration,
			gs.Counter, gs.Partial, ws.Epoch, ws.Iteration, ws.Counter)
	}
	sameValues(t, "last values", gs.Params, ws.Params)
	sameValues(t, "best values", gs.Best, ws.Best)
	if len(gs.Adam) != len(ws.Adam) {
		t.Errorf("%d Adam states, want %d", len(gs.Adam), len(ws.Adam))
	}
	for name, wa := range ws.Adam {
		ga := gs.Adam[name]
		if ga.Steps != wa.Steps {
			t.Errorf("Adam %s: %d steps, want %d", name, ga.Steps, wa.Steps)
		}
		sameValues(t, fmt.Sprintf("Adam %s", name), map[string][]float32{"m": ga.M, "v": ga.V}, map[string][]float32{"m": wa.M, "v": wa.V})
	}
}

// TestInterruptMidEpochResumes interrupts RunContext (its context
// cancelled from the progress report of an iteration inside epoch 2, after
// mining has started), saves its State as a checkpoint, and resumes it in a
// fresh trainer from the checkpoint: the run must equal the uninterrupted
// one bit for bit, the epoch's mean losses included. A cancel at the last
// iteration of an epoch lets the epoch end (its hook runs) and stops before
// the next; a state inside an epoch is refused on other training data.
func TestInterruptMidEpochResumes(t *testing.T) {
	cfg := tinyConfig(t)
	cfg.Epochs = 3
	cfg.MineStart = 0.5 // from iteration 7 of 12: the 3rd of epoch 2
	cfg.LR = 2e-3
	lib := newCPUBackend(t)
	split := syntheticSplit(t, 16, 4, 4)
	split.Val = synthetic(t, 1, 4, 4000)

	uninterrupted := runToEnd(t, newTrainer(t, lib, cfg), split, &iterLog{})

	for _, c := range []struct {
		stopAt, wantIter, wantEpoch, wantHooks int
		partial                                bool
	}{
		{stopAt: 7, wantIter: 7, wantEpoch: 1, wantHooks: 1, partial: true}, // iteration 3 of epoch 2
		{stopAt: 8, wantIter: 8, wantEpoch: 2, wantHooks: 2},                // the end of epoch 2
	} {
		t.Run(fmt.Sprintf("stop at iteration %d", c.stopAt), func(t *testing.T) {
			var part iterLog
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			first := newTrainer(t, lib, cfg)
			hooks := 0
			_, err := first.RunContext(ctx, split, func(p Progress) {
				part.progress(p)
				if !p.EpochEnd && p.Iteration == c.stopAt {
					cancel(errors.New("test signal"))
				}
			}, func(State) error { hooks++; return nil })
			if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "test signal") || hooks != c.wantHooks {
				t.Fatalf("interrupted run: %d hooks (want %d), error %v", hooks, c.wantHooks, err)
			}
			s, err := first.State()
			if err != nil {
				t.Fatal(err)
			}
			if s.Iteration != c.wantIter || s.Epoch != c.wantEpoch || (s.Partial != nil) != c.partial {
				t.Fatalf("state: iteration %d epoch %d partial %+v; want %d, %d, partial %v", s.Iteration, s.Epoch, s.Partial, c.wantIter, c.wantEpoch, c.partial)
			}
			if c.partial && (s.Partial.Iterations != 3 || !s.Partial.Mined || s.Partial.LossCounts["mine_last"] != 1 || s.Partial.LossCounts["mse"] != 3) {
				t.Errorf("part of epoch 2: %+v", s.Partial)
			}
			ck, err := first.Checkpoint(s, map[string]string{MetaStatus: InterruptedStatus(2, 3, 3)}, math.NaN())
			if err != nil {
				t.Fatal(err)
			}
			first.Free()
			saved, err := ResumeState(ck)
			if err != nil {
				t.Fatal(err)
			}
			if c.partial {
				rec, err := ReadRecord(ck)
				if err != nil || !Interrupted(ck) || rec.Partial == nil || !sameLosses(rec.Partial.LossSums, s.Partial.LossSums) {
					t.Fatalf("checkpoint's record: %+v, %v", rec.Partial, err)
				}
				other := restoredTrainer(t, lib, cfg, saved)
				if _, err := other.Run(syntheticSplit(t, 20, 4, 4), nil); err == nil || !strings.Contains(err.Error(), "inside an epoch") {
					t.Errorf("resumed inside an epoch on a training set of another size: %v", err)
				}
				cfg1 := cfg
				cfg1.Epochs = 1
				short := restoredTrainer(t, lib, cfg1, saved)
				if _, err := short.Run(split, nil); err == nil || !strings.Contains(err.Error(), "would not finish") {
					t.Errorf("resumed inside epoch 2 for 1 epoch: %v", err)
				}
				// Resumed for 6 epochs, mining stops until iteration 13, but
				// epoch 2 mined in its part before the interruption.
				cfg6 := cfg
				cfg6.Epochs = 6
				longer := restoredTrainer(t, lib, cfg6, saved)
				var rest6 iterLog
				res6, err := longer.Run(split, rest6.progress)
				if err != nil {
					t.Fatal(err)
				}
				if !res6.History[1].Mining || rest6.mining[0] || len(rest6.iters) != 24-7 {
					t.Errorf("resumed for 6 epochs: epoch 2 mining %v, the next iteration mining %v, %d iterations run",
						res6.History[1].Mining, rest6.mining[0], len(rest6.iters))
				}
			}
			expectSameRun(t, runToEnd(t, restoredTrainer(t, lib, cfg, saved), split, &part), uninterrupted)
		})
	}
}

// TestRestoreChecksPartialEpoch: a state whose part of an epoch is
// inconsistent is refused, and nothing is changed.
func TestRestoreChecksPartialEpoch(t *testing.T) {
	cfg := tinyConfig(t)
	tr := newTrainer(t, newCPUBackend(t), cfg)
	base, err := tr.State()
	if err != nil {
		t.Fatal(err)
	}
	base.Iteration = 3
	good := &PartialEpoch{Iterations: 3, LossSums: map[string]float64{"mse": 0.3}, LossCounts: map[string]int{"mse": 3}}
	for _, c := range []struct {
		name string
		p    *PartialEpoch
		stop bool
	}{
		{"no iterations", &PartialEpoch{Iterations: 0}, false},
		{"more iterations than the run", &PartialEpoch{Iterations: 4}, false},
		{"stopped by the budget", good, true},
		{"a sum without a count", &PartialEpoch{Iterations: 3, LossSums: map[string]float64{"mse": 1}, LossCounts: map[string]int{"C": 1}}, false},
		{"counted too often", &PartialEpoch{Iterations: 3, LossSums: map[string]float64{"mse": 1}, LossCounts: map[string]int{"mse": 4}}, false},
	} {
		s := base
		s.Partial, s.Stopped = c.p, c.stop
		if err := tr.Restore(s); err == nil {
			t.Errorf("%s: restored", c.name)
		}
	}
	s := base
	s.Partial = good
	if err := tr.Restore(s); err != nil {
		t.Errorf("a consistent part of an epoch: %v", err)
	}
}
