package dataset

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// encodeWhole is the preprocessing written the direct way: every source
// pixel normalised to float32, then ResizeBilinear. encode must equal it
// bit for bit without building the full-size float32 image.
func encodeWhole(t *testing.T, src pixelSource, opts Options) []float32 {
	t.Helper()
	if opts.Resize == ResizeCrop {
		src = centreCrop(src, opts.Height, opts.Width)
	}
	h, w, c := src.height, src.width, opts.Channels
	img := make([]float32, c*h*w)
	for y := range h {
		for x := range w {
			v := normalized(src, c, x, y)
			for k := range c {
				img[k*h*w+y*w+x] = v[k]
			}
		}
	}
	if h == opts.Height && w == opts.Width {
		return img
	}
	out, err := ResizeBilinear(img, c, h, w, opts.Height, opts.Width)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEncodeEqualsWholeImageResize checks encode against encodeWhole on
// random images of every decoded kind, larger, smaller and equal to the
// target, in 1 and 3 channels, fit and crop.
func TestEncodeEqualsWholeImageResize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kinds := map[string]func(r image.Rectangle) image.Image{
		"gray":   func(r image.Rectangle) image.Image { return image.NewGray(r) },
		"gray16": func(r image.Rectangle) image.Image { return image.NewGray16(r) },
		"rgba":   func(r image.Rectangle) image.Image { return image.NewRGBA(r) },
		"nrgba":  func(r image.Rectangle) image.Image { return image.NewNRGBA(r) },
		"rgba64": func(r image.Rectangle) image.Image { return image.NewNRGBA64(r) },
	}
	sizes := [][2]int{{28, 28}, {5, 7}, {300, 41}, {97, 256}, {1, 1}}
	for name, mk := range kinds {
		for _, sz := range sizes {
			img := mk(image.Rect(0, 0, sz[0], sz[1]))
			fill(img.(interface{ Set(x, y int, c color.Color) }), sz[0], sz[1], rng)
			for _, opts := range []Options{
				{Height: 28, Width: 28, Channels: 1}, {Height: 28, Width: 28, Channels: 3},
				{Height: 32, Width: 32, Channels: 3, Resize: ResizeCrop}, {Height: 64, Width: 64, Channels: 1, Resize: ResizeCrop},
			} {
				got, err := Preprocess(img, opts)
				if err != nil {
					t.Fatal(err)
				}
				want := encodeWhole(t, imageSource(img), opts)
				if len(got) != len(want) {
					t.Fatalf("%s %v %+v: %d values, want %d", name, sz, opts, len(got), len(want))
				}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s %v %+v: value %d is %v, want %v", name, sz, opts, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// fill sets random colours, some of them translucent.
func fill(img interface{ Set(x, y int, c color.Color) }, w, h int, rng *rand.Rand) {
	for y := range h {
		for x := range w {
			a := uint16(0xffff)
			if rng.IntN(4) == 0 {
				a = uint16(rng.IntN(0x10000))
			}
			img.Set(x, y, color.NRGBA64{uint16(rng.IntN(0x10000)), uint16(rng.IntN(0x10000)), uint16(rng.IntN(0x10000)), a})
		}
	}
}
