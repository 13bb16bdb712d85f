package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// selectionID names the block of the model-selection study: what the
// studies' runs would have kept had model selection looked only at later
// epochs, as the authors' scripts do, read from the curves of validation
// MSE and test AUC per epoch that their records hold.
const selectionID = "selection-window"

// selectionWindows are the epochs model selection looks at: every epoch
// (ocgan, the tables), the epochs after the first 20% of training (the
// authors' Dev/parallel script drops the first 20 of its 100 checkpoints)
// and the second half (Dev/Uniform drops 20 of 40).
var selectionWindows = []struct {
	label string
	from  float64 // the share of the epochs trained left out
}{
	{"every epoch (as run)", 0},
	{"after the first 20%", 0.2},
	{"the second half", 0.5},
}

// selectAfter returns the epoch with the lowest validation MSE among those
// after the first ⌊from·n⌋ of the n in curve (the earliest of equal ones).
func selectAfter(curve []results.Epoch, from float64) results.Epoch {
	skip := results.SelectionStart(from, len(curve))
	best := curve[skip]
	for _, e := range curve[skip+1:] {
		if e.ValMSE < best.ValMSE {
			best = e
		}
	}
	return best
}

// fullCurve reports whether r's curve has every epoch trained with its test AUC.
func fullCurve(r *results.Record) bool {
	c := r.Training.Curve
	if len(c) == 0 || len(c) != r.Training.EpochsTrained {
		return false
	}
	for _, e := range c {
		if e.TestAUC == nil {
			return false
		}
	}
	return true
}

// renderSelection returns the selection study's block: per run of a study
// whose record has a full curve (and whose run selected over every epoch),
// the test AUC of the epoch each window selects, then the means over the
// runs.
func renderSelection(byDir map[string][]*results.Record) string {
	var b strings.Builder
	b.WriteString("**Model selection over later epochs** (test AUC of the epoch with the lowest validation MSE among those the window holds; in brackets that epoch)\n\n")
	header := []string{"study", "variant", "class", "seed", "epochs"}
	for _, w := range selectionWindows {
		header = append(header, w.label)
	}
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|" + strings.Repeat(" --- |", len(header)) + "\n")
	sums := make([][]float64, len(selectionWindows))
	changed := 0
	for _, st := range studies {
		ex := tableByID(st.table)
		for _, v := range st.variants {
			if v.rescores != "" {
				continue // the curves of the runs it scores again
			}
			for _, r := range byDir[v.dir] {
				if !fullCurve(r) || r.Training.SelectFrom > 0 {
					continue // no full curve, or its run selected over a window of its own
				}
				row := []string{st.title, v.label, ex.classes[r.Class], strconv.FormatUint(r.Seed, 10), strconv.Itoa(r.Training.EpochsTrained)}
				first := selectAfter(r.Training.Curve, 0).Epoch
				moved := false
				for i, w := range selectionWindows {
					e := selectAfter(r.Training.Curve, w.from)
					sums[i] = append(sums[i], *e.TestAUC)
					row = append(row, fmt.Sprintf("%s (%d)", f4(*e.TestAUC), e.Epoch))
					moved = moved || e.Epoch != first
				}
				if moved {
					changed++
				}
				b.WriteString("| " + strings.Join(row, " | ") + " |\n")
			}
		}
	}
	if len(sums[0]) == 0 {
		return strings.TrimRight(b.String(), "\n") + "\n\nNo run with a full curve recorded yet."
	}
	means := make([]string, len(selectionWindows))
	for i, w := range selectionWindows {
		m, _ := metrics.MeanStd(sums[i])
		means[i] = w.label + " " + f4(m)
	}
	fmt.Fprintf(&b, "\nMean over the %d runs: %s. The window changed the epoch kept in %d of them.",
		len(sums[0]), strings.Join(means, ", "), changed)
	return b.String()
}
