package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/plot"
)

// writeFiles writes the ROC curve (--roc) and the scores (--scores).
func (r *ownEval) writeFiles(roc, scores string) error {
	if path := roc; path != "" {
		pts, err := metrics.ROC(labelled(r.normalScores, r.novelScores))
		if err != nil {
			return err
		}
		title := fmt.Sprintf("ROC, %d normal vs %d novel images (novel = positive)", r.det.Normal, r.det.Novel)
		if err := writeROCFile(path, title, []plot.Curve{{Label: fmt.Sprintf("AUC %.4f", r.det.AUC), Points: pts}}); err != nil {
			return err
		}
	}
	if path := scores; path != "" {
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
func (r *ownEval) JSON(roc, scores string) map[string]any {
	out := r.det.JSON()
	out["model"], out["device"] = r.model, r.device
	out["worst_normal"], out["worst_novel"] = r.falseAlarms, r.misses
	if roc != "" {
		out["roc_png"] = roc
	}
	if scores != "" {
		out["scores_csv"] = scores
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
