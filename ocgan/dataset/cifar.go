package dataset

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
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
// positive multiple of 3073 bytes, or with a label above 9, is refused; so
// is, from its size, a file of more than MaxCIFARRecords records, and files
// of more than MaxCIFARImages records together (ErrTooLarge). Records are
// read one at a time.
func ReadCIFAR10(opts Options, paths ...string) (*Dataset, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no CIFAR-10 batch files given", ErrBadOptions)
	}
	opts = opts.resolve(3, CIFARSide, CIFARSide)
	files := make([]cifarFile, 0, len(paths))
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	total := 0
	for _, p := range paths {
		f, err := openCIFARFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
		if total += f.records; total > MaxCIFARImages {
			return nil, errFile(p, ErrTooLarge, "brings the records to %d, more than the %d of CIFAR-10 accepted in all", total, MaxCIFARImages)
		}
	}
	per := opts.Channels * opts.Height * opts.Width
	if err := checkDatasetBytes(paths[0], total, per); err != nil {
		return nil, err
	}
	pix := make([]float32, 0, total*per)
	labels := make([]int, 0, total)
	for _, f := range files {
		var err error
		if labels, pix, err = f.read(opts, labels, pix); err != nil {
			return nil, err
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

// cifarFile is an open batch file and its number of records.
type cifarFile struct {
	*os.File
	path    string
	records int
}

// openCIFARFile opens a batch file and counts its records from its size,
// refusing a size that is not whole records or more than MaxCIFARRecords.
func openCIFARFile(path string) (cifarFile, error) {
	f, st, err := boundedfile.Open(path)
	if err != nil {
		return cifarFile{}, fmt.Errorf("dataset: %w", err)
	}
	size := st.Size()
	switch {
	case size == 0 || size%CIFARRecordSize != 0:
		f.Close()
		return cifarFile{}, errFile(path, ErrBadSize, "%d bytes is not a positive multiple of the %d-byte record (1 label + 3072 pixels)", size, CIFARRecordSize)
	case size/CIFARRecordSize > MaxCIFARRecords:
		f.Close()
		return cifarFile{}, errFile(path, ErrTooLarge, "%d records, more than the %d of a CIFAR-10 batch file", size/CIFARRecordSize, MaxCIFARRecords)
	}
	return cifarFile{File: f, path: path, records: int(size / CIFARRecordSize)}, nil
}

// read reads the file's records through one record-sized buffer,
// appending their labels and encoded pixels.
func (f cifarFile) read(opts Options, labels []int, pix []float32) ([]int, []float32, error) {
	br := bufio.NewReaderSize(f.File, 64<<10)
	rec := make([]byte, CIFARRecordSize)
	for i := range f.records {
		if k, err := io.ReadFull(br, rec); err != nil {
			return nil, nil, readError(f.path, err, "record %d: read %d of %d bytes", i, k, CIFARRecordSize)
		}
		if rec[0] >= CIFARClasses {
			return nil, nil, errFile(f.path, ErrBadLabel, "record %d has label %d, want 0..%d", i, rec[0], CIFARClasses-1)
		}
		labels = append(labels, int(rec[0]))
		pix = append(pix, encode(rgbPlanes(rec[1:], CIFARSide, CIFARSide), opts)...)
	}
	return labels, pix, nil
}
