package dataset

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// IsIDXImages reports whether name is an IDX image file (MNIST naming:
// "...-idx3-ubyte", optionally ".gz").
func IsIDXImages(name string) bool {
	return strings.HasSuffix(name, "idx3-ubyte") || strings.HasSuffix(name, "idx3-ubyte.gz")
}

// ReadTiming is where the time of ReadPaths went: reading and decoding
// files, and converting them into model inputs.
type ReadTiming struct {
	Decode, Preprocess time.Duration
}

// ReadPaths reads the images named by paths, in order: a PNG or JPEG file,
// a folder (its PNG and JPEG files and those of its sub-folders, sorted by
// path; see ListImages), or an IDX image file (every image in it; its
// reading counts as decoding). It returns them as one Dataset (every label
// 0), a name for each image (the file, or "FILE#i" inside an IDX file) and
// the time spent. Every image takes the shape of opts, whose fields must
// all be set. No images at all is an error wrapping ErrNoImages.
func ReadPaths(paths []string, opts Options) (*Dataset, []string, ReadTiming, error) {
	var tm ReadTiming
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
			if files, err = ListImages(p); err != nil {
				return nil, nil, tm, err
			}
		case IsIDXImages(p):
			t0 := time.Now()
			d, err := ReadIDX(p, "", opts)
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
			x, err := Preprocess(img, opts)
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
		return nil, nil, tm, fmt.Errorf("%w: none given", ErrNoImages)
	}
	if len(pix) != len(names)*per {
		return nil, nil, tm, fmt.Errorf("internal: %d values for %d images of %d", len(pix), len(names), per)
	}
	d, err := New(opts.Channels, opts.Height, opts.Width, pix, make([]int, len(names)))
	return d, names, tm, err
}

// decodeFile decodes one PNG or JPEG file.
func decodeFile(path string) (image.Image, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeImage(f, path)
}

// NamedImages are the image names of one set (ReadPaths' names), with the
// set's name for messages (e.g. the flag that gave them).
type NamedImages struct {
	Set   string
	Names []string
}

// OverlapError is CheckDisjoint's error: an image in two sets.
type OverlapError struct {
	Image         string
	First, Second string // the sets' names
}

func (e *OverlapError) Error() string {
	return fmt.Sprintf("%s is in both %s and %s: each image may be in one of them only", e.Image, e.First, e.Second)
}

// CheckDisjoint returns an *OverlapError for an image that two of the sets
// share (the same file, by absolute path, or the same image of an IDX
// file): an image is normal or novel, trained on or tested, not both.
func CheckDisjoint(sets ...NamedImages) error {
	owner := map[string]string{}
	for _, s := range sets {
		for _, n := range s.Names {
			key, err := filepath.Abs(n)
			if err != nil {
				key = n
			}
			if first, ok := owner[key]; ok && first != s.Set {
				return &OverlapError{Image: n, First: first, Second: s.Set}
			}
			owner[key] = s.Set
		}
	}
	return nil
}
