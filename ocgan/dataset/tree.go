package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ListImages returns the PNG and JPEG files in root and in every folder
// below it, sorted by path (byte order). Files and folders whose names start
// with "." are skipped; symbolic links to folders are not followed. A root
// without images is an error wrapping ErrNoImages.
func ListImages(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root && strings.HasPrefix(e.Name(), ".") {
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !e.IsDir() && IsImageName(e.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if len(files) == 0 {
		return nil, errFile(root, ErrNoImages, "no .png, .jpg or .jpeg files in this folder or below")
	}
	slices.Sort(files)
	return files, nil
}

// ReadImageTree reads every image ListImages finds under root, in that
// order, into a Dataset (label 0 each) shaped by opts as in
// ReadImageFolder, and returns the files in the same order. The first file
// that cannot be decoded is the error, named.
func ReadImageTree(root string, opts Options) (*Dataset, []string, error) {
	if err := opts.check(); err != nil {
		return nil, nil, err
	}
	paths, err := ListImages(root)
	if err != nil {
		return nil, nil, err
	}
	files := make([]imageFile, len(paths))
	for i, p := range paths {
		files[i] = imageFile{path: p}
	}
	d, err := decodeFiles(files, opts)
	if err != nil {
		return nil, nil, err
	}
	return d, paths, nil
}

// ImageTreeInfo returns the ImageInfo of the first image ReadImageTree
// reads from root (the first file ListImages finds): the one whose size and
// colour fill zero Options.
func ImageTreeInfo(root string) (ImageInfo, error) {
	paths, err := ListImages(root)
	if err != nil {
		return ImageInfo{}, err
	}
	return ReadImageInfo(paths[0])
}

// Layout is how a data folder is organised, which says how to read it.
type Layout int

// The layouts DetectLayout tells apart.
const (
	// LayoutIDX: MNIST's four IDX files (ReadIDXDir).
	LayoutIDX Layout = iota + 1
	// LayoutCIFAR10: CIFAR-10's binary batches (ReadCIFAR10Dir).
	LayoutCIFAR10
	// LayoutClassFolders: one sub-folder of images per class (ReadImageFolder).
	LayoutClassFolders
	// LayoutImages: images of one kind, anywhere below the folder (ReadImageTree).
	LayoutImages
)

func (l Layout) String() string {
	switch l {
	case LayoutIDX:
		return "MNIST-layout IDX files"
	case LayoutCIFAR10:
		return "CIFAR-10 binary batches"
	case LayoutClassFolders:
		return "one sub-folder of images per class"
	case LayoutImages:
		return "images of one kind"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// DetectLayout says how the folder dir is organised. The first rule that
// holds decides:
//
//  1. it holds the four MNIST IDX files (plain or .gz): LayoutIDX;
//  2. it holds data_batch_1.bin and test_batch.bin: LayoutCIFAR10;
//  3. it holds no images itself, and two or more sub-folders (names not
//     starting with "."), every one of which holds images itself:
//     LayoutClassFolders;
//  4. it holds images itself or at any depth below: LayoutImages.
//
// A folder that matches none is an error wrapping ErrNoImages.
func DetectLayout(dir string) (Layout, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return 0, fmt.Errorf("dataset: %w", err)
	}
	if !st.IsDir() {
		return 0, errFile(dir, ErrBadOptions, "not a folder")
	}
	if checkIDXDir(dir) == nil {
		return LayoutIDX, nil
	}
	if isFile(filepath.Join(dir, "data_batch_1.bin")) && isFile(filepath.Join(dir, CIFARTestFile)) {
		return LayoutCIFAR10, nil
	}
	classes, err := isClassFolders(dir)
	if err != nil {
		return 0, err
	}
	if classes {
		return LayoutClassFolders, nil
	}
	if _, err := ListImages(dir); err != nil {
		if errors.Is(err, ErrNoImages) {
			return 0, errFile(dir, ErrNoImages, "no .png, .jpg or .jpeg files in this folder or below, nor MNIST IDX files or CIFAR-10 batches")
		}
		return 0, err
	}
	return LayoutImages, nil
}

// isClassFolders reports whether dir holds no images itself and two or more
// sub-folders that all hold images themselves (rule 3 of DetectLayout).
func isClassFolders(dir string) (bool, error) {
	own, err := directImages(dir)
	if err != nil || len(own) > 0 {
		return false, err
	}
	classes, err := ClassFolders(dir)
	if err != nil || len(classes) < 2 {
		return false, nil // no sub-folders is not class folders
	}
	for _, c := range classes {
		inner, err := directImages(filepath.Join(dir, c))
		if err != nil {
			return false, err
		}
		if len(inner) == 0 {
			return false, nil
		}
	}
	return true, nil
}

// isFile reports whether p is a regular file.
func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
