package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

// The sub-folders partsdemo writes.
const (
	goodDir      = "good"
	keptAsideDir = "good-kept-aside"
	defectsDir   = "defects"
)

// config is what to write.
type config struct {
	out                      string
	good, keptAside, defects int
	normalClass              int
	defectClasses            []int
	width, height            int
	seed                     uint64
	fmnist                   string
	force                    bool
}

// Bounds of the frame size.
const minSide, maxSide = 8, 2048

// check reports flag values that cannot work, naming the flag.
func (c config) check() error {
	if c.out == "" {
		return fmt.Errorf("--out is required: the folder to write")
	}
	for _, f := range []struct {
		name string
		n    int
	}{{"--good", c.good}, {"--kept-aside", c.keptAside}, {"--defects", c.defects}} {
		if f.n < 1 {
			return fmt.Errorf("%s %d: want at least 1 image", f.name, f.n)
		}
	}
	classes := len(dataset.FashionMNISTClasses())
	if c.normalClass < 0 || c.normalClass >= classes {
		return fmt.Errorf("--normal-class %d: Fashion-MNIST's classes are 0 to %d", c.normalClass, classes-1)
	}
	if len(c.defectClasses) == 0 {
		return fmt.Errorf("--defect-classes: give at least one class")
	}
	for i, k := range c.defectClasses {
		switch {
		case k < 0 || k >= classes:
			return fmt.Errorf("--defect-classes %d: Fashion-MNIST's classes are 0 to %d", k, classes-1)
		case k == c.normalClass:
			return fmt.Errorf("--defect-classes %d: that is --normal-class, the good parts", k)
		case slices.Contains(c.defectClasses[:i], k):
			return fmt.Errorf("--defect-classes: class %d given twice", k)
		}
	}
	if c.width < minSide || c.width > maxSide || c.height < minSide || c.height > maxSide {
		return fmt.Errorf("--width %d --height %d: each side must be %d to %d pixels", c.width, c.height, minSide, maxSide)
	}
	return nil
}

// classCount is how many images of one class a folder got.
type classCount struct {
	class, n int
}

// folderReport is what one sub-folder got.
type folderReport struct {
	dir    string
	split  string // "train" or "test"
	counts []classCount
}

// report is what writeParts wrote.
type report struct {
	source        string // the Fashion-MNIST folder
	width, height int
	seed          uint64
	folders       []folderReport
}

// print writes the report, one line per folder.
func (r report) print(w io.Writer) {
	names := dataset.FashionMNISTClasses()
	fmt.Fprintf(w, "Fashion-MNIST from %s as %dx%d RGB PNG frames (width x height), seed %d\n", r.source, r.width, r.height, r.seed)
	for _, f := range r.folders {
		total := 0
		var parts []string
		for _, c := range f.counts {
			total += c.n
			parts = append(parts, fmt.Sprintf("%d %s (class %d)", c.n, names[c.class], c.class))
		}
		fmt.Fprintf(w, "%-28s %5d images: %s, %s split\n", f.dir+string(filepath.Separator), total, strings.Join(parts, ", "), f.split)
	}
}

// writeParts writes the three sub-folders of cfg.out from Fashion-MNIST.
func writeParts(cfg config) (report, error) {
	if err := checkOut(cfg.out, cfg.force); err != nil {
		return report{}, err
	}
	source, train, test, err := loadFashionMNIST(cfg.fmnist)
	if err != nil {
		return report{}, err
	}
	// Every folder's selection, checked before anything is written.
	type job struct {
		folderReport
		from   *dataset.Dataset
		stream uint64 // the folder's random stream: selection and noise
	}
	jobs := []job{
		{folderReport{filepath.Join(cfg.out, goodDir), "train", []classCount{{cfg.normalClass, cfg.good}}}, train, 1},
		{folderReport{filepath.Join(cfg.out, keptAsideDir), "test", []classCount{{cfg.normalClass, cfg.keptAside}}}, test, 2},
		{folderReport{filepath.Join(cfg.out, defectsDir), "test", shareEvenly(cfg.defects, cfg.defectClasses)}, test, 3},
	}
	names := dataset.FashionMNISTClasses()
	for _, j := range jobs {
		for _, c := range j.counts {
			if have := len(j.from.Indices(c.class)); c.n > have {
				return report{}, fmt.Errorf("%s: %d images of class %d (%s) asked for, the %s split of %s has %d",
					j.dir, c.n, c.class, names[c.class], j.split, source, have)
			}
		}
	}
	if cfg.force {
		for _, j := range jobs {
			if err := os.RemoveAll(j.dir); err != nil {
				return report{}, fmt.Errorf("--force: %w", err)
			}
		}
	}
	rep := report{source: source, width: cfg.width, height: cfg.height, seed: cfg.seed}
	for _, j := range jobs {
		rng := rand.New(rand.NewPCG(cfg.seed, j.stream))
		for _, c := range j.counts {
			chosen, err := choose(j.from, c.class, c.n, rng)
			if err != nil {
				return report{}, err
			}
			frames, err := cameraFrames(chosen, cfg.height, cfg.width, rng)
			if err != nil {
				return report{}, err
			}
			if _, err := dataset.WritePNGs(frames, j.dir, slug(names[c.class])+"-"); err != nil {
				return report{}, err
			}
		}
		rep.folders = append(rep.folders, j.folderReport)
	}
	return rep, nil
}

// checkOut refuses an out that is not a folder, or a non-empty one unless
// force.
func checkOut(out string, force bool) error {
	st, err := os.Stat(out)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("--out %s: not a folder", out)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("--out %s is not empty (it holds %s): choose an empty or new folder, or pass --force to replace its %s/, %s/ and %s/",
			out, entries[0].Name(), goodDir, keptAsideDir, defectsDir)
	}
	return nil
}

// loadFashionMNIST reads Fashion-MNIST's train and test splits from dir,
// or from dataset.FashionMNISTDir when dir is empty, and returns the folder
// read.
func loadFashionMNIST(dir string) (string, *dataset.Dataset, *dataset.Dataset, error) {
	if dir == "" {
		d, err := dataset.FashionMNISTDir()
		if err != nil {
			return "", nil, nil, err
		}
		dir = d
	}
	train, test, err := dataset.ReadIDXDir(dir, dataset.Options{})
	if err != nil {
		return "", nil, nil, fmt.Errorf("Fashion-MNIST: %w", err)
	}
	return dir, train, test, nil
}

// shareEvenly splits n images over classes, the first n mod len(classes)
// classes getting one more.
func shareEvenly(n int, classes []int) []classCount {
	out := make([]classCount, len(classes))
	for i, k := range classes {
		out[i] = classCount{class: k, n: n / len(classes)}
		if i < n%len(classes) {
			out[i].n++
		}
	}
	return out
}

// choose returns n images of class from d, chosen at random by rng, in
// their order in d.
func choose(d *dataset.Dataset, class, n int, rng *rand.Rand) (*dataset.Dataset, error) {
	idx := d.Indices(class)
	if n > len(idx) {
		return nil, fmt.Errorf("%d images of class %d asked for, %d there", n, class, len(idx))
	}
	chosen := make([]int, n)
	for i, p := range rng.Perm(len(idx))[:n] {
		chosen[i] = idx[p]
	}
	slices.Sort(chosen)
	return d.Subset(chosen)
}

// slug turns a class name into a file-name part: lower case, every run of
// other characters than letters and digits one "-" ("Ankle boot" →
// "ankle-boot", "T-shirt/top" → "t-shirt-top").
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}
