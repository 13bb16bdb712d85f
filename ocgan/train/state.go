package train

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// runState is Run's bookkeeping between epochs: what a resumed Run
// continues from besides the device values and the RNG counters.
type runState struct {
	epoch     int           // completed epochs
	elapsed   time.Duration // wall-clock time of the run so far
	stopped   bool          // the budget ended the run
	history   []EpochResult
	bestEpoch int
	bestVal   float64
	best      map[string][]float32 // values of the best epoch
	partial   *PartialEpoch        // the part done of an interrupted epoch (nil at an epoch boundary)
}

// PartialEpoch is the part of an epoch that an interrupted run had done:
// its first Iterations, the sums and counts of the losses they reported
// (the epoch's mean losses need them) and whether any of them mined.
type PartialEpoch struct {
	Iterations int
	LossSums   map[string]float64
	LossCounts map[string]int
	Mined      bool
}

func (p *PartialEpoch) clone() *PartialEpoch {
	if p == nil {
		return nil
	}
	c := *p
	c.LossSums, c.LossCounts = maps.Clone(p.LossSums), maps.Clone(p.LossCounts)
	return &c
}

// State is everything an interrupted Run needs to continue exactly, as
// an uninterrupted run would, from the end of an epoch or from where
// RunContext was interrupted inside one: the trainer's
// values and optimizer state, its random-stream positions and Run's
// bookkeeping (history, model selection, budget). It is plain data; its
// maps and slices are copies.
type State struct {
	// Config is the configuration of the run that made the state. Restore
	// requires the trainer's to be the same except for Epochs and Budget.
	Config Config
	// Epoch is the number of epochs completed, Iteration the number of
	// iterations run (it selects the host random streams: input noise,
	// latents) and Counter the next dropout RNG counter of the programs.
	Epoch, Iteration int
	Counter          uint64
	// Elapsed is the wall-clock time the run has taken so far (a budget
	// counts it); Stopped says the budget ended the run.
	Elapsed time.Duration
	Stopped bool
	// History has one entry per completed epoch (the validation curve).
	History []EpochResult
	// Partial, when not nil, is the part done of epoch Epoch+1, where
	// RunContext was interrupted: Iteration counts its iterations.
	Partial *PartialEpoch
	// BestEpoch (1-based, 0 when none) is the epoch with the lowest
	// validation MSE so far, BestValMSE its value (+Inf when none) and
	// Best its parameter and state values by name (nil when none).
	BestEpoch  int
	BestValMSE float64
	Best       map[string][]float32
	// Params are the current values of every parameter and state tensor
	// (batch-norm running statistics) on the device, by name.
	Params map[string][]float32
	// Adam is the optimizer state of every trained parameter, by name.
	Adam map[string]backend.AdamState
}

// State returns the trainer's state: in a RunWith hook, that of the epoch
// just ended; after Run, that of the last epoch (not the best epoch's
// values Run leaves on the device); after an interrupted RunContext, that
// of the iteration where it stopped; so that a later Restore and Run
// continue training where it stopped. Before any Run, the bookkeeping is
// empty (Epoch 0).
func (t *Trainer) State() (State, error) {
	s := State{Config: t.cfg, Iteration: t.iter, Counter: t.counter, BestValMSE: math.Inf(1)}
	if rs := t.run; rs != nil {
		s.Epoch, s.Elapsed, s.Stopped = rs.epoch, rs.elapsed, rs.stopped
		s.History = cloneHistory(rs.history)
		s.BestEpoch, s.BestValMSE = rs.bestEpoch, rs.bestVal
		s.Best = cloneValues(rs.best)
		s.Partial = rs.partial.clone()
	}
	if t.final != nil {
		s.Params = cloneValues(t.final)
	} else {
		p, err := t.snapshot()
		if err != nil {
			return State{}, err
		}
		s.Params = p
	}
	s.Adam = map[string]backend.AdamState{}
	for _, name := range t.dp.AdamNames() {
		a, err := t.dp.AdamState(name)
		if err != nil {
			return State{}, fmt.Errorf("train: state: %w", err)
		}
		s.Adam[name] = a
	}
	return s, nil
}

// Restore puts s on the trainer: the values and optimizer state on the
// device, the iteration and RNG counters, and Run's bookkeeping, which the
// next Run continues from. s must come from a trainer of the same
// configuration (Epochs and Budget aside) and hold a value of the right
// length for every tensor on the device and Adam state for every trained
// parameter; nothing is changed unless it does.
func (t *Trainer) Restore(s State) error {
	if err := t.cfg.checkResumable(s.Config); err != nil {
		return fmt.Errorf("train: Restore: %w", err)
	}
	if err := t.checkState(s); err != nil {
		return fmt.Errorf("train: Restore: %w", err)
	}
	if err := t.restore(s.Params); err != nil {
		return err
	}
	for _, name := range t.dp.AdamNames() {
		a := s.Adam[name]
		st := backend.AdamState{M: append([]float32(nil), a.M...), V: append([]float32(nil), a.V...), Steps: a.Steps}
		if err := t.dp.SetAdamState(name, st); err != nil {
			return fmt.Errorf("train: Restore: %w", err)
		}
	}
	t.iter, t.counter = s.Iteration, s.Counter
	t.run = &runState{epoch: s.Epoch, elapsed: s.Elapsed, stopped: s.Stopped, history: cloneHistory(s.History),
		bestEpoch: s.BestEpoch, bestVal: s.BestValMSE, best: cloneValues(s.Best), partial: s.Partial.clone()}
	if s.BestEpoch == 0 {
		t.run.bestVal = math.Inf(1)
	}
	t.resumed, t.final = true, nil
	return nil
}

// checkState checks s's counters, bookkeeping and values against the
// trainer.
func (t *Trainer) checkState(s State) error {
	if s.Epoch < 0 || s.Iteration < 0 || s.Elapsed < 0 {
		return fmt.Errorf("epoch %d, iteration %d, elapsed %v: want >= 0", s.Epoch, s.Iteration, s.Elapsed)
	}
	if len(s.History) != s.Epoch {
		return fmt.Errorf("%d epochs in the history, want %d", len(s.History), s.Epoch)
	}
	for i, h := range s.History {
		if h.Epoch != i+1 {
			return fmt.Errorf("history entry %d is epoch %d", i+1, h.Epoch)
		}
	}
	if s.BestEpoch < 0 || s.BestEpoch > s.Epoch || (s.BestEpoch == 0) != (s.Best == nil) {
		return fmt.Errorf("best epoch %d of %d with %d best values", s.BestEpoch, s.Epoch, len(s.Best))
	}
	if p := s.Partial; p != nil {
		if p.Iterations <= 0 || p.Iterations > s.Iteration || s.Stopped {
			return fmt.Errorf("a part of epoch %d of %d iterations at iteration %d (stopped by the budget: %v)", s.Epoch+1, p.Iterations, s.Iteration, s.Stopped)
		}
		if len(p.LossSums) != len(p.LossCounts) {
			return fmt.Errorf("part of epoch %d: %d loss sums, %d counts", s.Epoch+1, len(p.LossSums), len(p.LossCounts))
		}
		for k := range p.LossSums {
			if n, ok := p.LossCounts[k]; !ok || n <= 0 || n > p.Iterations {
				return fmt.Errorf("part of epoch %d: loss %q counted %d times in %d iterations", s.Epoch+1, k, n, p.Iterations)
			}
		}
	}
	if s.BestEpoch > 0 && math.Float64bits(s.History[s.BestEpoch-1].ValMSE) != math.Float64bits(s.BestValMSE) {
		return fmt.Errorf("best validation MSE %v, epoch %d's is %v", s.BestValMSE, s.BestEpoch, s.History[s.BestEpoch-1].ValMSE)
	}
	if err := t.checkValues("values", s.Params); err != nil {
		return err
	}
	if s.Best != nil {
		if err := t.checkValues("best epoch's values", s.Best); err != nil {
			return err
		}
	}
	for _, name := range t.dp.AdamNames() {
		a, ok := s.Adam[name]
		n := len(t.ps.Get(name))
		switch {
		case !ok:
			return fmt.Errorf("no Adam state for %q", name)
		case len(a.M) != n || len(a.V) != n:
			return fmt.Errorf("Adam state of %q has moments of %d and %d values, want %d", name, len(a.M), len(a.V), n)
		case a.Steps < 0:
			return fmt.Errorf("Adam state of %q: steps %d < 0", name, a.Steps)
		}
	}
	return nil
}

// checkValues checks that v holds every name on the device with its
// length, and only names of the trainer's ParamSet.
func (t *Trainer) checkValues(what string, v map[string][]float32) error {
	for _, name := range t.dp.Names() {
		x, ok := v[name]
		if !ok {
			return fmt.Errorf("%s: no %q", what, name)
		}
		if n := len(t.ps.Get(name)); len(x) != n {
			return fmt.Errorf("%s: %q has %d values, want %d", what, name, len(x), n)
		}
	}
	for name := range v {
		if t.ps.Get(name) == nil {
			return fmt.Errorf("%s: %q is not a parameter or state of the model", what, name)
		}
	}
	return nil
}

// checkResumable returns an error naming the first field of Config, other
// than Epochs, Budget and ScoreBatch (scores do not depend on the batch),
// that differs between c and the restored run's o (the geometry's Name is a
// label and is not compared).
func (c Config) checkResumable(o Config) error {
	c.Epochs, o.Epochs = 0, 0
	c.Budget, o.Budget = 0, 0
	c.ScoreBatch, o.ScoreBatch = 0, 0
	c.Geometry.Name, o.Geometry.Name = "", ""
	a, b := reflect.ValueOf(c), reflect.ValueOf(o)
	for i := 0; i < a.NumField(); i++ {
		// Printed values: nil and empty slices are the same geometry;
		// distinct float values print differently.
		x, y := fmt.Sprintf("%+v", a.Field(i).Interface()), fmt.Sprintf("%+v", b.Field(i).Interface())
		if x != y {
			return fmt.Errorf("%w: %s is %s in the restored run, %s in this trainer", ErrConfigMismatch, a.Type().Field(i).Name, y, x)
		}
	}
	return nil
}

// ErrConfigMismatch is wrapped by Restore's error when the state comes
// from a run of another configuration.
var ErrConfigMismatch = errors.New("configuration differs")

func cloneValues(v map[string][]float32) map[string][]float32 {
	if v == nil {
		return nil
	}
	out := make(map[string][]float32, len(v))
	for k, x := range v {
		out[k] = append([]float32(nil), x...)
	}
	return out
}

func cloneHistory(h []EpochResult) []EpochResult {
	if h == nil {
		return nil
	}
	out := make([]EpochResult, len(h))
	for i, e := range h {
		e.Losses = maps.Clone(e.Losses)
		if e.TestAUC != nil {
			auc := *e.TestAUC
			e.TestAUC = &auc
		}
		out[i] = e
	}
	return out
}
