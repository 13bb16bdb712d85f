package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/metrics"
)

func TestResolveClass(t *testing.T) {
	// Class folders as ReadImageFolder numbers them: the folder named "7" is
	// class 1, so --class 7 is that folder, and --class 1 the folder "7"'s
	// neighbour named "1"... which is class 0.
	folders := []string{"1", "7", "ant"}
	for _, tc := range []struct {
		arg   string
		names []string
		want  int // -1: an error
	}{
		{"7", folders, 1}, {"1", folders, 0}, {"ant", folders, 2}, {"2", folders, 2}, {"0", folders, 0},
		{"3", folders, -1}, {"bee", folders, -1}, {"-1", folders, -1}, {"+2", folders, -1},
		{"3", nil, 3}, {"x", nil, -1}, {"", nil, -1},
	} {
		got, err := resolveClass(tc.arg, tc.names)
		if tc.want < 0 {
			var ue usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--class") {
				t.Errorf("resolveClass(%q, %q) = %d, %v; want a usage error naming --class", tc.arg, tc.names, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("resolveClass(%q, %q) = %d, %v; want %d", tc.arg, tc.names, got, err, tc.want)
		}
	}
}

// TestDetectDatasetAndProtocol: the dataset kind detected from --data, and
// the protocol each kind takes without --protocol.
func TestDetectDatasetAndProtocol(t *testing.T) {
	layouts := map[string][]string{
		"idx":     {dataset.TrainImagesFile, dataset.TrainLabelsFile, dataset.TestImagesFile + ".gz", dataset.TestLabelsFile + ".gz"},
		"cifar":   {"data_batch_1.bin", dataset.CIFARTestFile},
		"classes": {"bar/a.png", "disc/a.png"},
		"flat":    {"a.png", "b.png"},
		"nested":  {"lot1/day1/a.png", "b.png"},
	}
	dirs := map[string]string{}
	for name, files := range layouts {
		dirs[name] = t.TempDir()
		for _, f := range files {
			p := filepath.Join(dirs[name], f)
			if strings.HasSuffix(f, ".png") {
				writeShapes(t, filepath.Dir(p), 0, 1, 3, 2, false)
				continue
			}
			if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		data       string
		classGiven bool
		want       string
		protocol   int
	}{
		{"", false, "mnist", 2},
		{"idx", false, "mnist", 2},
		{"cifar", true, "cifar10", 2},
		{"classes", true, "folder", 1},
		{"classes", false, datasetImages, 0},
		{"flat", false, datasetImages, 0},
		{"nested", false, datasetImages, 0},
	} {
		d := dataFlags{path: dirs[tc.data]}
		if err := d.resolve(tc.classGiven); err != nil || d.name != tc.want || d.protocol != tc.protocol {
			t.Errorf("--data %s (class given %v): --dataset %q --protocol %d, %v; want %q %d",
				tc.data, tc.classGiven, d.name, d.protocol, err, tc.want, tc.protocol)
		}
		if tc.data != "" && !strings.Contains(d.detected, dirs[tc.data]) {
			t.Errorf("--data %s: the note %q does not name the folder", tc.data, d.detected)
		}
	}
	for _, tc := range []struct {
		d   dataFlags
		msg string
	}{
		{dataFlags{name: "folder", protocol: 2}, "--protocol 1"},
		{dataFlags{name: datasetImages, path: dirs["flat"], protocol: 1}, "--protocol"},
		{dataFlags{name: datasetImages}, "--data"},
		{dataFlags{name: "mnist", protocol: 3}, "--protocol"},
		{dataFlags{name: "imagenet"}, "unknown --dataset"},
	} {
		d := tc.d
		err := d.resolve(true)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("resolve(%+v): %v, want a usage error with %q", tc.d, err, tc.msg)
		}
	}
}

// ownImages is a folder of normal images (bars: gray 30x22 PNGs, and RGB
// 22x30 ones a level deeper), held-out normal test images and anomalies
// (discs), as a user would have them.
type ownImages struct {
	data, test, novel string
	dataFiles         []string
	testFiles         []string
	novelFiles        []string
}

func writeOwnImages(t *testing.T) ownImages {
	root := t.TempDir()
	o := ownImages{data: filepath.Join(root, "parts"), test: filepath.Join(root, "good"), novel: filepath.Join(root, "defects")}
	o.dataFiles = append(writeShapes(t, filepath.Join(o.data, "lot1"), 0, 6, 30, 22, false),
		writeShapes(t, filepath.Join(o.data, "lot2", "rgb"), 0, 4, 22, 30, true)...)
	o.testFiles = writeShapes(t, o.test, 0, 3, 30, 22, false)
	o.novelFiles = append(writeShapes(t, filepath.Join(o.novel, "gray"), 1, 3, 30, 22, false),
		writeShapes(t, filepath.Join(o.novel, "rgb"), 1, 3, 22, 30, true)...)
	return o
}

// trainDone returns the summary of the last line of `train --json`.
func trainDone(t *testing.T, out string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var done struct {
		Event   string         `json:"event"`
		Summary map[string]any `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &done); err != nil || done.Event != "done" {
		t.Fatalf("last JSON line %q: %v", lines[len(lines)-1], err)
	}
	return done.Summary
}

// TestTrainAndEvalOwnImages trains on a folder of normal images alone (no
// --dataset: detected), with --test and --novel for the end evaluation,
// checks that `eval --normal --novel` reports the same evaluation and that
// it agrees with `score`, and that --threshold f1 stores the F1-optimal
// threshold of the validation and novel images.
func TestTrainAndEvalOwnImages(t *testing.T) {
	pinSGEMM(t)
	o := writeOwnImages(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "parts.ocgan")
	code, out, stderr := runCLI(t, "train", "--data", o.data, "--novel", o.novel, "--test", o.test,
		"--epochs", "1", "--batch", "4", "--out", model, "--json")
	if code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "--dataset images") || !strings.Contains(stderr, "9 train / 1 val images") {
		t.Errorf("train log does not say how --data was read:\n%s", stderr)
	}
	sum := trainDone(t, out)
	test, _ := sum["test"].(map[string]any)
	if test == nil || test["normal_images"] != 3.0 || test["novel_images"] != 6.0 || test["threshold_from_test"] != false ||
		!strings.HasPrefix(sum["threshold_method"].(string), "quantile") {
		t.Fatalf("summary %v", sum)
	}
	if test["tp"].(float64)+test["fn"].(float64) != 6 || test["tn"].(float64)+test["fp"].(float64) != 3 || test["auc"] != sum["auc"] {
		t.Errorf("test evaluation %v", test)
	}
	ck, err := checkpoint.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(o.data)
	if m := ck.Meta; m["dataset"] != datasetImages || m[metaValShare] != "0.1" || m[metaData] != abs || m["class"] != "" || m["protocol"] != "" {
		t.Errorf("checkpoint meta %v", m)
	}

	// eval --normal --novel: the training's end evaluation again, and what
	// score gives for the same files.
	code, out, stderr = runCLI(t, "eval", "--model", model, "--normal", o.test, "--novel", o.novel, "--worst", "2", "--json")
	if code != exitOK {
		t.Fatalf("eval --normal: exit %d\n%s", code, stderr)
	}
	var ev struct {
		AUC, Threshold, F1 float64
		TP, FP, TN, FN     int
		WorstNormal        []example `json:"worst_normal"`
		WorstNovel         []example `json:"worst_novel"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	if ev.AUC != test["auc"] || ev.TP != int(test["tp"].(float64)) || ev.TN != int(test["tn"].(float64)) || ev.Threshold != ck.Train.Threshold {
		t.Errorf("eval %+v differs from the training's test evaluation %v (threshold %v)", ev, test, ck.Train.Threshold)
	}
	scores := scoreFiles(t, model, append(slices.Clone(o.testFiles), o.novelFiles...))
	normal, novel := scores[:len(o.testFiles)], scores[len(o.testFiles):]
	_, isNovel := labelled(normal, novel)
	auc, err := metrics.AUC(scores, isNovel)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := metrics.ConfusionAt(scores, isNovel, ck.Train.Threshold)
	if err != nil {
		t.Fatal(err)
	}
	if ev.AUC != auc || ev.TP != conf.TP || ev.FP != conf.FP || ev.TN != conf.TN || ev.FN != conf.FN || ev.F1 != conf.F1() {
		t.Errorf("eval %+v; from score's scores: AUC %v, %+v", ev, auc, conf)
	}
	wantNormal := extremes(o.testFiles, normal, 2, true)
	wantNovel := extremes(o.novelFiles, novel, 2, false)
	if !slices.Equal(ev.WorstNormal, wantNormal) || !slices.Equal(ev.WorstNovel, wantNovel) {
		t.Errorf("worst examples %v %v, want %v %v", ev.WorstNormal, ev.WorstNovel, wantNormal, wantNovel)
	}
	if wantNormal[0].Score < wantNormal[1].Score || wantNovel[0].Score > wantNovel[1].Score {
		t.Errorf("worst examples out of order: %v %v", wantNormal, wantNovel)
	}

	// The same as text, with the ROC curve and the scores as files.
	roc, csvPath := filepath.Join(dir, "roc.png"), filepath.Join(dir, "scores.csv")
	code, out, stderr = runCLI(t, "eval", "--model", model, "--normal", o.test, "--novel", o.novel, "--roc", roc, "--scores", csvPath)
	if code != exitOK {
		t.Fatalf("eval --normal (text): exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"AUC " + strconv.FormatFloat(auc, 'f', 4, 64), "normal = negative, novel = positive",
		"TN " + strconv.Itoa(conf.TN), "FP " + strconv.Itoa(conf.FP), "FN " + strconv.Itoa(conf.FN), "TP " + strconv.Itoa(conf.TP),
		"highest-scoring normal images", "lowest-scoring novel images", wantNormal[0].File, wantNovel[0].File} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	if f, err := os.Open(roc); err != nil {
		t.Error(err)
	} else if _, err := png.Decode(f); err != nil {
		t.Errorf("--roc: %v", err)
	}
	rows := readCSV(t, csvPath)
	if len(rows) != 1+len(o.testFiles)+len(o.novelFiles) || rows[1][0] != o.testFiles[0] || rows[len(rows)-1][1] != "true" {
		t.Errorf("--scores CSV: %q", rows)
	}

	code, out, stderr = runCLI(t, "train", "--data", o.data, "--val-share", "0.2", "--epochs", "2", "--out", model, "--resume")
	if code != exitUsage || !strings.Contains(stderr, "--val-share 0.1, not 0.2") {
		t.Errorf("--resume with another --val-share: exit %d\n%s%s", code, out, stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--normal", o.test, "--novel", filepath.Join(o.novel, "rgb"), "--novel", o.testFiles[1]}, exitUsage, "both --normal and --novel"},
		{[]string{"--normal", o.test, "--novel", filepath.Join(o.novel, "missing")}, exitRuntime, filepath.Join(o.novel, "missing")},
		{[]string{"--normal", t.TempDir(), "--novel", o.novel}, exitRuntime, "no .png, .jpg or .jpeg files"},
	} {
		code, out, stderr := runCLI(t, append([]string{"eval", "--model", model}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("eval %v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.msg, out, stderr)
		}
	}

	// --threshold f1 without --test: tested on the validation images and
	// the --novel ones, the threshold the F1-optimal one on them.
	f1Model := filepath.Join(dir, "f1.ocgan")
	code, out, stderr = runCLI(t, "train", "--data", o.data, "--novel", o.novel, "--threshold", "f1",
		"--epochs", "1", "--batch", "4", "--out", f1Model)
	if code != exitOK {
		t.Fatalf("train --threshold f1: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"F1-optimal on 1 validation + 6 novel", "test on the 1 held-out validation images (no --test given) + 6 --novel images",
		"confusion matrix", "optimistic"} {
		if !strings.Contains(out, want) {
			t.Errorf("train --threshold f1 output lacks %q:\n%s", want, out)
		}
	}
	ck, err = checkpoint.Load(f1Model)
	if err != nil {
		t.Fatal(err)
	}
	all, files, err := dataset.ReadImageTree(o.data, ck.Preprocessing().Options())
	if err != nil || all.Len() != len(o.dataFiles) {
		t.Fatalf("reading --data back: %v", err)
	}
	split, err := dataset.HoldOut(all, 0.1, 1)
	if err != nil {
		t.Fatal(err)
	}
	scores = scoreFiles(t, f1Model, append([]string{files[split.ValIndex[0]]}, o.novelFiles...))
	want, _, err := metrics.F1OptimalThreshold(labelled(scores[:1], scores[1:]))
	if err != nil || ck.Train.Threshold != want {
		t.Errorf("--threshold f1 stored %v, the F1-optimal threshold of the validation and novel scores is %v (%v)", ck.Train.Threshold, want, err)
	}
}

// scoreFiles returns `ocgan score`'s scores of files, in order.
func scoreFiles(t *testing.T, model string, files []string) []float64 {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"score", "--model", model, "--json"}, files...)...)
	if code != exitOK {
		t.Fatalf("score: exit %d\n%s", code, stderr)
	}
	var scores []float64
	for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			File  string
			Score float64
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.File != files[i] || math.IsNaN(r.Score) {
			t.Fatalf("score line %q: %v", line, err)
		}
		scores = append(scores, r.Score)
	}
	return scores
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestTrainOwnImagesAtTheirGeometry trains on a folder of normal colour
// images of 34x30 pixels with no image flags (but a small --latent, for
// speed): the model takes the size and colour of the first image below
// --data (32x32x3, fit, not 28x28x1 as the later gray images would say),
// records that preprocessing, and score and eval --normal --novel read
// images with it.
func TestTrainOwnImagesAtTheirGeometry(t *testing.T) {
	root := t.TempDir()
	data, novel := filepath.Join(root, "parts"), filepath.Join(root, "defects")
	writeShapes(t, filepath.Join(data, "a"), 0, 5, 34, 30, true)
	writeShapes(t, filepath.Join(data, "b"), 0, 2, 22, 22, false)
	novelFiles := writeShapes(t, novel, 1, 3, 34, 30, true)
	model := filepath.Join(root, "parts.ocgan")
	code, out, stderr := runCLI(t, "train", "--data", data, "--novel", novel, "--val-share", "0.3",
		"--epochs", "1", "--batch", "4", "--latent", "16", "--device", "cpu", "--out", model)
	if code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"--dataset images", "model input: every image to 32x32x3, fit"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("train log lacks %q:\n%s", want, stderr)
		}
	}
	ck, err := checkpoint.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	want := checkpoint.Preprocessing{ImageSize: 32, Channels: 3, Resize: dataset.ResizeFit}
	if g := ck.Geometry; g.ImageSize != 32 || g.Channels != 3 || g.Latent != 16 || ck.Preprocessing() != want {
		t.Fatalf("checkpoint geometry %s (%dx%dx%d, latent %d), preprocessing %v; want 32x32x3, latent 16, %v",
			g.Name, g.ImageSize, g.ImageSize, g.Channels, g.Latent, ck.Preprocessing(), want)
	}
	if scores := scoreFiles(t, model, novelFiles); len(scores) != len(novelFiles) {
		t.Fatalf("score: %d scores for %d files", len(scores), len(novelFiles))
	}
	code, out, stderr = runCLI(t, "eval", "--model", model, "--normal", data, "--novel", novel, "--device", "cpu", "--json")
	if code != exitOK {
		t.Fatalf("eval --normal --novel: exit %d\n%s", code, stderr)
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	if ev["normal_images"] != 7.0 || ev["novel_images"] != 3.0 {
		t.Errorf("eval counted %v normal and %v novel images, want 7 and 3", ev["normal_images"], ev["novel_images"])
	}
}

// TestOwnImagesErrors: bad folders and flags are refused before training,
// naming the flag or the file and what is wrong.
func TestOwnImagesErrors(t *testing.T) {
	o := writeOwnImages(t)
	root := t.TempDir()
	empty := filepath.Join(root, "empty")
	if err := os.MkdirAll(filepath.Join(empty, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	one := filepath.Dir(writeShapes(t, filepath.Join(root, "one"), 0, 1, 30, 22, false)[0])
	broken := filepath.Join(root, "broken")
	writeShapes(t, broken, 0, 3, 30, 22, false)
	bad := filepath.Join(broken, "scratched.png")
	if err := os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(root, "single")
	writeShapes(t, filepath.Join(single, "good"), 0, 3, 30, 22, false)
	classes := filepath.Join(root, "classes")
	writeShapes(t, filepath.Join(classes, "bar"), 0, 1, 30, 22, false)
	writeShapes(t, filepath.Join(classes, "disc"), 1, 1, 30, 22, false)
	model := filepath.Join(root, "never.ocgan")
	train := func(args ...string) []string {
		return append([]string{"train", "--epochs", "1", "--out", model}, args...)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  []string
	}{
		{train("--data", empty), exitRuntime, []string{empty, "no .png, .jpg or .jpeg files"}},
		{train("--dataset", "images", "--data", empty), exitRuntime, []string{"--data", empty, "no .png"}},
		{train("--data", one), exitRuntime, []string{"--data " + one, "1 image", "at least 2"}},
		{train("--data", broken), exitRuntime, []string{bad, "unreadable image"}},
		{train("--data", o.data, "--novel", filepath.Join(o.data, "lot2")), exitUsage, []string{"--novel", "--data", "lot2"}},
		{train("--data", o.data, "--test", o.test, "--novel", o.test), exitUsage, []string{"--test", "--novel", o.testFiles[0]}},
		{train("--data", o.data, "--novel", filepath.Join(root, "missing")), exitRuntime, []string{"--novel", "missing"}},
		{train("--data", o.data, "--test", broken), exitRuntime, []string{"--test", bad}},
		{train("--data", o.data, "--val-share", "0"), exitUsage, []string{"--val-share"}},
		{train("--data", o.data, "--val-share", "1"), exitUsage, []string{"--val-share"}},
		{train("--data", o.data, "--protocol", "2"), exitUsage, []string{"--protocol"}},
		{train("--dataset", "images", "--data", o.data, "--class", "1"), exitUsage, []string{"--class"}},
		{train("--dataset", "images"), exitUsage, []string{"--data"}},
		{train("--data", o.data, "--threshold", "f1"), exitUsage, []string{"--threshold f1", "--novel"}},
		{train("--data", o.data, "--threshold", "best"), exitUsage, []string{"--threshold"}},
		{train("--dataset", "mnist", "--test", o.test), exitUsage, []string{"--test", "mnist"}},
		{train("--dataset", "mnist", "--val-share", "0.2"), exitUsage, []string{"--val-share"}},
		{train("--dataset", "mnist", "--novel", o.novel, "--threshold", "quantile"), exitUsage, []string{"--threshold quantile", "--novel"}},
		{train("--data", classes, "--class", "cone"), exitUsage, []string{"--class", "cone", "0 bar, 1 disc"}},
		{train("--data", classes, "--class", "2"), exitUsage, []string{"--class 2", "2 class folders"}},
		{train("--data", o.data, "--class", "1"), exitUsage, []string{"--class does not apply"}},
		{train("--dataset", "folder", "--data", one), exitRuntime, []string{"no class folders", "--dataset images"}},
		{train("--dataset", "folder", "--data", single), exitRuntime, []string{"out-of-class", "--dataset images"}},
		{[]string{"eval", "--model", model, "--normal", o.test}, exitUsage, []string{"--novel"}},
		{[]string{"eval", "--model", model, "--normal", o.test, "--novel", o.novel, "--dataset", "mnist"}, exitUsage, []string{"--dataset"}},
		{[]string{"eval", "--model", model, "--normal", o.test, "--novel", o.novel, "--worst", "-1"}, exitUsage, []string{"--worst"}},
		{[]string{"eval", "--model", model, "--novel", o.novel}, exitUsage, []string{"--normal"}},
		{[]string{"eval", "--model", model, "--data", o.data}, exitUsage, []string{"--normal and --novel"}},
		{[]string{"eval", "--model", model, "--normal", o.test, "--novel", o.novel}, exitRuntime, []string{model}},
	} {
		code, out, stderr := runCLI(t, tc.args...)
		if code != tc.code {
			t.Errorf("ocgan %v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out, stderr)
			continue
		}
		for _, m := range tc.msg {
			if !strings.Contains(stderr, m) {
				t.Errorf("ocgan %v: the error does not say %q:\n%s", tc.args, m, stderr)
			}
		}
	}
	if _, err := os.Stat(model); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused run wrote %s (%v)", model, err)
	}
}
