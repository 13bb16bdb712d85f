package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

// runTool runs partsdemo in-process and returns its exit status and streams.
func runTool(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "parts")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{}, "--out is required"},
		{[]string{"--out", out, "extra"}, "takes no arguments"},
		{[]string{"--out", out, "--bogus"}, "unknown flag: --bogus"},
		{[]string{"--out", out, "--good", "0"}, "--good 0"},
		{[]string{"--out", out, "--kept-aside", "-1"}, "--kept-aside -1"},
		{[]string{"--out", out, "--defects", "0"}, "--defects 0"},
		{[]string{"--out", out, "--good", "many"}, "--good"},
		{[]string{"--out", out, "--normal-class", "10"}, "--normal-class 10"},
		{[]string{"--out", out, "--defect-classes", "5,12"}, "--defect-classes 12"},
		{[]string{"--out", out, "--defect-classes", "7"}, "that is --normal-class"},
		{[]string{"--out", out, "--defect-classes", "5,9,5"}, "class 5 given twice"},
		{[]string{"--out", out, "--width", "4"}, "--width 4"},
		{[]string{"--out", out, "--height", "5000"}, "--height 5000"},
	} {
		code, stdout, stderr := runTool(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) || stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want exit %d and %q", c.args, code, stderr, stdout, exitUsage, c.want)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("usage errors created %s (%v)", out, err)
	}
}

func TestOutRefusals(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	keep := filepath.Join(full, "mine.txt")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		out  string
		want []string
	}{
		{full, []string{full, "not empty", "mine.txt", "--force"}},
		{file, []string{file, "not a folder"}},
	} {
		code, _, stderr := runTool(t, "--out", c.out, "--fmnist", t.TempDir())
		if code != exitRuntime {
			t.Errorf("--out %s: exit %d, want %d (%s)", c.out, code, exitRuntime, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("--out %s: stderr %q lacks %q", c.out, stderr, w)
			}
		}
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "keep" {
		t.Errorf("%s changed: %q, %v", keep, b, err)
	}
}

func TestMissingOrBadFashionMNIST(t *testing.T) {
	empty := t.TempDir()
	code, _, stderr := runTool(t, "--out", filepath.Join(t.TempDir(), "p"), "--fmnist", empty)
	if code != exitRuntime || !strings.Contains(stderr, empty) || !strings.Contains(stderr, dataset.TrainImagesFile) {
		t.Errorf("empty --fmnist: exit %d, stderr %q; want %d naming %s and %s", code, stderr, exitRuntime, empty, dataset.TrainImagesFile)
	}
	bad := fakeFashionMNIST(t, []int{7}, []int{7})
	images := filepath.Join(bad, dataset.TestImagesFile)
	if err := os.WriteFile(images, []byte("not an IDX file"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runTool(t, "--out", filepath.Join(t.TempDir(), "p"), "--fmnist", bad)
	if code != exitRuntime || !strings.Contains(stderr, images) {
		t.Errorf("corrupt test images: exit %d, stderr %q; want %d naming %s", code, stderr, exitRuntime, images)
	}
}

// fakeLabels are the labels of the fake data's train and test splits: 5
// sneakers (7) in train; 3 sneakers, 3 sandals (5), 3 ankle boots (9) in test.
func fakeLabels() (train, test []int) {
	return []int{7, 0, 7, 7, 5, 7, 7}, []int{5, 7, 9, 7, 5, 1, 9, 9, 7, 5}
}

// fakeLevel is the gray level of the fake data's images, by split and
// class: each has its own, so a frame's colour tells where it came from.
func fakeLevel(split string, class int) uint8 {
	switch {
	case split == "train" && class == 7:
		return 250
	case split == "test" && class == 7:
		return 200
	case split == "test" && class == 5:
		return 100
	case split == "test" && class == 9:
		return 150
	}
	return 30
}

// fakeFashionMNIST writes a folder of Fashion-MNIST's four IDX files whose
// images are flat 28x28 images at fakeLevel of their split and class.
func fakeFashionMNIST(t *testing.T, trainLabels, testLabels []int) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range []struct {
		split          string
		images, labels string
		classes        []int
	}{
		{"train", dataset.TrainImagesFile, dataset.TrainLabelsFile, trainLabels},
		{"test", dataset.TestImagesFile, dataset.TestLabelsFile, testLabels},
	} {
		var img, lab bytes.Buffer
		n := uint32(len(s.classes))
		binary.Write(&img, binary.BigEndian, []uint32{dataset.IDXImagesMagic, n, 28, 28})
		binary.Write(&lab, binary.BigEndian, []uint32{dataset.IDXLabelsMagic, n})
		for _, k := range s.classes {
			img.Write(bytes.Repeat([]byte{fakeLevel(s.split, k)}, 28*28))
			lab.WriteByte(byte(k))
		}
		for name, b := range map[string][]byte{s.images: img.Bytes(), s.labels: lab.Bytes()} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// readFrames reads the frames of a folder (in name order) as 3x48x64 images.
func readFrames(t *testing.T, dir string) (*dataset.Dataset, []string) {
	t.Helper()
	d, files, err := dataset.ReadImageTree(dir, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Channels() != 3 || d.Height() != 48 || d.Width() != 64 {
		t.Fatalf("%s: %dx%dx%d frames, want 3x48x64 (RGB, 64 wide)", dir, d.Channels(), d.Height(), d.Width())
	}
	for i, f := range files {
		files[i] = filepath.Base(f)
	}
	return d, files
}

// meanColour is the mean of each channel over the rows y0..y1-1 and
// columns x0..x1-1 of a 3-channel CHW image.
func meanColour(img []float32, height, width, y0, y1, x0, x1 int) [3]float64 {
	var m [3]float64
	for c := range m {
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				m[c] += float64(img[(c*height+y)*width+x])
			}
		}
		m[c] /= float64((y1 - y0) * (x1 - x0))
	}
	return m
}

// wantColour checks that a mean colour on the [-1, 1] scale is the ramp's
// colour of a gray level, within the noise's reach.
func wantColour(t *testing.T, what string, got [3]float64, level uint8) {
	t.Helper()
	want := tint(float64(level) / 255)
	for c := range got {
		if math.Abs(got[c]-(2*want[c]-1)) > 0.02 {
			t.Errorf("%s: colour %.3f, want the ramp's %.3f for level %d", what, got, want, level)
			return
		}
	}
}

func TestWritesFramesFromTheRightSplitsAndClasses(t *testing.T) {
	train, test := fakeLabels()
	src := fakeFashionMNIST(t, train, test)
	out := filepath.Join(t.TempDir(), "parts")
	args := []string{"--out", out, "--fmnist", src, "--good", "4", "--kept-aside", "2", "--defects", "5"}
	code, stdout, stderr := runTool(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{src, "64x48 RGB", "4 Sneaker (class 7), train split", "2 Sneaker (class 7), test split",
		"3 Sandal (class 5), 2 Ankle boot (class 9), test split"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, stdout)
		}
	}
	for _, f := range []struct {
		dir    string
		names  []string
		levels []uint8
	}{
		{goodDir, []string{"sneaker-0.png", "sneaker-1.png", "sneaker-2.png", "sneaker-3.png"}, []uint8{250, 250, 250, 250}},
		{keptAsideDir, []string{"sneaker-0.png", "sneaker-1.png"}, []uint8{200, 200}},
		{defectsDir, []string{"ankle-boot-0.png", "ankle-boot-1.png", "sandal-0.png", "sandal-1.png", "sandal-2.png"}, []uint8{150, 150, 100, 100, 100}},
	} {
		d, names := readFrames(t, filepath.Join(out, f.dir))
		if !slices.Equal(names, f.names) {
			t.Fatalf("%s holds %q, want %q", f.dir, names, f.names)
		}
		for i := range d.Len() {
			img := d.Image(i)
			// The image fills the centred 48x48 square; 8 columns of background each side.
			wantColour(t, f.dir+"/"+names[i]+" centre", meanColour(img, 48, 64, 4, 44, 12, 52), f.levels[i])
			wantColour(t, f.dir+"/"+names[i]+" left edge", meanColour(img, 48, 64, 0, 48, 0, 8), 0)
			wantColour(t, f.dir+"/"+names[i]+" right edge", meanColour(img, 48, 64, 0, 48, 56, 64), 0)
			// A flat source: only the noise makes the centre's values differ.
			if n := len(slices.Compact(slices.Sorted(slices.Values(img[20*64+20 : 20*64+44])))); n < 4 {
				t.Errorf("%s/%s: %d distinct values in 24 pixels of a flat area, want noise", f.dir, names[i], n)
			}
		}
	}

	// The same seed gives the same files; another seed other noise.
	again := filepath.Join(t.TempDir(), "again")
	other := filepath.Join(t.TempDir(), "other")
	if code, _, stderr := runTool(t, append(slices.Clone(args[2:]), "--out", again)...); code != exitOK {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runTool(t, append(slices.Clone(args[2:]), "--out", other, "--seed", "2")...); code != exitOK {
		t.Fatalf("seed 2: exit %d: %s", code, stderr)
	}
	name := filepath.Join(defectsDir, "sandal-1.png")
	first, second, third := readBytes(t, out, name), readBytes(t, again, name), readBytes(t, other, name)
	if !bytes.Equal(first, second) {
		t.Errorf("%s differs between two runs with seed 1", name)
	}
	if bytes.Equal(first, third) {
		t.Errorf("%s is the same with seeds 1 and 2", name)
	}

	// Into the written folder: refused, then replaced with --force.
	if code, _, stderr := runTool(t, args...); code != exitRuntime || !strings.Contains(stderr, "--force") {
		t.Errorf("rerun into %s: exit %d, %q; want %d and a hint of --force", out, code, stderr, exitRuntime)
	}
	code, _, stderr = runTool(t, "--out", out, "--fmnist", src, "--good", "2", "--kept-aside", "1", "--defects", "1", "--defect-classes", "9", "--force")
	if code != exitOK {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	for dir, want := range map[string][]string{
		goodDir:      {"sneaker-0.png", "sneaker-1.png"},
		keptAsideDir: {"sneaker-0.png"},
		defectsDir:   {"ankle-boot-0.png"},
	} {
		if _, names := readFrames(t, filepath.Join(out, dir)); !slices.Equal(names, want) {
			t.Errorf("after --force, %s holds %q, want %q", dir, names, want)
		}
	}
}

func readBytes(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAskingForMoreThanThereIsWritesNothing(t *testing.T) {
	train, test := fakeLabels()
	src := fakeFashionMNIST(t, train, test)
	out := filepath.Join(t.TempDir(), "parts")
	// The test split has 3 sandals and 3 ankle boots: 7 defects need 4 sandals.
	code, stdout, stderr := runTool(t, "--out", out, "--fmnist", src, "--good", "2", "--kept-aside", "1", "--defects", "7")
	if code != exitRuntime || stdout != "" {
		t.Fatalf("exit %d, stdout %q; want %d", code, stdout, exitRuntime)
	}
	for _, w := range []string{filepath.Join(out, defectsDir), "4 images of class 5 (Sandal)", "test split", "has 3"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s was created (%v)", out, err)
	}
	code, _, stderr = runTool(t, "--out", out, "--fmnist", src, "--good", "6")
	if code != exitRuntime || !strings.Contains(stderr, "train split") || !strings.Contains(stderr, "has 5") {
		t.Errorf("--good 6 of 5: exit %d, %q", code, stderr)
	}
}

// TestRealFashionMNIST writes a few frames from the real Fashion-MNIST when
// it is on this machine, and skips, saying how to get it, when it is not.
func TestRealFashionMNIST(t *testing.T) {
	if _, err := dataset.FashionMNISTDir(); err != nil {
		t.Skipf("Fashion-MNIST not here: %v", err)
	}
	out := filepath.Join(t.TempDir(), "parts")
	code, stdout, stderr := runTool(t, "--out", out, "--good", "4", "--kept-aside", "2", "--defects", "3")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Log(stdout)
	want := map[string]int{goodDir: 4, keptAsideDir: 2, defectsDir: 3}
	for dir, n := range want {
		d, names := readFrames(t, filepath.Join(out, dir))
		if d.Len() != n {
			t.Errorf("%s: %d frames %q, want %d", dir, d.Len(), names, n)
		}
		// Colour, not gray: the ramp gives red above blue wherever there is light.
		img := d.Image(0)
		plane := 48 * 64
		redder := 0
		for o := range plane {
			if img[o] > img[2*plane+o]+0.1 {
				redder++
			}
		}
		if redder < plane/20 {
			t.Errorf("%s/%s: only %d of %d pixels clearly red over blue", dir, names[0], redder, plane)
		}
	}
}

func TestTint(t *testing.T) {
	if got := tint(0); got != [3]float64{0.12, 0.11, 0.14} {
		t.Errorf("tint(0) = %v", got)
	}
	if got := tint(1); got != [3]float64{1, 0.88, 0.62} {
		t.Errorf("tint(1) = %v", got)
	}
	prev := tint(0)
	for i := 1; i <= 100; i++ {
		c := tint(float64(i) / 100)
		for k := range c {
			if c[k] <= prev[k] || c[k] > 1 {
				t.Fatalf("tint(%v) = %v after %v: want every channel rising, at most 1", float64(i)/100, c, prev)
			}
		}
		prev = c
	}
}

func TestSlugAndShares(t *testing.T) {
	for name, want := range map[string]string{"Ankle boot": "ankle-boot", "T-shirt/top": "t-shirt-top", "Sneaker": "sneaker", " Odd  name! ": "odd-name"} {
		if got := slug(name); got != want {
			t.Errorf("slug(%q) = %q, want %q", name, got, want)
		}
	}
	got := shareEvenly(7, []int{5, 9, 0})
	if want := []classCount{{5, 3}, {9, 2}, {0, 2}}; !slices.Equal(got, want) {
		t.Errorf("shareEvenly(7, 3 classes) = %v, want %v", got, want)
	}
}
