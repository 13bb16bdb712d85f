package dataset

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// writeIDXSet writes an MNIST-like IDX folder of 4x4 images: n training
// and n/2 test images with labels cycling through the ten digits.
func writeIDXSet(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []struct {
		images, labels string
		n              int
	}{{TrainImagesFile, TrainLabelsFile, n}, {TestImagesFile, TestLabelsFile, n / 2}} {
		pix, lab := make([]byte, f.n*16), make([]byte, f.n)
		for i := range pix {
			pix[i] = byte(i*7 + f.n)
		}
		for i := range lab {
			lab[i] = byte(i % 10)
		}
		writeFile(t, dir, f.images, idxBytes(IDXImagesMagic, []uint32{uint32(f.n), 4, 4}, pix))
		writeFile(t, dir, f.labels, idxBytes(IDXLabelsMagic, []uint32{uint32(f.n)}, lab))
	}
	return dir
}

// writeCIFARSet writes a CIFAR-10 folder: five batches of ten images and a
// test batch of ten, labels cycling through the ten classes.
func writeCIFARSet(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	batch := func(seed int) []byte {
		var b []byte
		for i := range 10 {
			b = append(b, cifarRecord(byte(i), byte(seed+i))...)
		}
		return b
	}
	for i := 1; i <= 5; i++ {
		writeFile(t, dir, fmt.Sprintf("data_batch_%d.bin", i), batch(i*10))
	}
	writeFile(t, dir, CIFARTestFile, batch(99))
	return dir
}

// writeClassFolders writes two class folders of n 4x4 gray images each.
func writeClassFolders(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	for c, class := range []string{"bar", "disc"} {
		for i := range n {
			writePNG(t, root, fmt.Sprintf("%s/%02d.png", class, i), grayImage(4, 4, func(x, y int) uint8 { return uint8(40*c + 9*i + x*y) }))
		}
	}
	return root
}

// TestOpen opens each kind by name and checks that the split is the one
// the readers and splitters make by hand, with the image files of kind
// images.
func TestOpen(t *testing.T) {
	idx, cifar, folders := writeIDXSet(t, 40), writeCIFARSet(t), writeClassFolders(t, 5)
	opts := Options{Height: 4, Width: 4, Channels: 1}
	byProtocol := func(read func() (*Dataset, *Dataset, error), protocol, class int, seed uint64) func() (*Split, []string, error) {
		return func() (*Split, []string, error) {
			train, test, err := read()
			if err != nil {
				return nil, nil, err
			}
			if protocol == 2 {
				s, err := Protocol2(train, test, class, seed)
				return s, nil, err
			}
			all, err := Concat(train, test)
			if err != nil {
				return nil, nil, err
			}
			s, err := Protocol1(all, class, seed)
			return s, nil, err
		}
	}
	tests := []struct {
		name string
		spec Spec
		want func() (*Split, []string, error)
	}{
		{"mnist protocol 2", Spec{Kind: "mnist", Path: idx, Class: 3, Protocol: 2, Seed: 7},
			byProtocol(func() (*Dataset, *Dataset, error) { return ReadIDXDir(idx, opts) }, 2, 3, 7)},
		{"fmnist protocol 1", Spec{Kind: "FMNIST", Path: idx, Class: 0, Protocol: 1, Seed: 2},
			byProtocol(func() (*Dataset, *Dataset, error) { return ReadIDXDir(idx, opts) }, 1, 0, 2)},
		{"cifar10 protocol 2", Spec{Kind: "cifar10", Path: cifar, Class: 9, Protocol: 2, Seed: 1},
			byProtocol(func() (*Dataset, *Dataset, error) { return ReadCIFAR10Dir(cifar, opts) }, 2, 9, 1)},
		{"folder", Spec{Kind: "folder", Path: folders, Class: 1, Protocol: 1, Seed: 3}, func() (*Split, []string, error) {
			all, _, err := ReadImageFolder(folders, opts)
			if err != nil {
				return nil, nil, err
			}
			s, err := Protocol1(all, 1, 3)
			return s, nil, err
		}},
		{"images", Spec{Kind: "images", Path: folders, Seed: 4, ValShare: 0.3}, func() (*Split, []string, error) {
			all, files, err := ReadImageTree(folders, opts)
			if err != nil {
				return nil, nil, err
			}
			s, err := HoldOut(all, 0.3, 4)
			return s, files, err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, files, err := Open(tc.spec, opts)
			if err != nil {
				t.Fatal(err)
			}
			want, wantFiles, err := tc.want()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(files, wantFiles) {
				t.Errorf("Open(%+v) = %d train, %d test images, files %q; by hand %d, %d, %q",
					tc.spec, got.Train.Len(), got.Test.Len(), files, want.Train.Len(), want.Test.Len(), wantFiles)
			}
			if got.Train.Len() == 0 || got.Val.Len() == 0 {
				t.Errorf("empty split: %d train, %d validation images", got.Train.Len(), got.Val.Len())
			}
		})
	}
}

// TestOpenRefusesBadSpecs: every Spec that names no split gives ErrSpec
// before anything is read.
func TestOpenRefusesBadSpecs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, s := range []Spec{
		{Kind: "imagenet", Path: missing, Protocol: 1},
		{Kind: "mnist", Path: missing, Protocol: 3},
		{Kind: "mnist", Path: missing, Protocol: 0},
		{Kind: "mnist", Path: missing, Protocol: 2, Class: 10},
		{Kind: "cifar10", Protocol: 2},
		{Kind: "folder", Protocol: 1},
		{Kind: "folder", Path: missing, Protocol: 2},
		{Kind: "images", ValShare: 0.1},
	} {
		if _, _, err := Open(s, Options{}); !errors.Is(err, ErrSpec) {
			t.Errorf("Open(%+v): %v, want ErrSpec", s, err)
		}
	}
}

// TestKinds: the names Open takes and their fixed class counts.
func TestKinds(t *testing.T) {
	want := map[string]int{"mnist": 10, "fmnist": 10, "cifar10": 10, "folder": 0, "images": 0}
	kinds := Kinds()
	if len(kinds) != len(want) {
		t.Errorf("Kinds() = %q", kinds)
	}
	for _, k := range kinds {
		if n, ok := want[k]; !ok || FixedClasses(k) != n {
			t.Errorf("kind %q: %d fixed classes, want %d (known %v)", k, FixedClasses(k), n, ok)
		}
	}
}

// TestReadPaths reads a PNG file, a folder and an IDX file in that order,
// names each image, and refuses an empty list.
func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	one := writePNG(t, dir, "one.png", grayImage(4, 4, func(x, y int) uint8 { return 255 }))
	folder := writeClassFolders(t, 2)
	imagesFile, _ := writeIDXPair(t, dir, "x", false)
	opts := Options{Height: 3, Width: 4, Channels: 1}
	ds, names, _, err := ReadPaths([]string{one, folder, imagesFile}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{one, filepath.Join(folder, "bar", "00.png"), filepath.Join(folder, "bar", "01.png"),
		filepath.Join(folder, "disc", "00.png"), filepath.Join(folder, "disc", "01.png")}
	for i := range 5 {
		want = append(want, fmt.Sprintf("%s#%d", imagesFile, i))
	}
	if !reflect.DeepEqual(names, want) || ds.Len() != len(want) {
		t.Errorf("names %q (%d images), want %q", names, ds.Len(), want)
	}
	if px := ds.Image(0); px[0] != 1 {
		t.Errorf("the white image reads as %v", px[0])
	}
	if _, _, _, err := ReadPaths(nil, opts); !errors.Is(err, ErrNoImages) {
		t.Errorf("no paths: %v, want ErrNoImages", err)
	}
}

// TestCheckDisjoint finds the same file named two ways in two sets, and
// lets one set name a file twice.
func TestCheckDisjoint(t *testing.T) {
	dir := t.TempDir()
	f := writePNG(t, dir, "a.png", image.NewGray(image.Rect(0, 0, 2, 2)))
	rel, err := filepath.Rel(mustGetwd(t), f)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckDisjoint(NamedImages{"--normal", []string{f, f}}, NamedImages{"--novel", []string{f + "#0"}}); err != nil {
		t.Errorf("disjoint sets: %v", err)
	}
	err = CheckDisjoint(NamedImages{"--normal", []string{f}}, NamedImages{"--novel", []string{rel}})
	var oe *OverlapError
	if !errors.As(err, &oe) || oe.Image != rel || oe.First != "--normal" || oe.Second != "--novel" {
		t.Errorf("overlap: %v, want an OverlapError naming %s, --normal and --novel", err, rel)
	}
}

// mustGetwd is the working directory.
func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
