package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/plot"
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

// runEvalOwn scores a model on normal and novel images of one's own and
// reports the AUC, F1, precision and recall and the confusion matrix at the
// model's threshold, and the worst-scored images of each kind.
func runEvalOwn(e *env) error {
	for _, f := range []string{"dataset", "data", "class", "protocol", "seed", "seeds", "train", "results"} {
		if e.fs.Changed(f) {
			return usageError{fmt.Errorf("--normal evaluates the model on your own images: --%s does not apply", f)}
		}
	}
	normalPaths, _ := e.fs.GetStringSlice("normal")
	novelPaths, _ := e.fs.GetStringSlice("novel")
	worst, _ := e.fs.GetInt("worst")
	if len(novelPaths) == 0 {
		return usageError{errors.New("--normal needs --novel (images of anomalies): the AUC and the confusion matrix need both")}
	}
	if worst < 0 {
		return usageError{fmt.Errorf("--worst must be at least 0, got %d", worst)}
	}
	mapsDir, top, err := mapsFlags(e.fs)
	if err != nil {
		return err
	}
	if err := checkOutputFlags(e.fs, "roc", "scores"); err != nil {
		return err
	}
	r, err := scoreOwn(e, normalPaths, novelPaths, worst, mapsDir, top)
	if err != nil {
		return err
	}
	if err := r.writeFiles(e); err != nil {
		return err
	}
	if mapsDir != "" {
		fmt.Fprintf(e.stderr, "%d anomaly maps written to %s\n", r.maps, mapsDir)
	}
	if asJSON, _ := e.fs.GetBool("json"); asJSON {
		return writeJSON(e.stdout, r.JSON(e))
	}
	return r.print(e.stdout)
}

// scoreOwn loads the model and the images and scores them, and draws the
// anomaly maps of the top most and least novel images of each outcome
// into mapsDir (if not empty).
func scoreOwn(e *env, normalPaths, novelPaths []string, worst int, mapsDir string, top int) (*ownEval, error) {
	m, err := openModelFlags(e.fs)
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

// writeFiles writes the ROC curve (--roc) and the scores (--scores).
func (r *ownEval) writeFiles(e *env) error {
	if path, _ := e.fs.GetString("roc"); path != "" {
		pts, err := metrics.ROC(labelled(r.normalScores, r.novelScores))
		if err != nil {
			return err
		}
		title := fmt.Sprintf("ROC, %d normal vs %d novel images (novel = positive)", r.det.Normal, r.det.Novel)
		if err := writeROCFile(path, title, []plot.Curve{{Label: fmt.Sprintf("AUC %.4f", r.det.AUC), Points: pts}}); err != nil {
			return err
		}
	}
	if path, _ := e.fs.GetString("scores"); path != "" {
		rows := [][]string{{"file", "novel", "score"}}
		for i, n := range r.normalNames {
			rows = append(rows, []string{n, "false", formatFloat(r.normalScores[i])})
		}
		for i, n := range r.novelNames {
			rows = append(rows, []string{n, "true", formatFloat(r.novelScores[i])})
		}
		return writeCSVFile(path, rows)
	}
	return nil
}

// JSON is the report as `ocgan eval --normal --json` prints it.
func (r *ownEval) JSON(e *env) map[string]any {
	out := r.det.JSON()
	out["model"], out["device"] = r.model, r.device
	out["worst_normal"], out["worst_novel"] = r.falseAlarms, r.misses
	if p, _ := e.fs.GetString("roc"); p != "" {
		out["roc_png"] = p
	}
	if p, _ := e.fs.GetString("scores"); p != "" {
		out["scores_csv"] = p
	}
	return out
}

// print writes the report as text.
func (r *ownEval) print(w io.Writer) error {
	fmt.Fprintf(w, "model %s on %d normal + %d novel images, device %s\n", r.model, r.det.Normal, r.det.Novel, r.device)
	if err := r.det.print(w); err != nil {
		return err
	}
	if len(r.falseAlarms) > 0 {
		fmt.Fprintln(w, "highest-scoring normal images (false alarms first):")
		if err := r.printExamples(w, r.falseAlarms, "FP", "TN"); err != nil {
			return err
		}
	}
	if len(r.misses) > 0 {
		fmt.Fprintln(w, "lowest-scoring novel images (misses first):")
		return r.printExamples(w, r.misses, "TP", "FN")
	}
	return nil
}

// printExamples lists images with their scores, tagged flagged or passed
// at the threshold (score >= threshold is predicted novel).
func (r *ownEval) printExamples(w io.Writer, ex []example, flagged, passed string) error {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	for _, x := range ex {
		tag := passed
		switch {
		case math.IsNaN(r.det.Threshold):
			tag = "-"
		case x.Score >= r.det.Threshold:
			tag = flagged
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", tag, strconv.FormatFloat(x.Score, 'f', 6, 64), x.File)
	}
	return tw.Flush()
}
