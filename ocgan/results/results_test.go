package results

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sample() *Record {
	r := &Record{
		Format: Format,
		Key:    Key{Dataset: "mnist", Protocol: 2, Mode: "ae+dl", Class: 3, Seed: 7},
		AUC:    0.9631, TestImages: 10000, Model: "models/mnist-p2-ae+dl-c3-s7.ocgan",
		Training: Training{Epochs: 25, EpochsTrained: 25, Iterations: 2125, Batch: 64, SelectedEpoch: 23,
			SelectedValMSE: 0.0123, Latent: 16, Lambda: 10, Noise: 0.2, MineSteps: 5, MineStart: 0.75, LR: 2e-4,
			WallSeconds: 2400.5,
			Run:         Run{Device: "native CPU (oneDNN, 2 threads)", Date: "2025-01-02T03:04:05Z", Version: "0.1.0-dev", Commit: "abc123"}},
		Eval: Run{Device: "native CPU (oneDNN, 2 threads)", Date: "2025-01-02T03:05:00Z", Version: "0.1.0-dev", Commit: "unknown"},
	}
	for e := 1; e <= r.Training.EpochsTrained; e++ {
		p := Epoch{Epoch: e, ValMSE: 0.02 - float64(e)/5000}
		if e > 20 {
			auc := 0.95 + float64(e)/10000
			p.TestAUC = &auc
		}
		r.Training.Curve = append(r.Training.Curve, p)
	}
	return r
}

func TestFileName(t *testing.T) {
	if got := sample().FileName(); got != "mnist-p2-ae+dl-c3-s7.json" {
		t.Errorf("FileName = %q", got)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "results") // created by Write
	r := sample()
	path, err := Write(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, r.FileName()) {
		t.Errorf("Write wrote %s", path)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("read back %+v\nwant %+v", got, r)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the folder after one Write, want 1 (no temporaries)", len(entries))
	}
}

func TestValidateNamesTheBadField(t *testing.T) {
	for _, c := range []struct {
		edit func(r *Record)
		want string
	}{
		{func(r *Record) { r.Format = 2 }, "format"},
		{func(r *Record) { r.Dataset = "MNIST/x" }, "dataset"},
		{func(r *Record) { r.Protocol = 3 }, "protocol"},
		{func(r *Record) { r.Mode = "ae+c" }, "mode"},
		{func(r *Record) { r.Class = -1 }, "class"},
		{func(r *Record) { r.AUC = 1.5 }, "auc"},
		{func(r *Record) { r.AUC = math.NaN() }, "auc"},
		{func(r *Record) { r.TestImages = 0 }, "test_images"},
		{func(r *Record) { r.ScoreNoise = -0.1 }, "score_noise"},
		{func(r *Record) { r.ScoreNoise = math.Inf(1) }, "score_noise"},
		{func(r *Record) { r.Model = "" }, "model"},
		{func(r *Record) { r.Training.Epochs = 0 }, "training.epochs"},
		{func(r *Record) { r.Training.EpochsTrained = 0 }, "training.epochs_trained"},
		{func(r *Record) { r.Training.StoppedByBudget = true }, "stopped_by_budget"},
		{func(r *Record) { r.Training.Iterations = 0 }, "training.iterations"},
		{func(r *Record) { r.Training.Batch = 1 }, "training.batch"},
		{func(r *Record) { r.Training.SelectedEpoch = 26 }, "training.selected_epoch"},
		{func(r *Record) { r.Training.SelectedValMSE = math.Inf(1) }, "training.selected_val_mse"},
		{func(r *Record) { r.Training.Latent = 0 }, "training.latent"},
		{func(r *Record) { r.Training.MineStart = 1.5 }, "training.mine_start"},
		{func(r *Record) { r.Training.SelectFrom = 1 }, "training.select_from"},
		{func(r *Record) { r.Mode, r.Training.LatentDoubleSigmoid = "ae+dv", true }, "training.latent_double_sigmoid"},
		{func(r *Record) { r.Training.SelectFrom = math.NaN() }, "training.select_from"},
		{func(r *Record) { r.Training.MineStepSize = -2 }, "training.mine_step_size"},
		{func(r *Record) { r.Training.LR = 0 }, "training.lr"},
		{func(r *Record) { r.Training.WallSeconds = -1 }, "training.wall_seconds"},
		{func(r *Record) { r.Training.ImageSize = 61 }, "training.image_size 61 and channels 0"},
		{func(r *Record) { w := 0.0; r.Training.LatentWeight = &w }, "training.latent_weight"},
		{func(r *Record) { r.Training.VisualWidth = -32 }, "training.visual_width is -32"},
		{func(r *Record) { r.Training.ImageSize, r.Training.Channels = 61, 2 }, "training.channels is 2"},
		{func(r *Record) { r.Training.ImageSize, r.Training.Channels = -1, 1 }, "training.image_size is -1"},
		{func(r *Record) { r.Training.Curve = r.Training.Curve[1:] }, "training.curve has 24 epochs"},
		{func(r *Record) { r.Training.Curve[3].Epoch = 5 }, "training.curve[3].epoch"},
		{func(r *Record) { r.Training.Curve[4].ValMSE = math.NaN() }, "training.curve[4].val_mse"},
		{func(r *Record) { auc := 1.2; r.Training.Curve[5].TestAUC = &auc }, "training.curve[5].test_auc"},
		{func(r *Record) { r.Training.Date = "yesterday" }, "training.date"},
		{func(r *Record) { r.Eval.Device = "" }, "eval.device"},
		{func(r *Record) { r.Eval.Commit = "" }, "eval.commit"},
	} {
		r := sample()
		c.edit(r)
		err := r.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error naming %s, got %v", c.want, err)
		}
		if _, werr := Write(t.TempDir(), r); werr == nil {
			t.Errorf("Write accepted a record with a bad %s", c.want)
		}
	}
	if err := sample().Validate(); err != nil {
		t.Errorf("the sample: %v", err)
	}
	old := sample()
	old.Training.Curve = nil // records of earlier builds have no curve
	if err := old.Validate(); err != nil {
		t.Errorf("a record without a curve: %v", err)
	}
}

func TestReadRefusesBadFilesNamingThem(t *testing.T) {
	good, err := Marshal(sample())
	if err != nil {
		t.Fatal(err)
	}
	name := sample().FileName()
	for _, c := range []struct {
		file, data, want string
	}{
		{"mnist-p2-ae+dl-c4-s7.json", string(good), "must be named " + name},
		{name, strings.Replace(string(good), `"auc":`, `"auc_typo": 1, "auc":`, 1), "unknown field"},
		{name, string(good) + "{}", "after the JSON"},
		{name, string(good[:len(good)/2]), "not a result record"},
		{name, strings.Replace(string(good), `"protocol": 2`, `"protocol": 5`, 1), "protocol is 5"},
	} {
		path := filepath.Join(t.TempDir(), c.file)
		if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Read(path)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%s) = %v, want an error naming the file and %q", c.file, err, c.want)
		}
	}
}

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	if rs, err := ReadDir(dir); err != nil || len(rs) != 0 {
		t.Fatalf("empty folder: %v, %v", rs, err)
	}
	a, b := sample(), sample()
	b.Class, b.Seed = 0, 1
	for _, r := range []*Record{a, b} {
		if _, err := Write(dir, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("# results\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := ReadDir(dir)
	if err != nil || len(rs) != 2 || rs[0].Class != 0 || rs[1].Class != 3 {
		t.Fatalf("ReadDir: %v, %v", rs, err)
	}
	bad := filepath.Join(dir, "x.json")
	if err := os.WriteFile(bad, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadDir with a bad file: %v, want an error naming %s", err, bad)
	}
	if _, err := ReadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("ReadDir of a missing folder: no error")
	}
}

func TestMiningStepSize(t *testing.T) {
	for _, c := range []struct{ recorded, want float64 }{{0, EarlierMineStepSize}, {0.5, 0.5}, {20, 20}} {
		tr := Training{MineStepSize: c.recorded}
		if got := tr.MiningStepSize(); got != c.want {
			t.Errorf("recorded %v: MiningStepSize = %v, want %v", c.recorded, got, c.want)
		}
	}
}

// TestInput checks the model input a record gives: the recorded one, else
// its dataset's own, and none for a dataset without one.
func TestSelectionStart(t *testing.T) {
	for _, c := range []struct {
		from   float64
		epochs int
		want   int
	}{
		{0, 25, 0}, {0.2, 25, 5}, {0.5, 25, 12}, {0.7, 10, 7}, {0.99, 1, 0},
		{0.29, 100, 29}, {0.58, 100, 58}, {0.57, 100, 57}, {0.5, 0, 0},
	} {
		if got := SelectionStart(c.from, c.epochs); got != c.want {
			t.Errorf("SelectionStart(%v, %d) = %d, want %d", c.from, c.epochs, got, c.want)
		}
	}
}

func TestInput(t *testing.T) {
	for _, c := range []struct {
		dataset        string
		size, channels int
		wantS, wantC   int
		ok             bool
	}{
		{"mnist", 0, 0, 28, 1, true},
		{"fmnist", 0, 0, 28, 1, true},
		{"cifar10", 0, 0, 32, 3, true},
		{"mnist", 61, 1, 61, 1, true},
		{"folder", 64, 3, 64, 3, true},
		{"folder", 0, 0, 0, 0, false},
	} {
		r := sample()
		r.Dataset, r.Training.ImageSize, r.Training.Channels = c.dataset, c.size, c.channels
		s, ch, ok := r.Input()
		if s != c.wantS || ch != c.wantC || ok != c.ok {
			t.Errorf("%s recorded %dx%d: Input() = %d, %d, %v; want %d, %d, %v", c.dataset, c.size, c.channels, s, ch, ok, c.wantS, c.wantC, c.ok)
		}
	}
}
