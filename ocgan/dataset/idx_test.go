package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// testIDX is a small IDX data set: 5 images of 3 rows x 4 columns.
func testIDX() (pix []byte, labels []byte) {
	pix = make([]byte, 5*3*4)
	for i := range pix {
		pix[i] = byte(i * 4) // 0, 4, …, 236
	}
	pix[7] = 255
	return pix, []byte{3, 1, 4, 1, 5}
}

// writeIDXPair writes the test IDX pair into dir, gzipped if gz.
func writeIDXPair(t *testing.T, dir, prefix string, gz bool) (images, labels string) {
	t.Helper()
	pix, lab := testIDX()
	img := idxBytes(IDXImagesMagic, []uint32{5, 3, 4}, pix)
	lbl := idxBytes(IDXLabelsMagic, []uint32{5}, lab)
	ext := ""
	if gz {
		img, lbl, ext = gzipBytes(t, img), gzipBytes(t, lbl), ".gz"
	}
	return writeFile(t, dir, prefix+"-images-idx3-ubyte"+ext, img), writeFile(t, dir, prefix+"-labels-idx1-ubyte"+ext, lbl)
}

func TestReadIDXRoundTrip(t *testing.T) {
	pix, lab := testIDX()
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		ip, lp := writeIDXPair(t, dir, "train", gz)
		d, err := ReadIDX(ip, lp, Options{})
		if err != nil {
			t.Fatalf("gz=%v: %v", gz, err)
		}
		if d.Len() != 5 || d.Channels() != 1 || d.Height() != 3 || d.Width() != 4 {
			t.Fatalf("gz=%v: %d images of %dx%dx%d, want 5 of 1x3x4", gz, d.Len(), d.Channels(), d.Height(), d.Width())
		}
		for i := range 5 {
			if d.Label(i) != int(lab[i]) {
				t.Errorf("gz=%v: label %d = %d, want %d", gz, i, d.Label(i), lab[i])
			}
			want := make([]float64, 12)
			for k := range want {
				want[k] = norm(float64(pix[i*12+k]))
			}
			checkValues(t, "image", d.Image(i), want)
		}
		if d.Image(0)[0] != -1 || d.Image(0)[7] != 1 {
			t.Errorf("endpoints: %v %v, want -1 1", d.Image(0)[0], d.Image(0)[7])
		}
	}
}

func TestReadIDXOptions(t *testing.T) {
	dir := t.TempDir()
	ip, lp := writeIDXPair(t, dir, "train", true)
	base, err := ReadIDX(ip, lp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rgb, err := ReadIDX(ip, lp, Options{Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rgb.Channels() != 3 || rgb.Height() != 3 || rgb.Width() != 4 {
		t.Fatalf("RGB shape %dx%dx%d", rgb.Channels(), rgb.Height(), rgb.Width())
	}
	for i := range base.Len() {
		g, c := base.Image(i), rgb.Image(i)
		for k := range g {
			if c[k] != g[k] || c[12+k] != g[k] || c[24+k] != g[k] {
				t.Fatalf("image %d pixel %d: RGB copy %v %v %v of gray %v", i, k, c[k], c[12+k], c[24+k], g[k])
			}
		}
	}
	big, err := ReadIDX(ip, lp, Options{Height: 6, Width: 8, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := base.Resized(6, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i := range big.Len() {
		checkValues(t, "resized", big.Image(i), toF64(want.Image(i)))
	}
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func TestReadIDXErrors(t *testing.T) {
	pix, lab := testIDX()
	goodImg := idxBytes(IDXImagesMagic, []uint32{5, 3, 4}, pix)
	goodLbl := idxBytes(IDXLabelsMagic, []uint32{5}, lab)
	gzImg := gzipBytes(t, goodImg)
	for _, tc := range []struct {
		name     string
		img, lbl []byte
		imgName  string // default images.idx
		kind     error
		badLabel bool // the error names the label file, else the image file
		both     bool // the error names both files
	}{
		{name: "images bad magic", img: idxBytes(0x00000804, []uint32{5, 3, 4, 1}, pix), lbl: goodLbl, kind: ErrBadMagic},
		{name: "images given labels", img: goodLbl, lbl: goodLbl, kind: ErrBadMagic},
		{name: "labels bad magic", img: goodImg, lbl: idxBytes(0x00000901, []uint32{5}, lab), kind: ErrBadMagic, badLabel: true},
		{name: "empty file", img: nil, lbl: goodLbl, kind: ErrTruncated},
		{name: "truncated magic", img: goodImg[:3], lbl: goodLbl, kind: ErrTruncated},
		{name: "truncated dimensions", img: goodImg[:10], lbl: goodLbl, kind: ErrTruncated},
		{name: "truncated label header", img: goodImg, lbl: goodLbl[:6], kind: ErrTruncated, badLabel: true},
		{name: "truncated data", img: goodImg[:len(goodImg)-1], lbl: goodLbl, kind: ErrTruncated},
		{name: "truncated labels", img: goodImg, lbl: goodLbl[:len(goodLbl)-2], kind: ErrTruncated, badLabel: true},
		{name: "trailing data", img: append(append([]byte{}, goodImg...), 9), lbl: goodLbl, kind: ErrTrailingData},
		{name: "count mismatch", img: goodImg, lbl: idxBytes(IDXLabelsMagic, []uint32{4}, lab[:4]), kind: ErrCountMismatch, both: true},
		{name: "zero rows", img: idxBytes(IDXImagesMagic, []uint32{5, 0, 4}, nil), lbl: goodLbl, kind: ErrBadSize},
		{name: "huge dimensions", img: idxBytes(IDXImagesMagic, []uint32{0xffffffff, 0xffffffff, 28}, nil), lbl: goodLbl, kind: ErrTooLarge},
		{name: "gzip truncated", img: gzImg[:len(gzImg)/2], imgName: "images.idx.gz", lbl: goodLbl, kind: ErrTruncated},
		{name: "gzip truncated header", img: gzImg[:5], imgName: "images.idx.gz", lbl: goodLbl, kind: ErrTruncated},
		{name: "gzip bad header", img: []byte{0x1f, 0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, lbl: goodLbl, kind: ErrCorrupt},
		{name: "gzip bad checksum", img: func() []byte {
			b := append([]byte{}, gzImg...)
			b[len(b)-8] ^= 0xff // CRC-32 in the trailer
			return b
		}(), lbl: goodLbl, kind: ErrCorrupt},
		{name: ".gz not gzip", img: goodImg, imgName: "images.idx.gz", lbl: goodLbl, kind: ErrBadMagic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := tc.imgName
			if name == "" {
				name = "images.idx"
			}
			ip := writeFile(t, dir, name, tc.img)
			lp := writeFile(t, dir, "labels.idx", tc.lbl)
			d, err := ReadIDX(ip, lp, Options{})
			if d != nil {
				t.Errorf("got a dataset with an error")
			}
			switch {
			case tc.both:
				wantFileError(t, err, tc.kind, ip, lp)
			case tc.badLabel:
				wantFileError(t, err, tc.kind, lp)
			default:
				wantFileError(t, err, tc.kind, ip)
			}
			t.Log(err)
		})
	}
}

func TestReadIDXMissing(t *testing.T) {
	dir := t.TempDir()
	ip, _ := writeIDXPair(t, dir, "train", false)
	missing := filepath.Join(dir, "nope")
	_, err := ReadIDX(ip, missing, Options{})
	wantFileError(t, err, os.ErrNotExist, missing)
	if _, err := ReadIDX(ip, ip, Options{Channels: 2}); err == nil {
		t.Error("Channels 2 accepted")
	}
}

func TestReadIDXDir(t *testing.T) {
	dir := t.TempDir()
	writeIDXPair(t, dir, "train", true)
	// Plain test files under the t10k names.
	pix, lab := testIDX()
	writeFile(t, dir, TestImagesFile, idxBytes(IDXImagesMagic, []uint32{2, 3, 4}, pix[:24]))
	writeFile(t, dir, TestLabelsFile, idxBytes(IDXLabelsMagic, []uint32{2}, lab[:2]))
	train, test, err := ReadIDXDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 5 || test.Len() != 2 {
		t.Errorf("train %d test %d, want 5 2", train.Len(), test.Len())
	}
	if err := os.Remove(filepath.Join(dir, TestLabelsFile)); err != nil {
		t.Fatal(err)
	}
	_, _, err = ReadIDXDir(dir, Options{})
	wantFileError(t, err, ErrNotFound, dir, TestLabelsFile)
}

// TestReadIDXImagesAlone reads an image file without its labels: the same
// pixels, every label 0.
func TestReadIDXImagesAlone(t *testing.T) {
	dir := t.TempDir()
	ip, lp := writeIDXPair(t, dir, "t10k", true)
	with, err := ReadIDX(ip, lp, Options{})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := ReadIDX(ip, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if alone.Len() != with.Len() {
		t.Fatalf("%d images without labels, %d with", alone.Len(), with.Len())
	}
	for i := range alone.Len() {
		if alone.Label(i) != 0 {
			t.Errorf("label %d = %d, want 0", i, alone.Label(i))
		}
		if !slices.Equal(alone.Image(i), with.Image(i)) {
			t.Errorf("image %d differs", i)
		}
	}
	if _, err := ReadIDX(lp, "", Options{}); err == nil {
		t.Error("a label file read as images: no error")
	}
}
