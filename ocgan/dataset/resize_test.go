package dataset

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"slices"
	"testing"
)

func TestParseResizePolicy(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ResizePolicy
		ok   bool
	}{{"fit", ResizeFit, true}, {"crop", ResizeCrop, true}, {"Crop", 0, false}, {"", 0, false}, {"pad", 0, false}} {
		got, err := ParseResizePolicy(tc.in)
		if tc.ok && (err != nil || got != tc.want || got.String() != tc.in) {
			t.Errorf("ParseResizePolicy(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if !tc.ok && !errors.Is(err, ErrBadOptions) {
			t.Errorf("ParseResizePolicy(%q): error %v, want ErrBadOptions", tc.in, err)
		}
	}
	if err := (Options{Resize: ResizePolicy(2)}).check(); !errors.Is(err, ErrBadOptions) {
		t.Errorf("resize policy 2: error %v, want ErrBadOptions", err)
	}
}

// TestCropValues checks the pixels a centre crop keeps, without resizing:
// gray images whose pixel (x, y) is 10·x + 100·y, cut to the target's
// aspect ratio with the extra pixel of an odd cut at the right or bottom.
func TestCropValues(t *testing.T) {
	for _, tc := range []struct {
		name           string
		w, h           int // source
		oh, ow         int // target
		x0, y0, x1, y1 int // kept region [x0, x1) x [y0, y1)
	}{
		{"wide to square, even cut", 4, 2, 2, 2, 1, 0, 3, 2},
		{"wide to square, odd cut", 5, 2, 2, 2, 1, 0, 3, 2},
		{"tall to square, odd cut", 2, 5, 2, 2, 0, 1, 2, 3},
		{"one row to one pixel", 3, 1, 1, 1, 1, 0, 2, 1},
		{"square to wide", 4, 4, 2, 4, 0, 1, 4, 3},
		{"same aspect", 3, 3, 3, 3, 0, 0, 3, 3},
	} {
		img := grayImage(tc.w, tc.h, func(x, y int) uint8 { return uint8(10*x + 100*y) })
		got, err := Preprocess(img, Options{Height: tc.oh, Width: tc.ow, Channels: 1, Resize: ResizeCrop})
		if err != nil {
			t.Fatal(err)
		}
		var want []float64
		for y := tc.y0; y < tc.y1; y++ {
			for x := tc.x0; x < tc.x1; x++ {
				want = append(want, norm(float64(10*x+100*y)))
			}
		}
		checkValues(t, tc.name, got, want)
	}
}

// TestCropThenResize checks that ResizeCrop is ResizeFit applied to the
// centred square (cut by hand here), for gray and colour images of both
// orientations into 1 and 3 channels, through Preprocess and through the
// folder reader; and that ResizeFit keeps the whole image.
func TestCropThenResize(t *testing.T) {
	wide := rgbImage(20, 12, func(x, y int) (uint8, uint8, uint8) { return uint8(12 * x), uint8(20 * y), uint8(7*x + 3*y) })
	tall := grayImage(9, 16, func(x, y int) uint8 { return uint8(25*x + 13*y) })
	for _, tc := range []struct {
		name   string
		img    image.Image
		square image.Rectangle // the centred square, by hand
	}{
		{"colour 20x12", wide, image.Rect(4, 0, 16, 12)},
		{"gray 9x16", tall, image.Rect(0, 3, 9, 12)},
	} {
		for _, size := range []int{8, 24} {
			for _, ch := range []int{1, 3} {
				name := fmt.Sprintf("%s to %dx%dx%d", tc.name, size, size, ch)
				crop := Options{Height: size, Width: size, Channels: ch, Resize: ResizeCrop}
				fit := Options{Height: size, Width: size, Channels: ch, Resize: ResizeFit}
				got, err := Preprocess(tc.img, crop)
				if err != nil {
					t.Fatal(err)
				}
				sub := tc.img.(interface {
					SubImage(image.Rectangle) image.Image
				}).SubImage(tc.square)
				want, err := Preprocess(sub, fit)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: crop differs from fit of the centred square", name)
				}
				whole, err := Preprocess(tc.img, fit)
				if err != nil {
					t.Fatal(err)
				}
				if slices.Equal(whole, got) {
					t.Errorf("%s: fit gives the cropped image", name)
				}
			}
		}
	}
	root := t.TempDir()
	p := writePNG(t, root, "a/wide.png", wide)
	opts := Options{Height: 8, Width: 8, Channels: 3, Resize: ResizeCrop}
	d, _, err := ReadImageFolder(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Preprocess(wide, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Image(0), want) {
		t.Errorf("%s: the folder reader's crop differs from Preprocess", filepath.Base(p))
	}
}

// TestCropIDX checks that the IDX reader crops non-square images.
func TestCropIDX(t *testing.T) {
	// One 2-row, 4-column image: rows 0 1 2 3 / 10 11 12 13.
	pix := []byte{0, 1, 2, 3, 10, 11, 12, 13}
	dir := t.TempDir()
	path := writeFile(t, dir, "x-idx3-ubyte", idxBytes(IDXImagesMagic, []uint32{1, 2, 4}, pix))
	d, err := ReadIDX(path, "", Options{Height: 2, Width: 2, Channels: 1, Resize: ResizeCrop})
	if err != nil {
		t.Fatal(err)
	}
	checkValues(t, "cropped IDX image", d.Image(0), []float64{norm(1), norm(2), norm(11), norm(12)})
}

// TestImageFolderInfo checks that the folder probe reports the size and
// colour of the image that fixes ReadImageFolder's zero options.
func TestImageFolderInfo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, root string)
		want  ImageInfo
	}{
		{"gray first", func(t *testing.T, root string) {
			writePNG(t, root, "a/1.png", grayImage(5, 7, func(x, y int) uint8 { return uint8(x * y) }))
			writePNG(t, root, "b/1.png", rgbImage(3, 3, func(x, y int) (uint8, uint8, uint8) { return 1, 2, 3 }))
		}, ImageInfo{Height: 7, Width: 5, Gray: true}},
		{"colour first", func(t *testing.T, root string) {
			writeJPEG(t, root, "a/2.jpg", rgbImage(6, 4, func(x, y int) (uint8, uint8, uint8) { return uint8(40 * x), 9, 200 }))
			writePNG(t, root, "a/3.png", grayImage(5, 7, func(x, y int) uint8 { return 1 }))
		}, ImageInfo{Height: 4, Width: 6}},
		{"gray JPEG", func(t *testing.T, root string) {
			writeJPEG(t, root, "z/1.jpeg", grayImage(11, 2, func(x, y int) uint8 { return uint8(20 * x) }))
		}, ImageInfo{Height: 2, Width: 11, Gray: true}},
	} {
		root := t.TempDir()
		tc.write(t, root)
		got, err := ImageFolderInfo(root)
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
			continue
		}
		d, _, err := ReadImageFolder(root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if d.Channels() != got.Channels() || d.Height() != got.Height || d.Width() != got.Width {
			t.Errorf("%s: the reader gives %dx%dx%d, the probe %+v", tc.name, d.Channels(), d.Height(), d.Width(), got)
		}
	}
	empty := t.TempDir()
	if _, err := ImageFolderInfo(empty); !errors.Is(err, ErrNoClasses) {
		t.Errorf("empty folder: %v, want ErrNoClasses", err)
	}
	bad := t.TempDir()
	p := writeFile(t, bad, "a/1.png", []byte("not a png"))
	_, err := ImageFolderInfo(bad)
	wantFileError(t, err, ErrDecode, p)
}
