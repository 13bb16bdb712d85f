package pipeline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// tinyConfig is a training configuration small enough for lavapipe:
// 12×12×1 images, L = 4, depth 2, batch 4.
func tinyConfig(t *testing.T, epochs int) train.Config {
	t.Helper()
	g := model.Geometry{
		Name: "tiny", ImageSize: 12, Channels: 1, Latent: 4,
		Depth: 2, Kernel: 5, Stride: 2,
		EncoderWidth: 4, VisualWidth: 2, ClassifierWidth: 4, LatentWidths: []int{8, 4},
		DropoutP: 0.5, DropoutBlock: 2,
		BNMomentum: 0.9, BNEps: 1e-5, LeakySlope: 0.2,
	}
	geo, err := g.Derive()
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig(geo)
	cfg.Batch, cfg.ScoreBatch, cfg.Epochs, cfg.Seed = 4, 8, epochs, 3
	return cfg
}

// images returns n 12×12 images of kind (0: a centred square, 1: a cross)
// with N(0, 0.05²) noise from the Philox stream at base.
func images(t *testing.T, kind, n int, base uint64) *dataset.Dataset {
	t.Helper()
	const s = 12
	var px []float32
	for i := 0; i < n; i++ {
		noise := kernels.FillNormal(s*s, 5, base+uint64(i), 0.05)
		for y := 0; y < s; y++ {
			for x := 0; x < s; x++ {
				v := float32(-1)
				if (kind == 0 && x >= 3 && x < 9 && y >= 3 && y < 9) || (kind == 1 && (x == 5 || y == 5)) {
					v = 1
				}
				px = append(px, max(-1, min(1, v+noise[y*s+x])))
			}
		}
	}
	d, err := dataset.New(1, s, s, px, make([]int, n))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// data is a split of squares (the class) with a test set of squares and
// crosses.
func data(t *testing.T) Data {
	t.Helper()
	test, err := dataset.Concat(images(t, 0, 4, 2000), images(t, 1, 4, 3000))
	if err != nil {
		t.Fatal(err)
	}
	split := &dataset.Split{Train: images(t, 0, 8, 0), Val: images(t, 0, 4, 1000), Test: test, Novel: []int{0, 0, 0, 0, 1, 1, 1, 1}}
	return Data{Split: split, Label: "8 train / 4 val / 8 test images"}
}

func cpuOpen() (backend.Backend, error) { return device.Open(device.Config{Device: "cpu"}) }

// newJob is a job of cfg on d on the native CPU backend writing out.
func newJob(cfg train.Config, d Data, out string) *Job {
	return &Job{Config: cfg, Preprocess: checkpoint.DefaultPreprocessing(cfg.Geometry),
		Calibration: calibrate.Options{Method: calibrate.Quantile, Quantile: 0.9},
		Meta:        map[string]string{"dataset": "synthetic", MetaVersion: "1.2.3"}, Out: out,
		Load: func() (Data, error) { return d, nil }, Open: cpuOpen}
}

// TestRun: a run saves a finished checkpoint that records its threshold,
// calibration, test AUC, status and Meta, and that scores the test images
// as the summary says.
func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.ocgan")
	d := data(t)
	j := newJob(tinyConfig(t, 2), d, out)
	var log bytes.Buffer
	var started string
	j.Log, j.Started = &log, func(device string, got Data) { started = device + " " + got.Label }
	epochs := 0
	j.Progress = func(p train.Progress) {
		if p.EpochEnd {
			epochs++
		}
	}
	sum, err := j.Run()
	if err != nil {
		t.Fatal(err)
	}
	if epochs != 2 || len(sum.Result.History) != 2 || !strings.HasSuffix(started, " 8 train / 4 val / 8 test images") || sum.Elapsed <= 0 {
		t.Errorf("%d epochs reported, history %d, started %q, elapsed %v", epochs, len(sum.Result.History), started, sum.Elapsed)
	}
	if math.IsNaN(sum.AUC) || sum.AUC < 0 || sum.AUC > 1 || sum.TestNormal != nil {
		t.Errorf("AUC %v, own-test scores %v", sum.AUC, sum.TestNormal)
	}
	ck, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := ck.Calibration()
	if err != nil || cal != sum.Threshold.Record() || ck.Train.Threshold != sum.Threshold.Value {
		t.Errorf("calibration %+v (%v), threshold %v; summary %+v", cal, err, ck.Train.Threshold, sum.Threshold)
	}
	if !strings.HasPrefix(cal.Method, "quantile 0.9 of 4 validation scores") {
		t.Errorf("method %q", cal.Method)
	}
	m := ck.Meta
	p := ReadProvenance(ck)
	if m["dataset"] != "synthetic" || m[train.MetaStatus] != train.StatusDone || p.Device != sum.Device || p.Created == "" ||
		m[MetaTestAUC] != strconv.FormatFloat(sum.AUC, 'f', 6, 64) {
		t.Errorf("meta %v", m)
	}
	if p.Version != "1.2.3" || p.Commit != "" || (Provenance{Version: "v", Commit: "c"}).Meta()[MetaCommit] != "c" {
		t.Errorf("provenance %+v", p)
	}
	if rec, err := train.ReadRecord(ck); err != nil || !rec.Done() || len(rec.History) != 2 {
		t.Errorf("training record %+v, %v", rec, err)
	}
	if strings.Contains(log.String(), "budget") {
		t.Errorf("log without a budget: %q", log.String())
	}
}

// TestRunOwnTest: with Data.Test the run scores its images, measures their
// AUC and chooses an F1-optimal threshold on the novel ones.
func TestRunOwnTest(t *testing.T) {
	d := data(t)
	d.Test = &Test{Normal: images(t, 0, 5, 4000), Novel: images(t, 1, 3, 5000)}
	d.CalNovel = d.Test.Novel
	j := newJob(tinyConfig(t, 1), d, filepath.Join(t.TempDir(), "m.ocgan"))
	j.Calibration.Method = calibrate.F1
	sum, err := j.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.TestNormal) != 5 || len(sum.TestNovel) != 3 {
		t.Fatalf("%d normal and %d novel scores, want 5 and 3", len(sum.TestNormal), len(sum.TestNovel))
	}
	auc, err := metrics.AUC(append(slices.Clone(sum.TestNormal), sum.TestNovel...), []bool{false, false, false, false, false, true, true, true})
	if err != nil || auc != sum.AUC {
		t.Errorf("AUC %v, of the scores %v (%v)", sum.AUC, auc, err)
	}
	if !strings.HasPrefix(sum.Threshold.Method, "F1-optimal on 4 validation + 3 novel images") {
		t.Errorf("method %q", sum.Threshold.Method)
	}
	d.Test.Novel = nil
	d.CalNovel = nil
	j = newJob(tinyConfig(t, 1), d, filepath.Join(t.TempDir(), "m.ocgan"))
	if sum, err = j.Run(); err != nil || !math.IsNaN(sum.AUC) || len(sum.TestNormal) != 5 || sum.TestNovel != nil {
		t.Errorf("without novel test images: %v, AUC %v", err, sum)
	}
}

// TestResume: a run continued from the checkpoint of its first epoch ends
// where an uninterrupted one does; a checkpoint of another configuration
// is a ResumeError wrapping train.ErrConfigMismatch.
func TestResume(t *testing.T) {
	t.Setenv("OCGAN_BLAS", "dnnl") // bit for bit holds on one SGEMM library
	dir := t.TempDir()
	d := data(t)
	whole, part := filepath.Join(dir, "whole.ocgan"), filepath.Join(dir, "part.ocgan")
	if _, err := newJob(tinyConfig(t, 2), d, whole).Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := newJob(tinyConfig(t, 1), d, part).Run(); err != nil {
		t.Fatal(err)
	}
	resumed, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	j := newJob(tinyConfig(t, 2), d, part)
	j.Resumed = resumed
	var log bytes.Buffer
	j.Log = &log
	if _, err := j.Run(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "resuming from "+part+" after epoch 1") {
		t.Errorf("log %q", log.String())
	}
	want, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	got, err := checkpoint.Load(part)
	if err != nil {
		t.Fatal(err)
	}
	gs, err := train.ResumeState(got)
	if err != nil {
		t.Fatal(err)
	}
	ws, err := train.ResumeState(want)
	if err != nil {
		t.Fatal(err)
	}
	if gs.Epoch != 2 || gs.Iteration != ws.Iteration || gs.Counter != ws.Counter || gs.BestEpoch != ws.BestEpoch ||
		got.Train.Threshold != want.Train.Threshold || got.Meta["test_auc"] != want.Meta["test_auc"] {
		t.Errorf("resumed run: %+v threshold %v, uninterrupted %+v threshold %v", got.Train, got.Train.Threshold, want.Train, want.Train.Threshold)
	}
	for name, w := range ws.Params {
		if !slices.Equal(gs.Params[name], w) {
			t.Errorf("parameter %s differs from the uninterrupted run's", name)
		}
	}

	other := newJob(tinyConfig(t, 3), d, part)
	other.Config.Lambda = 5
	other.Resumed = got
	_, err = other.Run()
	var re *ResumeError
	if !errors.As(err, &re) || !errors.Is(err, train.ErrConfigMismatch) {
		t.Errorf("resuming with another λ: %v, want a ResumeError wrapping ErrConfigMismatch", err)
	}
}

// TestDeviceLossKeepsLastCheckpoint loses the Vulkan device at the start of
// the second epoch of a run: the run fails with a TrainError that wraps
// ErrDeviceLost and says Out was saved, and the checkpoint on disk is, byte
// for byte, the one written after the first epoch, with no temporary file
// left beside it.
func TestDeviceLossKeepsLastCheckpoint(t *testing.T) {
	outDir := t.TempDir()
	out := filepath.Join(outDir, "model.ocgan")
	j := newJob(tinyConfig(t, 2), data(t), out)
	j.Log = io.Discard
	ctx := vktest.Open(t) // its cleanup closes it: the outcome, validation messages included
	j.Open = func() (backend.Backend, error) { return program.NewBackend(vulkan.NewLibrary(ctx)), nil }
	var first []byte
	var readErr error
	j.Progress = func(p train.Progress) {
		if p.Epoch == 2 && p.EpochIteration == 1 && !p.EpochEnd && first == nil {
			if first, readErr = os.ReadFile(out); readErr != nil {
				t.Errorf("no checkpoint after the first epoch: %v", readErr)
			}
			ctx.SimulateDeviceLoss(2)
		}
	}
	_, err := j.Run()
	var te *TrainError
	if !errors.Is(err, vk.ErrDeviceLost) || !errors.As(err, &te) || !te.Saved {
		t.Fatalf("training on a lost device: %v; want a TrainError with Saved wrapping ErrDeviceLost", err)
	}
	if first == nil {
		t.Fatal("the device was never lost")
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, first) {
		t.Fatalf("the checkpoint changed after the device was lost (read error %v)", err)
	}
	ck, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if st := ck.Meta[train.MetaStatus]; st != "training: epoch 1 of 2" {
		t.Errorf("checkpoint status %q, want epoch 1 of 2", st)
	}
	entries, err := os.ReadDir(outDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("files beside the checkpoint: %v", entries)
	}
}

// TestInterruptSavesPartialEpoch: a Job whose Context ends inside epoch 2
// saves the run as it stands (status, the part of the epoch) and returns a
// TrainError with Saved wrapping train.ErrInterrupted; a Job that resumes
// the checkpoint finishes with the uninterrupted run's parameters. A
// Context done before training saves nothing.
func TestInterruptSavesPartialEpoch(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyConfig(t, 2)
	d := data(t)
	whole := newJob(cfg, d, filepath.Join(dir, "whole.ocgan"))
	if _, err := whole.Run(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "m.ocgan")
	j := newJob(cfg, d, out)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	j.Context = ctx
	j.Progress = func(p train.Progress) {
		if p.Epoch == 2 && p.EpochIteration == 1 && !p.EpochEnd {
			cancel(errors.New("stop"))
		}
	}
	_, err := j.Run()
	var te *TrainError
	if !errors.Is(err, train.ErrInterrupted) || !errors.As(err, &te) || !te.Saved {
		t.Fatalf("interrupted job: %v; want a TrainError with Saved wrapping ErrInterrupted", err)
	}
	ck, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := train.ReadRecord(ck)
	if st := ck.Meta[train.MetaStatus]; st != train.InterruptedStatus(2, 1, 2) || err != nil || rec.Partial == nil || rec.Partial.Iterations != 1 {
		t.Fatalf("checkpoint status %q, part of epoch %+v (%v)", st, rec.Partial, err)
	}
	j = newJob(cfg, d, out)
	j.Resumed = ck
	if _, err := j.Run(); err != nil {
		t.Fatal(err)
	}
	got, err := checkpoint.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := checkpoint.Load(whole.Out)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want.Tensors {
		for k := range w.Data {
			if g := got.Tensors[i]; g.Name != w.Name || math.Float32bits(g.Data[k]) != math.Float32bits(w.Data[k]) {
				t.Fatalf("tensor %s[%d] after the interruption: %v, uninterrupted %v", w.Name, k, g.Data[k], w.Data[k])
			}
		}
	}

	early := newJob(cfg, d, filepath.Join(dir, "early.ocgan"))
	done, cancelEarly := context.WithCancel(context.Background())
	cancelEarly()
	early.Context = done
	if _, err := early.Run(); !errors.Is(err, train.ErrInterrupted) || !errors.As(err, &te) || te.Saved {
		t.Errorf("interrupted before training: %v (saved %v)", err, te != nil && te.Saved)
	}
	if _, err := os.Stat(early.Out); !os.IsNotExist(err) {
		t.Errorf("interrupted before training: a checkpoint (%v)", err)
	}
}

func TestIncompleteJob(t *testing.T) {
	full := newJob(tinyConfig(t, 1), data(t), filepath.Join(t.TempDir(), "m.ocgan"))
	for name, drop := range map[string]func(j *Job){
		"no Load": func(j *Job) { j.Load = nil },
		"no Open": func(j *Job) { j.Open = nil },
		"no Out":  func(j *Job) { j.Out = "" },
	} {
		j := *full
		drop(&j)
		if _, err := j.Run(); !errors.Is(err, ErrIncomplete) {
			t.Errorf("%s: %v, want ErrIncomplete", name, err)
		}
	}
}

func TestBudgetNote(t *testing.T) {
	now := time.Date(2025, 3, 4, 14, 0, 0, 0, time.UTC)
	got := BudgetNote(10*time.Minute, 0, 3*time.Second, now)
	want := "budget 10m00s of training: training ends about 14:10:00, then the end evaluation; the budget counts from the first iteration, not the start-up (loading the data and compiling: 3s so far)"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got := BudgetNote(10*time.Minute, 4*time.Minute, time.Second, now); !strings.Contains(got, "budget 10m00s of training, 6m00s left after the resumed run's 4m00s: training ends about 14:06:00") {
		t.Errorf("resumed: %q", got)
	}
}

// TestMeasure: the measurement of a trained model on a split's test set
// agrees with the scorer's own AUC and the metrics of its scores.
func TestMeasure(t *testing.T) {
	d := data(t)
	be, err := cpuOpen()
	if err != nil {
		t.Fatal(err)
	}
	defer be.Close()
	tr, err := train.NewTrainer(be, tinyConfig(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Free()
	if _, err := tr.Run(d.Split, nil); err != nil {
		t.Fatal(err)
	}
	s := tr.Scorer()
	m, err := Measure(s, d.Split, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	auc, scores, err := s.Evaluate(d.Split)
	if err != nil {
		t.Fatal(err)
	}
	novel := []bool{false, false, false, false, true, true, true, true}
	conf, err := metrics.ConfusionAt(scores, novel, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if m.AUC != auc || !slices.Equal(m.Scores, scores) || !slices.Equal(m.Novel, novel) || m.Confusion != conf {
		t.Errorf("measurement %+v; scorer AUC %v scores %v confusion %+v", m, auc, scores, conf)
	}
	if n := len(m.ROC); n < 2 || m.ROC[0].FPR != 0 || m.ROC[0].TPR != 0 || m.ROC[n-1].FPR != 1 || m.ROC[n-1].TPR != 1 {
		t.Errorf("ROC %v: want it from (0, 0) to (1, 1)", m.ROC)
	}
	empty := &dataset.Split{Train: d.Split.Train, Val: d.Split.Val}
	if _, err := Measure(s, empty, 0.5); err == nil {
		t.Error("a split without test images was measured")
	}
}

// TestScoreBatchFor: the scoring batch is the configured one, or the size of
// the largest image set the run scores when that is smaller.
func TestScoreBatchFor(t *testing.T) {
	set := func(n int) *dataset.Dataset { return images(t, 0, n, 100) }
	cases := []struct {
		name  string
		batch int
		d     Data
		want  int
	}{
		{"validation only", 256, Data{Split: &dataset.Split{Val: set(3)}}, 3},
		{"the split's test is larger", 256, Data{Split: &dataset.Split{Val: set(3), Test: set(7)}}, 7},
		{"calibration's novel images", 256, Data{Split: &dataset.Split{Val: set(3)}, CalNovel: set(9)}, 9},
		{"an end evaluation's novel images", 256, Data{Split: &dataset.Split{Val: set(3)}, Test: &Test{Normal: set(2), Novel: set(11)}}, 11},
		{"an end evaluation without novel images", 256, Data{Split: &dataset.Split{Val: set(3)}, Test: &Test{Normal: set(5)}}, 5},
		{"larger sets keep the batch", 4, Data{Split: &dataset.Split{Val: set(3), Test: set(7)}}, 4},
		{"no images", 256, Data{Split: &dataset.Split{}}, 1},
	}
	for _, c := range cases {
		if got := scoreBatchFor(c.batch, c.d); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}
