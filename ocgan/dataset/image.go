package dataset

import (
	"fmt"
	"image"
	"image/color"
)

// Options say what shape a reader gives its images.
type Options struct {
	// Height and Width are the target size in pixels; images of another size
	// are resized with ResizeBilinear. Zero keeps the source's size (for an
	// image folder, the size of its first image).
	Height, Width int
	// Channels is 1 (grayscale, BT.601 luma) or 3 (RGB). Zero keeps the
	// source's: 1 for IDX, 3 for CIFAR-10, and for an image folder 1 if its
	// first image is a gray PNG/JPEG, else 3.
	Channels int
	// Resize says how an image of another aspect ratio than Height:Width
	// is brought to the target size; the zero value is ResizeFit.
	Resize ResizePolicy
}

// ResizePolicy says how an image whose aspect ratio differs from the
// target's is brought to the target size.
type ResizePolicy int

// The resize policies.
const (
	// ResizeFit resizes the whole image to the target size: the aspect
	// ratio is not kept.
	ResizeFit ResizePolicy = iota
	// ResizeCrop keeps the largest centred region of the image that has the
	// target's aspect ratio (a square for square targets), then resizes it
	// to the target size. Of an odd number of pixels cut, the extra one is
	// cut at the right or the bottom.
	ResizeCrop
)

// String returns "fit" or "crop".
func (p ResizePolicy) String() string {
	switch p {
	case ResizeFit:
		return "fit"
	case ResizeCrop:
		return "crop"
	}
	return fmt.Sprintf("ResizePolicy(%d)", int(p))
}

// ParseResizePolicy returns the policy String names: "fit" or "crop".
func ParseResizePolicy(s string) (ResizePolicy, error) {
	for _, p := range []ResizePolicy{ResizeFit, ResizeCrop} {
		if s == p.String() {
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w: resize policy %q: want fit or crop", ErrBadOptions, s)
}

// DefaultOptions is the project's default image shape: 28x28 grayscale.
func DefaultOptions() Options { return Options{Height: 28, Width: 28, Channels: 1} }

// check reports invalid options.
func (o Options) check() error {
	if o.Height < 0 || o.Width < 0 || (o.Height == 0) != (o.Width == 0) {
		return fmt.Errorf("%w: options size %dx%d: give both height and width, or neither", ErrBadOptions, o.Height, o.Width)
	}
	if o.Channels != 0 && o.Channels != 1 && o.Channels != 3 {
		return fmt.Errorf("%w: options channels %d: want 1 (gray), 3 (RGB) or 0 (source's)", ErrBadOptions, o.Channels)
	}
	if o.Resize != ResizeFit && o.Resize != ResizeCrop {
		return fmt.Errorf("%w: options resize policy %v: want fit or crop", ErrBadOptions, o.Resize)
	}
	return nil
}

// resolve fills the zero fields of o from the source's shape.
func (o Options) resolve(channels, height, width int) Options {
	if o.Channels == 0 {
		o.Channels = channels
	}
	if o.Height == 0 {
		o.Height, o.Width = height, width
	}
	return o
}

// The parts of the preprocessing every reader applies, as records of the
// preprocessing (checkpoints, bundles) name them.
const (
	// Interpolation names the resampling of ResizeBilinear.
	Interpolation = "bilinear"
	// Grayscale names the colour-to-gray conversion, Luma.
	Grayscale = "bt601-luma"
	// RangeMin and RangeMax are the values Normalize maps 0 and 255 to.
	RangeMin, RangeMax = -1.0, 1.0
)

// Normalize maps a byte value to [-1, 1]: x/127.5 − 1 (0 → −1, 255 → 1).
func Normalize(x uint8) float32 { return normalize(float64(x)) }

// normalize maps a value on the 0..255 scale to [-1, 1].
func normalize(v float64) float32 { return float32(v/127.5 - 1) }

// Luma is ITU-R BT.601 luma, 0.299 R + 0.587 G + 0.114 B, on whatever scale
// the inputs use, unrounded.
func Luma(r, g, b float64) float64 { return 0.299*r + 0.587*g + 0.114*b }

// pixelSource gives a source image's pixels on the 0..255 scale.
type pixelSource struct {
	height, width int
	gray          bool // r == g == b everywhere; rgb need not be set
	at            func(x, y int) (r, g, b float64)
}

// encode turns a source into a normalised CHW image of opts' (resolved)
// shape. A source of another size is resampled from its own pixels, tap by
// tap, so a large image never exists as float32 values; the result equals
// normalising the whole source and then calling ResizeBilinear.
func encode(src pixelSource, opts Options) []float32 {
	if opts.Resize == ResizeCrop {
		src = centreCrop(src, opts.Height, opts.Width)
	}
	c, oh, ow := opts.Channels, opts.Height, opts.Width
	img := make([]float32, c*oh*ow)
	plane := oh * ow
	if src.height == oh && src.width == ow {
		for y := range oh {
			for x := range ow {
				v := normalized(src, c, x, y)
				for k := range c {
					img[k*plane+y*ow+x] = v[k]
				}
			}
		}
		return img
	}
	ys, xs := axisTaps(src.height, oh), axisTaps(src.width, ow)
	for oy, ty := range ys {
		for ox, tx := range xs {
			v00, v01 := normalized(src, c, tx.i0, ty.i0), normalized(src, c, tx.i1, ty.i0)
			v10, v11 := normalized(src, c, tx.i0, ty.i1), normalized(src, c, tx.i1, ty.i1)
			for k := range c {
				img[k*plane+oy*ow+ox] = bilerp(v00[k], v01[k], v10[k], v11[k], tx.t, ty.t)
			}
		}
	}
	return img
}

// normalized is the source pixel at (x, y) as c normalised channel values:
// the value itself or BT.601 luma for c = 1, RGB (a gray value thrice) for
// c = 3.
func normalized(src pixelSource, c, x, y int) [3]float32 {
	r, g, b := src.at(x, y)
	switch {
	case c == 1 && src.gray:
		return [3]float32{normalize(r)}
	case c == 1:
		return [3]float32{normalize(Luma(r, g, b))}
	case src.gray:
		v := normalize(r)
		return [3]float32{v, v, v}
	}
	return [3]float32{normalize(r), normalize(g), normalize(b)}
}

// centreCrop returns the largest centred region of src whose aspect ratio
// is width:height (sides rounded down, at least 1 pixel); the extra pixel
// of an odd cut is cut at the right or the bottom.
func centreCrop(src pixelSource, height, width int) pixelSource {
	ch, cw := src.height, src.width
	if src.height*width > src.width*height {
		ch = max(1, src.width*height/width)
	} else {
		cw = max(1, src.height*width/height)
	}
	oy, ox := (src.height-ch)/2, (src.width-cw)/2
	at := src.at
	return pixelSource{height: ch, width: cw, gray: src.gray, at: func(x, y int) (float64, float64, float64) {
		return at(x+ox, y+oy)
	}}
}

// grayBytes is a pixelSource over one 8-bit plane.
func grayBytes(pix []byte, height, width int) pixelSource {
	return pixelSource{height: height, width: width, gray: true, at: func(x, y int) (float64, float64, float64) {
		v := float64(pix[y*width+x])
		return v, v, v
	}}
}

// rgbPlanes is a pixelSource over three 8-bit planes R, G, B (CIFAR-10).
func rgbPlanes(pix []byte, height, width int) pixelSource {
	n := height * width
	return pixelSource{height: height, width: width, at: func(x, y int) (float64, float64, float64) {
		o := y*width + x
		return float64(pix[o]), float64(pix[n+o]), float64(pix[2*n+o])
	}}
}

// isGray reports whether a decoded image is a gray image.
func isGray(img image.Image) bool { return isGrayModel(img.ColorModel()) }

// isGrayModel reports whether images of colour model m are gray images.
func isGrayModel(m color.Model) bool { return m == color.GrayModel || m == color.Gray16Model }

// imageSource is a pixelSource over a decoded image. Colours are Go's
// premultiplied RGBA, so alpha is composited over black.
func imageSource(img image.Image) pixelSource {
	b := img.Bounds()
	if g, ok := img.(*image.Gray); ok {
		return pixelSource{height: b.Dy(), width: b.Dx(), gray: true, at: func(x, y int) (float64, float64, float64) {
			v := float64(g.Pix[y*g.Stride+x])
			return v, v, v
		}}
	}
	generic := func(x, y int) (float64, float64, float64) {
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return float64(r) / 257, float64(g) / 257, float64(bl) / 257
	}
	at := generic
	switch m := img.(type) {
	case *image.RGBA: // already premultiplied
		at = func(x, y int) (float64, float64, float64) {
			p := m.Pix[y*m.Stride+4*x:]
			return float64(p[0]), float64(p[1]), float64(p[2])
		}
	case *image.NRGBA: // opaque pixels directly, others through At
		at = func(x, y int) (float64, float64, float64) {
			p := m.Pix[y*m.Stride+4*x:]
			if p[3] != 0xff {
				return generic(x, y)
			}
			return float64(p[0]), float64(p[1]), float64(p[2])
		}
	}
	return pixelSource{height: b.Dy(), width: b.Dx(), gray: isGray(img), at: at}
}

// ResizeBilinear resizes a CHW image of channels x height x width to
// channels x outHeight x outWidth, clamping results to [−1, 1].
//
// The convention is align-corners false (pixel centres), without
// antialiasing, as torch.nn.functional.interpolate(mode="bilinear",
// align_corners=False): along each axis, output index i samples source
// coordinate s = (i + 0.5)·in/out − 0.5, with s < 0 taken as 0; with
// i0 = floor(s), i1 = min(i0+1, in−1) and t = s − i0 the value is
// (1−t)·v[i0] + t·v[i1]. The two axes are combined bilinearly. So 2 → 4
// samples 0, 0.25, 0.75, 1 and 4 → 2 averages pixel pairs.
func ResizeBilinear(src []float32, channels, height, width, outHeight, outWidth int) ([]float32, error) {
	if channels <= 0 || height <= 0 || width <= 0 || outHeight <= 0 || outWidth <= 0 {
		return nil, fmt.Errorf("%w: resize %dx%dx%d to %dx%d", ErrBadOptions, channels, height, width, outHeight, outWidth)
	}
	if len(src) != channels*height*width {
		return nil, fmt.Errorf("%w: resize of %d values as %dx%dx%d", ErrBadOptions, len(src), channels, height, width)
	}
	ys := axisTaps(height, outHeight)
	xs := axisTaps(width, outWidth)
	out := make([]float32, channels*outHeight*outWidth)
	for c := range channels {
		in := src[c*height*width : (c+1)*height*width]
		dst := out[c*outHeight*outWidth : (c+1)*outHeight*outWidth]
		for oy, ty := range ys {
			r0, r1 := in[ty.i0*width:(ty.i0+1)*width], in[ty.i1*width:(ty.i1+1)*width]
			for ox, tx := range xs {
				dst[oy*outWidth+ox] = bilerp(r0[tx.i0], r0[tx.i1], r1[tx.i0], r1[tx.i1], tx.t, ty.t)
			}
		}
	}
	return out, nil
}

// bilerp combines four neighbours (top left, top right, bottom left,
// bottom right) with the weights tx and ty of the right and bottom ones,
// clamped to [−1, 1].
func bilerp(v00, v01, v10, v11 float32, tx, ty float64) float32 {
	top := (1-tx)*float64(v00) + tx*float64(v01)
	bot := (1-tx)*float64(v10) + tx*float64(v11)
	v := (1-ty)*top + ty*bot
	return float32(min(max(v, -1), 1))
}

// tap is one output index's two source neighbours and the weight of the second.
type tap struct {
	i0, i1 int
	t      float64
}

// axisTaps computes the align-corners-false taps for resizing in to out.
func axisTaps(in, out int) []tap {
	scale := float64(in) / float64(out)
	taps := make([]tap, out)
	for i := range taps {
		s := (float64(i)+0.5)*scale - 0.5
		if s < 0 {
			s = 0
		}
		i0 := min(int(s), in-1)
		i1 := min(i0+1, in-1)
		taps[i] = tap{i0: i0, i1: i1, t: s - float64(i0)}
	}
	return taps
}
