package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/spf13/pflag"
)

// datasetImages is the dataset kind of a folder of normal images alone: no
// classes, no protocol; a share of the images is held out for validation.
const datasetImages = "images"

// datasetList names the --dataset values.
const datasetList = "mnist, fmnist, cifar10, folder, images"

// errFolderProtocol refuses protocol 2 on class folders.
var errFolderProtocol = errors.New("--dataset folder has no train/test split of its own: use --protocol 1 (its default)")

// addOwnDataFlags adds the flags of training on a folder of normal images.
func addOwnDataFlags(fs *pflag.FlagSet) {
	fs.Float64("val-share", dataset.ValFraction, "--dataset images: the share of the normal images held out (chosen by --seed) to select the model and set the threshold")
	fs.StringSlice("test", nil, "--dataset images: more normal images (files, folders searched recursively, IDX image files), never trained on, for the end evaluation (default: the held-out validation images)")
}

// resolve settles what the flags leave open: the dataset kind (detected
// from --data when --dataset is not given; classGiven says --class names a
// class, see detectDataset) and its protocol (when --protocol is not given:
// 2, or 1 for folder, which has no train/test split of its own; none for
// images).
func (d *dataFlags) resolve(classGiven bool) error {
	if d.name == "" {
		name, note, err := detectDataset(d.path, classGiven)
		if err != nil {
			return err
		}
		d.name, d.detected = name, note
	}
	d.name = strings.ToLower(d.name)
	switch d.name {
	case "mnist", "fmnist", "cifar10":
		if d.protocol == 0 {
			d.protocol = 2
		}
	case "folder":
		if d.protocol == 0 {
			d.protocol = 1
		}
		if d.protocol == 2 {
			return usageError{errFolderProtocol}
		}
	case datasetImages:
		if d.protocol != 0 {
			return usageError{fmt.Errorf("--dataset images has no classes and no protocol: drop --protocol %d", d.protocol)}
		}
		if d.path == "" {
			return usageError{errors.New("--dataset images needs --data DIR (a folder of normal images)")}
		}
		return nil
	default:
		return usageError{fmt.Errorf("unknown --dataset %q (%s)", d.name, datasetList)}
	}
	if d.protocol != 1 && d.protocol != 2 {
		return usageError{fmt.Errorf("--protocol must be 1 or 2, got %d", d.protocol)}
	}
	return nil
}

// detectDataset names the dataset kind of the folder --data (mnist without
// one; see dataset.DetectLayout): IDX files are mnist, CIFAR-10 batches
// cifar10, other images images, and sub-folders of images are classes
// (folder) when --class names one of them (classGiven), else they are all
// normal images (images). It also returns a note on what it found.
func detectDataset(path string, classGiven bool) (name, note string, err error) {
	if path == "" {
		return "mnist", "", nil
	}
	l, err := dataset.DetectLayout(path)
	if err != nil {
		return "", "", fmt.Errorf("--data: %w", err)
	}
	note = fmt.Sprintf("--data %s holds %s", path, l)
	switch l {
	case dataset.LayoutIDX:
		return "mnist", note + ": --dataset mnist", nil
	case dataset.LayoutCIFAR10:
		return "cifar10", note + ": --dataset cifar10", nil
	case dataset.LayoutClassFolders:
		if classGiven {
			return "folder", note + ", and --class names one: --dataset folder", nil
		}
		return datasetImages, fmt.Sprintf("--data %s holds sub-folders of images and no --class is given: every image is normal "+
			"(--dataset images; give --class to train on one sub-folder and test against the others)", path), nil
	}
	return datasetImages, note + ": --dataset images, every image below it is normal", nil
}

// trainData reads and settles the dataset flags of a training run: the
// kind, the protocol and the class, and that the flags fit the kind.
func trainData(fs *pflag.FlagSet) (dataFlags, error) {
	d := dataFlagsFrom(fs)
	if err := d.resolve(fs.Changed("class")); err != nil {
		return d, err
	}
	if err := checkKindFlags(fs, d); err != nil {
		return d, err
	}
	if d.name == datasetImages {
		return d, nil
	}
	names, err := d.classNames()
	if err != nil {
		return d, err
	}
	if d.class, err = resolveClass(d.classArg, names); err != nil {
		return d, err
	}
	if err := checkFixedClasses(d.name, d.classArg, d.class); err != nil {
		return d, err
	}
	if names != nil {
		d.className = names[d.class]
	}
	return d, nil
}

// checkKindFlags refuses training flags that do not apply to the dataset
// kind, and a --val-share outside (0, 1).
func checkKindFlags(fs *pflag.FlagSet, d dataFlags) error {
	if d.name != datasetImages {
		for _, f := range []string{"val-share", "test"} {
			if fs.Changed(f) {
				return usageError{fmt.Errorf("--%s applies to --dataset images only (%s's validation and test images come from --protocol)", f, d.name)}
			}
		}
		return nil
	}
	if fs.Changed("class") {
		return usageError{errors.New("--class does not apply to --dataset images: every image under --data is normal")}
	}
	if !(d.valShare > 0 && d.valShare < 1) {
		return usageError{fmt.Errorf("--val-share must be between 0 and 1 (exclusive), got %v", d.valShare)}
	}
	return nil
}

// withImagesHint points from a folder that is not class folders, or has
// no other class than the normal one, to --dataset images.
func withImagesHint(err error) error {
	if errors.Is(err, dataset.ErrNoClasses) || errors.Is(err, dataset.ErrSplit) {
		return fmt.Errorf("%w (for a folder of normal images alone: --dataset images, or no --dataset)", err)
	}
	return err
}

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

// fixedClasses is the number of classes of the dataset kinds whose classes
// are fixed by their format (mnist, fmnist and cifar10: ten); 0 for the
// others.
func fixedClasses(kind string) int {
	switch kind {
	case "mnist", "fmnist", "cifar10":
		return 10
	}
	return 0
}

// checkFixedClasses returns a usage error for a class beyond the classes of
// a dataset kind with fixed classes; spec is --class as given.
func checkFixedClasses(kind, spec string, classes ...int) error {
	n := fixedClasses(kind)
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

// describe names the data of a run for the log: "images in DIR" or
// "folder class 0 (bar), protocol 1".
func (d dataFlags) describe() string {
	if d.name == datasetImages {
		return "the images in " + d.path
	}
	s := fmt.Sprintf("%s class %d", d.name, d.class)
	if d.className != "" {
		s += fmt.Sprintf(" (%s)", d.className)
	}
	return s + fmt.Sprintf(", protocol %d", d.protocol)
}

// imagesSplit reads every image under --data (all of them normal) and
// holds out --val-share of them for validation; it returns their files too.
func (d *dataFlags) imagesSplit(opts dataset.Options) (*dataset.Split, []string, error) {
	all, names, err := dataset.ReadImageTree(d.path, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("--data: %w", err)
	}
	s, err := dataset.HoldOut(all, d.valShare, d.seed)
	if err != nil {
		return nil, nil, fmt.Errorf("--data %s: %w", d.path, err)
	}
	return s, names, nil
}

// readSplit makes the split of the dataset, read with the reader options
// opts; for --dataset images it also returns the files of --data (nil for
// the other kinds).
func (d *dataFlags) readSplit(opts dataset.Options) (*dataset.Split, []string, error) {
	if d.name == datasetImages {
		return d.imagesSplit(opts)
	}
	s, err := d.split(opts)
	return s, nil, err
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

// checkDisjoint refuses an image that two of the sets share (the same file,
// or the same image of an IDX file): an image is normal or novel, trained
// on or tested, not both.
func checkDisjoint(sets ...namedImages) error {
	owner := map[string]string{}
	for _, s := range sets {
		for _, n := range s.names {
			key, err := filepath.Abs(n)
			if err != nil {
				key = n
			}
			if first, ok := owner[key]; ok && first != s.flag {
				return usageError{fmt.Errorf("%s is in both %s and %s: each image may be in one of them only", n, first, s.flag)}
			}
			owner[key] = s.flag
		}
	}
	return nil
}
