package main

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/onnx"
	"github.com/ocgan-vk/ocgan/ocgan/weights"
)

// scoringCheckpoint saves a freshly initialised MNIST28 scoring checkpoint
// with the given threshold and returns its path.
func scoringCheckpoint(t *testing.T, dir string, threshold float64) (string, *checkpoint.Checkpoint) {
	t.Helper()
	m, err := model.New(model.MNIST28())
	if err != nil {
		t.Fatal(err)
	}
	ps, err := m.ScoringParams()
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(9); err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.FromParams(m.Geometry(), ps, nil)
	if err != nil {
		t.Fatal(err)
	}
	ck.Train.Threshold = threshold
	path := filepath.Join(dir, "m.ocgan")
	if err := checkpoint.Save(path, ck); err != nil {
		t.Fatal(err)
	}
	return path, ck
}

func TestExportImportCLI(t *testing.T) {
	dir := t.TempDir()
	src, ck := scoringCheckpoint(t, dir, 0.125)
	st, back := filepath.Join(dir, "w.safetensors"), filepath.Join(dir, "back.ocgan")
	if code, _, stderr := runCLI(t, "export", "--model", src, "--format", "safetensors", "--out", st); code != exitOK {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	f, err := weights.ReadFile(st, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(f.Names(), "En.net.0.weight") || f.Metadata[weights.MetaThreshold] != "0.125" {
		t.Errorf("export: tensors %v, metadata %v", f.Names(), f.Metadata)
	}
	for _, c := range []struct {
		name      string
		args      []string
		threshold float64
	}{
		{"threshold from file", nil, 0.125},
		{"threshold flag", []string{"--threshold", "0.5"}, 0.5},
		{"geometry flags agree", []string{"--image-size", "28", "--channels", "1", "--latent", "16"}, 0.125},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"import", "--format", "safetensors", "--in", st, "--out", back}, c.args...)
			if code, _, stderr := runCLI(t, args...); code != exitOK {
				t.Fatalf("import: exit %d: %s", code, stderr)
			}
			got, err := checkpoint.Load(back)
			if err != nil {
				t.Fatal(err)
			}
			if got.Train.Threshold != c.threshold || len(got.Tensors) != len(ck.Tensors) {
				t.Errorf("threshold %v (want %v), %d tensors (want %d)", got.Train.Threshold, c.threshold, len(got.Tensors), len(ck.Tensors))
			}
			for i := range ck.Tensors {
				if !slices.Equal(got.Tensors[i].Data, ck.Tensors[i].Data) {
					t.Errorf("tensor %s changed", ck.Tensors[i].Name)
				}
			}
		})
	}
}

func TestExportONNXCLI(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name      string
		threshold float64
		want      string
	}{
		{"calibrated", 0.125, "threshold 0.125"},
		{"no threshold", math.NaN(), "no threshold"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, ck := scoringCheckpoint(t, dir, c.threshold)
			out := filepath.Join(dir, "m.onnx")
			code, stdout, stderr := runCLI(t, "export", "--model", src, "--format", "onnx", "--out", out)
			if code != exitOK || !strings.Contains(stdout, c.want) {
				t.Fatalf("export: exit %d, stdout %q, stderr %q; want exit 0 mentioning %q", code, stdout, stderr, c.want)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			m, err := onnx.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			thr, has := m.Metadata[weights.MetaThreshold]
			if has != !math.IsNaN(c.threshold) || (has && thr != "0.125") {
				t.Errorf("metadata threshold %q (present %v), checkpoint's %v", thr, has, c.threshold)
			}
			if !strings.HasPrefix(m.ProducerVersion, version) || len(m.Graph.Initializers) != len(ck.Tensors) {
				t.Errorf("producer version %q, %d initializers for %d tensors", m.ProducerVersion, len(m.Graph.Initializers), len(ck.Tensors))
			}
		})
	}
}

func TestExportImportCLIErrors(t *testing.T) {
	dir := t.TempDir()
	src, _ := scoringCheckpoint(t, dir, math.NaN())
	st := filepath.Join(dir, "w.safetensors")
	if code, _, stderr := runCLI(t, "export", "--model", src, "--all", "--out", st); code != exitRuntime || !strings.Contains(stderr, "Dl.") {
		t.Errorf("export --all of a scoring checkpoint: exit %d, %s; want a runtime error naming a Dl tensor", code, stderr)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"export format", []string{"export", "--model", src, "--format", "onnx2", "--out", st}, exitUsage, `--format "onnx2": want safetensors or onnx`},
		{"export no out", []string{"export", "--model", src}, exitUsage, "--out"},
		{"export onnx no out", []string{"export", "--model", src, "--format", "onnx"}, exitUsage, "--out is required"},
		{"export onnx all", []string{"export", "--model", src, "--format", "onnx", "--all", "--out", st}, exitUsage, "--all"},
		{"export onnx no model", []string{"export", "--format", "onnx", "--out", st}, exitUsage, "--model is required"},
		{"export onnx unknown model", []string{"export", "--model", filepath.Join(dir, "none.ocgan"), "--format", "onnx", "--out", st}, exitRuntime, "none.ocgan"},
		{"export onnx not a model", []string{"export", "--model", st, "--format", "onnx", "--out", filepath.Join(dir, "x.onnx")}, exitRuntime, "w.safetensors"},
		{"import no in", []string{"import", "--out", st}, exitUsage, "--in"},
		{"import missing file", []string{"import", "--in", filepath.Join(dir, "none"), "--out", filepath.Join(dir, "x.ocgan")}, exitRuntime, "none"},
		{"import bad size", []string{"import", "--in", st, "--out", filepath.Join(dir, "x.ocgan"), "--image-size", "30", "--channels", "1", "--latent", "16"}, exitUsage, "30"},
		{"import not safetensors", []string{"import", "--in", src, "--out", filepath.Join(dir, "x.ocgan")}, exitRuntime, "header length"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, c.code, c.want)
			}
		})
	}
}
