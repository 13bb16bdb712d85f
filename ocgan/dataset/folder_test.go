package dataset

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadImageFolder(t *testing.T) {
	root := t.TempDir()
	// Class folders in unsorted creation order; ids follow sorted names.
	zebra := rgbImage(3, 2, func(x, y int) (uint8, uint8, uint8) { return uint8(100 * x), uint8(50 * y), 255 })
	writePNG(t, root, "zebra/b.png", zebra)
	writePNG(t, root, "zebra/a.PNG", rgbImage(3, 2, func(x, y int) (uint8, uint8, uint8) { return 0, 0, 0 }))
	writeJPEG(t, root, "ant/x.jpg", rgbImage(3, 2, func(x, y int) (uint8, uint8, uint8) { return 128, 128, 128 }))
	writeFile(t, root, "ant/notes.txt", []byte("ignored"))
	writeFile(t, root, "README", []byte("a file at the top: not a class"))
	writePNG(t, root, ".hidden/c.png", zebra)

	d, classes, err := ReadImageFolder(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(classes) != 2 || classes[0] != "ant" || classes[1] != "zebra" {
		t.Fatalf("classes %q, want [ant zebra]", classes)
	}
	// The first image (ant/x.jpg) is RGB JPEG: 3 channels, 2x3.
	if d.Len() != 3 || d.Channels() != 3 || d.Height() != 2 || d.Width() != 3 {
		t.Fatalf("%d images of %dx%dx%d, want 3 of 3x2x3", d.Len(), d.Channels(), d.Height(), d.Width())
	}
	if got := d.Labels(); got[0] != 0 || got[1] != 1 || got[2] != 1 {
		t.Errorf("labels %v, want [0 1 1]", got)
	}
	// ant/x.jpg: mid gray (JPEG at quality 100 keeps a flat 128 within 1).
	for _, v := range d.Image(0) {
		if float64(v) < norm(127)-1e-6 || float64(v) > norm(129)+1e-6 {
			t.Fatalf("JPEG gray pixel %v, want about %v", v, norm(128))
		}
	}
	// zebra/a.PNG then zebra/b.png (sorted names): black, then the gradient.
	checkValues(t, "black", d.Image(1), []float64{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1})
	var want []float64
	for c := range 3 {
		for y := range 2 {
			for x := range 3 {
				want = append(want, norm([]float64{float64(100 * x), float64(50 * y), 255}[c]))
			}
		}
	}
	checkValues(t, "rgb", d.Image(2), want)

	gray, _, err := ReadImageFolder(root, Options{Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	want = want[:0]
	for y := range 2 {
		for x := range 3 {
			want = append(want, norm(Luma(float64(100*x), float64(50*y), 255)))
		}
	}
	checkValues(t, "gray", gray.Image(2), want)
}

func TestReadImageFolderGrayAndResize(t *testing.T) {
	root := t.TempDir()
	// A 2x2 gray PNG; expected values come from the reference normalisation.
	px := [4]uint8{0, 255, 128, 191}
	writePNG(t, root, "only/a.png", grayImage(2, 2, func(x, y int) uint8 { return px[2*y+x] }))
	d, _, err := ReadImageFolder(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Channels() != 1 || d.Height() != 2 || d.Width() != 2 {
		t.Fatalf("gray PNG read as %dx%dx%d, want 1x2x2", d.Channels(), d.Height(), d.Width())
	}
	a, b, c, e := norm(0), norm(255), norm(128), norm(191)
	checkValues(t, "native", d.Image(0), []float64{a, b, c, e})

	big, _, err := ReadImageFolder(root, Options{Height: 4, Width: 4, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Taps 0, 0.25, 0.75, 1 on both axes.
	lerp := func(p, q, t float64) float64 { return (1-t)*p + t*q }
	tt := []float64{0, 0.25, 0.75, 1}
	var want []float64
	for y := range 4 {
		for x := range 4 {
			want = append(want, lerp(lerp(a, b, tt[x]), lerp(c, e, tt[x]), tt[y]))
		}
	}
	if big.Channels() != 3 {
		t.Fatalf("%d channels, want 3", big.Channels())
	}
	img := big.Image(0)
	for ch := range 3 {
		checkValues(t, "upsampled", img[16*ch:16*(ch+1)], want)
	}
}

func TestReadImageFolderErrors(t *testing.T) {
	png := func(t *testing.T, root, name string) {
		writePNG(t, root, name, grayImage(2, 2, func(x, y int) uint8 { return 9 }))
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string) string // returns the path the error must name
		kind  error
	}{
		{"no classes", func(t *testing.T, root string) string {
			writeFile(t, root, "stray.png", []byte("x"))
			return root
		}, ErrNoClasses},
		{"empty class folder", func(t *testing.T, root string) string {
			png(t, root, "a/1.png")
			writeFile(t, root, "b/readme.txt", []byte("no images"))
			return filepath.Join(root, "b")
		}, ErrEmptyClass},
		{"unreadable PNG", func(t *testing.T, root string) string {
			png(t, root, "a/1.png")
			return writeFile(t, root, "a/2.png", []byte("\x89PNG\r\n\x1a\nnot really"))
		}, ErrDecode},
		{"unreadable first image", func(t *testing.T, root string) string {
			return writeFile(t, root, "a/1.jpg", []byte("garbage"))
		}, ErrDecode},
		{"truncated PNG", func(t *testing.T, root string) string {
			png(t, root, "a/1.png")
			p := filepath.Join(root, "a/1.png")
			b, _ := os.ReadFile(p)
			return writeFile(t, root, "b/2.png", b[:len(b)/2])
		}, ErrDecode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			path := tc.setup(t, root)
			d, _, err := ReadImageFolder(root, Options{})
			if d != nil {
				t.Error("got a dataset with an error")
			}
			wantFileError(t, err, tc.kind, path)
			t.Log(err)
		})
	}
	missing := filepath.Join(t.TempDir(), "nope")
	_, _, err := ReadImageFolder(missing, Options{})
	wantFileError(t, err, os.ErrNotExist, missing)
}

func TestReadCOIL100(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []struct {
		name string
		v    uint8
	}{{"obj10__0.png", 40}, {"obj1__5.png", 20}, {"obj1__0.png", 10}, {"obj2__355.png", 30}, {"obj2__10.png", 25}} {
		writePNG(t, dir, f.name, rgbImage(4, 4, func(x, y int) (uint8, uint8, uint8) { return f.v, f.v, f.v }))
	}
	writeFile(t, dir, "convertGroupppm2png.pl", []byte("ignored"))
	writeFile(t, dir, "objX__0.png", []byte("ignored: not a number"))
	d, err := ReadCOIL100(dir, Options{Height: 2, Width: 2, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Order (object, angle): obj1__0, obj1__5, obj2__10, obj2__355, obj10__0.
	wantLabels := []int{0, 0, 1, 1, 9}
	wantValues := []uint8{10, 20, 25, 30, 40}
	if d.Len() != 5 || d.Channels() != 1 || d.Height() != 2 {
		t.Fatalf("%d images of %dx%dx%d", d.Len(), d.Channels(), d.Height(), d.Width())
	}
	for i := range 5 {
		if d.Label(i) != wantLabels[i] {
			t.Errorf("label %d = %d, want %d", i, d.Label(i), wantLabels[i])
		}
		v := norm(float64(wantValues[i]))
		checkValues(t, "coil", d.Image(i), []float64{v, v, v, v})
	}

	empty := t.TempDir()
	writeFile(t, empty, "readme.txt", nil)
	_, err = ReadCOIL100(empty, Options{})
	wantFileError(t, err, ErrNoClasses, empty)

	zero := t.TempDir()
	p := writePNG(t, zero, "obj0__0.png", image.NewGray(image.Rect(0, 0, 1, 1)))
	_, err = ReadCOIL100(zero, Options{})
	wantFileError(t, err, ErrBadLabel, p)

	bad := t.TempDir()
	writePNG(t, bad, "obj1__0.png", image.NewGray(image.Rect(0, 0, 1, 1)))
	p = writeFile(t, bad, "obj1__5.png", []byte("junk"))
	_, err = ReadCOIL100(bad, Options{})
	wantFileError(t, err, ErrDecode, p)
}

func TestParseCOILName(t *testing.T) {
	for _, tc := range []struct {
		name       string
		obj, angle int
		ok         bool
	}{
		{"obj1__0.png", 1, 0, true},
		{"obj100__355.png", 100, 355, true},
		{"obj7__20.JPG", 7, 20, true},
		{"obj1_0.png", 0, 0, false},
		{"obj1__0.ppm", 0, 0, false},
		{"objA__0.png", 0, 0, false},
		{"obj-1__0.png", 0, 0, false},
		{"x1__0.png", 0, 0, false},
	} {
		obj, angle, ok := parseCOILName(tc.name)
		if ok != tc.ok || (ok && (obj != tc.obj || angle != tc.angle)) {
			t.Errorf("%s: %d %d %v, want %d %d %v", tc.name, obj, angle, ok, tc.obj, tc.angle, tc.ok)
		}
	}
}

// TestDecodeAndPreprocessMatchReadImages: decoding bytes in memory and
// preprocessing them (the server's path) gives the readers' values bit for
// bit, for gray and colour PNG and JPEG, resized or not.
func TestDecodeAndPreprocessMatchReadImages(t *testing.T) {
	dir := t.TempDir()
	rgb := image.NewRGBA(image.Rect(0, 0, 13, 9))
	gray := image.NewGray(image.Rect(0, 0, 28, 28))
	for i := range rgb.Pix {
		rgb.Pix[i] = uint8(i * 37)
	}
	for i := range gray.Pix {
		gray.Pix[i] = uint8(i * 11)
	}
	paths := []string{
		writePNG(t, dir, "rgb.png", rgb), writePNG(t, dir, "gray.png", gray),
		writeJPEG(t, dir, "rgb.jpg", rgb), writeJPEG(t, dir, "gray.jpg", gray),
	}
	for _, opts := range []Options{{Height: 28, Width: 28, Channels: 1}, {Height: 32, Width: 32, Channels: 3}, {Height: 9, Width: 13, Channels: 3}} {
		want, err := ReadImages(paths, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			img, err := DecodeImage(bytes.NewReader(data), "body")
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			got, err := Preprocess(img, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want.Image(i)) {
				t.Errorf("%s with %+v: Preprocess differs from ReadImages", filepath.Base(p), opts)
			}
		}
	}
	for _, bad := range [][]byte{nil, []byte("not an image"), {0x89, 'P', 'N', 'G', 13, 10, 26, 10}} {
		_, err := DecodeImage(bytes.NewReader(bad), "request body")
		if !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), "request body") {
			t.Errorf("DecodeImage(%q): %v, want ErrDecode naming the body", bad, err)
		}
	}
	if _, err := Preprocess(gray, Options{Channels: 2}); err == nil {
		t.Error("Preprocess with 2 channels: no error")
	}
}
