// Package progress measures and reports the progress of long runs: the rate
// of work, the time left and the expected end, when reports are due, and the
// one-line text that says so. Every function takes the time as an argument,
// so the arithmetic is the same under a test's clock as under the wall
// clock.
package progress

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Ticker says when a periodic report is due: every Every from the start,
// never when Every is 0 or less.
type Ticker struct {
	Every time.Duration
	last  time.Time
}

// NewTicker starts a ticker at start: the first report is due at
// start+every.
func NewTicker(start time.Time, every time.Duration) *Ticker {
	return &Ticker{Every: every, last: start}
}

// Due reports whether a report is due at now; when it is, the next one is
// due Every after now.
func (t *Ticker) Due(now time.Time) bool {
	if t.Every <= 0 || now.Sub(t.last) < t.Every {
		return false
	}
	t.last = now
	return true
}

// Duration formats d compactly, rounded to the second: "42s", "3m05s",
// "2h07m" (hours drop the seconds); negative durations read "0s".
func Duration(d time.Duration) string {
	d = max(0, d.Round(time.Second))
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}

// End formats the time now+left as the clock time a job ends: "15:04:05",
// with the date when it is not today's ("Jan 2 15:04").
func End(now time.Time, left time.Duration) string {
	end := now.Add(left)
	if y, m, d := end.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return end.Format("15:04:05")
	}
	return end.Format("Jan 2 15:04")
}

// Status is one report of a training run: where it is, how fast it goes,
// the time left of the epoch and of the run, and the latest losses.
type Status struct {
	// Prefix names the run among several (e.g. "class 3 seed 1"); may be
	// empty.
	Prefix string
	// Epoch of Epochs; Iteration of Iterations are the position inside the
	// epoch (1-based).
	Epoch, Epochs         int
	Iteration, Iterations int
	ImagesPerSec          float64
	// EpochLeft and RunLeft are the times left (RunLeft within the budget);
	// Known is false while there is no rate to estimate them by.
	EpochLeft, RunLeft time.Duration
	Known              bool
	// EpochLeftAtLeast and RunLeftAtLeast mark EpochLeft and RunLeft as
	// lower bounds (work of an unknown, larger cost is still to come).
	EpochLeftAtLeast, RunLeftAtLeast bool
	// Losses are the latest iteration's, by name.
	Losses map[string]float64
}

// Line formats s as one line of text at time now (the end time is now +
// RunLeft), e.g. "epoch 2/15 iteration 120/844 (14%), 312.4 images/s, epoch
// ETA 2m05s, run ETA 31m10s (ends 14:32:10); losses dl 0.6931 mse 0.0213".
func (s Status) Line(now time.Time) string {
	var b strings.Builder
	if s.Prefix != "" {
		b.WriteString(s.Prefix + ": ")
	}
	fmt.Fprintf(&b, "epoch %d/%d iteration %d/%d (%d%%), %.1f images/s", s.Epoch, s.Epochs,
		s.Iteration, s.Iterations, percent(s.Iteration, s.Iterations), s.ImagesPerSec)
	if s.Known {
		fmt.Fprintf(&b, ", epoch ETA %s%s, run ETA %s%s (ends %s%s)", atLeast(s.EpochLeftAtLeast), Duration(s.EpochLeft),
			atLeast(s.RunLeftAtLeast), Duration(s.RunLeft), after(s.RunLeftAtLeast), End(now, s.RunLeft))
	}
	if len(s.Losses) > 0 {
		b.WriteString("; losses " + Losses(s.Losses))
	}
	return b.String()
}

// atLeast and after are the words that mark a lower bound of a time left
// and of the end time.
func atLeast(lower bool) string {
	if lower {
		return "at least "
	}
	return ""
}

func after(lower bool) string {
	if lower {
		return "after "
	}
	return ""
}

// Losses formats losses as "name value" pairs in name order, 4 decimals.
func Losses(l map[string]float64) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.4f", k, l[k])
	}
	return strings.Join(parts, " ")
}

// Table is the report of a table of runs (classes × seeds): Run of Runs
// is the one starting (1-based), What names it, and RunTimes holds the
// durations of the whole runs finished so far (nil or empty: no estimate
// yet). The runs left, this one included, are estimated at the median of
// those: a run slowed by a pause (a suspended process, a burst of other
// work) or shortened by resuming from a checkpoint moves it little, where
// an average since the table's start would carry a pause to the end.
type Table struct {
	Run, Runs int
	What      string
	RunTimes  *Recent
}

// Left is the estimated time of the runs left, this one included; ok is
// false before a whole run has finished.
func (t Table) Left() (left time.Duration, ok bool) {
	if t.RunTimes == nil {
		return 0, false
	}
	d, ok := t.RunTimes.Median()
	if !ok {
		return 0, false
	}
	return time.Duration(max(0, t.Runs-t.Run+1)) * d, true
}

// Line formats t at now, e.g. "run 3 of 20 (class 2 seed 0), table ETA
// 1h02m (ends 15:40:00)".
func (t Table) Line(now time.Time) string {
	s := fmt.Sprintf("run %d of %d", t.Run, t.Runs)
	if t.What != "" {
		s += " (" + t.What + ")"
	}
	if left, ok := t.Left(); ok {
		s += fmt.Sprintf(", table ETA %s (ends %s)", Duration(left), End(now, left))
	}
	return s
}

// percent is 100·done/total, rounded down, 0 for an empty total.
func percent(done, total int) int {
	if total <= 0 {
		return 0
	}
	return int(math.Floor(100 * float64(done) / float64(total)))
}

// Recent keeps the durations of the last few repetitions of a step (the
// iterations of a training loop) and estimates the time of the next by
// their median: unlike an average since the start, a pause (a suspended
// process, a machine asleep, a burst of other work) moves it for one
// sample at most, and a change of pace shows within half a window.
type Recent struct {
	durs []time.Duration
	next int // where the next sample goes once durs is full
	size int
}

// NewRecent keeps the last size durations (at least 1).
func NewRecent(size int) *Recent {
	return &Recent{size: max(1, size)}
}

// Add records one repetition's duration.
func (r *Recent) Add(d time.Duration) {
	if len(r.durs) < r.size {
		r.durs = append(r.durs, d)
		return
	}
	r.durs[r.next] = d
	r.next = (r.next + 1) % r.size
}

// Median is the median of the durations kept (the lower middle one of an
// even count); ok is false before the first Add.
func (r *Recent) Median() (d time.Duration, ok bool) {
	if len(r.durs) == 0 {
		return 0, false
	}
	s := slices.Clone(r.durs)
	slices.Sort(s)
	return s[(len(s)-1)/2], true
}
