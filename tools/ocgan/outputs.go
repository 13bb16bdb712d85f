package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// checkOutputFile returns an error naming flag and path unless the file
// path can be written (see atomicfile.CheckWritable); an empty path is no
// output. A command checks its outputs before any work, so that a long run
// does not end in a file it cannot write: an output that cannot be written
// is a runtime error (exit status 1), as the file system decides it.
func checkOutputFile(flag, path string) error {
	return checkOutput(flag, path, atomicfile.CheckWritable)
}

// checkOutputDir is checkOutputFile for a folder that files are written
// into (see atomicfile.CheckDir).
func checkOutputDir(flag, dir string) error {
	return checkOutput(flag, dir, atomicfile.CheckDir)
}

// checkOutput applies check to path (none when empty), naming flag and
// path in its error.
func checkOutput(flag, path string, check func(string) error) error {
	if path == "" {
		return nil
	}
	if err := check(path); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}
