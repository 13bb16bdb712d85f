package dataset

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of data set that Open reads by name.
const (
	// KindMNIST is MNIST as IDX files: Spec.Path is their folder, or empty
	// for the built-in location (see LoadMNIST).
	KindMNIST = "mnist"
	// KindFashionMNIST is Fashion-MNIST, read as KindMNIST.
	KindFashionMNIST = "fmnist"
	// KindCIFAR10 is CIFAR-10: Spec.Path is the folder of data_batch_*.bin
	// and test_batch.bin.
	KindCIFAR10 = "cifar10"
	// KindFolder is one sub-folder of images per class, or the COIL-100
	// files (see ReadImageFolder): Spec.Path is the folder. It has no
	// train/test split of its own, so protocol 1 only.
	KindFolder = "folder"
	// KindImages is a folder of normal images alone, at any depth (see
	// ReadImageTree): no classes, no protocol; Spec.ValShare of them are
	// held out for validation.
	KindImages = "images"
)

// Kinds lists the kinds Open reads, in the order of their documentation.
func Kinds() []string {
	return []string{KindMNIST, KindFashionMNIST, KindCIFAR10, KindFolder, KindImages}
}

// FixedClasses is the number of classes of the kinds whose format fixes
// them (mnist, fmnist and cifar10: ten), and 0 for the others.
func FixedClasses(kind string) int {
	switch kind {
	case KindMNIST, KindFashionMNIST, KindCIFAR10:
		return 10
	}
	return 0
}

// FixedImage is the size and colour of the images of the kinds whose format
// fixes them (mnist and fmnist: 28x28 gray; cifar10: 32x32 colour); ok is
// false for the others, whose images say (see ImageFolderInfo).
func FixedImage(kind string) (info ImageInfo, ok bool) {
	switch strings.ToLower(kind) {
	case KindMNIST, KindFashionMNIST:
		return ImageInfo{Height: 28, Width: 28, Gray: true}, true
	case KindCIFAR10:
		return ImageInfo{Height: CIFARSide, Width: CIFARSide}, true
	}
	return ImageInfo{}, false
}

// Spec names a data set and the one-class split made of it.
type Spec struct {
	// Kind is one of the Kind constants (case does not matter).
	Kind string
	// Path is where the data set is (see the Kind constants).
	Path string
	// Class is the normal class, Protocol the split (1 or 2; see
	// Protocol1 and Protocol2) and Seed its seed. KindImages uses Seed
	// alone.
	Class, Protocol int
	Seed            uint64
	// ValShare is the share of the images that KindImages holds out for
	// validation (see HoldOut).
	ValShare float64
}

// ErrSpec is wrapped by the errors of a Spec that does not name a split
// Open can make: an unknown kind, a missing path, a protocol the kind does
// not have.
var ErrSpec = errors.New("dataset: invalid spec")

// Check returns an error wrapping ErrSpec if s does not name a split that
// Open can make.
func (s Spec) Check() error {
	kind := strings.ToLower(s.Kind)
	switch kind {
	case KindMNIST, KindFashionMNIST, KindCIFAR10, KindFolder:
	case KindImages:
		if s.Path == "" {
			return fmt.Errorf("%w: kind images needs the path of a folder of normal images", ErrSpec)
		}
		return nil
	default:
		return fmt.Errorf("%w: unknown kind %q (%s)", ErrSpec, s.Kind, strings.Join(Kinds(), ", "))
	}
	if s.Protocol != 1 && s.Protocol != 2 {
		return fmt.Errorf("%w: protocol must be 1 or 2, got %d", ErrSpec, s.Protocol)
	}
	if kind == KindFolder && s.Protocol == 2 {
		return fmt.Errorf("%w: kind folder has no train/test split of its own: protocol 1 only", ErrSpec)
	}
	if s.Path == "" && (kind == KindCIFAR10 || kind == KindFolder) {
		return fmt.Errorf("%w: kind %s needs a path", ErrSpec, kind)
	}
	if n := FixedClasses(kind); s.Class < 0 || (n > 0 && s.Class >= n) {
		return fmt.Errorf("%w: class %d of %s", ErrSpec, s.Class, kind)
	}
	return nil
}

// Open reads the data set that s names, with the reader options opts, and
// makes its split: protocol s.Protocol of class s.Class for the kinds with
// classes, the s.ValShare hold-out for KindImages. For KindImages it also
// returns the image files, in the order of the data set (nil for the other
// kinds). A Spec that fails Check gives its error.
func Open(s Spec, opts Options) (*Split, []string, error) {
	if err := s.Check(); err != nil {
		return nil, nil, err
	}
	kind := strings.ToLower(s.Kind)
	if kind == KindImages {
		all, files, err := ReadImageTree(s.Path, opts)
		if err != nil {
			return nil, nil, err
		}
		split, err := HoldOut(all, s.ValShare, s.Seed)
		return split, files, err
	}
	if kind == KindFolder {
		all, _, err := ReadImageFolder(s.Path, opts)
		if err != nil {
			return nil, nil, err
		}
		split, err := Protocol1(all, s.Class, s.Seed)
		return split, nil, err
	}
	train, test, err := readTrainTest(kind, s.Path, opts)
	if err != nil {
		return nil, nil, err
	}
	if s.Protocol == 2 {
		split, err := Protocol2(train, test, s.Class, s.Seed)
		return split, nil, err
	}
	all, err := Concat(train, test)
	if err != nil {
		return nil, nil, err
	}
	split, err := Protocol1(all, s.Class, s.Seed)
	return split, nil, err
}

// readTrainTest reads the train and test sets of mnist, fmnist or cifar10.
func readTrainTest(kind, path string, opts Options) (train, test *Dataset, err error) {
	switch {
	case kind == KindCIFAR10:
		return ReadCIFAR10Dir(path, opts)
	case path != "":
		return ReadIDXDir(path, opts)
	case kind == KindFashionMNIST:
		return LoadFashionMNIST(opts)
	}
	return LoadMNIST(opts)
}
