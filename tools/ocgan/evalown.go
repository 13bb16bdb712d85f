package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/device"
)

// ownEval is the outcome of `ocgan eval --normal --novel`.
type ownEval struct {
	model, device       string
	det                 detection
	normalNames         []string
	novelNames          []string
	normalScores        []float64
	novelScores         []float64
	falseAlarms, misses []example
	maps                int // anomaly maps written
}

// runOwn scores a model on normal and novel images of one's own and
// reports the AUC, F1, precision and recall and the confusion matrix at the
// model's threshold, and the worst-scored images of each kind.
func (c *evalCmd) runOwn(e *env) error {
	for _, f := range []string{"dataset", "data", "class", "protocol", "seed", "seeds", "train", "results", "score-noise"} {
		if e.fs.Changed(f) {
			return usageError{fmt.Errorf("--normal evaluates the model on your own images: --%s does not apply", f)}
		}
	}
	normalPaths, novelPaths, worst := c.normal, c.training.cal.novel, c.worst
	if len(novelPaths) == 0 {
		return usageError{errors.New("--normal needs --novel (images of anomalies): the AUC and the confusion matrix need both")}
	}
	if worst < 0 {
		return usageError{fmt.Errorf("--worst must be at least 0, got %d", worst)}
	}
	mapsDir, top, err := c.maps.check()
	if err != nil {
		return err
	}
	for _, f := range []struct{ flag, path string }{{"--roc", c.roc}, {"--scores", c.scores}} {
		if err := checkOutputFile(f.flag, f.path); err != nil {
			return err
		}
	}
	r, err := scoreOwn(e, modelFlags{path: c.model, key: c.key}, normalPaths, novelPaths, worst, mapsDir, top)
	if err != nil {
		return err
	}
	if err := r.writeFiles(c.roc, c.scores); err != nil {
		return err
	}
	if mapsDir != "" {
		fmt.Fprintf(e.stderr, "%d anomaly maps written to %s\n", r.maps, mapsDir)
	}
	if c.asJSON {
		return writeJSON(e.stdout, r.JSON(c.roc, c.scores))
	}
	return r.print(e.stdout)
}

// scoreOwn loads the model mf names and the images and scores them, and draws the
// anomaly maps of the top most and least novel images of each outcome
// into mapsDir (if not empty).
func scoreOwn(e *env, mf modelFlags, normalPaths, novelPaths []string, worst int, mapsDir string, top int) (*ownEval, error) {
	m, err := mf.open()
	if err != nil {
		return nil, err
	}
	r := &ownEval{model: m.source}
	opts := m.ck.Preprocessing().Options()
	normal, names, _, err := loadImages(normalPaths, opts)
	if err != nil {
		return nil, fmt.Errorf("--normal: %w", err)
	}
	r.normalNames = names
	novel, names, _, err := loadImages(novelPaths, opts)
	if err != nil {
		return nil, fmt.Errorf("--novel: %w", err)
	}
	r.novelNames = names
	if err := checkDisjoint(namedImages{"--normal", r.normalNames}, namedImages{"--novel", r.novelNames}); err != nil {
		return nil, err
	}
	be, err := device.Open(e.cfg)
	if err != nil {
		return nil, err
	}
	defer be.Close()
	r.device = deviceLabel(be)
	s, err := newScorer(be, m.ck, maxScoreBatch)
	if err != nil {
		return nil, err
	}
	defer s.Free()
	if r.normalScores, err = s.Scores(normal); err != nil {
		return nil, err
	}
	if r.novelScores, err = s.Scores(novel); err != nil {
		return nil, err
	}
	if r.det, err = detect(r.normalScores, r.novelScores, m.threshold); err != nil {
		return nil, err
	}
	if mapsDir != "" {
		all, err := dataset.Concat(normal, novel)
		if err != nil {
			return nil, err
		}
		scores, isNovel := labelled(r.normalScores, r.novelScores)
		files := append(slices.Clone(r.normalNames), r.novelNames...)
		items := pickedItems(scores, isNovel, m.threshold, top, func(i int) string { return files[i] })
		if err := writeMaps(be, m.ck, mapsDir, all, items, m.threshold); err != nil {
			return nil, err
		}
		r.maps = len(items)
	}
	r.falseAlarms = extremes(r.normalNames, r.normalScores, worst, true)
	r.misses = extremes(r.novelNames, r.novelScores, worst, false)
	return r, nil
}
