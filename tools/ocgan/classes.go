package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

// classNames returns the class folders of --dataset folder (nil for the
// other kinds, whose classes are numbers).
func (d *dataFlags) classNames() ([]string, error) {
	if d.name != "folder" || d.path == "" {
		return nil, nil
	}
	names, err := dataset.ClassFolders(d.path)
	if err != nil {
		return nil, withImagesHint(fmt.Errorf("--data: %w", err))
	}
	return names, nil
}

// resolveClass returns the class that arg names: the class whose name it
// is (so a folder named "3" is that folder, whatever its index), else the
// class of that index, which must be below len(names) when names are given.
func resolveClass(arg string, names []string) (int, error) {
	if i := slices.Index(names, arg); i >= 0 {
		return i, nil
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 || strings.HasPrefix(arg, "+") {
		if names != nil {
			return 0, usageError{fmt.Errorf("--class %q: no class folder of that name (classes: %s)", arg, listClasses(names))}
		}
		return 0, usageError{fmt.Errorf("--class %q is not a class number", arg)}
	}
	if names != nil && n >= len(names) {
		return 0, usageError{fmt.Errorf("--class %d: there are %d class folders (classes: %s)", n, len(names), listClasses(names))}
	}
	return n, nil
}

// checkFixedClasses returns a usage error for a class beyond the classes of
// a dataset kind with fixed classes (dataset.FixedClasses); spec is
// --class as given.
func checkFixedClasses(kind, spec string, classes ...int) error {
	n := dataset.FixedClasses(kind)
	for _, c := range classes {
		if n > 0 && c >= n {
			return usageError{fmt.Errorf("--class %s: %s has %d classes, 0 to %d", spec, kind, n, n-1)}
		}
	}
	return nil
}

// listClasses lists class folders as "0 ant, 1 bee, ..." (the first 20).
func listClasses(names []string) string {
	var parts []string
	for i, n := range names {
		if i == 20 {
			parts = append(parts, fmt.Sprintf("... %d more", len(names)-i))
			break
		}
		parts = append(parts, fmt.Sprintf("%d %s", i, n))
	}
	return strings.Join(parts, ", ")
}
