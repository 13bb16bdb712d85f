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

// Meter estimates the time left of a job of Total units of work from the
// units done so far, assuming the rest goes at the average rate since Start.
type Meter struct {
	Start time.Time
	Total float64
	// done is the work done at the last Observe, at time now.
	done float64
	now  time.Time
}

// NewMeter starts measuring a job of total units at start.
func NewMeter(start time.Time, total float64) *Meter {
	return &Meter{Start: start, Total: total, now: start}
}

// Observe records that done units (of Total, fractions allowed) are
// finished at now.
func (m *Meter) Observe(done float64, now time.Time) {
	m.done, m.now = done, now
}

// Done is the work done at the last Observe.
func (m *Meter) Done() float64 { return m.done }

// Rate is the units done per second since Start (0 before any work).
func (m *Meter) Rate() float64 {
	el := m.now.Sub(m.Start).Seconds()
	if m.done <= 0 || el <= 0 {
		return 0
	}
	return m.done / el
}

// Left is the time the remaining work takes at Rate; ok is false while
// nothing is done yet (no rate to go by).
func (m *Meter) Left() (left time.Duration, ok bool) {
	r := m.Rate()
	if r <= 0 {
		return 0, false
	}
	rest := max(0, m.Total-m.done)
	return time.Duration(rest / r * float64(time.Second)), true
}

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
// is the one going on (1-based), what names it, and the Meter of the
// table (units: runs, fractions for the one in progress).
type Table struct {
	Run, Runs int
	What      string
	Meter     *Meter
}

// Line formats t at now, e.g. "run 3 of 20 (class 2 seed 0), table ETA
// 1h02m (ends 15:40:00)".
func (t Table) Line(now time.Time) string {
	s := fmt.Sprintf("run %d of %d", t.Run, t.Runs)
	if t.What != "" {
		s += " (" + t.What + ")"
	}
	if t.Meter != nil {
		if left, ok := t.Meter.Left(); ok {
			s += fmt.Sprintf(", table ETA %s (ends %s)", Duration(left), End(now, left))
		}
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
