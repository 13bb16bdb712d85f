package dataset

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestListImages(t *testing.T) {
	root := t.TempDir()
	dot := grayImage(1, 1, func(x, y int) uint8 { return 0 })
	want := []string{
		writePNG(t, root, "a.png", dot),
		writeJPEG(t, root, "b/c/deep.JPG", rgbImage(2, 2, func(x, y int) (uint8, uint8, uint8) { return 1, 2, 3 })),
		writePNG(t, root, "b/x.png", dot),
		writePNG(t, root, "b0.jpeg", dot),
	}
	writeFile(t, root, "b/notes.txt", []byte("not an image"))
	writePNG(t, root, ".cache/hidden.png", dot)
	writePNG(t, root, "b/.hidden.png", dot)
	got, err := ListImages(root)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("ListImages = %q, want %q", got, want)
	}

	empty := t.TempDir()
	writeFile(t, empty, "sub/readme.txt", nil)
	_, err = ListImages(empty)
	wantFileError(t, err, ErrNoImages, empty)
	missing := filepath.Join(empty, "nope")
	_, err = ListImages(missing)
	wantFileError(t, err, os.ErrNotExist, missing)
}

// TestReadImageTree reads gray and colour images of odd sizes from nested
// folders, resized to the options' shape, in path order, with their names.
func TestReadImageTree(t *testing.T) {
	root := t.TempDir()
	gray := grayImage(30, 22, func(x, y int) uint8 { return uint8(x * 8) })
	rgb := rgbImage(22, 30, func(x, y int) (uint8, uint8, uint8) { return uint8(y * 8), 0, 255 })
	paths := []string{writePNG(t, root, "lot1/a.png", gray), writePNG(t, root, "lot2/b/c.png", rgb)}
	opts := Options{Height: 7, Width: 9, Channels: 1}
	d, names, err := ReadImageTree(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, paths) || d.Len() != 2 || d.Channels() != 1 || d.Height() != 7 || d.Width() != 9 {
		t.Fatalf("%q: %d images of %dx%dx%d", names, d.Len(), d.Channels(), d.Height(), d.Width())
	}
	want, err := ReadImages(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Pixels(), want.Pixels()) || !slices.Equal(d.Labels(), []int{0, 0}) {
		t.Error("ReadImageTree's images differ from ReadImages' of the same files")
	}

	bad := writeFile(t, root, "lot2/broken.png", []byte("\x89PNG\r\n\x1a\nnot really"))
	_, _, err = ReadImageTree(root, opts)
	wantFileError(t, err, ErrDecode, bad)
}

// TestImageTreeInfo checks that the tree probe reports the size and colour
// of the image that fixes ReadImageTree's zero options: the first in path
// order, however deep.
func TestImageTreeInfo(t *testing.T) {
	root := t.TempDir()
	writePNG(t, root, "b.png", grayImage(5, 5, func(x, y int) uint8 { return 1 }))
	writeJPEG(t, root, "a/z/1.jpg", rgbImage(34, 30, func(x, y int) (uint8, uint8, uint8) { return uint8(x), 9, 200 }))
	got, err := ImageTreeInfo(root)
	if want := (ImageInfo{Height: 30, Width: 34}); err != nil || got != want {
		t.Fatalf("%+v, %v; want %+v", got, err, want)
	}
	d, _, err := ReadImageTree(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Channels() != got.Channels() || d.Height() != got.Height || d.Width() != got.Width {
		t.Errorf("the reader gives %dx%dx%d, the probe %+v", d.Channels(), d.Height(), d.Width(), got)
	}
	if _, err := ImageTreeInfo(t.TempDir()); !errors.Is(err, ErrNoImages) {
		t.Errorf("empty folder: %v, want ErrNoImages", err)
	}
	bad := t.TempDir()
	p := writeFile(t, bad, "x/1.png", []byte("not a png"))
	_, err = ImageTreeInfo(bad)
	wantFileError(t, err, ErrDecode, p)
}

func TestDetectLayout(t *testing.T) {
	img := grayImage(2, 2, func(x, y int) uint8 { return 7 })
	for _, tc := range []struct {
		name  string
		files []string
		want  Layout
	}{
		{"IDX files", []string{TrainImagesFile + ".gz", TrainLabelsFile + ".gz", TestImagesFile, TestLabelsFile}, LayoutIDX},
		{"CIFAR-10 batches", []string{"data_batch_1.bin", "data_batch_2.bin", CIFARTestFile, "batches.meta.txt"}, LayoutCIFAR10},
		{"class folders", []string{"ant/1.png", "ant/2.png", "bee/1.jpg", ".git/x.png", "README"}, LayoutClassFolders},
		{"images in the folder", []string{"1.png", "2.png"}, LayoutImages},
		{"images beside folders", []string{"1.png", "a/1.png", "b/1.png"}, LayoutImages},
		{"one sub-folder", []string{"good/1.png", "good/2.png"}, LayoutImages},
		{"nested deeper", []string{"lot1/day1/1.png", "lot2/day1/1.png"}, LayoutImages},
		{"a sub-folder without its own images", []string{"a/1.png", "b/c/1.png"}, LayoutImages},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for _, f := range tc.files {
				if IsImageName(f) {
					writePNG(t, root, f, img)
				} else {
					writeFile(t, root, f, []byte("x"))
				}
			}
			got, err := DetectLayout(root)
			if err != nil || got != tc.want {
				t.Errorf("DetectLayout = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	empty := t.TempDir()
	writeFile(t, empty, "a/readme.txt", nil)
	_, err := DetectLayout(empty)
	wantFileError(t, err, ErrNoImages, empty)
	file := writePNG(t, t.TempDir(), "one.png", img)
	_, err = DetectLayout(file)
	wantFileError(t, err, ErrBadOptions, file)
	if _, err := DetectLayout(filepath.Join(empty, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: %v", err)
	}
}

func TestClassFolders(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"zebra/1.png", "7/1.png", "ant/1.png", ".hidden/1.png"} {
		writePNG(t, root, f, grayImage(1, 1, func(x, y int) uint8 { return 0 }))
	}
	writeFile(t, root, "stray.png", []byte("x"))
	got, err := ClassFolders(root)
	if err != nil || !slices.Equal(got, []string{"7", "ant", "zebra"}) {
		t.Errorf("ClassFolders = %q, %v", got, err)
	}
	_, names, err := ReadImageFolder(root, Options{})
	if err != nil || !slices.Equal(names, got) {
		t.Errorf("ReadImageFolder's classes %q, %v; ClassFolders %q", names, err, got)
	}
	_, err = ClassFolders(t.TempDir())
	if !errors.Is(err, ErrNoClasses) {
		t.Errorf("no sub-folders: %v", err)
	}
}
