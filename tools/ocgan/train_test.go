package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/spf13/pflag"
)

// writePNGs writes n 28x28 gray images of a class into dir: class 0 a vertical
// bar, class 1 a filled disc, each shifted a little.
func writePNGs(t *testing.T, dir string, class, n int) []string {
	return writeShapes(t, dir, class, n, 28, 28, false)
}

// writeShapes writes n w x h PNG images of a class into dir, gray or RGB:
// the drawings of writePNGs on a 28x28 grid, stretched to w x h.
func writeShapes(t *testing.T, dir string, class, n, w, h int, rgb bool) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := 0; i < n; i++ {
		var img interface {
			image.Image
			Set(x, y int, c color.Color)
		} = image.NewGray(image.Rect(0, 0, w, h))
		var ink color.Color = color.Gray{Y: 255}
		if rgb {
			img, ink = image.NewNRGBA(image.Rect(0, 0, w, h)), color.NRGBA{R: 255, G: 200, B: 40, A: 255}
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					img.Set(x, y, color.NRGBA{A: 255})
				}
			}
		}
		dx := i%3 - 1
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				gx, gy := x*28/w, y*28/h
				on := false
				if class == 0 {
					on = gx >= 12+dx && gx <= 15+dx && gy >= 4 && gy < 24
				} else {
					on = (gx-14-dx)*(gx-14-dx)+(gy-14)*(gy-14) < 64
				}
				if on {
					img.Set(x, y, ink)
				}
			}
		}
		p := filepath.Join(dir, filepath.Base(dir)+"_"+string(rune('a'+i))+".png")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	return paths
}

// TestTrainEvalScoreInspect runs the model commands end to end on a tiny image
// folder (two classes of synthetic shapes) on the default device: the kind of
// dataset (class folders) and its protocol (1) come from --data, and the
// class is given by its folder's name.
func TestTrainEvalScoreInspect(t *testing.T) {
	root := t.TempDir()
	bars := writePNGs(t, filepath.Join(root, "0-bar"), 0, 12)
	discs := writePNGs(t, filepath.Join(root, "1-disc"), 1, 12)
	model := filepath.Join(t.TempDir(), "bar.ocgan")

	code, out, stderr := runCLI(t, "train", "--data", root, "--class", "0-bar", "--epochs", "2", "--batch", "4", "--out", model, "--json")
	if code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, stderr)
	}
	var done struct {
		Event   string         `json:"event"`
		Summary map[string]any `json:"summary"`
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" {
		t.Fatalf("last JSON line %q: %v", lines[len(lines)-1], err)
	}
	epochs := strings.Count(out, `"event":"epoch"`)
	if epochs != 2 || done.Summary["auc"] == nil || done.Summary["threshold"] == nil {
		t.Fatalf("%d epoch records, summary %v", epochs, done.Summary)
	}

	if !strings.Contains(stderr, "--dataset folder") || !strings.Contains(stderr, "folder class 0 (0-bar), protocol 1") {
		t.Errorf("train log does not say how --data and --class were read:\n%s", stderr)
	}
	code, out, stderr = runCLI(t, "eval", "--model", model, "--data", root, "--class", "0-bar", "--json")
	if code != exitOK {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	if auc, ok := ev["auc"].(float64); !ok || auc < 0 || auc > 1 {
		t.Fatalf("eval auc %v", ev["auc"])
	}

	code, out, stderr = runCLI(t, "score", "--model", model, "--json", bars[0], discs[0])
	if code != exitOK {
		t.Fatalf("score: exit %d\n%s", code, stderr)
	}
	if n := strings.Count(out, `"score"`); n != 2 {
		t.Fatalf("score printed %d records:\n%s", n, out)
	}

	code, out, _ = runCLI(t, "inspect", model)
	for _, want := range []string{"geometry 28x28x1", "dataset: folder", "class: 0\n", "class_name: 0-bar", "protocol: 1"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Fatalf("inspect: exit %d, no %q\n%s", code, want, out)
		}
	}

	// Bad inputs: a damaged checkpoint names the file; usage errors exit 2.
	bad := filepath.Join(t.TempDir(), "bad.ocgan")
	data, _ := os.ReadFile(model)
	data[len(data)/2] ^= 1
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"inspect", bad}, exitRuntime, "bad.ocgan"},
		{[]string{"score", "--model", bad, bars[0]}, exitRuntime, "bad.ocgan"},
		{[]string{"score", "--model", model}, exitUsage, "images to score"},
		{[]string{"eval", "--model", model, "--protocol", "3"}, exitUsage, "--protocol"},
		{[]string{"train", "--dataset", "imagenet"}, exitUsage, "unknown --dataset"},
		{[]string{"train", "--mode", "bogus"}, exitUsage, "mode"},
		{[]string{"train", "--dataset", "folder", "--protocol", "2", "--data", root}, exitUsage, "--protocol 1"},
		{[]string{"eval", "--dataset", "folder"}, exitUsage, "--model is required"},
		{[]string{"score", "--model", model, filepath.Join(root, "missing.png")}, exitRuntime, "missing.png"},
	}
	for _, tc := range tests {
		code, out, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+stderr, tc.msg) {
			t.Errorf("ocgan %v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.msg, out, stderr)
		}
	}
}

// TestTrainResume: `train --epochs 1` then `train --epochs 2 --resume` on
// the same --out gives the checkpoint of `train --epochs 2` in one go, bit
// for bit (selected and last values, Adam state, counters, threshold,
// validation history), and --resume refuses other run settings.
func TestTrainResume(t *testing.T) {
	pinSGEMM(t) // the checkpoints are compared bit for bit across runs
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 8)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 8)
	dir := t.TempDir()
	trainArgs := func(out, class string, more ...string) []string {
		return append([]string{"train", "--dataset", "folder", "--data", root, "--class", class, "--protocol", "1",
			"--batch", "4", "--out", out, "--json"}, more...)
	}
	whole, resumed := filepath.Join(dir, "whole.ocgan"), filepath.Join(dir, "resumed.ocgan")
	if code, out, stderr := runCLI(t, trainArgs(whole, "0", "--epochs", "2")...); code != exitOK {
		t.Fatalf("train --epochs 2: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr := runCLI(t, trainArgs(resumed, "0", "--epochs", "1")...)
	if code != exitOK {
		t.Fatalf("train --epochs 1: exit %d\n%s\n%s", code, out, stderr)
	}
	// The mining schedule is a fraction of the planned iterations: a
	// 1-epoch run that mined in its epoch would differ from the first epoch
	// of a 2-epoch run (this set has too few iterations per epoch for that).
	if !strings.Contains(out, `"event":"epoch"`) || strings.Contains(out, `"mining":true`) {
		t.Fatalf("train --epochs 1 mined (or did not report its epoch):\n%s", out)
	}
	code, out, stderr = runCLI(t, trainArgs(resumed, "0", "--epochs", "2", "--resume")...)
	if code != exitOK {
		t.Fatalf("train --epochs 2 --resume: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "resuming from") || strings.Count(out, `"event":"epoch"`) != 1 {
		t.Fatalf("resumed run: want one more epoch\n%s\n%s", out, stderr)
	}

	want, err := checkpoint.Load(whole)
	if err != nil {
		t.Fatal(err)
	}
	got, err := checkpoint.Load(resumed)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := got.Train, want.Train; g.Epoch != 2 || g.Epoch != w.Epoch || g.Iteration != w.Iteration || g.Seed != w.Seed ||
		g.RNGCounter != w.RNGCounter || g.BestEpoch != w.BestEpoch || math.Float64bits(g.BestValMSE) != math.Float64bits(w.BestValMSE) ||
		math.Float64bits(g.Threshold) != math.Float64bits(w.Threshold) {
		t.Errorf("train state %+v, uninterrupted %+v", g, w)
	}
	if len(got.Tensors) != len(want.Tensors) || len(got.Tensors) == 0 {
		t.Fatalf("%d tensors, uninterrupted %d", len(got.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		if g.Name != w.Name || g.Role != w.Role || fmt.Sprint(g.Shape) != fmt.Sprint(w.Shape) || !sameFloats(g.Data, w.Data) {
			t.Errorf("tensor %d: %s %v %v differs from the uninterrupted run's %s %v %v", i, g.Name, g.Role, g.Shape, w.Name, w.Role, w.Shape)
		}
	}
	if len(got.Adam) != len(want.Adam) || len(got.Adam) == 0 {
		t.Fatalf("Adam state of %d parameters, uninterrupted %d", len(got.Adam), len(want.Adam))
	}
	for i, w := range want.Adam {
		g := got.Adam[i]
		if g.Name != w.Name || g.Steps != w.Steps || !sameFloats(g.M, w.M) || !sameFloats(g.V, w.V) {
			t.Errorf("Adam state %d (%s, %d steps) differs from the uninterrupted run's (%s, %d steps)", i, g.Name, g.Steps, w.Name, w.Steps)
		}
	}
	gr, err := train.ReadRecord(got)
	if err != nil {
		t.Fatal(err)
	}
	wr, err := train.ReadRecord(want)
	if err != nil {
		t.Fatal(err)
	}
	if len(wr.History) != 2 || !reflect.DeepEqual(gr.History, wr.History) || !reflect.DeepEqual(gr.Config, wr.Config) {
		t.Errorf("history %+v, uninterrupted %+v", gr.History, wr.History)
	}
	if got.Meta["status"] != "done" || got.Meta["test_auc"] != want.Meta["test_auc"] {
		t.Errorf("meta %v, uninterrupted %v", got.Meta, want.Meta)
	}

	tests := []struct {
		args []string
		msg  string
	}{
		{trainArgs(resumed, "1", "--epochs", "3", "--resume"), "--class"},
		{trainArgs(resumed, "0", "--epochs", "3", "--resume", "--mode", "ae"), "--mode"},
		{trainArgs(resumed, "0", "--epochs", "3", "--resume", "--seed", "2"), "--seed"},
		{trainArgs(resumed, "0", "--epochs", "3", "--resume", "--resize", "crop"), "--resize"},
		{trainArgs(resumed, "0", "--epochs", "3", "--resume", "--image-size", "32"), "ImageSize is 28 in the checkpoint"},
		{trainArgs(filepath.Join(dir, "missing.ocgan"), "0", "--resume"), "no checkpoint"},
	}
	for _, tc := range tests {
		code, out, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(out+stderr, tc.msg) {
			t.Errorf("ocgan %v: exit %d, want %d with %q\n%s%s", tc.args, code, exitUsage, tc.msg, out, stderr)
		}
	}
	// The refused runs left the checkpoint alone.
	if again, err := checkpoint.Load(resumed); err != nil || again.Train.Epoch != 2 {
		t.Errorf("checkpoint after the refused runs: %v", err)
	}
}

func sameFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestTrainingFlagsReachTheConfig: each training flag sets its field of the
// training configuration (and the model geometry), every other field keeps
// the paper's default.
func TestTrainingFlagsReachTheConfig(t *testing.T) {
	var o trainingOptions
	fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
	o.add(fs, "")
	if err := fs.Parse([]string{"--mode", "ae+dl", "--epochs", "7", "--batch", "32", "--latent", "8",
		"--mine-steps", "3", "--mine-step-size", "8", "--mine-start", "0.5", "--lambda", "5", "--latent-weight", "10",
		"--latent-double-sigmoid", "--noise", "0.1", "--lr", "0.001", "--dropout", "0.25", "--visual-width", "20",
		"--select-from", "0.2"}); err != nil {
		t.Fatal(err)
	}
	job, err := o.job(dataFlags{name: "mnist", protocol: 2, seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := train.DefaultConfig(job.cfg.Geometry)
	want.Mode, want.Epochs, want.Batch, want.Seed = train.LatentD, 7, 32, 3
	want.MineSteps, want.MineStepSize, want.MineStart = 3, 8, 0.5
	want.Lambda, want.LatentWeight, want.LatentDoubleSigmoid = 5, 10, true
	want.NoiseStd, want.LR, want.SelectFrom = 0.1, 0.001, 0.2
	if !reflect.DeepEqual(job.cfg, want) {
		t.Errorf("config\n%+v\nwant\n%+v", job.cfg, want)
	}
	if g := job.cfg.Geometry; g.Latent != 8 || g.DropoutP != 0.25 || g.VisualWidth != 20 {
		t.Errorf("geometry %+v: want latent 8, dropout 0.25, visual width 20", g)
	}
}
