package dataset

import (
	"errors"
	"fmt"
)

// Errors wrapped by the readers and splitters. They come with the file name
// and details, so test for them with errors.Is.
var (
	// ErrBadMagic: an IDX file does not start with the expected magic number.
	ErrBadMagic = errors.New("dataset: bad magic number")
	// ErrTruncated: a file ends before its header or payload is complete.
	ErrTruncated = errors.New("dataset: truncated file")
	// ErrCorrupt: compressed data (gzip) that does not decompress.
	ErrCorrupt = errors.New("dataset: corrupt compressed data")
	// ErrTrailingData: a file holds more bytes than its header announces.
	ErrTrailingData = errors.New("dataset: trailing data")
	// ErrCountMismatch: an image file and a label file disagree on the count.
	ErrCountMismatch = errors.New("dataset: image and label counts differ")
	// ErrBadSize: a file's size or dimensions are not what the format allows.
	ErrBadSize = errors.New("dataset: bad size")
	// ErrTooLarge: a file announces more images, pixels or bytes than the
	// readers accept (see MaxIDXImagePixels and the other limits).
	ErrTooLarge = errors.New("dataset: too large")
	// ErrBadLabel: a label outside the format's range.
	ErrBadLabel = errors.New("dataset: bad label")
	// ErrDecode: an image file could not be decoded.
	ErrDecode = errors.New("dataset: unreadable image")
	// ErrNoClasses: an image folder holds no class folders (or no COIL-100 files).
	ErrNoClasses = errors.New("dataset: no classes")
	// ErrEmptyClass: a class folder holds no images.
	ErrEmptyClass = errors.New("dataset: empty class folder")
	// ErrNoImages: a folder holds no images (nor data set files) at any depth.
	ErrNoImages = errors.New("dataset: no images")
	// ErrNotFound: a data set's files are not on this machine.
	ErrNotFound = errors.New("dataset: data not found")
	// ErrBadOptions: invalid Options, indices, classes or shapes.
	ErrBadOptions = errors.New("dataset: invalid argument")
	// ErrSplit: a protocol split is impossible with the given data.
	ErrSplit = errors.New("dataset: cannot split")
)

// fileError is the error of a reader: the file, the problem, and the package
// error it wraps (and possibly an underlying cause).
type fileError struct {
	path   string
	kind   error // one of the Err* values
	detail string
	cause  error // optional underlying error (I/O, gzip, image decode)
}

func (e *fileError) Error() string {
	s := e.path + ": " + e.kind.Error()
	if e.detail != "" {
		s += ": " + e.detail
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap exposes both the package error and the underlying cause.
func (e *fileError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}

// errFile builds a fileError with a formatted detail.
func errFile(path string, kind error, format string, args ...any) error {
	return &fileError{path: path, kind: kind, detail: fmt.Sprintf(format, args...)}
}

// errFileCause builds a fileError around an underlying error.
func errFileCause(path string, kind error, cause error, format string, args ...any) error {
	return &fileError{path: path, kind: kind, detail: fmt.Sprintf(format, args...), cause: cause}
}
