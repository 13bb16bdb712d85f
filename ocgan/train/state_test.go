package train

import (
	"errors"
	"fmt"
	"math"
	"testing"
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
	var whole iterLog
	full := newTrainer(t, lib, cfg)
	want, err := full.Run(split, whole.progress)
	if err != nil {
		t.Fatal(err)
	}
	wantParams, err := full.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	wantState, err := full.State()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range want.History {
		t.Logf("epoch %d: validation MSE %.6f, mining %v", h.Epoch, h.ValMSE, h.Mining)
	}
	t.Logf("best epoch %d", want.BestEpoch)

	// Interrupted after epoch 1.
	var part iterLog
	first := newTrainer(t, lib, cfg)
	var saved State
	hooks := 0
	_, err = first.RunWith(split, part.progress, func(s State) error {
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
	if err := rest.Restore(saved); err != nil {
		t.Fatal(err)
	}
	if _, err := rest.Run(syntheticSplit(t, 12, 4, 4), nil); err == nil {
		t.Errorf("resumed on a training set of another size: no error")
	}
	got, err := rest.Run(split, part.progress)
	if err != nil {
		t.Fatal(err)
	}

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
	if got.BestEpoch != want.BestEpoch || !sameBits(got.BestValMSE, want.BestValMSE) || got.Iterations != want.Iterations ||
		got.Images != want.Images || got.Stopped != want.Stopped || len(got.History) != len(want.History) {
		t.Fatalf("result %+v, uninterrupted %+v", got, want)
	}
	for i, h := range want.History {
		g := got.History[i]
		if g.Epoch != h.Epoch || g.Mining != h.Mining || !sameBits(g.ValMSE, h.ValMSE) || !sameLosses(g.Losses, h.Losses) {
			t.Errorf("epoch %d: %+v, uninterrupted %+v", h.Epoch, g, h)
		}
	}
	gotParams, err := rest.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sameValues(t, "selected parameters", gotParams, wantParams)
	gotState, err := rest.State()
	if err != nil {
		t.Fatal(err)
	}
	if gotState.Epoch != wantState.Epoch || gotState.Iteration != wantState.Iteration || gotState.Counter != wantState.Counter {
		t.Errorf("final counters: epoch %d iteration %d counter %d, uninterrupted %d %d %d", gotState.Epoch, gotState.Iteration,
			gotState.Counter, wantState.Epoch, wantState.Iteration, wantState.Counter)
	}
	sameValues(t, "last values", gotState.Params, wantState.Params)
	sameValues(t, "best values", gotState.Best, wantState.Best)
	if len(gotState.Adam) != len(wantState.Adam) {
		t.Errorf("%d Adam states, want %d", len(gotState.Adam), len(wantState.Adam))
	}
	for name, w := range wantState.Adam {
		g := gotState.Adam[name]
		if g.Steps != w.Steps {
			t.Errorf("Adam %s: %d steps, want %d", name, g.Steps, w.Steps)
		}
		sameValues(t, fmt.Sprintf("Adam %s", name), map[string][]float32{"m": g.M, "v": g.V}, map[string][]float32{"m": w.M, "v": w.V})
	}
}
