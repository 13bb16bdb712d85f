package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/progress"
)

// tableReporter reports the progress of a table of runs (classes × seeds)
// on stderr: a line as each run starts, with the table's time left.
type tableReporter struct {
	w     io.Writer
	runs  int
	meter *progress.Meter
	now   func() time.Time
}

func newTableReporter(w io.Writer, runs int) *tableReporter {
	return &tableReporter{w: w, runs: runs, meter: progress.NewMeter(time.Now(), float64(runs)), now: time.Now}
}

// start says run k (1-based) begins, k-1 being done, and returns the line.
func (t *tableReporter) start(verb string, k int, what string) string {
	now := t.now()
	t.meter.Observe(float64(k-1), now)
	line := progress.Table{Run: k, Runs: t.runs, What: what, Meter: t.meter}.Line(now)
	fmt.Fprintf(t.w, "%s %s\n", verb, line)
	return line
}
