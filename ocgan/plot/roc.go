// Package plot draws evaluation figures as PNG images: ROC curves with their
// AUC in a legend, and anomaly maps (an image, its reconstruction and where
// they differ, with the score and the verdict). It uses only the standard image packages and the fixed
// 7x13 bitmap font of golang.org/x/image, so figures render the same on every
// machine.
package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
)

// Curve is one ROC curve and its legend label (e.g. "class 8 (AUC 0.9016)").
type Curve struct {
	Label  string
	Points []metrics.Point
}

// Figure size and margins in pixels.
const (
	Width, Height = 640, 560
	marginLeft    = 64
	marginRight   = 20
	marginTop     = 36
	marginBottom  = 56
)

// Palette is the colour of the i-th curve (cycled): distinguishable on white
// and for common colour-vision deficiencies (Okabe-Ito).
var palette = [...]color.RGBA{
	{0, 114, 178, 255}, {213, 94, 0, 255}, {0, 158, 115, 255}, {204, 121, 167, 255},
	{86, 180, 233, 255}, {230, 159, 0, 255}, {0, 0, 0, 255}, {120, 94, 240, 255},
}

// CurveColor returns the colour WriteROC draws curve i with.
func CurveColor(i int) color.RGBA { return palette[i%len(palette)] }

// CurveDash returns the dash length WriteROC draws curve i with: 0 (solid)
// for the first len(palette) curves, then dashes, then dots, so that curves
// of one colour stay apart.
func CurveDash(i int) int { return [...]int{0, 8, 3}[(i/len(palette))%3] }

// PlotArea returns the rectangle of the axes inside the figure: FPR 0..1 maps
// to its left..right edge, TPR 0..1 to its bottom..top edge.
func PlotArea() image.Rectangle {
	return image.Rect(marginLeft, marginTop, Width-marginRight, Height-marginBottom)
}

// ToPixel maps a (FPR, TPR) point to figure coordinates.
func ToPixel(fpr, tpr float64) (x, y float64) {
	a := PlotArea()
	return float64(a.Min.X) + fpr*float64(a.Dx()-1), float64(a.Max.Y-1) - tpr*float64(a.Dy()-1)
}

// WriteROC draws the curves on one set of axes (FPR horizontal, TPR
// vertical, the chance diagonal dashed) with a legend, and writes the figure
// as PNG to w. Every curve needs at least two points with rates in [0, 1].
func WriteROC(w io.Writer, title string, curves []Curve) error {
	img, err := DrawROC(title, curves)
	if err != nil {
		return err
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("plot: encoding the ROC figure: %w", err)
	}
	return nil
}

// DrawROC is WriteROC without the encoding.
func DrawROC(title string, curves []Curve) (*image.RGBA, error) {
	if len(curves) == 0 {
		return nil, errors.New("plot: no ROC curves to draw")
	}
	for i, c := range curves {
		if len(c.Points) < 2 {
			return nil, fmt.Errorf("plot: curve %d (%q) has %d points, need at least 2", i, c.Label, len(c.Points))
		}
		for j, p := range c.Points {
			if !(p.FPR >= 0 && p.FPR <= 1 && p.TPR >= 0 && p.TPR <= 1) {
				return nil, fmt.Errorf("plot: curve %d (%q) point %d has rates (%g, %g) outside [0, 1]", i, c.Label, j, p.FPR, p.TPR)
			}
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	a := PlotArea()
	grid := color.RGBA{225, 225, 225, 255}
	axis := color.RGBA{40, 40, 40, 255}
	for k := 0; k <= 5; k++ {
		v := float64(k) / 5
		x, _ := ToPixel(v, 0)
		_, y := ToPixel(0, v)
		line(img, x, float64(a.Min.Y), x, float64(a.Max.Y-1), 1, grid, 0, 0)
		line(img, float64(a.Min.X), y, float64(a.Max.X-1), y, 1, grid, 0, 0)
		label := fmt.Sprintf("%.1f", v)
		text(img, int(x)-len(label)*7/2, a.Max.Y+16, label, axis)
		text(img, a.Min.X-8-len(label)*7, int(y)+4, label, axis)
	}
	x0, y0 := ToPixel(0, 0)
	x1, y1 := ToPixel(1, 1)
	line(img, x0, y0, x1, y1, 1, color.RGBA{150, 150, 150, 255}, 6, 0)
	rect(img, a, axis)
	xlabel := "false positive rate (in-class flagged novel)"
	text(img, a.Min.X+(a.Dx()-len(xlabel)*7)/2, Height-14, xlabel, axis)
	ylabel := "true positive rate"
	for i, r := range ylabel { // vertical, one letter per line
		text(img, 8, a.Min.Y+(a.Dy()-len(ylabel)*13)/2+i*13+10, string(r), axis)
	}
	text(img, (Width-len(title)*7)/2, 22, title, axis)

	for i, c := range curves {
		col, dash, drawn := CurveColor(i), CurveDash(i), 0
		for j := 1; j < len(c.Points); j++ {
			ax, ay := ToPixel(c.Points[j-1].FPR, c.Points[j-1].TPR)
			bx, by := ToPixel(c.Points[j].FPR, c.Points[j].TPR)
			drawn = line(img, ax, ay, bx, by, 2, col, dash, drawn) // the dashes run on over the segments
		}
	}
	// Legend, bottom right inside the axes (where ROC curves rarely are).
	lw := 0
	for _, c := range curves {
		lw = max(lw, len(c.Label)*7)
	}
	lx := a.Max.X - lw - 40
	ly := a.Max.Y - 10 - len(curves)*16
	fillRect(img, image.Rect(lx-8, ly-6, a.Max.X-6, a.Max.Y-6), color.RGBA{255, 255, 255, 255})
	for i, c := range curves {
		y := ly + i*16 + 6
		line(img, float64(lx), float64(y), float64(lx+22), float64(y), 2, CurveColor(i), CurveDash(i), 0)
		text(img, lx+28, y+4, c.Label, axis)
	}
	return img, nil
}

// line draws a segment of the given width (1 or more pixels); dash > 0 draws
// dash pixels on, dash off, the pattern starting as if from pixels already
// drawn of a polyline. It returns drawn plus the segment's pixels (the
// shared end pixel counted once), for the next segment.
func line(img *image.RGBA, x0, y0, x1, y1 float64, width int, c color.RGBA, dash, drawn int) int {
	n := int(math.Ceil(math.Max(math.Abs(x1-x0), math.Abs(y1-y0)))) + 1
	for i := 0; i < n; i++ {
		if dash > 0 && ((drawn+i)/dash)%2 == 1 {
			continue
		}
		t := 0.0
		if n > 1 {
			t = float64(i) / float64(n-1)
		}
		x := int(math.Round(x0 + t*(x1-x0)))
		y := int(math.Round(y0 + t*(y1-y0)))
		for dy := 0; dy < width; dy++ {
			for dx := 0; dx < width; dx++ {
				img.SetRGBA(x+dx-width/2, y+dy-width/2, c)
			}
		}
	}
	return drawn + n - 1
}

func rect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	for x := r.Min.X; x < r.Max.X; x++ {
		img.SetRGBA(x, r.Min.Y, c)
		img.SetRGBA(x, r.Max.Y-1, c)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		img.SetRGBA(r.Min.X, y, c)
		img.SetRGBA(r.Max.X-1, y, c)
	}
}

func fillRect(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

// text draws s with its baseline at y, starting at x.
func text(img *image.RGBA, x, y int, s string, c color.RGBA) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
