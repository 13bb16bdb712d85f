//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"syscall"
)

// replaceable reports whether this process may rename another file over
// the file file in the directory dir: in a sticky directory only the
// owner of either (or the superuser) may.
func replaceable(file, dir fs.FileInfo) bool {
	if dir.Mode()&fs.ModeSticky == 0 {
		return true
	}
	f, ok1 := file.Sys().(*syscall.Stat_t)
	d, ok2 := dir.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return true
	}
	uid := uint32(os.Geteuid())
	return uid == 0 || uid == f.Uid || uid == d.Uid
}
