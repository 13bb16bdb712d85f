// Package anomalymap writes anomaly maps of scored images into a folder:
// which images of an evaluation to draw (the most and least novel of each
// outcome at the threshold), the file names, and the files themselves,
// drawn by ocgan/plot and written atomically.
package anomalymap

import (
	"bytes"
	"cmp"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/plot"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// ProbeDir makes dir (and its parents) if needed and checks that a file can
// be written in it, so that a long run does not end in a folder it cannot
// write.
func ProbeDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("anomaly maps: %w", err)
	}
	if err := atomicfile.CheckDir(dir); err != nil {
		return fmt.Errorf("anomaly maps: %w", err)
	}
	return nil
}

// FileName is the map file of the i-th of n images named source (a path,
// or "FILE#k" inside an IDX file): the index, zero-padded to n's digits so
// that names sort in input order, then source's base name with anything
// but letters, digits, '.', '-' and '_' replaced by '_', and ".png" (an
// image's own extension is dropped).
func FileName(i, n int, source string) string {
	base := filepath.Base(source)
	if ext := strings.ToLower(filepath.Ext(base)); ext == ".png" || ext == ".jpg" || ext == ".jpeg" {
		base = strings.TrimSuffix(base, filepath.Ext(base))
	}
	digits := len(fmt.Sprint(max(1, n-1)))
	return fmt.Sprintf("%0*d-%s.png", digits, i, sanitize(base))
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// Write draws m and writes it as the PNG file dir/name, atomically.
func Write(dir, name string, m plot.AnomalyMap) error {
	img, _, err := plot.DrawAnomalyMap(m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("anomaly map %s: %w", name, err)
	}
	if err := atomicfile.Write(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("anomaly map: %w", err)
	}
	return nil
}

// Reconstructor scores images and returns their reconstructions (CHW per
// image, in order), as train.Scorer's Reconstruct does.
type Reconstructor interface {
	Reconstruct(ds *dataset.Dataset) (scores []float64, recon []float32, err error)
}

// Item is one image of a dataset to draw: its index, the file name of its
// map and the title the map shows.
type Item struct {
	Index       int
	File, Title string
}

// WriteAll reconstructs the items' images of ds (square, 1 or 3 channels)
// with r and writes their maps into dir, with verdicts at threshold (NaN:
// none).
func WriteAll(dir string, r Reconstructor, ds *dataset.Dataset, items []Item, threshold float64) error {
	if len(items) == 0 {
		return nil
	}
	idx := make([]int, len(items))
	for k, it := range items {
		idx[k] = it.Index
	}
	sub, err := ds.Subset(idx)
	if err != nil {
		return fmt.Errorf("anomaly maps: %w", err)
	}
	scores, recon, err := r.Reconstruct(sub)
	if err != nil {
		return fmt.Errorf("anomaly maps: %w", err)
	}
	n := sub.ImageLen()
	for k, it := range items {
		m := plot.AnomalyMap{Channels: sub.Channels(), Size: sub.Height(), Input: sub.Image(k), Recon: recon[k*n : (k+1)*n],
			Score: scores[k], Threshold: threshold, Title: it.Title}
		if err := Write(dir, it.File, m); err != nil {
			return err
		}
	}
	return nil
}

// Outcome is an image's place in the confusion matrix (novel = positive,
// predicted novel when score >= threshold), or with no threshold just its
// label.
type Outcome string

// The outcomes.
const (
	TruePositive  Outcome = "tp"
	FalsePositive Outcome = "fp"
	TrueNegative  Outcome = "tn"
	FalseNegative Outcome = "fn"
	Novel         Outcome = "novel"  // no threshold
	Normal        Outcome = "normal" // no threshold
)

// OutcomeOf is the outcome of an image with score and label novel at
// threshold (NaN: none).
func OutcomeOf(score float64, novel bool, threshold float64) Outcome {
	switch {
	case math.IsNaN(threshold) && novel:
		return Novel
	case math.IsNaN(threshold):
		return Normal
	case novel && score >= threshold:
		return TruePositive
	case novel:
		return FalseNegative
	case score >= threshold:
		return FalsePositive
	}
	return TrueNegative
}

// Pick is an image chosen by Select: its index, outcome, whether it is among
// the most novel (highest scores) or the least novel of its outcome, and its
// rank there (1 = the most extreme).
type Pick struct {
	Index   int
	Outcome Outcome
	Most    bool
	Rank    int
}

// Name is the pick's file name: outcome, "most" or "least", the rank, and
// source's name as FileName makes it (e.g. "fp-most-01-photo3.png").
func (p Pick) Name(n int, source string) string {
	which := "least"
	if p.Most {
		which = "most"
	}
	return fmt.Sprintf("%s-%s-%s", p.Outcome, which, FileName(p.Rank, n+1, source))
}

// Select picks, for each outcome at threshold, the n images with the
// highest scores and the n with the lowest (fewer when the outcome has
// fewer than 2n images: no image is picked twice), in the order tp, fp, tn,
// fn (or novel, normal), the most extreme first; of equal scores the
// earlier image counts as the more novel.
func Select(scores []float64, novel []bool, threshold float64, n int) []Pick {
	groups := map[Outcome][]int{}
	for i, s := range scores {
		o := OutcomeOf(s, novel[i], threshold)
		groups[o] = append(groups[o], i)
	}
	var out []Pick
	for _, o := range []Outcome{TruePositive, FalsePositive, TrueNegative, FalseNegative, Novel, Normal} {
		idx := groups[o]
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
		most := min(n, len(idx))
		for r := 0; r < most; r++ {
			out = append(out, Pick{Index: idx[r], Outcome: o, Most: true, Rank: r + 1})
		}
		for r := 0; r < min(n, len(idx)-most); r++ {
			out = append(out, Pick{Index: idx[len(idx)-1-r], Outcome: o, Rank: r + 1})
		}
	}
	return out
}
