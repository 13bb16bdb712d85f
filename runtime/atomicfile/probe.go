package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Reasons a Check refuses a path; the errors of CheckWritable and CheckDir
// wrap one of them, or the file system's error.
var (
	// ErrIsDir: the file to write is a directory.
	ErrIsDir = errors.New("is a directory")
	// ErrNotDir: a directory of the path is something else.
	ErrNotDir = errors.New("is not a directory")
	// ErrNotRegular: the file to write exists and is not a regular file (a
	// device, a FIFO, a socket), which Write would replace by one.
	ErrNotRegular = errors.New("is not a regular file")
	// ErrNotReplaceable: the file exists and another user owns it in a
	// sticky directory (such as /tmp), so it cannot be replaced.
	ErrNotReplaceable = errors.New("cannot be replaced: another user owns it in a sticky directory")
)

// CheckWritable reports whether Write(path, ...) can succeed, without
// writing path: path is not a directory and, if it exists, a regular file
// that may be replaced, and files can be created in its directory (or, when
// that does not exist yet, in its nearest existing ancestor, where Write
// would create it). It creates and removes a uniquely named temporary file
// to find out. Errors name the path.
func CheckWritable(path string) error {
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return fmt.Errorf("%s %w", path, ErrIsDir)
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("%s %w", path, ErrNotRegular)
	case err != nil && !missing(err):
		return notWritable(path, err)
	}
	dir, err := existingDir(filepath.Dir(path))
	if err != nil {
		return err
	}
	if err := canCreateIn(dir); err != nil {
		return err
	}
	if st != nil {
		lst, err1 := os.Lstat(path)
		dst, err2 := os.Stat(dir)
		if err1 == nil && err2 == nil && !replaceable(lst, dst) {
			return fmt.Errorf("%s %w %s", path, ErrNotReplaceable, dir)
		}
	}
	return nil
}

// CheckDir reports whether files can be written into dir, which Write
// creates if it does not exist yet: dir is a directory (or its nearest
// existing ancestor is one) in which files can be created. It creates and
// removes a uniquely named temporary file to find out. Errors name the
// path.
func CheckDir(dir string) error {
	d, err := existingDir(dir)
	if err != nil {
		return err
	}
	return canCreateIn(d)
}

// existingDir returns dir or its nearest ancestor that exists, which must
// be a directory.
func existingDir(dir string) (string, error) {
	for {
		st, err := os.Stat(dir)
		switch {
		case err == nil && st.IsDir():
			return dir, nil
		case err == nil:
			return "", fmt.Errorf("%s %w", dir, ErrNotDir)
		case !missing(err):
			return "", notWritable(dir, err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", notWritable(dir, err)
		}
		dir = parent
	}
}

// canCreateIn creates and removes a temporary file in the directory dir.
func canCreateIn(dir string) error {
	f, err := os.CreateTemp(dir, ".atomicfile-check-*")
	if err != nil {
		return fmt.Errorf("cannot create files in %s: %w", dir, pathErr(err))
	}
	name := f.Name()
	f.Close()
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("cannot remove files in %s: %w", dir, pathErr(err))
	}
	return nil
}

// missing reports whether err says a path does not exist, or runs
// through a file (existingDir then finds that file).
func missing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// notWritable wraps a file system error met at path.
func notWritable(path string, err error) error {
	return fmt.Errorf("%s: %w", path, pathErr(err))
}

// pathErr strips the operation and path of a *fs.PathError (the caller
// names the path).
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
