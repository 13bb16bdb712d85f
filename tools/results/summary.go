package main

import (
	"fmt"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// summaryID names the block of the tables' means against the paper's: at the
// top of RESULTS.md and in README.md.
const summaryID = "summary"

// renderSummary is one row per table of a single column (the paper's main
// tables; the ablation has its own means per mode): our mean AUC over the
// classes recorded (± over seeds where every class has the same seeds), the
// paper's mean and the difference, as the tables' mean rows give them.
func renderSummary(recs []*results.Record) string {
	var b strings.Builder
	b.WriteString("| table | ours, mean AUC | paper | ours − paper |\n| --- | --- | --- | --- |\n")
	for _, ex := range experiments {
		if len(ex.columns) != 1 {
			continue
		}
		col := ex.columns[0]
		c, _ := collect(ex, recs)
		table, _, _ := strings.Cut(col.paper.table, ",")
		ours, paper, diff := columnMean(col, c[col.mode])
		fmt.Fprintf(&b, "| %s (the paper's %s) | %s | %s | %s |\n", ex.title, table, ours, paper, diff)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
