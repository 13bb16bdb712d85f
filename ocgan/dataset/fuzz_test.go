package dataset

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadIDX checks that no image-file content makes ReadIDX panic, and
// that every accepted file is consistent with its labels.
func FuzzReadIDX(f *testing.F) {
	pix, lab := testIDX()
	good := idxBytes(IDXImagesMagic, []uint32{5, 3, 4}, pix)
	f.Add(good)
	f.Add(good[:9])
	f.Add(idxBytes(IDXImagesMagic, []uint32{5, 0, 4}, nil))
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
		if err == nil && d.Len() != len(data)/CIFARRecordSize {
			t.Fatalf("%d images from %d bytes", d.Len(), len(data))
		}
	})
}
