package main

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
)

// detection is how well novelty scores separate normal images (negative)
// from novel ones (positive): the AUC (NaN unless both kinds are present)
// and the confusion counts at a threshold (a sample is predicted novel when
// its score is at least the threshold; none when the threshold is NaN).
type detection struct {
	Normal, Novel int
	AUC           float64
	Threshold     float64
	Conf          metrics.Confusion
}

// detect measures the detection of the novel scores among the normal ones
// at threshold.
func detect(normal, novel []float64, threshold float64) (detection, error) {
	d := detection{Normal: len(normal), Novel: len(novel), AUC: math.NaN(), Threshold: threshold}
	scores, isNovel := labelled(normal, novel)
	if len(normal) > 0 && len(novel) > 0 {
		auc, err := metrics.AUC(scores, isNovel)
		if err != nil {
			return d, err
		}
		d.AUC = auc
	}
	if !math.IsNaN(threshold) {
		c, err := metrics.ConfusionAt(scores, isNovel, threshold)
		if err != nil {
			return d, err
		}
		d.Conf = c
	}
	return d, nil
}

// labelled joins normal and novel scores, with their labels (novel = true).
func labelled(normal, novel []float64) ([]float64, []bool) {
	scores := append(slices.Clone(normal), novel...)
	isNovel := make([]bool, len(scores))
	for i := len(normal); i < len(scores); i++ {
		isNovel[i] = true
	}
	return scores, isNovel
}

// JSON is the detection as the commands' --json output gives it (F1,
// precision and recall only with novel images, the counts only with a
// threshold).
func (d detection) JSON() map[string]any {
	m := map[string]any{"auc": finite(d.AUC), "normal_images": d.Normal, "novel_images": d.Novel, "threshold": finite(d.Threshold)}
	if math.IsNaN(d.Threshold) {
		return m
	}
	c := d.Conf
	m["tp"], m["fp"], m["tn"], m["fn"] = c.TP, c.FP, c.TN, c.FN
	if d.Novel > 0 {
		m["f1"], m["precision"], m["recall"] = c.F1(), c.Precision(), c.Recall()
	}
	return m
}

// print writes the AUC, F1, precision and recall at the threshold, and the
// confusion matrix.
func (d detection) print(w io.Writer) error {
	if d.Novel == 0 {
		fmt.Fprintln(w, "no novel images: no AUC, F1 or recall")
	} else if d.Normal > 0 {
		fmt.Fprintf(w, "AUC %.4f\n", d.AUC)
	}
	if math.IsNaN(d.Threshold) {
		_, err := fmt.Fprintln(w, "no threshold stored with the model (training has not finished): no confusion matrix")
		return err
	}
	c := d.Conf
	if d.Novel > 0 {
		fmt.Fprintf(w, "at threshold %.6g: F1 %.4f, precision %.4f, recall %.4f\n", d.Threshold, c.F1(), c.Precision(), c.Recall())
	}
	fmt.Fprintf(w, "confusion matrix at threshold %.6g (normal = negative, novel = positive; novel when score >= threshold):\n", d.Threshold)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "\tpredicted normal\tpredicted novel")
	fmt.Fprintf(tw, "normal (%d)\tTN %d\tFP %d\n", d.Normal, c.TN, c.FP)
	fmt.Fprintf(tw, "novel (%d)\tFN %d\tTP %d\n", d.Novel, c.FN, c.TP)
	return tw.Flush()
}

// example is one scored image.
type example struct {
	File  string  `json:"file"`
	Score float64 `json:"score"`
}

// extremes returns the k images with the highest scores (highest) or the
// lowest ones, the most extreme first; equal scores keep the input order.
func extremes(names []string, scores []float64, k int, highest bool) []example {
	ex := make([]example, len(scores))
	for i, s := range scores {
		ex[i] = example{File: names[i], Score: s}
	}
	slices.SortStableFunc(ex, func(a, b example) int {
		if highest {
			return cmp.Compare(b.Score, a.Score)
		}
		return cmp.Compare(a.Score, b.Score)
	})
	return ex[:min(k, len(ex))]
}
