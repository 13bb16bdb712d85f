package main

import (
	"encoding/binary"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
)

func TestParseClasses(t *testing.T) {
	// Class folders as ReadImageFolder numbers them: "1-disc" is class 1,
	// the folder named "2" is class 0, the one named "0" class 3.
	folders := []string{"2", "1-disc", "ant", "0"}
	for _, c := range []struct {
		in    string
		names []string
		want  string // "" = error
	}{
		{"3", nil, "[3]"}, {"0,1,8", nil, "[0 1 8]"}, {"0-3", nil, "[0 1 2 3]"}, {"0-2,8,1", nil, "[0 1 2 8]"},
		{"", nil, ""}, {"a", nil, ""}, {"-1", nil, ""}, {"3-1", nil, ""}, {"1,,2", nil, ""}, {"1-x", nil, ""},
		{"1-disc", folders, "[1]"}, {"ant,1-disc", folders, "[2 1]"},
		{"2", folders, "[0]"}, {"0", folders, "[3]"}, {"1", folders, "[1]"}, {"1-2", folders, "[1 2]"},
		{"4", folders, ""}, {"2-4", folders, ""}, {"bee", folders, ""}, {"1-disc", nil, ""},
	} {
		got, err := parseClasses(c.in, c.names)
		if c.want == "" {
			if err == nil {
				t.Errorf("parseClasses(%q, %q) = %v, want an error", c.in, c.names, got)
			}
			continue
		}
		if err != nil || fmtInts(got) != c.want {
			t.Errorf("parseClasses(%q, %q) = %v, %v; want %s", c.in, c.names, got, err, c.want)
		}
	}
}

func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// TestEvalClassesSeedsROC trains the models of two classes and two seeds
// through eval --train, then evaluates them again (table and JSON: per-class
// mean ± std over seeds, the mean over classes) and draws the ROC curves.
func TestEvalClassesSeedsROC(t *testing.T) {
	root := t.TempDir()
	writePNGs(t, filepath.Join(root, "0-bar"), 0, 10)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 10)
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "c{class}-s{seed}.ocgan")
	roc := filepath.Join(dir, "roc.png")
	args := []string{"eval", "--dataset", "folder", "--data", root, "--protocol", "1", "--class", "0,1", "--seeds", "2",
		"--seed", "5", "--model", tmpl}
	code, out, stderr := runCLI(t, append(args, "--train", "--epochs", "1", "--batch", "4", "--roc", roc, "--json")...)
	if code != exitOK {
		t.Fatalf("eval --train: exit %d\n%s\n%s", code, out, stderr)
	}
	var rep struct {
		AUC     float64 `json:"auc"`
		AUCStd  float64 `json:"auc_std"`
		Seeds   []uint64
		Classes []struct {
			Class  int
			AUC    float64
			AUCStd float64 `json:"auc_std"`
			Runs   []struct {
				Seed  uint64
				AUC   float64
				Model string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("eval --json: %v\n%s", err, out)
	}
	if len(rep.Classes) != 2 || len(rep.Seeds) != 2 || rep.Seeds[0] != 5 || rep.Seeds[1] != 6 {
		t.Fatalf("report: %+v", rep)
	}
	var perSeed [2]float64
	for ci, c := range rep.Classes {
		if c.Class != ci || len(c.Runs) != 2 {
			t.Fatalf("class %d: %+v", ci, c)
		}
		mean := (c.Runs[0].AUC + c.Runs[1].AUC) / 2
		if d := c.AUC - mean; d > 1e-12 || d < -1e-12 {
			t.Errorf("class %d: AUC %v, the mean of its runs is %v", c.Class, c.AUC, mean)
		}
		for si, r := range c.Runs {
			perSeed[si] += r.AUC / 2
			want := filepath.Join(dir, "c"+strconv.Itoa(c.Class)+"-s"+strconv.FormatUint(r.Seed, 10)+".ocgan")
			if r.Model != want {
				t.Errorf("run model %s, want %s", r.Model, want)
			}
			ck, err := checkpoint.Load(want)
			if err != nil {
				t.Fatalf("the trained model: %v", err)
			}
			if ck.Train.Seed != r.Seed || ck.Meta["class"] != strconv.Itoa(c.Class) {
				t.Errorf("%s: seed %d class %s", want, ck.Train.Seed, ck.Meta["class"])
			}
		}
	}
	if d := rep.AUC - (perSeed[0]+perSeed[1])/2; d > 1e-12 || d < -1e-12 {
		t.Errorf("mean AUC %v, want %v", rep.AUC, (perSeed[0]+perSeed[1])/2)
	}
	f, err := os.Open(roc)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil || img.Bounds() != image.Rect(0, 0, 640, 560) {
		t.Fatalf("ROC PNG: %v, bounds %v", err, img.Bounds())
	}

	// The models exist now: eval without --train, as a table.
	code, out, stderr = runCLI(t, args...)
	if code != exitOK || !strings.Contains(out, "mean") || !strings.Contains(out, "±") || strings.Contains(stderr, "training") {
		t.Fatalf("eval table: exit %d\n%s\n%s", code, out, stderr)
	}

	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"eval", "--class", "0,1", "--model", "m.ocgan"}, "{class}"},
		{[]string{"eval", "--seeds", "2", "--model", "m.ocgan"}, "{seed}"},
		{[]string{"eval", "--seeds", "0", "--model", "m.ocgan"}, "--seeds"},
		{[]string{"eval", "--class", "x", "--model", "m.ocgan"}, "--class"},
		// A model evaluated on another class, or on a protocol-1 split of another seed.
		{[]string{"eval", "--dataset", "folder", "--data", root, "--protocol", "1", "--class", "1", "--seed", "5", "--model", filepath.Join(dir, "c0-s5.ocgan")}, "--class 0"},
		{[]string{"eval", "--dataset", "folder", "--data", root, "--protocol", "1", "--class", "0", "--seed", "6", "--model", filepath.Join(dir, "c0-s5.ocgan")}, "training images"},
	} {
		code, out, stderr := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(out+stderr, tc.msg) {
			t.Errorf("ocgan %v: exit %d, want %d with %q\n%s%s", tc.args, code, exitUsage, tc.msg, out, stderr)
		}
	}

	// Calibration: the quantile moves the threshold; labelled novel images
	// give the F1-optimal one; the checkpoint keeps it.
	model := filepath.Join(dir, "c0-s5.ocgan")
	code, out, stderr = runCLI(t, "calibrate", "--model", model, "--data", root, "--quantile", "0", "--json")
	if code != exitOK {
		t.Fatalf("calibrate: exit %d\n%s", code, stderr)
	}
	var cal struct {
		Threshold float64
		Method    string
	}
	if err := json.Unmarshal([]byte(out), &cal); err != nil || !strings.Contains(cal.Method, "quantile 0 ") {
		t.Fatalf("calibrate --json: %v %q", err, out)
	}
	ck, err := checkpoint.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := ck.Calibration(); err != nil || ck.Train.Threshold != cal.Threshold || rec.Method != cal.Method {
		t.Fatalf("checkpoint after calibrate: %v, threshold %v method %q; want %v %q", err, ck.Train.Threshold, rec.Method, cal.Threshold, cal.Method)
	}
	code, out, stderr = runCLI(t, "calibrate", "--model", model, "--data", root, "--novel", filepath.Join(root, "1-disc"), "--json")
	if code != exitOK || json.Unmarshal([]byte(out), &cal) != nil || !strings.Contains(cal.Method, "F1-optimal") || !strings.Contains(cal.Method, "10 novel") {
		t.Fatalf("calibrate --novel: exit %d %q\n%s", code, out, stderr)
	}
	code, _, stderr = runCLI(t, "calibrate", "--model", model, "--data", root, "--novel", filepath.Join(root, "nothing"))
	if code != exitRuntime || !strings.Contains(stderr, "nothing") {
		t.Errorf("calibrate with a missing --novel folder: exit %d\n%s", code, stderr)
	}
}

// TestScoreFoldersAndIDX scores the same pixels given as PNG files, as their
// folder and inside an IDX image file: the scores are identical.
func TestScoreFoldersAndIDX(t *testing.T) {
	pinSGEMM(t) // scores are compared bit for bit across runs
	root := t.TempDir()
	bars := writePNGs(t, filepath.Join(root, "0-bar"), 0, 6)
	writePNGs(t, filepath.Join(root, "1-disc"), 1, 6)
	model := filepath.Join(t.TempDir(), "m.ocgan")
	if code, out, stderr := runCLI(t, "train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
		"--epochs", "1", "--batch", "4", "--out", model); code != exitOK {
		t.Fatalf("train: exit %d\n%s\n%s", code, out, stderr)
	}
	// The bars as one IDX image file (magic 0x803, n, 28, 28, then pixels).
	idx := filepath.Join(t.TempDir(), "bars-idx3-ubyte")
	var buf []byte
	buf = binary.BigEndian.AppendUint32(buf, 0x803)
	for _, v := range []uint32{uint32(len(bars)), 28, 28} {
		buf = binary.BigEndian.AppendUint32(buf, v)
	}
	for _, p := range bars {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, img.(*image.Gray).Pix...)
	}
	if err := os.WriteFile(idx, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	scores := func(args ...string) []float64 {
		t.Helper()
		code, out, stderr := runCLI(t, append([]string{"score", "--model", model, "--json"}, args...)...)
		if code != exitOK {
			t.Fatalf("score %v: exit %d\n%s", args, code, stderr)
		}
		var s []float64
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r struct{ Score float64 }
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("score line %q: %v", line, err)
			}
			s = append(s, r.Score)
		}
		return s
	}
	files := scores(bars...)
	folder := scores(filepath.Join(root, "0-bar"))
	fromIDX := scores(idx)
	one := scores(bars[2]) // a batch-1 scoring program
	if len(files) != len(bars) || len(folder) != len(bars) || len(fromIDX) != len(bars) {
		t.Fatalf("%d, %d, %d scores for %d images", len(files), len(folder), len(fromIDX), len(bars))
	}
	for i := range files {
		if files[i] != folder[i] || files[i] != fromIDX[i] {
			t.Errorf("image %d: files %v, folder %v, IDX %v", i, files[i], folder[i], fromIDX[i])
		}
	}
	if one[0] != files[2] {
		t.Errorf("image 2 alone (batch 1) %v, in a batch of %d %v", one[0], len(bars), files[2])
	}
	// --timing: one more JSON line with every stage.
	code, out, stderr := runCLI(t, "score", "--model", model, "--json", "--timing", bars[0], bars[1])
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var tm struct {
		TimingMS map[string]float64 `json:"timing_ms"`
		Images   int
	}
	if code != exitOK || len(lines) != 3 || json.Unmarshal([]byte(lines[2]), &tm) != nil || tm.Images != 2 {
		t.Fatalf("score --timing: exit %d\n%s\n%s", code, out, stderr)
	}
	for _, stage := range []string{"decode", "preprocess", "upload", "forward", "download"} {
		if v, ok := tm.TimingMS[stage]; !ok || v <= 0 {
			t.Errorf("timing of %s: %v (present %v)", stage, v, ok)
		}
	}
	code, out, _ = runCLI(t, "score", "--model", model, "--timing", bars[0])
	if code != exitOK || !strings.Contains(out, "forward") || !strings.Contains(out, "per image ms") {
		t.Errorf("score --timing table: exit %d\n%s", code, out)
	}
	code, _, stderr = runCLI(t, "score", "--model", model, t.TempDir())
	if code != exitRuntime || !strings.Contains(stderr, "no .png, .jpg or .jpeg files") {
		t.Errorf("score of an empty folder: exit %d\n%s", code, stderr)
	}
}

// TestEvalMissingModelBeforeDevice: eval of a model that does not exist names
// the file and fails before any device is opened (an unusable --device would
// otherwise be reported first).
func TestEvalMissingModelBeforeDevice(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "c{class}.ocgan")
	code, _, stderr := runCLI(t, "eval", "--dataset", "mnist", "--protocol", "2", "--class", "3,4",
		"--model", missing, "--device", "99")
	want := filepath.Join(filepath.Dir(missing), "c3.ocgan")
	if code != exitRuntime || !strings.Contains(stderr, want) || !strings.Contains(stderr, "no such model") {
		t.Fatalf("eval of a missing model: exit %d\n%s\nwant exit %d naming %s", code, stderr, exitRuntime, want)
	}
}

// TestEvalWorstNeedsNormal: --worst without --normal is a usage error, not ignored.
func TestEvalWorstNeedsNormal(t *testing.T) {
	code, _, stderr := runCLI(t, "eval", "--dataset", "mnist", "--class", "3", "--model", "m.ocgan", "--worst", "3")
	if code != exitUsage || !strings.Contains(stderr, "--worst") || !strings.Contains(stderr, "--normal") {
		t.Fatalf("eval --worst without --normal: exit %d\n%s", code, stderr)
	}
}
