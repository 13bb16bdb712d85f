package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// TestEvalResultsRecord trains a model through eval --train --results and
// checks the record it writes against the eval report and the checkpoint;
// a checkpoint without a training record is refused, naming the file.
func TestEvalResultsRecord(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 10)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 10)
	dir := t.TempDir()
	resDir := filepath.Join(dir, "results")
	model := filepath.Join(dir, "m-{class}-{seed}.ocgan")
	args := []string{"eval", "--dataset", "folder", "--data", root, "--protocol", "1", "--class", "1", "--seed", "3",
		"--model", model, "--results", resDir, "--json"}
	code, out, stderr := runCLI(t, append(args, "--train", "--mode", "ae", "--epochs", "2", "--batch", "4", "--mine-steps", "0")...)
	if code != exitOK {
		t.Fatalf("eval --train --results: exit %d\n%s\n%s", code, out, stderr)
	}
	var rep struct {
		AUC        float64
		TestImages int `json:"test_images"`
		Device     string
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	path := filepath.Join(resDir, "folder-p1-ae-c1-s3.json")
	if !strings.Contains(stderr, "result written to "+path) {
		t.Errorf("stderr does not name the record %s:\n%s", path, stderr)
	}
	rec, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	modelPath := filepath.Join(dir, "m-1-3.ocgan")
	ck, err := checkpoint.Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	tr := rec.Training
	if rec.AUC != rep.AUC || rec.TestImages != rep.TestImages || rec.Model != modelPath || rec.Eval.Device != rep.Device {
		t.Errorf("record %+v, eval report %+v", rec, rep)
	}
	if tr.Epochs != 2 || tr.EpochsTrained != ck.Train.Epoch || tr.Iterations != ck.Train.Iteration || tr.Batch != 4 ||
		tr.SelectedEpoch != ck.Train.BestEpoch || tr.SelectedValMSE != ck.Train.BestValMSE || tr.MineSteps != 0 ||
		tr.Lambda != 10 || tr.Noise != 0.2 || tr.LR != 0.0002 || tr.Latent != 16 || tr.StoppedByBudget || tr.WallSeconds <= 0 {
		t.Errorf("training record %+v; checkpoint %+v", tr, ck.Train)
	}
	if tr.Device != ck.Meta["device"] || tr.Date != ck.Meta["created"] || tr.Commit != buildCommit() || tr.Version != version {
		t.Errorf("training run %+v; checkpoint meta %v", tr.Run, ck.Meta)
	}
	if d, err := time.Parse(time.RFC3339, rec.Eval.Date); err != nil || time.Since(d) > time.Hour {
		t.Errorf("eval date %q", rec.Eval.Date)
	}

	// A checkpoint whose training record is gone.
	delete(ck.Meta, metaRun)
	bare := filepath.Join(dir, "bare.ocgan")
	if err := checkpoint.Save(bare, ck); err != nil {
		t.Fatal(err)
	}
	bareDir := filepath.Join(dir, "bare-results")
	code, _, stderr = runCLI(t, "eval", "--dataset", "folder", "--data", root, "--protocol", "1", "--class", "1", "--seed", "3",
		"--model", bare, "--results", bareDir)
	if code != exitRuntime || !strings.Contains(stderr, bare) || !strings.Contains(stderr, "no training record") {
		t.Errorf("eval --results of a checkpoint without a training record: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(bareDir); !os.IsNotExist(err) {
		t.Errorf("a results folder was made for a refused record: %v", err)
	}
}
