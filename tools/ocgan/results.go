package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
	"github.com/ocgan-vk/ocgan/ocgan/results"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// programMeta returns the Meta entries that name this program.
func programMeta() map[string]string {
	return pipeline.Provenance{Version: version, Commit: buildCommit()}.Meta()
}

// resultRecord is the results record of run r of `ocgan eval` on dataset d:
// its key and test AUC, what the checkpoint ck (read from r.Model) records
// about its training, and the evaluation device. The checkpoint must be one
// written by ocgan train.
func resultRecord(ck *checkpoint.Checkpoint, d dataFlags, r evalRun, evalDevice string) (*results.Record, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("--results: %s: %s", r.Model, fmt.Sprintf(format, args...))
	}
	rec, err := train.ReadRecord(ck)
	switch {
	case errors.Is(err, train.ErrNoRecord):
		return nil, bad("holds no training record (a checkpoint of ocgan train has one; a bundle has not)")
	case !rec.Done():
		return nil, bad("its training has not finished (%s): resume it with ocgan eval --train or ocgan train --resume", rec.Status)
	case err != nil:
		return nil, bad("%v", err)
	}
	cfg := rec.Config
	if ck.Train.Seed != r.Seed {
		return nil, bad("trained with --seed %d, evaluated as seed %d: give --seed %d", ck.Train.Seed, r.Seed, ck.Train.Seed)
	}
	prov := pipeline.ReadProvenance(ck)
	known := func(v string) string {
		if v != "" {
			return v
		}
		return "unknown" // absent in checkpoints of earlier builds
	}
	out := &results.Record{
		Format:     results.Format,
		Key:        results.Key{Dataset: d.name, Protocol: d.protocol, Mode: cfg.Mode.String(), Class: r.Class, Seed: r.Seed},
		AUC:        r.AUC,
		TestImages: r.TestImages,
		ScoreNoise: r.ScoreNoise,
		Model:      r.Model,
		Training: results.Training{
			Epochs: cfg.Epochs, EpochsTrained: ck.Train.Epoch, StoppedByBudget: rec.Stopped, BudgetSeconds: cfg.Budget.Seconds(),
			Iterations: ck.Train.Iteration, Batch: cfg.Batch,
			SelectedEpoch: ck.Train.BestEpoch, SelectedValMSE: ck.Train.BestValMSE, SelectFrom: cfg.SelectFrom,
			Latent: cfg.Geometry.Latent, Lambda: float32Value(cfg.Lambda), Noise: float32Value(cfg.NoiseStd),
			MineSteps: cfg.MineSteps, MineStepSize: float32Value(cfg.MineStepSize), MineStart: cfg.MineStart, LR: float32Value(cfg.LR),
			Dropout:             ptrTo(float32Value(cfg.Geometry.DropoutP)),
			LatentWeight:        ptrTo(float32Value(cfg.LatentWeight)),
			LatentDoubleSigmoid: cfg.LatentDoubleSigmoid,
			VisualWidth:         cfg.Geometry.VisualWidth,
			ImageSize:           cfg.Geometry.ImageSize, Channels: cfg.Geometry.Channels,
			WallSeconds: rec.Elapsed.Seconds(), Curve: curve(rec.History),
			Run: results.Run{Device: known(prov.Device), Date: known(prov.Created), Version: known(prov.Version), Commit: known(prov.Commit)},
		},
		Eval: results.Run{Device: evalDevice, Date: time.Now().UTC().Format(time.RFC3339), Version: version, Commit: buildCommit()},
	}
	if err := out.Validate(); err != nil {
		return nil, bad("%v", err)
	}
	return out, nil
}

// curve is the results record's form of a training history.
func curve(h []train.EpochResult) []results.Epoch {
	out := make([]results.Epoch, len(h))
	for i, e := range h {
		out[i] = results.Epoch{Epoch: e.Epoch, ValMSE: e.ValMSE, TestAUC: e.TestAUC}
	}
	return out
}

// float32Value is v as the float64 of its shortest decimal form (0.2, not
// 0.20000000298023224).
func float32Value(v float32) float64 {
	x, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
	return x
}

// writeResult writes the results record of run r into dir and says so on
// e.stderr.
func writeResult(e *env, dir string, ck *checkpoint.Checkpoint, d dataFlags, r evalRun, evalDevice string) error {
	rec, err := resultRecord(ck, d, r, evalDevice)
	if err != nil {
		return err
	}
	path, err := results.Write(dir, rec)
	if err != nil {
		return fmt.Errorf("--results: %w", err)
	}
	fmt.Fprintf(e.stderr, "result written to %s\n", path)
	return nil
}

// ptrTo returns a pointer to a copy of v.
func ptrTo[T any](v T) *T { return &v }
