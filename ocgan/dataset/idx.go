package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// IDX magic numbers: two zero bytes, type 0x08 (unsigned byte), the number
// of dimensions.
const (
	IDXImagesMagic = 0x00000803 // unsigned bytes, 3 dimensions: count, rows, columns
	IDXLabelsMagic = 0x00000801 // unsigned bytes, 1 dimension: count
)

// ReadIDX reads an IDX image file (magic 0x00000803) and its label file
// (magic 0x00000801), plain or gzip-compressed (detected from the content),
// as MNIST and Fashion-MNIST ship them. The counts must match and each file
// must hold exactly the bytes its header announces. Images are shaped by
// opts (zero fields: 1 channel, the file's rows x columns). An empty
// labelsPath reads the images alone, each with label 0 (for scoring).
// Images of more than MaxIDXImagePixels, payloads of more than MaxIDXBytes
// and data sets of more than MaxDatasetBytes are refused from the header,
// before anything of their size is allocated (ErrTooLarge).
func ReadIDX(imagesPath, labelsPath string, opts Options) (*Dataset, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	var resolved Options
	checkImages := func(dims []int) error {
		n, rows, cols := dims[0], dims[1], dims[2]
		if rows == 0 || cols == 0 {
			return errFile(imagesPath, ErrBadSize, "image size %dx%d", rows, cols)
		}
		if int64(rows)*int64(cols) > MaxIDXImagePixels {
			return errFile(imagesPath, ErrTooLarge, "images of %dx%d, more than the %d pixels an IDX image may have", rows, cols, MaxIDXImagePixels)
		}
		resolved = opts.resolve(1, rows, cols)
		return checkDatasetBytes(imagesPath, n, resolved.Channels*resolved.Height*resolved.Width)
	}
	dims, pix, err := readIDXFile(imagesPath, IDXImagesMagic, checkImages)
	if err != nil {
		return nil, err
	}
	n, rows, cols := dims[0], dims[1], dims[2]
	ldims, lab := []int{n}, []byte(nil)
	if labelsPath != "" {
		if ldims, lab, err = readIDXFile(labelsPath, IDXLabelsMagic, nil); err != nil {
			return nil, err
		}
	}
	if ldims[0] != n {
		return nil, errFile(imagesPath, ErrCountMismatch, "%d images, but %s has %d labels", n, labelsPath, ldims[0])
	}
	opts = resolved
	per := opts.Channels * opts.Height * opts.Width
	out := make([]float32, 0, n*per)
	if opts.Channels == 1 && opts.Height == rows && opts.Width == cols {
		var lut [256]float32
		for v := range lut {
			lut[v] = Normalize(uint8(v))
		}
		for _, v := range pix {
			out = append(out, lut[v])
		}
	} else {
		for i := range n {
			out = append(out, encode(grayBytes(pix[i*rows*cols:(i+1)*rows*cols], rows, cols), opts)...)
		}
	}
	labels := make([]int, n)
	for i, l := range lab {
		labels[i] = int(l)
	}
	return New(opts.Channels, opts.Height, opts.Width, out, labels)
}

// IDX file names of the MNIST layout (Fashion-MNIST uses the same), without
// the optional ".gz".
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// ReadIDXDir reads the train and test splits of an MNIST-layout folder:
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each plain or with ".gz" (the .gz file is used
// when both exist).
func ReadIDXDir(dir string, opts Options) (train, test *Dataset, err error) {
	var paths [4]string
	for i, name := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		if paths[i], err = findIDX(dir, name); err != nil {
			return nil, nil, err
		}
	}
	if train, err = ReadIDX(paths[0], paths[1], opts); err != nil {
		return nil, nil, err
	}
	if test, err = ReadIDX(paths[2], paths[3], opts); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// findIDX returns dir/name.gz or dir/name, whichever exists (.gz first).
func findIDX(dir, name string) (string, error) {
	for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: %s: neither %s.gz nor %s is there", ErrNotFound, dir, name, name)
}

// readIDXFile reads one IDX file of unsigned bytes with the given magic and
// returns its dimensions and payload. check, if not nil, may refuse the
// dimensions before the payload is read.
func readIDXFile(path string, magic uint32, check func(dims []int) error) (dims []int, payload []byte, err error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, gzipError(path, err, "gzip header")
		}
		defer zr.Close()
		r = zr
	} else if strings.HasSuffix(path, ".gz") {
		return nil, nil, errFile(path, ErrBadMagic, "named .gz but not gzip data (first bytes % x)", head)
	}

	var hdr [4]byte
	if k, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, nil, readError(path, err, "header: %d of 4 magic bytes", k)
	}
	if got := binary.BigEndian.Uint32(hdr[:]); got != magic {
		return nil, nil, errFile(path, ErrBadMagic, "0x%08x, want 0x%08x (%s)", got, magic, idxKind(magic))
	}
	ndim := int(magic & 0xff)
	raw := make([]byte, 4*ndim)
	if k, err := io.ReadFull(r, raw); err != nil {
		return nil, nil, readError(path, err, "header: %d of %d dimension bytes", k, len(raw))
	}
	size := uint64(1)
	dims = make([]int, ndim)
	for i := range dims {
		d := binary.BigEndian.Uint32(raw[4*i:])
		dims[i] = int(d)
		size *= uint64(d)
		if size > MaxIDXBytes {
			return nil, nil, errFile(path, ErrTooLarge, "dimensions %v announce more than the %d bytes accepted", dims[:i+1], uint64(MaxIDXBytes))
		}
	}
	if check != nil {
		if err := check(dims); err != nil {
			return nil, nil, err
		}
	}
	// Read at most one byte more than announced: memory grows with the data
	// actually present, not with what a corrupt header claims.
	payload, err = io.ReadAll(io.LimitReader(r, int64(size)+1))
	if err != nil {
		return nil, nil, readError(path, err, "payload ends after %d of %d bytes", len(payload), size)
	}
	switch {
	case uint64(len(payload)) < size:
		return nil, nil, errFile(path, ErrTruncated, "payload has %d of the %d bytes dimensions %v announce", len(payload), size, dims)
	case uint64(len(payload)) > size:
		return nil, nil, errFile(path, ErrTrailingData, "more than the %d payload bytes dimensions %v announce", size, dims)
	}
	return dims, payload, nil
}

// idxKind names what an IDX magic number stands for.
func idxKind(magic uint32) string {
	if magic == IDXImagesMagic {
		return "IDX unsigned-byte images, 3 dimensions"
	}
	return "IDX unsigned-byte labels, 1 dimension"
}

// readError classifies a read failure: an early end is ErrTruncated, a gzip
// failure ErrCorrupt, anything else an I/O error.
func readError(path string, err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errFileCause(path, ErrTruncated, nil, format, args...)
	}
	return gzipError(path, err, format, args...)
}

// gzipError wraps a failure from the gzip layer (or the file) with the path.
func gzipError(path string, err error, format string, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errFileCause(path, ErrTruncated, err, format, args...)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("dataset: %s: %w", fmt.Sprintf(format, args...), err)
	}
	return errFileCause(path, ErrCorrupt, err, format, args...)
}
