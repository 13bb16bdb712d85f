package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

// noiseStd is the standard deviation of the noise added to every colour
// value, on the [-1, 1] scale (about 2.5 of 255 levels).
const noiseStd = 0.02

// cameraFrames turns gray images into RGB frames of height x width: each
// image scaled bilinearly to a square of the frame's shorter side, centred
// on the background (black, which the ramp tints), every pixel coloured by
// tint, then noise of noiseStd drawn from rng added to every value.
func cameraFrames(d *dataset.Dataset, height, width int, rng *rand.Rand) (*dataset.Dataset, error) {
	if d.Channels() != 1 {
		return nil, fmt.Errorf("camera frames from %d-channel images: want gray", d.Channels())
	}
	side := min(height, width)
	scaled, err := d.Resized(side, side)
	if err != nil {
		return nil, err
	}
	framed, err := scaled.Padded(height, width)
	if err != nil {
		return nil, err
	}
	plane := height * width
	pix := make([]float32, 0, framed.Len()*3*plane)
	for i := range framed.Len() {
		gray := framed.Image(i)
		img := make([]float32, 3*plane)
		for o, v := range gray {
			rgb := tint((float64(v) + 1) / 2)
			for c, x := range rgb {
				y := 2*x - 1 + noiseStd*rng.NormFloat64()
				img[c*plane+o] = float32(min(max(y, -1), 1))
			}
		}
		pix = append(pix, img...)
	}
	return dataset.New(3, height, width, pix, framed.Labels())
}

// tint maps a gray level in [0, 1] to an RGB colour in [0, 1] along a
// warm ramp: a dark slate background (0), copper (0.5), pale gold (1),
// linear between. Each channel rises with the level, so the ramp keeps the
// image's order of brightness.
func tint(level float64) [3]float64 {
	stops := [3][3]float64{
		{0.12, 0.11, 0.14},
		{0.70, 0.40, 0.18},
		{1.00, 0.88, 0.62},
	}
	level = min(max(level, 0), 1)
	lo, t := 0, level*2
	if t > 1 {
		lo, t = 1, t-1
	}
	var out [3]float64
	for c := range out {
		out[c] = (1-t)*stops[lo][c] + t*stops[lo+1][c]
	}
	return out
}
