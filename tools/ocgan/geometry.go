package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/spf13/pflag"
)

// imageFlags are the flags that choose the model's input images.
type imageFlags struct {
	size, channels int
	resize         string
}

// add adds the image flags, bound to f.
func (f *imageFlags) add(fs *pflag.FlagSet) {
	fs.IntVar(&f.size, "image-size", 0, fmt.Sprintf("model input size in pixels: %s; 61 is the authors' geometry, unpadded convolutions 61→29→13→5→1 "+
		"(default: mnist and fmnist 28, cifar10 32; an image folder: of 28, 32, 64 and 128 the size nearest to its first image's shorter side, "+
		"of two equally near the larger)", sizeList()))
	fs.IntVar(&f.channels, "channels", 0, "model input channels: 1 (gray; colour images become BT.601 luma) or 3 (RGB; gray images are replicated) "+
		"(default: mnist and fmnist 1, cifar10 3; an image folder: 1 if its first image is gray, else 3)")
	fs.StringVar(&f.resize, "resize", dataset.ResizeFit.String(), "how an image that is not square becomes square: fit (the whole image is resized, its aspect ratio not kept) "+
		"or crop (its centred square is resized)")
}

// check returns the resize policy the flags name, or a usage error naming
// the flag that is wrong (zero size and channels stand for the defaults).
func (f imageFlags) check() (dataset.ResizePolicy, error) {
	resize, err := dataset.ParseResizePolicy(f.resize)
	if err != nil {
		return 0, usageError{fmt.Errorf("--resize %q: want fit or crop", f.resize)}
	}
	if f.size != 0 && !slices.Contains(model.SupportedImageSizes(), f.size) {
		return 0, usageError{fmt.Errorf("--image-size %d: want %s", f.size, sizeList())}
	}
	if f.channels != 0 && f.channels != 1 && f.channels != 3 {
		return 0, usageError{fmt.Errorf("--channels %d: want 1 (gray) or 3 (RGB)", f.channels)}
	}
	return resize, nil
}

// sizeList is model.SupportedImageSizes as "28, 32, 61, 64 or 128".
func sizeList() string {
	sizes := model.SupportedImageSizes()
	parts := make([]string, len(sizes))
	for i, s := range sizes {
		parts[i] = fmt.Sprint(s)
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// geometry returns the model geometry and the preprocessing of training on
// the dataset: the size, channels and resize policy img gives, the
// dataset's own size and colour where img leaves them zero (see
// imageFlags.add), and the latent length latent (0: model.DefaultLatent).
func (d *dataFlags) geometry(img imageFlags, latent int) (model.Geometry, checkpoint.Preprocessing, error) {
	var none checkpoint.Preprocessing
	resize, err := img.check()
	if err != nil {
		return model.Geometry{}, none, err
	}
	if latent < 0 {
		return model.Geometry{}, none, usageError{fmt.Errorf("--latent %d: want >= 1, or 0 for the default", latent)}
	}
	size, channels := img.size, img.channels
	if size == 0 || channels == 0 {
		native, err := d.nativeImage()
		if err != nil {
			return model.Geometry{}, none, err
		}
		if size == 0 {
			size = model.NearestImageSize(min(native.Height, native.Width))
		}
		if channels == 0 {
			channels = native.Channels()
		}
	}
	if latent == 0 {
		latent = model.DefaultLatent(channels)
	}
	geo, err := model.ForImage(size, channels, latent)
	if err != nil {
		return model.Geometry{}, none, err
	}
	return geo, checkpoint.Preprocessing{ImageSize: size, Channels: channels, Resize: resize}, nil
}

// nativeImage is the size and colour of the dataset's images: MNIST and
// Fashion-MNIST 28x28 gray, CIFAR-10 32x32 colour, an image folder's first
// image (for --dataset folder the first of its first class folder, for
// --dataset images the first file below --data in path order: the one that
// would fix its reader's zero options). A dataset it cannot tell (an
// unknown name, a folder without --data) is taken as 28x28 gray: split then
// reports what is wrong.
func (d *dataFlags) nativeImage() (dataset.ImageInfo, error) {
	if info, ok := dataset.FixedImage(d.name); ok {
		return info, nil
	}
	switch strings.ToLower(d.name) {
	case "folder", datasetImages:
		if d.path != "" {
			probe := dataset.ImageFolderInfo
			if strings.EqualFold(d.name, datasetImages) {
				probe = dataset.ImageTreeInfo
			}
			info, err := probe(d.path)
			if err != nil {
				return info, fmt.Errorf("--data %s: %w", d.path, err)
			}
			return info, nil
		}
	}
	info, _ := dataset.FixedImage(dataset.KindMNIST)
	return info, nil
}
