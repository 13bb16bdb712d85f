package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/pipeline"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// Meta entries of a training checkpoint (see ocgan/train and
// ocgan/pipeline): its training status, where the data is and the
// validation share of --dataset images.
const (
	metaStatus     = train.MetaStatus
	metaStatusDone = train.StatusDone
	metaData       = pipeline.MetaData
	metaValShare   = pipeline.MetaValShare
)

func formatFloat(v float64) string { return train.FormatFloat(v) }

// runSettings are the settings of a run on d that its checkpoints record.
func runSettings(d dataFlags, mode train.Mode, batch int) pipeline.Settings {
	return pipeline.Settings{Dataset: d.name, Class: d.class, Protocol: d.protocol, ValShare: d.valShare,
		ClassName: d.className, Data: d.path, Mode: mode, Batch: batch}
}

// dataFromCheckpoint returns the dataset flags a finished checkpoint was
// trained with.
func dataFromCheckpoint(ck *checkpoint.Checkpoint) (dataFlags, error) {
	s, err := pipeline.ReadSettings(ck)
	d := dataFlags{name: s.Dataset, path: s.Data, class: s.Class, protocol: s.Protocol, valShare: s.ValShare, seed: ck.Train.Seed}
	if err != nil {
		return d, err
	}
	if math.IsNaN(ck.Train.Threshold) && ck.Meta[metaStatus] != metaStatusDone {
		return d, fmt.Errorf("training is not finished (%s)", ck.Meta[metaStatus])
	}
	return d, nil
}

// interruptedTraining reports whether path holds a training checkpoint
// whose training has not finished (saved after an epoch, then stopped).
func interruptedTraining(path string) bool {
	ck, err := checkpoint.Load(path)
	return err == nil && train.Interrupted(ck)
}

// loadResume reads the training checkpoint at path for a resumed run of cfg
// with the given settings; a missing file, another architecture or other
// run settings are usage errors.
func loadResume(path string, cfg train.Config, settings map[string]string) (*checkpoint.Checkpoint, error) {
	ck, err := checkpoint.Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, usageError{fmt.Errorf("--resume: no checkpoint to resume from at %s (--out)", path)}
	}
	if err != nil {
		return nil, err
	}
	err = train.CheckResume(ck, cfg, settings, pipeline.ResumeKeys)
	var se *train.SettingError
	switch {
	case err == nil:
		return ck, nil
	case errors.As(err, &se):
		return nil, usageError{fmt.Errorf("--resume: %s was trained with --%s %s, not %s", path, strings.ReplaceAll(se.Key, "_", "-"), se.Got, se.Want)}
	case errors.Is(err, train.ErrNoRecord):
		return nil, usageError{fmt.Errorf("--resume: %s holds no training state to resume from", path)}
	default:
		return nil, usageError{fmt.Errorf("--resume: %s: %w", path, err)}
	}
}
