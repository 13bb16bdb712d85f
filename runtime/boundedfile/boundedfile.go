// Package boundedfile opens and reads files that may be hostile: anything
// but a regular file (a FIFO, a device such as /dev/zero, a directory, a
// socket) is refused without blocking on it, and whole-file reads stop at a
// size limit instead of growing with whatever the file holds.
package boundedfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

var (
	// ErrNotRegular: the path names a FIFO, device, directory, socket or
	// other file that is not a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file holds more bytes than the reader accepts.
	ErrTooLarge = errors.New("file too large")
)

// Open opens path for reading after checking, on the opened file itself,
// that it is a regular file (symbolic links are followed). Opening a FIFO
// does not wait for a writer. Errors name the path and wrap ErrNotRegular
// or the os error.
func Open(path string) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%s: %w (%v)", path, ErrNotRegular, st.Mode().Type())
	}
	return f, st, nil
}

// Read returns the contents of the regular file at path, refusing one of
// more than limit bytes before reading it, and one that grows past limit
// while being read. Errors name the path and wrap ErrNotRegular,
// ErrTooLarge or the os error.
func Read(path string, limit int64) ([]byte, error) {
	f, st, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d accepted", path, ErrTooLarge, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: grew beyond %d bytes while being read", path, ErrTooLarge, limit)
	}
	return data, nil
}
