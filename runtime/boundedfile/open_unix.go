//go:build unix

package boundedfile

import (
	"os"
	"syscall"
)

// openFlags opens without blocking, so that a FIFO with no writer is
// refused rather than waited on (regular files ignore O_NONBLOCK).
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
