//go:build !unix

package boundedfile

import "os"

// openFlags opens for reading.
const openFlags = os.O_RDONLY
