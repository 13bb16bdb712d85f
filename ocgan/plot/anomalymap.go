package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
)

// AnomalyMap is one scored image to draw: the model input and its
// reconstruction (CHW float32 in [-1, 1], Channels 1 or 3, Size x Size),
// its novelty score and the threshold of the verdict (NaN: none), and a
// title (e.g. the file name).
type AnomalyMap struct {
	Channels, Size   int
	Input, Recon     []float32
	Score, Threshold float64
	Title            string
}

// MapLayout is where DrawAnomalyMap put each part: the three panels (each
// the image enlarged Scale times, nearest neighbour) and the colour bar,
// whose top is the heat map's ErrorMax and bottom 0.
type MapLayout struct {
	Scale                   int
	Input, Recon, Heat, Bar image.Rectangle
	ErrorMax                float64
}

// Sizes of the anomaly map's parts in pixels.
const (
	mapPanel   = 112 // smallest panel side; images are enlarged by whole factors to reach it
	mapPad     = 8
	mapHeader  = 18
	mapLine    = 15
	mapBarW    = 12
	mapLabelW  = 9 * 7 // colour bar labels: 9 characters of the 7x13 font
	mapCaption = 2 * mapLine
)

// ToByte maps a model value in [-1, 1] to an 8-bit intensity (clamped).
func ToByte(v float32) uint8 {
	x := math.Round((float64(v) + 1) * 127.5)
	return uint8(max(0, min(255, x)))
}

// PixelErrors returns the squared error of the reconstruction at each pixel
// (row-major), the mean over channels: their mean is the image's score.
func PixelErrors(m AnomalyMap) []float64 {
	n := m.Size * m.Size
	out := make([]float64, n)
	for c := 0; c < m.Channels; c++ {
		for i := 0; i < n; i++ {
			d := float64(m.Input[c*n+i]) - float64(m.Recon[c*n+i])
			out[i] += d * d / float64(m.Channels)
		}
	}
	return out
}

// heatStops are the colour map of the heat map, from 0 to the maximum error:
// black through dark red, red and orange to pale yellow (a black-body
// scale). No channel ever decreases, so the brightness grows with the error
// even after rounding to 8 bits.
var heatStops = [...]color.RGBA{{0, 0, 4, 255}, {100, 0, 40, 255}, {200, 30, 40, 255}, {250, 140, 40, 255}, {255, 255, 200, 255}}

// HeatColor is the heat map's colour of t in [0, 1] (clamped): its
// brightness grows with t.
func HeatColor(t float64) color.RGBA {
	if math.IsNaN(t) {
		t = 0
	}
	t = max(0, min(1, t))
	f := t * float64(len(heatStops)-1)
	i := min(int(f), len(heatStops)-2)
	u := f - float64(i)
	a, b := heatStops[i], heatStops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + u*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 255}
}

// Verdict is "novel" when score >= threshold, else "normal", and "" with
// no threshold (NaN).
func Verdict(score, threshold float64) string {
	switch {
	case math.IsNaN(threshold):
		return ""
	case score >= threshold:
		return "novel"
	}
	return "normal"
}

// DrawAnomalyMap draws m as a strip: the input, the reconstruction, and the
// squared error per pixel as a heat map from 0 to its maximum with a colour
// scale bar, under a header naming them, above a caption with the score,
// the verdict at the threshold and the title.
func DrawAnomalyMap(m AnomalyMap) (*image.RGBA, MapLayout, error) {
	if m.Channels != 1 && m.Channels != 3 {
		return nil, MapLayout{}, fmt.Errorf("plot: anomaly map of %d channels, want 1 or 3", m.Channels)
	}
	if m.Size < 1 || len(m.Input) != m.Channels*m.Size*m.Size || len(m.Recon) != len(m.Input) {
		return nil, MapLayout{}, fmt.Errorf("plot: anomaly map of %dx%dx%d with %d input and %d reconstruction values",
			m.Channels, m.Size, m.Size, len(m.Input), len(m.Recon))
	}
	errs := PixelErrors(m)
	l := MapLayout{Scale: max(1, (mapPanel+m.Size-1)/m.Size)}
	p := m.Size * l.Scale
	top := mapPad + mapHeader
	l.Input = image.Rect(mapPad, top, mapPad+p, top+p)
	l.Recon = l.Input.Add(image.Pt(p+mapPad, 0))
	l.Heat = l.Recon.Add(image.Pt(p+mapPad, 0))
	l.Bar = image.Rect(l.Heat.Max.X+mapPad, top, l.Heat.Max.X+mapPad+mapBarW, top+p)
	for _, e := range errs {
		l.ErrorMax = max(l.ErrorMax, e)
	}
	if math.IsNaN(l.ErrorMax) || math.IsInf(l.ErrorMax, 0) {
		return nil, MapLayout{}, errors.New("plot: anomaly map: the squared error is not finite")
	}
	w := l.Bar.Max.X + 4 + mapLabelW + mapPad
	h := top + p + mapPad + mapCaption + mapPad
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	ink := color.RGBA{40, 40, 40, 255}

	n := m.Size * m.Size
	scale := l.ErrorMax
	if scale == 0 {
		scale = 1
	}
	for y := 0; y < m.Size; y++ {
		for x := 0; x < m.Size; x++ {
			i := y*m.Size + x
			var in, rec color.RGBA
			if m.Channels == 1 {
				a, b := ToByte(m.Input[i]), ToByte(m.Recon[i])
				in, rec = color.RGBA{a, a, a, 255}, color.RGBA{b, b, b, 255}
			} else {
				in = color.RGBA{ToByte(m.Input[i]), ToByte(m.Input[n+i]), ToByte(m.Input[2*n+i]), 255}
				rec = color.RGBA{ToByte(m.Recon[i]), ToByte(m.Recon[n+i]), ToByte(m.Recon[2*n+i]), 255}
			}
			cell := image.Rect(x*l.Scale, y*l.Scale, (x+1)*l.Scale, (y+1)*l.Scale)
			fillRect(img, cell.Add(l.Input.Min), in)
			fillRect(img, cell.Add(l.Recon.Min), rec)
			fillRect(img, cell.Add(l.Heat.Min), HeatColor(errs[i]/scale))
		}
	}
	for y := l.Bar.Min.Y; y < l.Bar.Max.Y; y++ {
		t := float64(l.Bar.Max.Y-1-y) / float64(max(1, l.Bar.Dy()-1))
		fillRect(img, image.Rect(l.Bar.Min.X, y, l.Bar.Max.X, y+1), HeatColor(t))
	}
	rect(img, l.Bar.Inset(-1), ink)
	text(img, l.Bar.Max.X+4, l.Bar.Min.Y+10, fmt.Sprintf("%.3g", l.ErrorMax), ink)
	text(img, l.Bar.Max.X+4, l.Bar.Max.Y, "0", ink)

	for _, hd := range []struct {
		r     image.Rectangle
		label string
	}{{l.Input, "input"}, {l.Recon, "reconstruction"}, {l.Heat, "squared error"}} {
		text(img, hd.r.Min.X+(hd.r.Dx()-len(hd.label)*7)/2, mapPad+12, hd.label, ink)
	}
	y := l.Input.Max.Y + mapPad + 11
	verdict := Verdict(m.Score, m.Threshold)
	switch verdict {
	case "":
		text(img, mapPad, y, fmt.Sprintf("score %.6g (no threshold)", m.Score), ink)
	default:
		caption := fmt.Sprintf("score %.6g, threshold %.6g: ", m.Score, m.Threshold)
		text(img, mapPad, y, caption, ink)
		col := color.RGBA{0, 128, 64, 255}
		if verdict == "novel" {
			col = color.RGBA{200, 30, 30, 255}
		}
		text(img, mapPad+len(caption)*7, y, verdict, col)
	}
	text(img, mapPad, y+mapLine, fitText(m.Title, (w-2*mapPad)/7), ink)
	return img, l, nil
}

// fitText shortens s to at most n characters, keeping its end (the file
// name of a path) after "...".
func fitText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n || n < 4 {
		return s
	}
	return "..." + string(r[len(r)-(n-3):])
}
