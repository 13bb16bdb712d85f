package dataset

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// CIFAR-10 binary format: each record is one label byte (0..9) followed by
// 3072 pixel bytes, the 32x32 R plane, then G, then B, rows top to bottom.
const (
	CIFARSide       = 32
	CIFARRecordSize = 1 + 3*CIFARSide*CIFARSide // 3073
	CIFARClasses    = 10
)

// CIFARTestFile is the CIFAR-10 binary test batch's file name.
const CIFARTestFile = "test_batch.bin"

// ReadCIFAR10 reads CIFAR-10 binary batch files, in order, into one Dataset
// shaped by opts (zero fields: 3 channels, 32x32). A file whose size is not a
// positive multiple of 3073 bytes, or with a label above 9, is refused.
func ReadCIFAR10(opts Options, paths ...string) (*Dataset, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no CIFAR-10 batch files given", ErrBadOptions)
	}
	opts = opts.resolve(3, CIFARSide, CIFARSide)
	var pix []float32
	var labels []int
	for _, p := range paths {
		data, err := readCIFARFile(p)
		if err != nil {
			return nil, err
		}
		for r := 0; r < len(data); r += CIFARRecordSize {
			rec := data[r : r+CIFARRecordSize]
			if rec[0] >= CIFARClasses {
				return nil, errFile(p, ErrBadLabel, "record %d has label %d, want 0..%d", r/CIFARRecordSize, rec[0], CIFARClasses-1)
			}
			labels = append(labels, int(rec[0]))
			pix = append(pix, encode(rgbPlanes(rec[1:], CIFARSide, CIFARSide), opts)...)
		}
	}
	return New(opts.Channels, opts.Height, opts.Width, pix, labels)
}

// ReadCIFAR10Dir reads the CIFAR-10 binary distribution's folder
// (cifar-10-batches-bin): data_batch_1.bin … data_batch_5.bin as train and
// test_batch.bin as test.
func ReadCIFAR10Dir(dir string, opts Options) (train, test *Dataset, err error) {
	var paths []string
	for i := 1; i <= 5; i++ {
		paths = append(paths, filepath.Join(dir, fmt.Sprintf("data_batch_%d.bin", i)))
	}
	if train, err = ReadCIFAR10(opts, paths...); err != nil {
		return nil, nil, err
	}
	if test, err = ReadCIFAR10(opts, filepath.Join(dir, CIFARTestFile)); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// readCIFARFile reads a whole batch file after checking its size.
func readCIFARFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	size := st.Size()
	if !st.Mode().IsRegular() || size == 0 || size%CIFARRecordSize != 0 {
		return nil, errFile(path, ErrBadSize, "%d bytes is not a positive multiple of the %d-byte record (1 label + 3072 pixels)", size, CIFARRecordSize)
	}
	data := make([]byte, size)
	if k, err := io.ReadFull(f, data); err != nil {
		return nil, errFileCause(path, ErrTruncated, err, "read %d of %d bytes", k, size)
	}
	return data, nil
}
