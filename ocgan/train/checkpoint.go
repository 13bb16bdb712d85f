package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/results"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// A training checkpoint is a model and the state to resume its training:
//
//   - its tensors are the values of the best epoch so far (model selection:
//     scoring uses them), and the tensors named ResumePrefix+name the values
//     at the end of the last epoch, which training continues from;
//   - its Adam state is the last epoch's;
//   - Train holds the epoch, iteration and dropout RNG counters, the seed
//     and the best epoch (Threshold is NaN until training is done);
//   - Meta holds, under MetaConfig and MetaRun, the training configuration
//     and the run's bookkeeping (elapsed time, budget stop, the per-epoch
//     history) as JSON, and under MetaStatus how far training got; callers
//     add their own entries (the run settings, where the data is).
const (
	ResumePrefix = "resume/"
	MetaConfig   = "train_config"
	MetaRun      = "train_run"
	// MetaStatus is "training: epoch E of N" until training is done, then
	// StatusDone.
	MetaStatus = "status"
	StatusDone = "done"
)

// ErrNoRecord is returned (wrapped) for a checkpoint that holds no training
// record: one not written by a training run, such as an imported model.
var ErrNoRecord = errors.New("no training record")

// runJSON is the run's bookkeeping in a checkpoint; floats are strings
// (strconv 'g', -1) so that they round-trip exactly, NaN and ±Inf included.
type runJSON struct {
	ElapsedNS int64        `json:"elapsed_ns"`
	Stopped   bool         `json:"stopped"`
	History   []epochJSON  `json:"history"`
	Partial   *partialJSON `json:"partial_epoch,omitempty"` // an interrupted epoch's part
}

type partialJSON struct {
	Iterations int               `json:"iterations"`
	Mining     bool              `json:"mining"`
	LossSums   map[string]string `json:"loss_sums"`
	LossCounts map[string]int    `json:"loss_counts"`
}

type epochJSON struct {
	Epoch   int               `json:"epoch"`
	ValMSE  string            `json:"val_mse"`
	TestAUC string            `json:"test_auc,omitempty"` // only when measured
	Mining  bool              `json:"mining"`
	Losses  map[string]string `json:"losses"`
}

// FormatFloat formats v so that strconv.ParseFloat returns it exactly.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// EpochStatus is the MetaStatus of a checkpoint saved after epoch of
// epochs.
func EpochStatus(epoch, epochs int) string {
	return fmt.Sprintf("training: epoch %d of %d", epoch, epochs)
}

// InterruptedStatus is the MetaStatus of a checkpoint saved where training
// was interrupted: iteration iters of epoch (of epochs) ran, and epoch did
// not end.
func InterruptedStatus(epoch, iters, epochs int) string {
	return fmt.Sprintf("training: interrupted after iteration %d of epoch %d of %d", iters, epoch, epochs)
}

// Checkpoint returns the training checkpoint of state s of t (see above)
// with meta added to its Meta and threshold in Train.
func (t *Trainer) Checkpoint(s State, meta map[string]string, threshold float64) (*checkpoint.Checkpoint, error) {
	ps, err := t.Params() // names, roles and shapes
	if err != nil {
		return nil, err
	}
	ck, err := checkpoint.FromParams(t.cfg.Geometry, ps, nil)
	if err != nil {
		return nil, err
	}
	best := s.Best
	if best == nil {
		best = s.Params
	}
	n := len(ck.Tensors)
	for i := 0; i < n; i++ {
		tn := &ck.Tensors[i]
		last := append([]float32(nil), tn.Data...)
		if v, ok := s.Params[tn.Name]; ok {
			last = append([]float32(nil), v...)
		}
		if v, ok := best[tn.Name]; ok {
			tn.Data = append([]float32(nil), v...)
		}
		ck.Tensors = append(ck.Tensors, checkpoint.Tensor{Name: ResumePrefix + tn.Name, Role: tn.Role,
			Shape: append([]int(nil), tn.Shape...), Data: last})
	}
	for _, name := range ps.Names() {
		if a, ok := s.Adam[name]; ok {
			ck.Adam = append(ck.Adam, checkpoint.Adam{Name: name, M: a.M, V: a.V, Steps: a.Steps})
		}
	}
	ck.Train = checkpoint.TrainState{Epoch: s.Epoch, Iteration: s.Iteration, Seed: s.Config.Seed, RNGCounter: s.Counter,
		BestValMSE: s.BestValMSE, BestEpoch: s.BestEpoch, Threshold: threshold}
	cfgJSON, err := json.Marshal(s.Config)
	if err != nil {
		return nil, fmt.Errorf("encoding the training configuration: %w", err)
	}
	run := runJSON{ElapsedNS: int64(s.Elapsed), Stopped: s.Stopped, History: []epochJSON{}}
	for _, h := range s.History {
		e := epochJSON{Epoch: h.Epoch, ValMSE: FormatFloat(h.ValMSE), Mining: h.Mining, Losses: map[string]string{}}
		if h.TestAUC != nil {
			e.TestAUC = FormatFloat(*h.TestAUC)
		}
		for k, v := range h.Losses {
			e.Losses[k] = FormatFloat(v)
		}
		run.History = append(run.History, e)
	}
	if p := s.Partial; p != nil {
		run.Partial = &partialJSON{Iterations: p.Iterations, Mining: p.Mined, LossSums: map[string]string{}, LossCounts: p.LossCounts}
		for k, v := range p.LossSums {
			run.Partial.LossSums[k] = FormatFloat(v)
		}
	}
	runBytes, err := json.Marshal(run)
	if err != nil {
		return nil, fmt.Errorf("encoding the training state: %w", err)
	}
	ck.Meta = map[string]string{MetaConfig: string(cfgJSON), MetaRun: string(runBytes)}
	for k, v := range meta {
		ck.Meta[k] = v
	}
	return ck, nil
}

// Record is the training record of a checkpoint: the configuration and the
// run's bookkeeping.
type Record struct {
	Config  Config
	Elapsed time.Duration
	Stopped bool
	History []EpochResult
	// Partial is the part done of the epoch after History's last, where
	// training was interrupted (nil when it stopped at an epoch's end).
	Partial *PartialEpoch
	// Status is the checkpoint's MetaStatus ("" when absent).
	Status string
}

// Done reports whether training finished.
func (r Record) Done() bool { return r.Status == StatusDone }

// HasRecord reports whether ck holds a training record.
func HasRecord(ck *checkpoint.Checkpoint) bool {
	return ck.Meta[MetaConfig] != "" && ck.Meta[MetaRun] != ""
}

// Interrupted reports whether ck holds a training record of a training that
// has not finished (saved after an epoch, then stopped).
func Interrupted(ck *checkpoint.Checkpoint) bool {
	return ck.Meta[MetaRun] != "" && ck.Meta[MetaStatus] != StatusDone
}

// ReadRecord returns the training record of ck; one without any wraps
// ErrNoRecord.
func ReadRecord(ck *checkpoint.Checkpoint) (Record, error) {
	r := Record{Status: ck.Meta[MetaStatus]}
	if !HasRecord(ck) {
		return r, ErrNoRecord
	}
	if err := json.Unmarshal([]byte(ck.Meta[MetaConfig]), &r.Config); err != nil {
		return r, fmt.Errorf("training configuration: %w", err)
	}
	if r.Config.LatentWeight == 0 {
		// Absent in checkpoints of the builds before records held it.
		r.Config.LatentWeight = results.EarlierLatentWeight
	}
	var run runJSON
	if err := json.Unmarshal([]byte(ck.Meta[MetaRun]), &run); err != nil {
		return r, fmt.Errorf("training state: %w", err)
	}
	r.Elapsed, r.Stopped = time.Duration(run.ElapsedNS), run.Stopped
	parse := func(v string) (float64, error) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("training state: %w", err)
		}
		return x, nil
	}
	for _, e := range run.History {
		h := EpochResult{Epoch: e.Epoch, Mining: e.Mining, Losses: map[string]float64{}}
		var err error
		if h.ValMSE, err = parse(e.ValMSE); err != nil {
			return r, err
		}
		if e.TestAUC != "" {
			auc, err := parse(e.TestAUC)
			if err != nil {
				return r, err
			}
			h.TestAUC = &auc
		}
		for k, v := range e.Losses {
			if h.Losses[k], err = parse(v); err != nil {
				return r, err
			}
		}
		r.History = append(r.History, h)
	}
	if p := run.Partial; p != nil {
		r.Partial = &PartialEpoch{Iterations: p.Iterations, Mined: p.Mining, LossSums: map[string]float64{}, LossCounts: p.LossCounts}
		if r.Partial.LossCounts == nil {
			r.Partial.LossCounts = map[string]int{}
		}
		for k, v := range p.LossSums {
			var err error
			if r.Partial.LossSums[k], err = parse(v); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// ResumeState returns the training state held by a training checkpoint, for
// Trainer.Restore.
func ResumeState(ck *checkpoint.Checkpoint) (State, error) {
	var s State
	r, err := ReadRecord(ck)
	if err != nil {
		return s, err
	}
	s.Config, s.History, s.Elapsed, s.Stopped, s.Partial = r.Config, r.History, r.Elapsed, r.Stopped, r.Partial
	t := ck.Train
	s.Epoch, s.Iteration, s.Counter = t.Epoch, t.Iteration, t.RNGCounter
	s.BestEpoch, s.BestValMSE = t.BestEpoch, t.BestValMSE
	if s.BestEpoch == 0 {
		s.BestValMSE = math.Inf(1)
	}
	s.Params = map[string][]float32{}
	best := map[string][]float32{}
	for _, tn := range ck.Tensors {
		if name, ok := strings.CutPrefix(tn.Name, ResumePrefix); ok {
			s.Params[name] = tn.Data
		} else {
			best[tn.Name] = tn.Data
		}
	}
	if s.BestEpoch > 0 {
		s.Best = best
	}
	if len(s.Params) == 0 {
		return s, fmt.Errorf("training state: no %s tensors", ResumePrefix)
	}
	s.Adam = map[string]backend.AdamState{}
	for _, a := range ck.Adam {
		s.Adam[a.Name] = backend.AdamState{M: a.M, V: a.V, Steps: a.Steps}
	}
	return s, nil
}

// SettingError says that a checkpoint to resume was trained with another
// value of a run setting (a Meta entry, or "seed").
type SettingError struct {
	Key       string
	Got, Want string
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("trained with %s %s, not %s", e.Key, e.Got, e.Want)
}

// CheckResume checks that training checkpoint ck can resume a run of cfg
// whose run settings are the Meta entries settings: the same architecture
// (an error wrapping checkpoint.ErrArchitecture), a training record (else
// ErrNoRecord), the same value of each of keys in Meta (else a
// *SettingError) and the same seed (a *SettingError with Key "seed").
func CheckResume(ck *checkpoint.Checkpoint, cfg Config, settings map[string]string, keys []string) error {
	if err := ck.CheckArchitecture(cfg.Geometry); err != nil {
		return err
	}
	if !HasRecord(ck) {
		return ErrNoRecord
	}
	for _, k := range keys {
		if got, want := ck.Meta[k], settings[k]; got != want {
			return &SettingError{Key: k, Got: got, Want: want}
		}
	}
	if ck.Train.Seed != cfg.Seed {
		return &SettingError{Key: "seed", Got: fmt.Sprint(ck.Train.Seed), Want: fmt.Sprint(cfg.Seed)}
	}
	return nil
}
