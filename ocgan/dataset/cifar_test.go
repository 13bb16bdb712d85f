package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// cifarRecord builds one record: label, then R, G, B planes with pixel
// (x, y) of plane c = (x + 2y + 50c + seed) mod 256, and the corner pixels
// at 0 and 255.
func cifarRecord(label, seed byte) []byte {
	rec := make([]byte, CIFARRecordSize)
	rec[0] = label
	for c := range 3 {
		for y := range 32 {
			for x := range 32 {
				rec[1+c*1024+y*32+x] = byte(x + 2*y + 50*c + int(seed))
			}
		}
	}
	rec[1] = 0        // R(0,0)
	rec[1+1023] = 255 // R(31,31)
	return rec
}

func TestReadCIFAR10RoundTrip(t *testing.T) {
	dir := t.TempDir()
	var batch []byte
	for i, l := range []byte{6, 9, 0} {
		batch = append(batch, cifarRecord(l, byte(7*i))...)
	}
	p := writeFile(t, dir, "data_batch_1.bin", batch)
	d, err := ReadCIFAR10(Options{}, p)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Channels() != 3 || d.Height() != 32 || d.Width() != 32 {
		t.Fatalf("%d images of %dx%dx%d, want 3 of 3x32x32", d.Len(), d.Channels(), d.Height(), d.Width())
	}
	for i, l := range []int{6, 9, 0} {
		if d.Label(i) != l {
			t.Errorf("label %d = %d, want %d", i, d.Label(i), l)
		}
		rec := batch[i*CIFARRecordSize+1 : (i+1)*CIFARRecordSize]
		want := make([]float64, 3072)
		for k := range want {
			want[k] = norm(float64(rec[k]))
		}
		checkValues(t, "image", d.Image(i), want)
	}
	if img := d.Image(0); img[0] != -1 || img[1023] != 1 {
		t.Errorf("endpoints %v %v, want -1 1", img[0], img[1023])
	}

	gray, err := ReadCIFAR10(Options{Channels: 1}, p)
	if err != nil {
		t.Fatal(err)
	}
	if gray.Channels() != 1 {
		t.Fatalf("gray has %d channels", gray.Channels())
	}
	for i := range 3 {
		rec := batch[i*CIFARRecordSize+1:]
		want := make([]float64, 1024)
		for k := range want {
			want[k] = norm(Luma(float64(rec[k]), float64(rec[1024+k]), float64(rec[2048+k])))
		}
		checkValues(t, "gray", gray.Image(i), want)
	}

	small, err := ReadCIFAR10(Options{Height: 16, Width: 16}, p)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := d.Resized(16, 16)
	if small.Channels() != 3 || small.Height() != 16 {
		t.Fatalf("small is %dx%dx%d", small.Channels(), small.Height(), small.Width())
	}
	checkValues(t, "small", small.Pixels(), toF64(want.Pixels()))
}

func TestReadCIFAR10Dir(t *testing.T) {
	dir := t.TempDir()
	for i := 1; i <= 5; i++ {
		writeFile(t, dir, fmt.Sprintf("data_batch_%d.bin", i),
			append(cifarRecord(byte(i), 1), cifarRecord(byte(i+1), 2)...))
	}
	writeFile(t, dir, CIFARTestFile, cifarRecord(3, 3))
	train, test, err := ReadCIFAR10Dir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 10 || test.Len() != 1 {
		t.Fatalf("train %d test %d, want 10 1", train.Len(), test.Len())
	}
	if got := train.Labels(); got[0] != 1 || got[9] != 6 {
		t.Errorf("train labels %v", got)
	}
	if err := os.Remove(filepath.Join(dir, CIFARTestFile)); err != nil {
		t.Fatal(err)
	}
	_, _, err = ReadCIFAR10Dir(dir, Options{})
	wantFileError(t, err, os.ErrNotExist, CIFARTestFile)
}

func TestReadCIFAR10Errors(t *testing.T) {
	good := cifarRecord(1, 0)
	for _, tc := range []struct {
		name string
		data []byte
		kind error
	}{
		{"empty", nil, ErrBadSize},
		{"one byte short", good[:CIFARRecordSize-1], ErrBadSize},
		{"one byte long", append(append([]byte{}, good...), 0), ErrBadSize},
		{"3072 bytes (no label)", good[1:], ErrBadSize},
		{"1.5 records", append(append([]byte{}, good...), good[:1536]...), ErrBadSize},
		{"label 10", cifarRecord(10, 0), ErrBadLabel},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ok := writeFile(t, dir, "data_batch_1.bin", good)
			bad := writeFile(t, dir, "data_batch_2.bin", tc.data)
			d, err := ReadCIFAR10(Options{}, ok, bad)
			if d != nil {
				t.Error("got a dataset with an error")
			}
			wantFileError(t, err, tc.kind, bad)
			t.Log(err)
		})
	}
	if _, err := ReadCIFAR10(Options{}); err == nil {
		t.Error("no files accepted")
	}
	missing := filepath.Join(t.TempDir(), "nope.bin")
	_, err := ReadCIFAR10(Options{}, missing)
	wantFileError(t, err, os.ErrNotExist, missing)
}
