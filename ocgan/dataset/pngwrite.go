package dataset

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

// Denormalize maps a value in [-1, 1] back to a byte, the inverse of
// Normalize: round((v+1)·127.5), clamped to 0..255 (NaN gives 0).
func Denormalize(v float32) uint8 {
	x := math.Round((float64(v) + 1) * 127.5)
	if !(x > 0) { // also NaN
		return 0
	}
	return uint8(min(x, 255))
}

// EncodePNG encodes one CHW image with values in [-1, 1] as a PNG file: an
// 8-bit gray PNG for 1 channel, an 8-bit RGB PNG (opaque) for 3, each
// value turned into a byte by Denormalize. Reading the file back gives the
// image within half a quantisation step (1/255).
func EncodePNG(img []float32, channels, height, width int) ([]byte, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("%w: PNG of %d channels: want 1 (gray) or 3 (RGB)", ErrBadOptions, channels)
	}
	if height <= 0 || width <= 0 || len(img) != channels*height*width {
		return nil, fmt.Errorf("%w: PNG of %d values as %dx%dx%d (channels x height x width)",
			ErrBadOptions, len(img), channels, height, width)
	}
	rect := image.Rect(0, 0, width, height)
	var out image.Image
	plane := height * width
	if channels == 1 {
		g := image.NewGray(rect)
		for o, v := range img {
			g.Pix[o] = Denormalize(v)
		}
		out = g
	} else {
		c := image.NewNRGBA(rect)
		for o := range plane {
			p := c.Pix[4*o : 4*o+4]
			p[0], p[1], p[2], p[3] = Denormalize(img[o]), Denormalize(img[plane+o]), Denormalize(img[2*plane+o]), 0xff
		}
		out = c
	}
	var b bytes.Buffer
	if err := png.Encode(&b, out); err != nil {
		return nil, fmt.Errorf("dataset: encode PNG: %w", err)
	}
	return b.Bytes(), nil
}

// WritePNGs writes every image of d as a PNG file (EncodePNG) in dir, which
// it creates if needed: image i becomes dir/<prefix><i>.png, i zero-padded
// to the same width for every file, so the files sort in image order (as
// ListImages and ReadImageTree read them). Each file is written atomically
// (runtime/atomicfile); a file of that name is replaced. It returns the
// paths in image order; an error names the file it could not write.
func WritePNGs(d *Dataset, dir, prefix string) ([]string, error) {
	if strings.ContainsRune(prefix, '/') || strings.ContainsRune(prefix, filepath.Separator) || strings.HasPrefix(prefix, ".") {
		return nil, fmt.Errorf("%w: file name prefix %q: no path separators, no leading '.'", ErrBadOptions, prefix)
	}
	digits := len(strconv.Itoa(max(d.Len()-1, 0)))
	paths := make([]string, d.Len())
	for i := range d.Len() {
		p := filepath.Join(dir, fmt.Sprintf("%s%0*d.png", prefix, digits, i))
		b, err := EncodePNG(d.Image(i), d.Channels(), d.Height(), d.Width())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if err := atomicfile.Write(p, b, 0o644); err != nil {
			return nil, fmt.Errorf("dataset: write %s: %w", p, err)
		}
		paths[i] = p
	}
	return paths, nil
}
