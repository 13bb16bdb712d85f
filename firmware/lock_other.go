//go:build !unix

package firmware

import "fmt"

// lockRoot refuses: the install layout needs symlinks and file locks.
func lockRoot(root string) (func(), error) {
	return nil, fmt.Errorf("install %s: only supported on unix systems", root)
}
