package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestTableReporterCountsWholeRuns: the table's estimate comes from the runs
// that ran whole, not from one that resumed an interrupted run.
func TestTableReporterCountsWholeRuns(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	r := newTableReporter(&buf, 4)
	r.now = func() time.Time { return clock }
	steps := []struct {
		whole bool
		took  time.Duration // of the run starting
		want  string
	}{
		{false, 2 * time.Minute, "training run 1 of 4 (class 0 seed 1)"},                                   // resumes: nothing to go by
		{true, 20 * time.Minute, "training run 2 of 4 (class 1 seed 1)"},                                   // the resumed run's 2 minutes say nothing
		{true, 30 * time.Minute, "training run 3 of 4 (class 2 seed 1), table ETA 40m00s (ends 11:02:00)"}, // 2 runs left at 20 minutes
		{true, 0, "training run 4 of 4 (class 3 seed 1), table ETA 20m00s (ends 11:12:00)"},                // the lower middle of 20 and 30
	}
	for i, s := range steps {
		line := r.start("training", i+1, "class "+string(rune('0'+i))+" seed 1", s.whole)
		if got := "training " + line; got != s.want {
			t.Errorf("run %d: %q, want %q", i+1, got, s.want)
		}
		clock = clock.Add(s.took)
	}
	if n := strings.Count(buf.String(), "\n"); n != len(steps) {
		t.Errorf("%d lines written, want %d:\n%s", n, len(steps), buf.String())
	}
}
