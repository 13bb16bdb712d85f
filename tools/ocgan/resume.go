package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/program"
)

// A training checkpoint (what `ocgan train` writes after every epoch and at
// the end) is a model and the state to resume its training:
//
//   - its tensors are the values of the best epoch so far (model selection:
//     eval and score use them), and the tensors named resumePrefix+name the
//     values at the end of the last epoch, which training continues from;
//   - its Adam state is the last epoch's;
//   - Train holds the epoch, iteration and dropout RNG counters, the seed
//     and the best epoch (Threshold is NaN until training is done);
//   - Meta holds the run settings that --resume checks (dataset, class,
//     protocol or validation share, mode, batch), where the data is, and,
//     under metaConfig and metaRun, the training configuration and Run's
//     bookkeeping (elapsed time, budget stop, the per-epoch history) as JSON.
const (
	resumePrefix = "resume/"
	metaConfig   = "train_config"
	metaRun      = "train_run"
	// metaStatus is "training: epoch E of N" until training is done, then
	// metaStatusDone.
	metaStatus     = "status"
	metaStatusDone = "done"
)

// runJSON is Run's bookkeeping in a checkpoint; floats are strings
// (strconv 'g', -1) so that they round-trip exactly, NaN and ±Inf included.
type runJSON struct {
	ElapsedNS int64       `json:"elapsed_ns"`
	Stopped   bool        `json:"stopped"`
	History   []epochJSON `json:"history"`
}

type epochJSON struct {
	Epoch  int               `json:"epoch"`
	ValMSE string            `json:"val_mse"`
	Mining bool              `json:"mining"`
	Losses map[string]string `json:"losses"`
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// runSettings are the Meta entries of a run's settings (those a resumed run
// must match, see loadResume) and where its data is.
func runSettings(d dataFlags, mode train.Mode, batch int) map[string]string {
	m := map[string]string{"dataset": d.name, "mode": mode.String(), "batch": fmt.Sprint(batch)}
	if d.name == datasetImages {
		m[metaValShare] = formatFloat(d.valShare)
	} else {
		m["class"], m["protocol"] = fmt.Sprint(d.class), fmt.Sprint(d.protocol)
	}
	if d.className != "" {
		m["class_name"] = d.className
	}
	if d.path != "" {
		m[metaData] = d.path
		if abs, err := filepath.Abs(d.path); err == nil {
			m[metaData] = abs
		}
	}
	return m
}

// trainCheckpoint returns the checkpoint of the training state s of t (see
// above), with the run settings and extra entries in Meta and threshold in
// Train.
func trainCheckpoint(geo model.Geometry, t *train.Trainer, s train.State, meta map[string]string, threshold float64) (*checkpoint.Checkpoint, error) {
	ps, err := t.Params() // names, roles and shapes
	if err != nil {
		return nil, err
	}
	ck, err := checkpoint.FromParams(geo, ps, nil)
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
		ck.Tensors = append(ck.Tensors, checkpoint.Tensor{Name: resumePrefix + tn.Name, Role: tn.Role,
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
		e := epochJSON{Epoch: h.Epoch, ValMSE: formatFloat(h.ValMSE), Mining: h.Mining, Losses: map[string]string{}}
		for k, v := range h.Losses {
			e.Losses[k] = formatFloat(v)
		}
		run.History = append(run.History, e)
	}
	runBytes, err := json.Marshal(run)
	if err != nil {
		return nil, fmt.Errorf("encoding the training state: %w", err)
	}
	ck.Meta = map[string]string{metaConfig: string(cfgJSON), metaRun: string(runBytes)}
	for k, v := range meta {
		ck.Meta[k] = v
	}
	return ck, nil
}

// interruptedTraining reports whether path holds a training checkpoint
// whose training has not finished (saved after an epoch, then stopped).
func interruptedTraining(path string) bool {
	ck, err := checkpoint.Load(path)
	return err == nil && ck.Meta[metaRun] != "" && ck.Meta[metaStatus] != metaStatusDone
}

// loadResume reads the training checkpoint at path for a resumed run with
// the given settings; a missing file, another architecture or other run
// settings are usage errors.
func loadResume(path string, geo model.Geometry, settings map[string]string, seed uint64) (*checkpoint.Checkpoint, error) {
	ck, err := checkpoint.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError{fmt.Errorf("--resume: no checkpoint to resume from at %s (--out)", path)}
	}
	if err != nil {
		return nil, err
	}
	if err := ck.CheckArchitecture(geo); err != nil {
		return nil, usageError{fmt.Errorf("--resume: %s: %w", path, err)}
	}
	if ck.Meta[metaConfig] == "" || ck.Meta[metaRun] == "" {
		return nil, usageError{fmt.Errorf("--resume: %s holds no training state to resume from", path)}
	}
	for _, k := range []string{"dataset", "class", "protocol", metaValShare, "mode", "batch"} {
		if got, want := ck.Meta[k], settings[k]; got != want {
			return nil, usageError{fmt.Errorf("--resume: %s was trained with --%s %s, not %s", path, strings.ReplaceAll(k, "_", "-"), got, want)}
		}
	}
	if ck.Train.Seed != seed {
		return nil, usageError{fmt.Errorf("--resume: %s was trained with --seed %d, not %d", path, ck.Train.Seed, seed)}
	}
	return ck, nil
}

// resumeState returns the training state held by a checkpoint of
// trainCheckpoint.
func resumeState(ck *checkpoint.Checkpoint) (train.State, error) {
	var s train.State
	if err := json.Unmarshal([]byte(ck.Meta[metaConfig]), &s.Config); err != nil {
		return s, fmt.Errorf("training configuration: %w", err)
	}
	var run runJSON
	if err := json.Unmarshal([]byte(ck.Meta[metaRun]), &run); err != nil {
		return s, fmt.Errorf("training state: %w", err)
	}
	parse := func(v string) (float64, error) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("training state: %w", err)
		}
		return x, nil
	}
	for _, e := range run.History {
		h := train.EpochResult{Epoch: e.Epoch, Mining: e.Mining, Losses: map[string]float64{}}
		var err error
		if h.ValMSE, err = parse(e.ValMSE); err != nil {
			return s, err
		}
		for k, v := range e.Losses {
			if h.Losses[k], err = parse(v); err != nil {
				return s, err
			}
		}
		s.History = append(s.History, h)
	}
	t := ck.Train
	s.Epoch, s.Iteration, s.Counter = t.Epoch, t.Iteration, t.RNGCounter
	s.Elapsed, s.Stopped = time.Duration(run.ElapsedNS), run.Stopped
	s.BestEpoch, s.BestValMSE = t.BestEpoch, t.BestValMSE
	if s.BestEpoch == 0 {
		s.BestValMSE = math.Inf(1)
	}
	s.Params = map[string][]float32{}
	best := map[string][]float32{}
	for _, tn := range ck.Tensors {
		if name, ok := strings.CutPrefix(tn.Name, resumePrefix); ok {
			s.Params[name] = tn.Data
		} else {
			best[tn.Name] = tn.Data
		}
	}
	if s.BestEpoch > 0 {
		s.Best = best
	}
	if len(s.Params) == 0 {
		return s, fmt.Errorf("training state: no %s tensors", resumePrefix)
	}
	s.Adam = map[string]program.AdamState{}
	for _, a := range ck.Adam {
		s.Adam[a.Name] = program.AdamState{M: a.M, V: a.V, Steps: a.Steps}
	}
	return s, nil
}
