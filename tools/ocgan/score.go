package main

import (
	"fmt"
	"math"
	"text/tabwriter"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/anomalymap"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// scoreCmd is `ocgan score`: its flags.
type scoreCmd struct {
	model     modelFlags
	threshold float64
	asJSON    bool
	timing    bool
	maps      mapsOpts
}

func (c *scoreCmd) flags(fs *pflag.FlagSet) {
	c.model.add(fs)
	fs.Float64Var(&c.threshold, "threshold", -1, "novelty threshold (default: the one stored with the model)")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON lines")
	fs.BoolVar(&c.timing, "timing", false, "report the time per stage: decode, preprocess, upload, forward, download")
	c.maps.add(fs, "write an anomaly map per image into this folder: input, reconstruction, squared-error heat map, score and verdict (PNG, named INDEX-FILE.png)", false)
}

// run prints each image's novelty score (reconstruction MSE) and verdict.
func (c *scoreCmd) run(e *env) error {
	threshold, asJSON, timing := c.threshold, c.asJSON, c.timing
	if err := finiteThreshold("threshold", threshold); err != nil {
		return err
	}
	paths := e.fs.Args()
	if len(paths) == 0 {
		return usageError{fmt.Errorf("give the images to score: PNG or JPEG files, folders of them, or IDX image files")}
	}
	mapsDir, _, err := c.maps.check()
	if err != nil {
		return err
	}
	start := time.Now()
	m, err := c.model.open()
	if err != nil {
		return err
	}
	if threshold < 0 {
		threshold = m.threshold
	}
	if math.IsNaN(threshold) {
		fmt.Fprintf(e.stderr, "warning: %s has no threshold yet (training has not finished): verdicts are n/a; give --threshold\n", m.source)
	}
	loaded := time.Now()
	imgs, names, lt, err := loadImages(paths, m.ck.Preprocessing().Options())
	if err != nil {
		return err
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	opened := time.Now()
	s, err := newScorer(be, m.ck, imgs.Len())
	if err != nil {
		return err
	}
	defer s.Free()
	compiled := time.Now()
	scores, st, err := s.ScoresTimed(imgs)
	if err != nil {
		return err
	}
	if mapsDir != "" {
		items := make([]anomalymap.Item, len(names))
		for i, f := range names {
			items[i] = anomalymap.Item{Index: i, File: anomalymap.FileName(i, len(names), f), Title: f}
		}
		if err := writeMaps(be, m.ck, mapsDir, imgs, items, threshold); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "%d anomaly maps written to %s\n", len(items), mapsDir)
	}
	verdict := func(x float64) string {
		if math.IsNaN(threshold) {
			return "n/a"
		}
		if x >= threshold {
			return "novel"
		}
		return "normal"
	}
	stages := []struct {
		name string
		d    time.Duration
	}{
		{"load model", loaded.Sub(start)}, {"decode", lt.Decode}, {"preprocess", lt.Preprocess},
		{"device open", opened.Sub(loaded) - lt.Decode - lt.Preprocess}, {"compile", compiled.Sub(opened)},
		{"upload", st.Upload}, {"forward", st.Forward}, {"download", st.Download},
	}
	if asJSON {
		for i, f := range names {
			if err := writeJSON(e.stdout, map[string]any{"file": f, "score": scores[i], "verdict": verdict(scores[i]), "threshold": finite(threshold)}); err != nil {
				return err
			}
		}
		if timing {
			ms := map[string]float64{}
			for _, s := range stages {
				ms[s.name] = s.d.Seconds() * 1e3
			}
			return writeJSON(e.stdout, map[string]any{"timing_ms": ms, "images": len(names), "batches": st.Batches,
				"model": m.source, "device": deviceLabel(be)})
		}
		return nil
	}
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintf(w, "file\tscore\tverdict (threshold %.5f)\n", threshold)
	for i, f := range names {
		fmt.Fprintf(w, "%s\t%.5f\t%s\n", f, scores[i], verdict(scores[i]))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if timing {
		fmt.Fprintf(e.stdout, "\ntiming (%d images in %d batches of %d, device %s):\n", len(names), st.Batches, s.Batch(), deviceLabel(be))
		w = tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, "stage\ttotal ms\tper image ms\t")
		for _, s := range stages {
			fmt.Fprintf(w, "%s\t%.3f\t%.3f\t\n", s.name, s.d.Seconds()*1e3, s.d.Seconds()*1e3/float64(len(names)))
		}
		return w.Flush()
	}
	return nil
}
