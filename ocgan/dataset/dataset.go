package dataset

import (
	"fmt"
	"slices"
)

// Dataset is a set of equally sized images, float32 CHW in [-1, 1], each with
// an integer class label. Images are stored back to back in one slice.
type Dataset struct {
	channels, height, width int
	pixels                  []float32
	labels                  []int
}

// New returns a Dataset over pixels (len(labels) images of
// channels x height x width values each, CHW, back to back). It takes
// ownership of both slices.
func New(channels, height, width int, pixels []float32, labels []int) (*Dataset, error) {
	if channels <= 0 || height <= 0 || width <= 0 {
		return nil, fmt.Errorf("%w: image shape %dx%dx%d (channels x height x width) must be positive",
			ErrBadOptions, channels, height, width)
	}
	n := channels * height * width
	if len(pixels) != len(labels)*n {
		return nil, fmt.Errorf("%w: %d pixel values for %d images of %d values",
			ErrBadOptions, len(pixels), len(labels), n)
	}
	return &Dataset{channels: channels, height: height, width: width, pixels: pixels, labels: labels}, nil
}

// Len is the number of images.
func (d *Dataset) Len() int { return len(d.labels) }

// Channels is the number of channels per image (1 gray, 3 RGB).
func (d *Dataset) Channels() int { return d.channels }

// Height is the image height in pixels.
func (d *Dataset) Height() int { return d.height }

// Width is the image width in pixels.
func (d *Dataset) Width() int { return d.width }

// ImageLen is the number of float32 values in one image (C·H·W).
func (d *Dataset) ImageLen() int { return d.channels * d.height * d.width }

// Image returns image i, CHW. The slice shares the Dataset's storage: do not
// modify it. It panics if i is out of range, like a slice index.
func (d *Dataset) Image(i int) []float32 {
	n := d.ImageLen()
	return d.pixels[i*n : (i+1)*n : (i+1)*n]
}

// Label returns the class label of image i.
func (d *Dataset) Label(i int) int { return d.labels[i] }

// Labels returns a copy of all labels, in image order.
func (d *Dataset) Labels() []int { return slices.Clone(d.labels) }

// Pixels returns all images back to back (Len·ImageLen values). The slice
// shares the Dataset's storage: do not modify it.
func (d *Dataset) Pixels() []float32 { return d.pixels }

// Classes returns the distinct labels, ascending.
func (d *Dataset) Classes() []int {
	c := slices.Clone(d.labels)
	slices.Sort(c)
	return slices.Compact(c)
}

// Indices returns the indices of the images labelled class, ascending.
func (d *Dataset) Indices(class int) []int {
	var idx []int
	for i, l := range d.labels {
		if l == class {
			idx = append(idx, i)
		}
	}
	return idx
}

// Subset returns a new Dataset holding copies of the images at indices, in
// that order (indices may repeat).
func (d *Dataset) Subset(indices []int) (*Dataset, error) {
	n := d.ImageLen()
	pix := make([]float32, 0, len(indices)*n)
	labels := make([]int, 0, len(indices))
	for _, i := range indices {
		if i < 0 || i >= d.Len() {
			return nil, fmt.Errorf("%w: subset index %d outside [0, %d)", ErrBadOptions, i, d.Len())
		}
		pix = append(pix, d.Image(i)...)
		labels = append(labels, d.labels[i])
	}
	return &Dataset{channels: d.channels, height: d.height, width: d.width, pixels: pix, labels: labels}, nil
}

// Class returns a new Dataset holding copies of the images labelled class, in
// their original order (empty if there are none).
func (d *Dataset) Class(class int) *Dataset {
	s, _ := d.Subset(d.Indices(class)) // indices come from d: always in range
	return s
}

// Gather copies the images at indices, back to back, into dst (a batch),
// which must hold exactly len(indices)·ImageLen values.
func (d *Dataset) Gather(dst []float32, indices []int) error {
	n := d.ImageLen()
	if len(dst) != len(indices)*n {
		return fmt.Errorf("%w: gather of %d images of %d values into %d values",
			ErrBadOptions, len(indices), n, len(dst))
	}
	for k, i := range indices {
		if i < 0 || i >= d.Len() {
			return fmt.Errorf("%w: gather index %d outside [0, %d)", ErrBadOptions, i, d.Len())
		}
		copy(dst[k*n:(k+1)*n], d.Image(i))
	}
	return nil
}

// Resized returns a copy of d with every image resized to height x width
// with ResizeBilinear (d itself if the size is already right).
func (d *Dataset) Resized(height, width int) (*Dataset, error) {
	if height == d.height && width == d.width {
		return d, nil
	}
	if height <= 0 || width <= 0 {
		return nil, fmt.Errorf("%w: resize to %dx%d", ErrBadOptions, height, width)
	}
	out := make([]float32, 0, d.Len()*d.channels*height*width)
	for i := range d.Len() {
		r, err := ResizeBilinear(d.Image(i), d.channels, d.height, d.width, height, width)
		if err != nil {
			return nil, err
		}
		out = append(out, r...)
	}
	return &Dataset{channels: d.channels, height: height, width: width, pixels: out, labels: slices.Clone(d.labels)}, nil
}

// Padded returns a copy of d with every image centred on a height x width
// canvas filled with −1 (black): the peer's 28→32 zero padding. The extra
// rows and columns are split evenly, the odd one going below and right.
func (d *Dataset) Padded(height, width int) (*Dataset, error) {
	if height < d.height || width < d.width {
		return nil, fmt.Errorf("%w: pad %dx%d images to smaller %dx%d", ErrBadOptions, d.height, d.width, height, width)
	}
	top, left := (height-d.height)/2, (width-d.width)/2
	n := d.channels * height * width
	out := make([]float32, d.Len()*n)
	for i := range out {
		out[i] = -1
	}
	for i := range d.Len() {
		src := d.Image(i)
		dst := out[i*n : (i+1)*n]
		for c := range d.channels {
			for y := range d.height {
				s := src[(c*d.height+y)*d.width : (c*d.height+y+1)*d.width]
				o := (c*height+y+top)*width + left
				copy(dst[o:o+d.width], s)
			}
		}
	}
	return &Dataset{channels: d.channels, height: height, width: width, pixels: out, labels: slices.Clone(d.labels)}, nil
}

// Concat returns a new Dataset holding copies of the images of parts, in
// order. All parts must have the same image shape.
func Concat(parts ...*Dataset) (*Dataset, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: concat of no datasets", ErrBadOptions)
	}
	first := parts[0]
	total := 0
	for k, p := range parts {
		if p.channels != first.channels || p.height != first.height || p.width != first.width {
			return nil, fmt.Errorf("%w: concat part %d is %dx%dx%d, part 0 is %dx%dx%d", ErrBadOptions,
				k, p.channels, p.height, p.width, first.channels, first.height, first.width)
		}
		total += p.Len()
	}
	pix := make([]float32, 0, total*first.ImageLen())
	labels := make([]int, 0, total)
	for _, p := range parts {
		pix = append(pix, p.pixels...)
		labels = append(labels, p.labels...)
	}
	return &Dataset{channels: first.channels, height: first.height, width: first.width, pixels: pix, labels: labels}, nil
}
