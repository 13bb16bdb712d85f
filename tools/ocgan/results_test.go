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
	"github.com/ocgan-vk/ocgan/ocgan/train"
)

// TestEvalResultsRecord resumes an interrupted training through eval --train
// --results and checks the record it writes against the eval report and the
// checkpoint; a checkpoint whose training is not finished or that holds no
// training record, and a run evaluated as another seed, are refused with an
// error naming the file.
func TestEvalResultsRecord(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 10)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 10)
	dir := t.TempDir()
	resDir := filepath.Join(dir, "results")
	modelPath := filepath.Join(dir, "m-1-3.ocgan")
	data := []string{"--dataset", "folder", "--data", root, "--protocol", "1", "--class", "1", "--seed", "3"}
	settings := []string{"--mode", "ae", "--batch", "4", "--mine-steps", "0", "--mine-step-size", "0.5", "--dropout", "0.25", "--latent-weight", "10", "--visual-width", "20", "--select-from", "0.5"}
	run := func(want int, args ...string) (string, string) {
		t.Helper()
		code, out, stderr := runCLI(t, args...)
		if code != want {
			t.Fatalf("ocgan %v: exit %d, want %d\n%s\n%s", args, code, want, out, stderr)
		}
		return out, stderr
	}
	// One epoch, then marked as interrupted after it (as a killed run of
	// two epochs leaves it).
	run(exitOK, append(append([]string{"train", "--epochs", "1", "--out", modelPath}, data...), settings...)...)
	setMeta(t, modelPath, metaStatus, "training: epoch 1 of 2")
	args := append([]string{"eval", "--model", filepath.Join(dir, "m-{class}-{seed}.ocgan"), "--results", resDir, "--json"}, data...)
	out, stderr := run(exitOK, append(append(args, "--train", "--epochs", "2", "--epoch-auc"), settings...)...)
	if !strings.Contains(stderr, "resuming from "+modelPath+" after epoch 1") {
		t.Errorf("eval --train did not resume the interrupted training:\n%s", stderr)
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
	ck, err := checkpoint.Load(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	tr := rec.Training
	if rec.AUC != rep.AUC || rec.TestImages != rep.TestImages || rec.Model != modelPath || rec.Eval.Device != rep.Device {
		t.Errorf("record %+v, eval report %+v", rec, rep)
	}
	if tr.Epochs != 2 || tr.EpochsTrained != 2 || ck.Train.Epoch != 2 || tr.Iterations != ck.Train.Iteration || tr.Batch != 4 ||
		tr.SelectedEpoch != ck.Train.BestEpoch || tr.SelectedValMSE != ck.Train.BestValMSE || tr.MineSteps != 0 ||
		tr.MineStepSize != 0.5 || tr.Lambda != 10 || tr.Noise != 0.2 || tr.LR != 0.0002 || tr.Latent != 16 || tr.StoppedByBudget || tr.WallSeconds <= 0 ||
		tr.Dropout == nil || *tr.Dropout != 0.25 || ck.Geometry.DropoutP != 0.25 ||
		tr.LatentWeight == nil || *tr.LatentWeight != 10 ||
		tr.VisualWidth != 20 || ck.Geometry.VisualWidth != 20 ||
		tr.ImageSize != ck.Geometry.ImageSize || tr.Channels != ck.Geometry.Channels || tr.ImageSize == 0 ||
		tr.SelectFrom != 0.5 || tr.SelectedEpoch != 2 { // the second half of 2 epochs: epoch 2 alone

		t.Errorf("training record %+v; checkpoint %+v", tr, ck.Train)
	}
	if tr.Device != ck.Meta["device"] || tr.Date != ck.Meta["created"] || tr.Commit != buildCommit() || tr.Version != version {
		t.Errorf("training run %+v; checkpoint meta %v", tr.Run, ck.Meta)
	}
	// The curve: epoch 1 ran without --epoch-auc, epoch 2 (resumed) with it.
	if c := tr.Curve; len(c) != 2 || c[0].Epoch != 1 || c[0].TestAUC != nil || c[1].Epoch != 2 || c[1].TestAUC == nil ||
		c[tr.SelectedEpoch-1].ValMSE != tr.SelectedValMSE {
		t.Errorf("training curve %+v (selected epoch %d, validation MSE %v)", c, tr.SelectedEpoch, tr.SelectedValMSE)
	} else if tr.SelectedEpoch == 2 && *c[1].TestAUC != rec.AUC {
		t.Errorf("epoch 2 was selected: its test AUC %v, the record's %v", *c[1].TestAUC, rec.AUC)
	}
	if !strings.Contains(stderr, "epoch 2: validation MSE ") || !strings.Contains(stderr, " (test AUC ") {
		t.Errorf("the epoch line does not show the test AUC:\n%s", stderr)
	}
	if _, stderr := run(exitUsage, "train", "--dataset", "images", "--data", root, "--epoch-auc", "--out", filepath.Join(dir, "x.ocgan")); !strings.Contains(stderr, "--epoch-auc") {
		t.Errorf("--epoch-auc with --dataset images:\n%s", stderr)
	}
	if d, err := time.Parse(time.RFC3339, rec.Eval.Date); err != nil || time.Since(d) > time.Hour {
		t.Errorf("eval date %q", rec.Eval.Date)
	}

	// --score-noise: the finished model evaluated again, on noisy input:
	// other scores, the σ in the record and the report; bad values refused.
	noisyDir := filepath.Join(dir, "noisy")
	cleanCSV, noisyCSV := filepath.Join(dir, "clean.csv"), filepath.Join(dir, "noisy.csv")
	run(exitOK, append(args[:len(args):len(args)], "--scores", cleanCSV)...)
	nargs := append([]string{"eval", "--model", filepath.Join(dir, "m-{class}-{seed}.ocgan"), "--results", noisyDir, "--json",
		"--score-noise", "0.2", "--scores", noisyCSV}, data...)
	out, _ = run(exitOK, nargs...)
	if !strings.Contains(out, `"score_noise":0.2`) {
		t.Errorf("eval --score-noise --json does not report the noise:\n%s", out)
	}
	if out, _ := run(exitOK, append(nargs[:len(nargs):len(nargs)], "--json=false")...); !strings.Contains(out, "scored on input with noise σ 0.2") {
		t.Errorf("eval --score-noise does not say so:\n%s", out)
	}
	noisy, err := results.Read(filepath.Join(noisyDir, "folder-p1-ae-c1-s3.json"))
	if err != nil {
		t.Fatal(err)
	}
	if noisy.ScoreNoise != 0.2 || rec.ScoreNoise != 0 || noisy.Training.SelectedEpoch != tr.SelectedEpoch || noisy.TestImages != rec.TestImages {
		t.Errorf("record with --score-noise 0.2: score_noise %v (clean record %v), training %+v", noisy.ScoreNoise, rec.ScoreNoise, noisy.Training)
	}
	if a, b := readFile(t, cleanCSV), readFile(t, noisyCSV); a == b {
		t.Errorf("the scores with --score-noise 0.2 are the clean scores:\n%s", a)
	}
	for _, bad := range [][]string{{"--score-noise", "-0.5"}, {"--score-noise", "NaN"}, {"--maps", filepath.Join(dir, "maps")}} {
		if _, stderr := run(exitUsage, append(nargs[:len(nargs):len(nargs)], bad...)...); !strings.Contains(stderr, "--score-noise") {
			t.Errorf("%v: %s", bad, stderr)
		}
	}
	if _, stderr := run(exitUsage, "eval", "--model", modelPath, "--normal", root, "--novel", root, "--score-noise", "0.2"); !strings.Contains(stderr, "--score-noise does not apply") {
		t.Errorf("--score-noise with --normal: %s", stderr)
	}

	// Refused: a checkpoint whose training has not finished, or that holds
	// no training record, or evaluated as another seed.
	d := dataFlags{name: "folder", protocol: 1}
	r := evalRun{Class: 1, Seed: 3, Model: modelPath, AUC: rec.AUC, TestImages: rec.TestImages}
	if _, err := resultRecord(ck, d, r, "dev"); err != nil {
		t.Fatalf("the finished checkpoint: %v", err)
	}
	for _, c := range []struct {
		key, value string
		seed       uint64
		want       string
	}{
		{metaStatus, "training: epoch 1 of 2", 3, "not finished"},
		{train.MetaRun, "", 3, "no training record"},
		{metaStatus, metaStatusDone, 4, "--seed 3"},
	} {
		ck, err := checkpoint.Load(modelPath)
		if err != nil {
			t.Fatal(err)
		}
		ck.Meta[c.key] = c.value
		r.Seed = c.seed
		if _, err := resultRecord(ck, d, r, "dev"); err == nil || !strings.Contains(err.Error(), modelPath) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("meta %s=%q, seed %d: %v, want an error naming the file and %q", c.key, c.value, c.seed, err, c.want)
		}
	}

	// The latent discriminator's double sigmoid reaches the record, in a
	// mode that has the latent discriminator; in one without, the
	// checkpoint is refused.
	r.Seed = 3
	for _, mode := range []train.Mode{train.LatentD, train.AutoEncoder} {
		ck, err := checkpoint.Load(modelPath)
		if err != nil {
			t.Fatal(err)
		}
		var cfg map[string]any
		if err := json.Unmarshal([]byte(ck.Meta[train.MetaConfig]), &cfg); err != nil {
			t.Fatal(err)
		}
		cfg["LatentDoubleSigmoid"], cfg["Mode"] = true, int(mode)
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ck.Meta[train.MetaConfig] = string(b)
		rec, err := resultRecord(ck, d, r, "dev")
		switch {
		case mode.HasLatentDiscriminator() && (err != nil || !rec.Training.LatentDoubleSigmoid || rec.Mode != mode.String()):
			t.Errorf("mode %v with the double sigmoid: record %+v, %v", mode, rec, err)
		case !mode.HasLatentDiscriminator() && (err == nil || !strings.Contains(err.Error(), "latent_double_sigmoid")):
			t.Errorf("mode %v with the double sigmoid: %v, want an error naming it", mode, err)
		}
	}
}

// setMeta sets one Meta entry of the checkpoint at path.
func setMeta(t *testing.T, path, key, value string) {
	t.Helper()
	ck, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ck.Meta[key] = value
	if err := checkpoint.Save(path, ck); err != nil {
		t.Fatal(err)
	}
}

// readFile returns the file's contents, failing the test when it cannot.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
