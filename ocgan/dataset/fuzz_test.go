package dataset

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadIDX checks that no image-file content makes ReadIDX panic, that
// every accepted file is consistent with its labels, and that no header
// beyond the limits is accepted.
func FuzzReadIDX(f *testing.F) {
	pix, lab := testIDX()
	good := idxBytes(IDXImagesMagic, []uint32{5, 3, 4}, pix)
	f.Add(good)
	f.Add(good[:9])
	f.Add(idxBytes(IDXImagesMagic, []uint32{5, 0, 4}, nil))
	f.Add(idxBytes(IDXImagesMagic, []uint32{5, 16384, 16384}, nil))
	f.Add(idxBytes(IDXImagesMagic, []uint32{5, 1025, 1024}, nil))
	f.Add(gzipBytes(f, idxBytes(IDXImagesMagic, []uint32{MaxIDXBytes/784 + 1, 28, 28}, nil)))
	gz := gzipBytes(f, good)
	f.Add(gz)
	f.Add(gz[:20])
	dir := f.TempDir()
	lp := filepath.Join(dir, "labels")
	if err := os.WriteFile(lp, idxBytes(IDXLabelsMagic, []uint32{5}, lab), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ip := filepath.Join(t.TempDir(), "images")
		if err := os.WriteFile(ip, data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := ReadIDX(ip, lp, Options{Height: 2, Width: 2, Channels: 3})
		if err == nil && len(data) >= 16 && data[0] == 0 && uint64(binary.BigEndian.Uint32(data[8:]))*uint64(binary.BigEndian.Uint32(data[12:])) > MaxIDXImagePixels {
			t.Fatalf("accepted images of %dx%d", binary.BigEndian.Uint32(data[8:]), binary.BigEndian.Uint32(data[12:]))
		}
		if err != nil {
			if d != nil {
				t.Fatal("dataset with error")
			}
			return
		}
		if d.Len() != 5 || len(d.Pixels()) != 5*3*2*2 {
			t.Fatalf("accepted %d images, %d values", d.Len(), len(d.Pixels()))
		}
	})
}

// FuzzReadCIFAR10 checks that no batch-file content makes ReadCIFAR10 panic.
func FuzzReadCIFAR10(f *testing.F) {
	f.Add(cifarRecord(3, 1))
	f.Add(cifarRecord(12, 1))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "batch.bin")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := ReadCIFAR10(Options{Channels: 1}, p)
		if err == nil && (d.Len() != len(data)/CIFARRecordSize || d.Len() > MaxCIFARRecords) {
			t.Fatalf("%d images from %d bytes", d.Len(), len(data))
		}
	})
}

// FuzzReadImageFolder checks that no image-file content makes the folder reader
// panic or allocate without bound (a PNG header may declare a huge image), and
// that an accepted folder holds both classes' images.
func FuzzReadImageFolder(f *testing.F) {
	var good bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	img.Pix[1] = 200
	if err := png.Encode(&good, img); err != nil {
		f.Fatal(err)
	}
	f.Add(good.Bytes())
	f.Add(good.Bytes()[:20])
	f.Add(hugePNG(1<<30, 1<<30))
	f.Add([]byte("not an image"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		for _, d := range []string{"a", "b"} {
			if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(root, "a", "x.png"), good.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "b", "y.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, names, err := ReadImageFolder(root, Options{Height: 4, Width: 4, Channels: 1})
		if err != nil {
			if d != nil {
				t.Fatal("dataset with error")
			}
			return
		}
		if d.Len() != 2 || len(names) != 2 || len(d.Pixels()) != 2*16 {
			t.Fatalf("accepted %d images of %d classes, %d values", d.Len(), len(names), len(d.Pixels()))
		}
	})
}

// hugePNG returns a PNG signature and a valid IHDR chunk declaring a w x h gray
// image, with no pixel data: what a hostile header looks like.
func hugePNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; color type 0 (gray)
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestHugeImageHeaderIsRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.png")
	if err := os.WriteFile(p, hugePNG(100000, 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadImages([]string{p}, Options{Height: 4, Width: 4, Channels: 1})
	if err == nil || !strings.Contains(err.Error(), "huge.png") || !strings.Contains(err.Error(), "100000x100000") {
		t.Fatalf("huge header: %v", err)
	}
}
