package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

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
	if d.protocol == 0 && d.name != datasetImages {
		d.protocol = 2
		if d.name == "folder" {
			d.protocol = 1
		}
	}
	return d.checkKind()
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

// settle resolves the flags of a training run (see resolve), checks that
// they fit the kind, and resolves --class; changed says whether a flag was
// given.
func (d *dataFlags) settle(changed func(flag string) bool) error {
	if err := d.resolve(changed("class")); err != nil {
		return err
	}
	if err := d.checkKindFlags(changed); err != nil {
		return err
	}
	if d.name == datasetImages {
		return nil
	}
	names, err := d.classNames()
	if err != nil {
		return err
	}
	if d.class, err = resolveClass(d.classArg, names); err != nil {
		return err
	}
	if err := checkFixedClasses(d.name, d.classArg, d.class); err != nil {
		return err
	}
	if names != nil {
		d.className = names[d.class]
	}
	return nil
}

// checkKindFlags refuses training flags that do not apply to the dataset
// kind, and a --val-share outside (0, 1).
func (d *dataFlags) checkKindFlags(changed func(flag string) bool) error {
	if d.name != datasetImages {
		for _, f := range []string{"val-share", "test"} {
			if changed(f) {
				return usageError{fmt.Errorf("--%s applies to --dataset images only (%s's validation and test images come from --protocol)", f, d.name)}
			}
		}
		return nil
	}
	if changed("class") {
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
