package dataset

import (
	"errors"
	"fmt"
	"image"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		in   uint8
		want float32
	}{{0, -1}, {255, 1}, {51, -0.6}, {204, 0.6}} {
		if got := Normalize(tc.in); !near(float64(got), float64(tc.want)) {
			t.Errorf("Normalize(%d) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if Normalize(0) != -1 || Normalize(255) != 1 {
		t.Errorf("endpoints not exact: %v %v", Normalize(0), Normalize(255))
	}
}

func TestLuma(t *testing.T) {
	for _, tc := range []struct {
		r, g, b, want float64
	}{
		{255, 0, 0, 76.245},
		{0, 255, 0, 149.685},
		{0, 0, 255, 29.07},
		{10, 20, 30, 0.299*10 + 0.587*20 + 0.114*30},
		{200, 200, 200, 200},
	} {
		if got := Luma(tc.r, tc.g, tc.b); !near(got, tc.want) {
			t.Errorf("Luma(%v,%v,%v) = %v, want %v", tc.r, tc.g, tc.b, got, tc.want)
		}
	}
}

func TestResizeBilinear(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c, h, w int
		oh, ow  int
		src     []float32
		want    []float64
	}{
		{
			// Taps 0, 0.25, 0.75, 1 on both axes (align-corners false).
			name: "2x2 to 4x4", c: 1, h: 2, w: 2, oh: 4, ow: 4,
			src: []float32{-1, 1, 0, 0.5},
			want: []float64{
				-1, -0.5, 0.5, 1,
				-0.75, -0.34375, 0.46875, 0.875,
				-0.25, -0.03125, 0.40625, 0.625,
				0, 0.125, 0.375, 0.5,
			},
		},
		{
			// Source coordinates 0.5 and 2.5: means of 2x2 blocks.
			name: "4x4 to 2x2", c: 1, h: 4, w: 4, oh: 2, ow: 2,
			src: func() []float32 {
				s := make([]float32, 16)
				for i := range s {
					s[i] = float32(i)/16 - 0.5
				}
				return s
			}(),
			want: []float64{-0.34375, -0.21875, 0.15625, 0.28125},
		},
		{
			name: "identity, 2 channels", c: 2, h: 2, w: 3, oh: 2, ow: 3,
			src:  []float32{-1, -0.5, 0, 0.25, 0.5, 1, 1, 0.5, 0, -0.25, -0.5, -1},
			want: []float64{-1, -0.5, 0, 0.25, 0.5, 1, 1, 0.5, 0, -0.25, -0.5, -1},
		},
		{
			// Width only: 1x2 to 1x3 samples 0, 0.5, 1 (s = (i+0.5)·2/3 − 0.5).
			name: "1x2 to 1x3", c: 1, h: 1, w: 2, oh: 1, ow: 3,
			src:  []float32{-1, 1},
			want: []float64{-1, 0, 1},
		},
		{
			name: "1x1 to 2x3", c: 1, h: 1, w: 1, oh: 2, ow: 3,
			src:  []float32{0.3},
			want: []float64{0.3, 0.3, 0.3, 0.3, 0.3, 0.3},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResizeBilinear(tc.src, tc.c, tc.h, tc.w, tc.oh, tc.ow)
			if err != nil {
				t.Fatal(err)
			}
			checkValues(t, "resized", got, tc.want)
		})
	}
}

func TestResizeBilinearErrors(t *testing.T) {
	for _, tc := range []struct {
		name               string
		n, c, h, w, oh, ow int
	}{
		{"wrong length", 3, 1, 2, 2, 4, 4},
		{"zero output", 4, 1, 2, 2, 0, 4},
		{"zero channels", 0, 0, 2, 2, 4, 4},
	} {
		if _, err := ResizeBilinear(make([]float32, tc.n), tc.c, tc.h, tc.w, tc.oh, tc.ow); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%s: error %v, want ErrBadOptions", tc.name, err)
		}
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, o := range []Options{{Channels: 2}, {Height: 5}, {Width: 5}, {Height: -1, Width: -1}} {
		if err := o.check(); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%+v: error %v, want ErrBadOptions", o, err)
		}
	}
	for _, o := range []Options{{}, DefaultOptions(), {Height: 3, Width: 7, Channels: 3}} {
		if err := o.check(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// opaqueImage hides an image's concrete type, forcing the generic path.
type opaqueImage struct{ image.Image }

func TestImageSourceFastPaths(t *testing.T) {
	nrgba := image.NewNRGBA(image.Rect(1, 2, 4, 4)) // non-zero origin
	rgba := image.NewRGBA(image.Rect(0, 0, 3, 2))
	gray := image.NewGray(image.Rect(0, 0, 3, 2))
	for i := range nrgba.Pix {
		nrgba.Pix[i] = uint8(37*i + 11)
		rgba.Pix[i] = uint8(29*i + 5)
	}
	for i := 3; i < len(rgba.Pix); i += 4 {
		rgba.Pix[i] = 255
	}
	nrgba.Pix[3] = 255 // one opaque pixel, the rest translucent
	for i := range gray.Pix {
		gray.Pix[i] = uint8(50 * i)
	}
	for _, img := range []image.Image{nrgba, rgba, gray} {
		for _, c := range []int{1, 3} {
			opts := Options{Channels: c, Height: 2, Width: 3}
			fast := encode(imageSource(img), opts)
			slow := encode(imageSource(opaqueImage{img}), opts)
			checkValues(t, fmt.Sprintf("%T/%d", img, c), fast, toF64(slow))
		}
	}
	// Alpha is composited over black: a half-transparent white is mid gray.
	half := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	copy(half.Pix, []uint8{255, 255, 255, 128})
	got := encode(imageSource(half), Options{Channels: 1, Height: 1, Width: 1})
	if want := norm(128); !near(float64(got[0]), want) {
		t.Errorf("half-transparent white = %v, want %v", got[0], want)
	}
}
