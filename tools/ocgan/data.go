package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/spf13/pflag"
)

// datasetImages is the dataset kind of a folder of normal images alone: no
// classes, no protocol; a share of the images is held out for validation.
const datasetImages = dataset.KindImages

// datasetList names the --dataset values.
var datasetList = strings.Join(dataset.Kinds(), ", ")

// errFolderProtocol refuses protocol 2 on class folders.
var errFolderProtocol = errors.New("--dataset folder has no train/test split of its own: use --protocol 1 (its default)")

// dataFlags are the flags that choose a dataset and a one-class split.
type dataFlags struct {
	name     string
	path     string
	class    int
	protocol int
	seed     uint64
	// classArg is --class as given: an index, or a class folder's name;
	// className is the class's folder (--dataset folder).
	classArg, className string
	// detected says how the kind was detected from --data ("" if given).
	detected string
	// valShare and test are --val-share and --test (--dataset images).
	valShare float64
	test     []string
}

func (d *dataFlags) add(fs *pflag.FlagSet) {
	d.addExceptClass(fs)
	fs.StringVar(&d.classArg, "class", "0", "the normal (in-class) label; for --dataset folder a class folder's name or index (a folder's name first)")
}

// addExceptClass adds the dataset flags but --class.
func (d *dataFlags) addExceptClass(fs *pflag.FlagSet) {
	fs.StringVar(&d.name, "dataset", "", "mnist, fmnist, cifar10, folder (one sub-folder per class) or images (normal images only) (default: detected from --data; mnist without --data)")
	fs.StringVar(&d.path, "data", "", "dataset location (default: the built-in location of mnist/fmnist; required for cifar10, folder and images)")
	fs.IntVar(&d.protocol, "protocol", 0, "1: 80/20 split of the class plus as many novel images; 2: the dataset's own train/test split (default: 2, and 1 for folder)")
	fs.Uint64Var(&d.seed, "seed", 1, "seed of the split, the initialisation and the training")
}

// addOwn adds the flags of training on a folder of normal images.
func (d *dataFlags) addOwn(fs *pflag.FlagSet) {
	fs.Float64Var(&d.valShare, "val-share", dataset.ValFraction, "--dataset images: the share of the normal images held out (chosen by --seed) to select the model and set the threshold")
	fs.StringSliceVar(&d.test, "test", nil, "--dataset images: more normal images (files, folders searched recursively, IDX image files), never trained on, for the end evaluation (default: the held-out validation images)")
}

// spec is the dataset.Spec the flags name.
func (d *dataFlags) spec() dataset.Spec {
	return dataset.Spec{Kind: d.name, Path: d.path, Class: d.class, Protocol: d.protocol, Seed: d.seed, ValShare: d.valShare}
}

// checkKind returns a usage error, naming the flag, for an unknown kind or
// a protocol the kind has not, and for --dataset images without --data.
func (d *dataFlags) checkKind() error {
	kind := strings.ToLower(d.name)
	if kind == datasetImages {
		if d.protocol != 0 {
			return usageError{fmt.Errorf("--dataset images has no classes and no protocol: drop --protocol %d", d.protocol)}
		}
		if d.path == "" {
			return usageError{errors.New("--dataset images needs --data DIR (a folder of normal images)")}
		}
		return nil
	}
	if !slices.Contains(dataset.Kinds(), kind) {
		return usageError{fmt.Errorf("unknown --dataset %q (%s)", d.name, datasetList)}
	}
	if kind == "folder" && d.protocol == 2 {
		return usageError{errFolderProtocol}
	}
	if d.protocol != 1 && d.protocol != 2 {
		return usageError{fmt.Errorf("--protocol must be 1 or 2, got %d", d.protocol)}
	}
	return nil
}

// checkPath returns a usage error for the kinds that need --data without
// one.
func (d *dataFlags) checkPath() error {
	kind := strings.ToLower(d.name)
	switch {
	case kind == "cifar10" && d.path == "":
		return usageError{fmt.Errorf("--dataset cifar10 needs --data DIR (the folder of data_batch_*.bin and test_batch.bin)")}
	case kind == "folder" && d.path == "":
		return usageError{fmt.Errorf("--dataset folder needs --data DIR (one sub-folder per class)")}
	}
	return nil
}

// split loads the dataset with the reader options opts and makes the
// one-class split (for --dataset images, the validation hold-out).
func (d *dataFlags) split(opts dataset.Options) (*dataset.Split, error) {
	s, _, err := d.readSplit(opts)
	return s, err
}

// readSplit makes the split of the dataset, read with the reader options
// opts; for --dataset images it also returns the files of --data (nil for
// the other kinds).
func (d *dataFlags) readSplit(opts dataset.Options) (*dataset.Split, []string, error) {
	if err := d.checkKind(); err != nil {
		return nil, nil, err
	}
	if err := d.checkPath(); err != nil {
		return nil, nil, err
	}
	s, files, err := dataset.Open(d.spec(), opts)
	switch {
	case err == nil:
		return s, files, nil
	case errors.Is(err, dataset.ErrSpec):
		return nil, nil, usageError{err}
	case strings.ToLower(d.name) == "folder":
		return nil, nil, withImagesHint(err)
	case strings.ToLower(d.name) != datasetImages:
		return nil, nil, err
	case errors.Is(err, dataset.ErrSplit) || errors.Is(err, dataset.ErrBadOptions):
		return nil, nil, fmt.Errorf("--data %s: %w", d.path, err)
	}
	return nil, nil, fmt.Errorf("--data: %w", err)
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
