package dataset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// sparseFile makes path a file of size bytes without writing them (a hole),
// starting with head; it skips the test where the file system cannot.
func sparseFile(t *testing.T, path string, head []byte, size int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(head); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	return path
}

// allocatedDuring returns the bytes allocated while f runs.
func allocatedDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReadCIFAR10HostileSizes refuses batch files with more records than
// CIFAR-10 has, from their size: a 40 GB sparse file allocates nothing.
func TestReadCIFAR10HostileSizes(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.bin", cifarRecord(1, 0))
	huge := sparseFile(t, filepath.Join(dir, "huge.bin"), cifarRecord(1, 0), 13_000_000*CIFARRecordSize) // 40 GB
	over := sparseFile(t, filepath.Join(dir, "over.bin"), cifarRecord(1, 0), (MaxCIFARRecords+1)*CIFARRecordSize)
	full := sparseFile(t, filepath.Join(dir, "full.bin"), cifarRecord(1, 0), MaxCIFARRecords*CIFARRecordSize)
	for _, tc := range []struct {
		name  string
		paths []string
		bad   string
		limit int
	}{
		{"40 GB", []string{good, huge}, huge, MaxCIFARRecords},
		{"one record over a batch", []string{over}, over, MaxCIFARRecords},
		{"more than CIFAR-10 in all", []string{full, full, full, full, full, full, good}, good, MaxCIFARImages},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocatedDuring(func() { _, err = ReadCIFAR10(Options{}, tc.paths...) })
			wantFileError(t, err, ErrTooLarge, tc.bad, strconv.Itoa(tc.limit))
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", alloc)
			}
			t.Log(err)
		})
	}
}

// TestReadersRefuseNonRegularFiles refuses a FIFO (without waiting for a
// writer) and a directory in every reader.
func TestReadersRefuseNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	readers := map[string]func(string) error{
		"cifar": func(p string) error { _, err := ReadCIFAR10(Options{}, p); return err },
		"idx":   func(p string) error { _, err := ReadIDX(p, "", Options{}); return err },
		"image": func(p string) error { _, err := ReadImageInfo(p); return err },
	}
	for name, read := range readers {
		for _, p := range []string{fifo, dir} {
			done := make(chan error, 1)
			go func() { done <- read(p) }()
			select {
			case err := <-done:
				if !errors.Is(err, boundedfile.ErrNotRegular) {
					t.Errorf("%s %s: %v, want ErrNotRegular", name, p, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s %s: blocked", name, p)
			}
		}
	}
}

// TestReadIDXHostileHeaders refuses, from the header alone, images beyond
// MaxIDXImagePixels, payloads beyond MaxIDXBytes and data sets beyond
// MaxDatasetBytes: the files hold no payload, and nothing of the announced
// size is allocated.
func TestReadIDXHostileHeaders(t *testing.T) {
	maxCount := uint32(MaxDatasetBytes/4/(3*128*128)) + 1
	for _, tc := range []struct {
		name string
		dims []uint32
		opts Options
	}{
		{"one 16384x16384 image", []uint32{1, 16384, 16384}, Options{}},
		{"1025x1024 images", []uint32{1, 1025, 1024}, Options{}},
		{"payload over MaxIDXBytes", []uint32{MaxIDXBytes/784 + 1, 28, 28}, Options{}},
		{"float32 over MaxDatasetBytes", []uint32{maxCount, 28, 28}, Options{Channels: 3, Height: 128, Width: 128}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				data := idxBytes(IDXImagesMagic, tc.dims, nil)
				if gz {
					data = gzipBytes(t, data)
				}
				p := writeFile(t, t.TempDir(), "images", data)
				var err error
				alloc := allocatedDuring(func() { _, err = ReadIDX(p, "", tc.opts) })
				wantFileError(t, err, ErrTooLarge, p)
				if alloc > 1<<20 {
					t.Errorf("gz=%v: allocated %d bytes before refusing", gz, alloc)
				}
				t.Log(err)
			}
		})
	}
	// The largest accepted image shape reads.
	p := writeFile(t, t.TempDir(), "images", idxBytes(IDXImagesMagic, []uint32{1, 1024, 1024}, make([]byte, MaxIDXImagePixels)))
	if d, err := ReadIDX(p, "", Options{}); err != nil || d.Height() != 1024 {
		t.Fatalf("1024x1024: %v", err)
	}
}

// TestReadIDXGzipStopsAtAnnouncedSize reads gzip input no further than one
// byte past the announced payload: data beyond it whose gzip checksum is
// wrong is reported as trailing data, not as corruption found at its end.
func TestReadIDXGzipStopsAtAnnouncedSize(t *testing.T) {
	pix, _ := testIDX()
	data := append(idxBytes(IDXImagesMagic, []uint32{5, 3, 4}, pix), bytes.Repeat([]byte{7}, 8<<20)...)
	gz := gzipBytes(t, data)
	gz[len(gz)-8] ^= 0xff // CRC-32 in the trailer, checked only at the end
	p := writeFile(t, t.TempDir(), "images.gz", gz)
	var err error
	alloc := allocatedDuring(func() { _, err = ReadIDX(p, "", Options{}) })
	wantFileError(t, err, ErrTrailingData, p)
	if alloc > 2<<20 {
		t.Errorf("allocated %d bytes for a 60-byte payload", alloc)
	}
}
