package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/anomalymap"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/spf13/pflag"
)

// mapsOpts are --maps and, for commands that pick images, --maps-top.
type mapsOpts struct {
	dir string
	top int
	// topFlag is --maps-top, nil for commands without it.
	topFlag *pflag.Flag
}

// add adds --maps (and with top, --maps-top).
func (m *mapsOpts) add(fs *pflag.FlagSet, help string, top bool) {
	fs.StringVar(&m.dir, "maps", "", help)
	if top {
		fs.IntVar(&m.top, "maps-top", 5, "with --maps: how many of the most and of the least novel images of each outcome (TP, FP, TN, FN) to draw")
		m.topFlag = fs.Lookup("maps-top")
	}
}

// check refuses a negative --maps-top or one without --maps, and probes
// the folder, so that no work is done for maps that cannot be written.
func (m *mapsOpts) check() (dir string, top int, err error) {
	if m.topFlag != nil {
		if m.top < 0 {
			return "", 0, usageError{fmt.Errorf("--maps-top must be at least 0, got %d", m.top)}
		}
		if m.topFlag.Changed && m.dir == "" {
			return "", 0, usageError{fmt.Errorf("--maps-top needs --maps DIR")}
		}
	}
	if m.dir == "" {
		return "", m.top, nil
	}
	if err := anomalymap.ProbeDir(m.dir); err != nil {
		return "", 0, fmt.Errorf("--maps %s: %w", m.dir, err)
	}
	return m.dir, m.top, nil
}

// writeMaps draws the anomaly maps of items of ds into dir with the model
// ck on be, verdicts at threshold.
func writeMaps(be backend.Backend, ck *checkpoint.Checkpoint, dir string, ds *dataset.Dataset, items []anomalymap.Item, threshold float64) error {
	if len(items) == 0 {
		return nil
	}
	r, err := newReconstructor(be, ck, len(items))
	if err != nil {
		return err
	}
	defer r.Free()
	return anomalymap.WriteAll(dir, r, ds, items, threshold)
}

// pickedItems names the maps of the images Select picks among scores
// (labelled novel) at threshold, top of each kind; title gives an image's
// title (its source).
func pickedItems(scores []float64, novel []bool, threshold float64, top int, title func(i int) string) []anomalymap.Item {
	var items []anomalymap.Item
	for _, p := range anomalymap.Select(scores, novel, threshold, top) {
		t := title(p.Index)
		items = append(items, anomalymap.Item{Index: p.Index, File: p.Name(top, t), Title: t})
	}
	return items
}
