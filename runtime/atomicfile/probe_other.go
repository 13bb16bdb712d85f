//go:build !unix

package atomicfile

import "io/fs"

// replaceable reports whether this process may rename another file over
// file in dir; without sticky directories, any file in a writable one.
func replaceable(file, dir fs.FileInfo) bool { return true }
