package main

import (
	"fmt"
	"image"
	"os"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// isIDXImages reports whether name is an IDX image file (MNIST naming:
// "...-idx3-ubyte", optionally ".gz").
func isIDXImages(name string) bool {
	return strings.HasSuffix(name, "idx3-ubyte") || strings.HasSuffix(name, "idx3-ubyte.gz")
}

// loadTiming is where the time of loadImages went: reading and decoding
// files, and converting them into model inputs.
type loadTiming struct {
	Decode, Preprocess time.Duration
}

// loadImages reads the images named by paths, in order: a PNG or JPEG file,
// a folder (its PNG and JPEG files and those of its sub-folders, sorted by
// path; see dataset.ListImages), or an IDX image file (every image in it;
// its reading counts as decoding). It returns them as one Dataset, a name
// for each image (the file, or "FILE#i" inside an IDX file) and the time
// spent. Every image takes the shape of opts, whose fields must all be set.
func loadImages(paths []string, opts dataset.Options) (*dataset.Dataset, []string, loadTiming, error) {
	var tm loadTiming
	var pix []float32
	var names []string
	per := opts.Channels * opts.Height * opts.Width
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, nil, tm, err
		}
		var files []string
		switch {
		case st.IsDir():
			if files, err = dataset.ListImages(p); err != nil {
				return nil, nil, tm, err
			}
		case isIDXImages(p):
			t0 := time.Now()
			d, err := dataset.ReadIDX(p, "", opts)
			if err != nil {
				return nil, nil, tm, err
			}
			tm.Decode += time.Since(t0)
			pix = append(pix, d.Pixels()...)
			for i := range d.Len() {
				names = append(names, fmt.Sprintf("%s#%d", p, i))
			}
			continue
		default:
			files = []string{p}
		}
		for _, f := range files {
			t0 := time.Now()
			img, err := decodeFile(f)
			if err != nil {
				return nil, nil, tm, err
			}
			t1 := time.Now()
			x, err := dataset.Preprocess(img, opts)
			if err != nil {
				return nil, nil, tm, fmt.Errorf("%s: %w", f, err)
			}
			tm.Decode += t1.Sub(t0)
			tm.Preprocess += time.Since(t1)
			pix = append(pix, x...)
			names = append(names, f)
		}
	}
	if len(names) == 0 {
		return nil, nil, tm, fmt.Errorf("no images given")
	}
	if len(pix) != len(names)*per {
		return nil, nil, tm, fmt.Errorf("internal: %d values for %d images of %d", len(pix), len(names), per)
	}
	d, err := dataset.New(opts.Channels, opts.Height, opts.Width, pix, make([]int, len(names)))
	return d, names, tm, err
}

// decodeFile decodes one PNG or JPEG file.
func decodeFile(path string) (image.Image, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return dataset.DecodeImage(f, path)
}
