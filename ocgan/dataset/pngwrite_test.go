package dataset

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDenormalizeInvertsNormalize(t *testing.T) {
	for x := range 256 {
		if got := Denormalize(Normalize(uint8(x))); got != uint8(x) {
			t.Errorf("Denormalize(Normalize(%d)) = %d", x, got)
		}
	}
	for _, c := range []struct {
		v    float32
		want uint8
	}{{-2, 0}, {2, 255}, {float32(math.NaN()), 0}, {float32(math.Inf(1)), 255}, {0, 128}} {
		if got := Denormalize(c.v); got != c.want {
			t.Errorf("Denormalize(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

// randomDataset makes n random images of channels x height x width, values
// uniform in [-1, 1].
func randomDataset(t *testing.T, rng *rand.Rand, n, channels, height, width int) *Dataset {
	t.Helper()
	pix := make([]float32, n*channels*height*width)
	for i := range pix {
		pix[i] = float32(2*rng.Float64() - 1)
	}
	d, err := New(channels, height, width, pix, make([]int, n))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestWritePNGsRoundTrip writes random gray and RGB images, not square,
// and reads them back with both folder readers: every value must come back
// within half a quantisation step, the files in image order.
func TestWritePNGsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const tol = 1/255.0 + 1e-6 // half of 2/255, plus float32 rounding
	for _, channels := range []int{1, 3} {
		root := t.TempDir()
		// 11 images: indices 0..10 need two digits, so the names must pad.
		d := randomDataset(t, rng, 11, channels, 5, 7)
		paths, err := WritePNGs(d, filepath.Join(root, "only"), "part-")
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != d.Len() || filepath.Base(paths[0]) != "part-00.png" || filepath.Base(paths[10]) != "part-10.png" {
			t.Fatalf("paths %q", paths)
		}
		info, err := ReadImageInfo(paths[3])
		if err != nil || info.Channels() != channels || info.Height != 5 || info.Width != 7 {
			t.Fatalf("%s: %+v, %v; want %d channels, 5x7", paths[3], info, err, channels)
		}
		tree, files, err := ReadImageTree(root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(files, paths) {
			t.Fatalf("ReadImageTree read %q, want %q", files, paths)
		}
		folder, classes, err := ReadImageFolder(root, Options{})
		if err != nil || len(classes) != 1 || classes[0] != "only" {
			t.Fatalf("ReadImageFolder: classes %q, %v", classes, err)
		}
		for _, back := range []*Dataset{tree, folder} {
			if back.Len() != d.Len() || back.Channels() != channels || back.Height() != 5 || back.Width() != 7 {
				t.Fatalf("read %d images of %dx%dx%d, want %d of %dx5x7", back.Len(), back.Channels(), back.Height(), back.Width(), d.Len(), channels)
			}
			for i, v := range d.Pixels() {
				if diff := math.Abs(float64(back.Pixels()[i] - v)); diff > tol {
					t.Fatalf("%d channels, value %d: wrote %v, read %v (diff %v > %v)", channels, i, v, back.Pixels()[i], diff, tol)
				}
			}
		}
	}
}

func TestWritePNGsReplacesAndLeavesNoTemporaries(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2 {
		if _, err := WritePNGs(randomDataset(t, rng, 3, 1, 2, 2), dir, "x"); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"x0.png", "x1.png", "x2.png"}; !slices.Equal(names, want) {
		t.Fatalf("folder holds %q, want %q", names, want)
	}
}

func TestWritePNGsErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	root := t.TempDir()
	gray := randomDataset(t, rng, 2, 1, 2, 2)
	for _, prefix := range []string{"a/b", ".hidden"} {
		if _, err := WritePNGs(gray, root, prefix); !errors.Is(err, ErrBadOptions) {
			t.Errorf("prefix %q: error %v, want ErrBadOptions", prefix, err)
		}
	}
	// Two channels cannot be a PNG: the error names the first file.
	two := randomDataset(t, rng, 2, 2, 2, 2)
	_, err := WritePNGs(two, root, "two-")
	wantFileError(t, err, ErrBadOptions, filepath.Join(root, "two-0.png"))
	// A file where the folder should be: the error names the image's file.
	blocker := writeFile(t, root, "blocker", []byte("not a folder"))
	_, err = WritePNGs(gray, blocker, "p")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(blocker, "p0.png")) {
		t.Fatalf("error %v does not name %s", err, filepath.Join(blocker, "p0.png"))
	}
	if _, err := EncodePNG(make([]float32, 5), 1, 2, 2); !errors.Is(err, ErrBadOptions) {
		t.Errorf("5 values as 1x2x2: error %v, want ErrBadOptions", err)
	}
}
