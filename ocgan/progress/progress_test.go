package progress

import (
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 14, 0, 0, 0, time.UTC)

func TestTicker(t *testing.T) {
	for _, c := range []struct {
		name  string
		every time.Duration
		at    []time.Duration // times of the calls, from the start
		due   []bool
	}{
		{"every 30s", 30 * time.Second, []time.Duration{time.Second, 29 * time.Second, 30 * time.Second, 45 * time.Second, 61 * time.Second},
			[]bool{false, false, true, false, true}},
		{"a late call restarts the period", 10 * time.Second, []time.Duration{25 * time.Second, 30 * time.Second, 35 * time.Second},
			[]bool{true, false, true}},
		{"0 disables", 0, []time.Duration{time.Hour, 2 * time.Hour}, []bool{false, false}},
		{"negative disables", -time.Second, []time.Duration{time.Hour}, []bool{false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := NewTicker(t0, c.every)
			for i, at := range c.at {
				if got := tk.Due(t0.Add(at)); got != c.due[i] {
					t.Errorf("call %d at %v: Due = %v, want %v", i, at, got, c.due[i])
				}
			}
		})
	}
}

func TestDurationAndEnd(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"}, {-5 * time.Second, "0s"}, {1400 * time.Millisecond, "1s"}, {1500 * time.Millisecond, "2s"},
		{59 * time.Second, "59s"}, {185 * time.Second, "3m05s"}, {time.Hour, "1h00m"},
		{2*time.Hour + 7*time.Minute + 59*time.Second, "2h07m"}, {49 * time.Hour, "49h00m"},
	} {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := End(t0, 90*time.Second); got != "14:01:30" {
		t.Errorf("End today = %q", got)
	}
	if got := End(t0, 12*time.Hour); got != "Mar 5 02:00" {
		t.Errorf("End tomorrow = %q", got)
	}
}

func TestStatusLine(t *testing.T) {
	losses := map[string]float64{"mse": 0.02131, "dl": 0.69312}
	for _, c := range []struct {
		name string
		s    Status
		want string
	}{
		{"estimated", Status{Epoch: 2, Epochs: 15, Iteration: 120, Iterations: 844, ImagesPerSec: 312.44,
			EpochLeft: 125 * time.Second, RunLeft: 31*time.Minute + 10*time.Second, Known: true, Losses: losses},
			"epoch 2/15 iteration 120/844 (14%), 312.4 images/s, epoch ETA 2m05s, run ETA 31m10s (ends 14:31:10); losses dl 0.6931 mse 0.0213"},
		{"lower bounds", Status{Epoch: 18, Epochs: 25, Iteration: 80, Iterations: 83, ImagesPerSec: 40,
			EpochLeft: 30 * time.Second, RunLeft: 20 * time.Minute, Known: true, EpochLeftAtLeast: true, RunLeftAtLeast: true},
			"epoch 18/25 iteration 80/83 (96%), 40.0 images/s, epoch ETA at least 30s, run ETA at least 20m00s (ends after 14:20:00)"},
		{"run ETA a lower bound only", Status{Epoch: 1, Epochs: 25, Iteration: 1, Iterations: 83, ImagesPerSec: 40,
			EpochLeft: 30 * time.Second, RunLeft: 20 * time.Minute, Known: true, RunLeftAtLeast: true},
			"epoch 1/25 iteration 1/83 (1%), 40.0 images/s, epoch ETA 30s, run ETA at least 20m00s (ends after 14:20:00)"},
		{"no rate yet, prefix, no losses", Status{Prefix: "class 3 seed 1", Epoch: 1, Epochs: 1, Iteration: 0, Iterations: 10},
			"class 3 seed 1: epoch 1/1 iteration 0/10 (0%), 0.0 images/s"},
		{"empty epoch", Status{Epoch: 1, Epochs: 1}, "epoch 1/1 iteration 0/0 (0%), 0.0 images/s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.s.Line(t0); got != c.want {
				t.Errorf("Line =\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

// TestTableLine: no estimate before a whole run has finished; then the runs
// left, the starting one included, at the median run time, which one
// paused run does not move.
func TestTableLine(t *testing.T) {
	times := NewRecent(9)
	if got := (Table{Run: 1, Runs: 4, What: "class 0 seed 0", RunTimes: times}).Line(t0); got != "run 1 of 4 (class 0 seed 0)" {
		t.Errorf("first run: %q", got)
	}
	if got := (Table{Run: 1, Runs: 4}).Line(t0); got != "run 1 of 4" {
		t.Errorf("without run times: %q", got)
	}
	times.Add(3 * time.Minute)
	want := "run 2 of 4 (class 1 seed 0), table ETA 9m00s (ends 14:12:00)"
	if got := (Table{Run: 2, Runs: 4, What: "class 1 seed 0", RunTimes: times}).Line(t0.Add(3 * time.Minute)); got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
	times.Add(3 * time.Hour) // a run paused for hours
	times.Add(4 * time.Minute)
	if left, ok := (Table{Run: 4, Runs: 4, RunTimes: times}).Left(); !ok || left != 4*time.Minute {
		t.Errorf("after a paused run, the last run's estimate: %v %v, want 4m0s (the median)", left, ok)
	}
}

// TestRecent: the median of the last size durations; one pause among them
// does not move it; older samples leave the window.
func TestRecent(t *testing.T) {
	r := NewRecent(5)
	if _, ok := r.Median(); ok {
		t.Error("a median before any sample")
	}
	for _, d := range []time.Duration{3, 1, 2} {
		r.Add(d * time.Second)
	}
	if m, ok := r.Median(); !ok || m != 2*time.Second {
		t.Errorf("median of 3 1 2: %v %v", m, ok)
	}
	r.Add(time.Hour) // a pause
	if m, _ := r.Median(); m != 2*time.Second {
		t.Errorf("median with a pause among 3 1 2: %v", m)
	}
	for range 5 {
		r.Add(10 * time.Second)
	}
	if m, _ := r.Median(); m != 10*time.Second || len(r.durs) != 5 {
		t.Errorf("after five samples of 10 s: median %v over %d samples", m, len(r.durs))
	}
	if NewRecent(0).size != 1 {
		t.Error("a window of 0 samples")
	}
}
