package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// Meta entries of a training checkpoint (see ocgan/train): its training
// status, and what `ocgan train` adds: the run settings that --resume
// checks (dataset, class, protocol or validation share, mode, batch) and
// where the data is.
const (
	metaStatus     = train.MetaStatus
	metaStatusDone = train.StatusDone
	// metaData is where the data was (absolute; empty for a built-in
	// location); metaValShare the validation share of --dataset images.
	metaData     = "data"
	metaValShare = "val_share"
)

// resumeKeys are the run settings a resumed run must match.
var resumeKeys = []string{"dataset", "class", "protocol", metaValShare, "mode", "batch"}

func formatFloat(v float64) string { return train.FormatFloat(v) }

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
	err = train.CheckResume(ck, cfg, settings, resumeKeys)
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
