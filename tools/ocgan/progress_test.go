package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTrainProgressReports trains on a tiny image folder with progress due
// at every iteration: off a terminal stderr holds the periodic status
// lines, --json gives "progress" JSON lines beside the iteration and epoch
// events, --progress-every 0 gives none, and eval --train reports the
// table's runs.
func TestTrainProgressReports(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 6)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 6)
	dir := t.TempDir()
	args := func(extra ...string) []string {
		return append([]string{"train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
			"--epochs", "2", "--batch", "2", "--budget", "1h"}, extra...)
	}

	code, out, stderr := runCLI(t, args("--out", filepath.Join(dir, "a.ocgan"), "--progress-every", "1ns")...)
	if code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, stderr)
	}
	// Mining runs in the last quarter (iteration 4 of 4): until it has run,
	// the run ETA is a lower bound.
	for _, want := range []string{"epoch 1/2 iteration 1/2 (50%)", "epoch 2/2 iteration 2/2 (100%)", "images/s, epoch ETA ", ", run ETA ", "; losses ", "mse ",
		"run ETA at least ", "(ends after ",
		"budget 1h00m of training: training ends about ", "not the start-up"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	code, _, stderr = runCLI(t, args("--out", filepath.Join(dir, "b.ocgan"), "--progress-every", "0")...)
	if code != exitOK || strings.Contains(stderr, "iteration 1/2") {
		t.Fatalf("--progress-every 0: exit %d, stderr\n%s", code, stderr)
	}

	code, out, stderr = runCLI(t, args("--out", filepath.Join(dir, "c.ocgan"), "--progress-every", "1ns", "--json")...)
	if code != exitOK {
		t.Fatalf("train --json: exit %d\n%s", code, stderr)
	}
	events := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			Event           string             `json:"event"`
			Epoch           int                `json:"epoch"`
			Epochs          int                `json:"epochs"`
			EpochIteration  int                `json:"epoch_iteration"`
			EpochIterations int                `json:"epoch_iterations"`
			ETA             *float64           `json:"eta_seconds"`
			Ends            string             `json:"ends"`
			LowerBound      *bool              `json:"eta_lower_bound"`
			Losses          map[string]float64 `json:"losses"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		events[ev.Event]++
		if ev.Event != "progress" {
			continue
		}
		if ev.Epochs != 2 || ev.EpochIterations != 2 || ev.EpochIteration < 1 || ev.ETA == nil || len(ev.Losses) == 0 {
			t.Errorf("progress event %s", line)
		}
		if _, err := time.Parse(time.RFC3339, ev.Ends); err != nil {
			t.Errorf("progress event's end time: %v", err)
		}
		// The last iteration mines; the three before it do not.
		if last := ev.Epoch == 2 && ev.EpochIteration == 2; ev.LowerBound == nil || *ev.LowerBound == last {
			t.Errorf("progress event's eta_lower_bound (want %v): %s", !last, line)
		}
	}
	if events["progress"] != 4 || events["iteration"] != 4 || events["epoch"] != 2 || events["done"] != 1 {
		t.Errorf("events %v, want 4 progress, 4 iteration, 2 epoch, 1 done", events)
	}

	tmpl := filepath.Join(dir, "e-s{seed}.ocgan")
	code, out, stderr = runCLI(t, "eval", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1", "--seeds", "2",
		"--train", "--epochs", "1", "--batch", "4", "--model", tmpl, "--progress-every", "1ns")
	if code != exitOK {
		t.Fatalf("eval --train: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"training run 1 of 2 (class 0 seed 1)\n", "training run 2 of 2 (class 0 seed 2), table ETA ",
		"class 0 seed 2: epoch 1/1 iteration 1/1 (100%)", "evaluating run 2 of 2 (class 0 seed 2), table ETA "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("eval stderr lacks %q:\n%s", want, stderr)
		}
	}
}
