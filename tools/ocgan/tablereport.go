package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/progress"
)

// tableRunTimes is how many finished runs the table's estimate keeps.
const tableRunTimes = 9

// tableReporter reports the progress of a table of runs (classes × seeds)
// on stderr: a line as each run starts, with the table's time left from
// the runs finished so far (progress.Table).
type tableReporter struct {
	w     io.Writer
	runs  int
	times *progress.Recent
	// since is when the run going on started; whole is false for a run
	// that continues one interrupted, whose time says nothing of a run's.
	since          time.Time
	running, whole bool
	now            func() time.Time
}

func newTableReporter(w io.Writer, runs int) *tableReporter {
	return &tableReporter{w: w, runs: runs, times: progress.NewRecent(tableRunTimes), now: time.Now}
}

// start says run k (1-based) begins, the one before it having finished;
// whole is false when the run resumes an interrupted one. It returns the line.
func (t *tableReporter) start(verb string, k int, what string, whole bool) string {
	now := t.now()
	if t.running && t.whole {
		t.times.Add(now.Sub(t.since))
	}
	t.since, t.running, t.whole = now, true, whole
	line := progress.Table{Run: k, Runs: t.runs, What: what, RunTimes: t.times}.Line(now)
	fmt.Fprintf(t.w, "%s %s\n", verb, line)
	return line
}
