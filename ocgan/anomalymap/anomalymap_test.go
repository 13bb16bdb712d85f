package anomalymap

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/plot"
)

func TestFileName(t *testing.T) {
	for _, c := range []struct {
		i, n   int
		source string
		want   string
	}{
		{0, 1, "photo1.png", "0-photo1.png"},
		{3, 10, "dir/sub/Part A.JPG", "3-Part_A.png"},
		{3, 11, "dir/sub/part.jpeg", "03-part.png"},
		{42, 1000, "t10k-images-idx3-ubyte#42", "042-t10k-images-idx3-ubyte_42.png"},
		{7, 8, "scan.tiff", "7-scan.tiff.png"},
		{1, 2, "über/ß.png", "1-_.png"},
	} {
		if got := FileName(c.i, c.n, c.source); got != c.want {
			t.Errorf("FileName(%d, %d, %q) = %q, want %q", c.i, c.n, c.source, got, c.want)
		}
	}
	p := Pick{Index: 9, Outcome: FalsePositive, Most: true, Rank: 1}
	if got := p.Name(10, "good/photo3.png"); got != "fp-most-01-photo3.png" {
		t.Errorf("Pick.Name = %q", got)
	}
	p.Most, p.Rank = false, 2
	if got := p.Name(3, "x.png"); got != "fp-least-2-x.png" {
		t.Errorf("Pick.Name = %q", got)
	}
}

func TestOutcomeOf(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		score     float64
		novel     bool
		threshold float64
		want      Outcome
	}{
		{0.5, true, 0.5, TruePositive}, {0.4, true, 0.5, FalseNegative}, {0.5, false, 0.5, FalsePositive},
		{0.4, false, 0.5, TrueNegative}, {0.4, true, nan, Novel}, {0.4, false, nan, Normal},
	} {
		if got := OutcomeOf(c.score, c.novel, c.threshold); got != c.want {
			t.Errorf("OutcomeOf(%v, %v, %v) = %s, want %s", c.score, c.novel, c.threshold, got, c.want)
		}
	}
}

func TestSelect(t *testing.T) {
	// Threshold 0.5. Normal: 0 (0.1), 1 (0.9, FP), 2 (0.3), 3 (0.2), 4 (0.3);
	// novel: 5 (0.8), 6 (0.6), 7 (0.4, FN), 8 (0.95), 9 (0.7).
	scores := []float64{0.1, 0.9, 0.3, 0.2, 0.3, 0.8, 0.6, 0.4, 0.95, 0.7}
	novel := []bool{false, false, false, false, false, true, true, true, true, true}
	pk := func(i int, o Outcome, most bool, rank int) Pick {
		return Pick{Index: i, Outcome: o, Most: most, Rank: rank}
	}
	for _, c := range []struct {
		name      string
		n         int
		threshold float64
		want      []Pick
	}{
		{"top 1", 1, 0.5, []Pick{
			pk(8, TruePositive, true, 1), pk(6, TruePositive, false, 1),
			pk(1, FalsePositive, true, 1),
			pk(2, TrueNegative, true, 1), pk(0, TrueNegative, false, 1),
			pk(7, FalseNegative, true, 1)}},
		{"top 2: ties keep the input order, none picked twice", 2, 0.5, []Pick{
			pk(8, TruePositive, true, 1), pk(5, TruePositive, true, 2), pk(6, TruePositive, false, 1), pk(9, TruePositive, false, 2),
			pk(1, FalsePositive, true, 1),
			pk(2, TrueNegative, true, 1), pk(4, TrueNegative, true, 2), pk(0, TrueNegative, false, 1), pk(3, TrueNegative, false, 2),
			pk(7, FalseNegative, true, 1)}},
		{"no threshold", 1, math.NaN(), []Pick{
			pk(8, Novel, true, 1), pk(7, Novel, false, 1), pk(1, Normal, true, 1), pk(0, Normal, false, 1)}},
		{"none", 0, 0.5, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Select(scores, novel, c.threshold, c.n); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestProbeDirAndWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "maps", "new")
	if err := ProbeDir(dir); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the probe left %d files", len(entries))
	}
	m := plot.AnomalyMap{Channels: 1, Size: 2, Input: []float32{-1, 0, 0.5, 1}, Recon: []float32{-1, 0.5, 0, 1}, Score: 0.125, Threshold: 0.1, Title: "x.png"}
	if err := Write(dir, "0-x.png", m); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "0-x.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _, _ := plot.DrawAnomalyMap(m)
	if img.Bounds() != want.Bounds() {
		t.Errorf("written map %v, drawn %v", img.Bounds(), want.Bounds())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want the map alone", len(entries))
	}

	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Getuid() != 0 {
		if err := ProbeDir(ro); err == nil {
			t.Error("ProbeDir of a read-only folder did not fail")
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if err := ProbeDir(filepath.Join(file, "sub")); err == nil {
		t.Error("ProbeDir below a file did not fail")
	}
}
