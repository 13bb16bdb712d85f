package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/anomalymap"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/plot"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/backend"
)

// evalMaps is where the dataset evaluation draws anomaly maps (--maps,
// none when dir is empty): the top most and least novel test images of
// each outcome, in dir or with perRun in its sub-folder cCLASS-sSEED.
type evalMaps struct {
	dir    string
	top    int
	perRun bool
}

// write draws the maps of the run of class and seed on the test images ds.
func (em evalMaps) write(be backend.Backend, ck *checkpoint.Checkpoint, ds *dataset.Dataset, class int, seed uint64,
	scores []float64, novel []bool, threshold float64) error {
	if em.dir == "" {
		return nil
	}
	dir := em.dir
	if em.perRun {
		dir = filepath.Join(dir, fmt.Sprintf("c%d-s%d", class, seed))
		if err := anomalymap.ProbeDir(dir); err != nil {
			return err
		}
	}
	items := pickedItems(scores, novel, threshold, em.top, func(i int) string { return fmt.Sprintf("test image %d", i) })
	return writeMaps(be, ck, dir, ds, items, threshold)
}

// writeROC draws one ROC curve per class (its first seed's run) into a PNG.
func writeROC(path string, d dataFlags, runs []evalRun) error {
	var curves []plot.Curve
	done := map[int]bool{}
	var seeds []string
	for _, r := range runs {
		if done[r.Class] {
			continue
		}
		done[r.Class] = true
		curves = append(curves, plot.Curve{Label: fmt.Sprintf("class %d (AUC %.4f)", r.Class, r.AUC), Points: r.roc})
		if s := strconv.FormatUint(r.Seed, 10); len(seeds) == 0 || seeds[len(seeds)-1] != s {
			seeds = append(seeds, s)
		}
	}
	title := fmt.Sprintf("ROC, %s protocol %d, seed %s (novel = positive)", d.name, d.protocol, strings.Join(seeds, ","))
	return writeROCFile(path, title, curves)
}

// writeROCFile draws ROC curves into the PNG file path (--roc), written
// atomically.
func writeROCFile(path, title string, curves []plot.Curve) error {
	var buf bytes.Buffer
	if err := plot.WriteROC(&buf, title, curves); err != nil {
		return err
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--roc: %w", err)
	}
	return nil
}

// writeScoresCSV writes every run's test scores as CSV.
func writeScoresCSV(path string, runs []evalRun) error {
	rows := [][]string{{"class", "seed", "test_index", "novel", "score"}}
	for _, r := range runs {
		for i, s := range r.scores {
			rows = append(rows, []string{strconv.Itoa(r.Class), strconv.FormatUint(r.Seed, 10), strconv.Itoa(i),
				strconv.FormatBool(r.novel[i]), formatFloat(s)})
		}
	}
	return writeCSVFile(path, rows)
}

// writeCSVFile writes rows (the header first) as the CSV file path
// (--scores), atomically.
func writeCSVFile(path string, rows [][]string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(rows); err != nil {
		return err
	}
	if err := atomicfile.Write(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("--scores: %w", err)
	}
	return nil
}
