package main

import (
	"errors"
	"fmt"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

// loadTiming is where the time of loadImages went.
type loadTiming = dataset.ReadTiming

// loadImages reads the images named by paths (see dataset.ReadPaths).
func loadImages(paths []string, opts dataset.Options) (*dataset.Dataset, []string, loadTiming, error) {
	return dataset.ReadPaths(paths, opts)
}

// ownTest is the end evaluation of a run on --dataset images: normal
// images (--test, or the held-out validation images) and the --novel ones.
type ownTest struct {
	normal *dataset.Dataset
	novel  *dataset.Dataset // nil without --novel
	// fromVal says that the normal images are the validation images.
	fromVal bool
}

// loadOwnTest reads the test images of a run on --dataset images: --test
// (else the validation images val) and --novel, none of which may be one of
// the training files dataFiles or in both sets. They are read with the
// reader options opts.
func (d *dataFlags) loadOwnTest(opts dataset.Options, val *dataset.Dataset, dataFiles, novel []string) (*ownTest, error) {
	t := &ownTest{normal: val, fromVal: true}
	sets := []namedImages{{"--data " + d.path, dataFiles}}
	if len(d.test) > 0 {
		ds, names, _, err := loadImages(d.test, opts)
		if err != nil {
			return nil, fmt.Errorf("--test: %w", err)
		}
		t.normal, t.fromVal = ds, false
		sets = append(sets, namedImages{"--test", names})
	}
	if len(novel) > 0 {
		ds, names, _, err := loadImages(novel, opts)
		if err != nil {
			return nil, fmt.Errorf("--novel: %w", err)
		}
		t.novel = ds
		sets = append(sets, namedImages{"--novel", names})
	}
	return t, checkDisjoint(sets...)
}

// describe says what the test images are.
func (t *ownTest) describe() string {
	s := fmt.Sprintf("%d --test images", t.normal.Len())
	if t.fromVal {
		s = fmt.Sprintf("the %d held-out validation images (no --test given)", t.normal.Len())
	}
	if t.novel == nil {
		return s + " and no --novel images"
	}
	return s + fmt.Sprintf(" + %d --novel images", t.novel.Len())
}

// namedImages are the image names of one flag (loadImages' names).
type namedImages struct {
	flag  string
	names []string
}

// checkDisjoint refuses, as a usage error, an image that two of the sets
// share (see dataset.CheckDisjoint).
func checkDisjoint(sets ...namedImages) error {
	named := make([]dataset.NamedImages, len(sets))
	for i, s := range sets {
		named[i] = dataset.NamedImages{Set: s.flag, Names: s.names}
	}
	err := dataset.CheckDisjoint(named...)
	var oe *dataset.OverlapError
	if errors.As(err, &oe) {
		return usageError{err}
	}
	return err
}
