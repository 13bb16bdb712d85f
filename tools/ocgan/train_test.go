package main

import (
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePNGs writes n 28x28 gray images of a class into dir: class 0 a vertical
// bar, class 1 a filled disc, each shifted a little.
func writePNGs(t *testing.T, dir string, class, n int) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := 0; i < n; i++ {
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		dx := i%3 - 1
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				on := false
				if class == 0 {
					on = x >= 12+dx && x <= 15+dx && y >= 4 && y < 24
				} else {
					on = (x-14-dx)*(x-14-dx)+(y-14)*(y-14) < 64
				}
				if on {
					img.SetGray(x, y, color.Gray{Y: 255})
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
// folder (two classes of synthetic shapes) on the Vulkan device.
func TestTrainEvalScoreInspect(t *testing.T) {
	root := t.TempDir()
	bars := writePNGs(t, filepath.Join(root, "0-bar"), 0, 12)
	discs := writePNGs(t, filepath.Join(root, "1-disc"), 1, 12)
	model := filepath.Join(t.TempDir(), "bar.ocgan")

	code, out, stderr := runCLI(t, "train", "--dataset", "folder", "--data", root, "--class", "0", "--protocol", "1",
		"--epochs", "2", "--batch", "4", "--out", model, "--json")
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

	code, out, stderr = runCLI(t, "eval", "--model", model, "--dataset", "folder", "--data", root, "--class", "0",
		"--protocol", "1", "--json")
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
	if code != exitOK || !strings.Contains(out, "MNIST28") || !strings.Contains(out, "dataset: folder") {
		t.Fatalf("inspect: exit %d\n%s", code, out)
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
		{[]string{"score", "--model", model}, exitUsage, "image files"},
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
