package main

import (
	"fmt"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/spf13/pflag"
)

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

// split loads the dataset with the reader options opts and makes the
// one-class split (for --dataset images, the validation hold-out).
func (d *dataFlags) split(opts dataset.Options) (*dataset.Split, error) {
	if d.name == datasetImages {
		s, _, err := d.imagesSplit(opts)
		return s, err
	}
	if d.protocol != 1 && d.protocol != 2 {
		return nil, usageError{fmt.Errorf("--protocol must be 1 or 2, got %d", d.protocol)}
	}
	var train, test *dataset.Dataset
	var err error
	switch strings.ToLower(d.name) {
	case "mnist", "fmnist":
		load := dataset.LoadMNIST
		if d.name == "fmnist" {
			load = dataset.LoadFashionMNIST
		}
		if d.path != "" {
			train, test, err = dataset.ReadIDXDir(d.path, opts)
		} else {
			train, test, err = load(opts)
		}
	case "cifar10":
		if d.path == "" {
			return nil, usageError{fmt.Errorf("--dataset cifar10 needs --data DIR (the folder of data_batch_*.bin and test_batch.bin)")}
		}
		train, test, err = dataset.ReadCIFAR10Dir(d.path, opts)
	case "folder":
		if d.path == "" {
			return nil, usageError{fmt.Errorf("--dataset folder needs --data DIR (one sub-folder per class)")}
		}
		var all *dataset.Dataset
		if all, _, err = dataset.ReadImageFolder(d.path, opts); err == nil {
			if d.protocol == 2 {
				return nil, usageError{errFolderProtocol}
			}
			s, err := dataset.Protocol1(all, d.class, d.seed)
			return s, withImagesHint(err)
		}
		err = withImagesHint(err)
	default:
		return nil, usageError{fmt.Errorf("unknown --dataset %q (%s)", d.name, datasetList)}
	}
	if err != nil {
		return nil, err
	}
	if d.protocol == 1 {
		all, err := dataset.Concat(train, test)
		if err != nil {
			return nil, err
		}
		return dataset.Protocol1(all, d.class, d.seed)
	}
	return dataset.Protocol2(train, test, d.class, d.seed)
}

// dataFlagsFrom reads the dataset flags back from fs.
func dataFlagsFrom(fs *pflag.FlagSet) dataFlags {
	var d dataFlags
	d.name, _ = fs.GetString("dataset")
	d.path, _ = fs.GetString("data")
	d.classArg, _ = fs.GetString("class")
	d.protocol, _ = fs.GetInt("protocol")
	d.seed, _ = fs.GetUint64("seed")
	if fs.Lookup("val-share") != nil {
		d.valShare, _ = fs.GetFloat64("val-share")
		d.test, _ = fs.GetStringSlice("test")
	}
	return d
}
