package plot

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
)

func pts(xy ...float64) []metrics.Point {
	p := make([]metrics.Point, 0, len(xy)/2)
	for i := 0; i+1 < len(xy); i += 2 {
		p = append(p, metrics.Point{FPR: xy[i], TPR: xy[i+1]})
	}
	return p
}

// TestWriteROCDrawsCurves checks that each curve's colour lies on its path
// and not far from it, and that the PNG decodes at the figure size.
func TestWriteROCDrawsCurves(t *testing.T) {
	curves := []Curve{
		{"knee", pts(0, 0, 0.2, 0.8, 1, 1)},
		{"chance", pts(0, 0, 1, 1)},
	}
	var buf bytes.Buffer
	if err := WriteROC(&buf, "ROC", curves); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decoding the figure: %v", err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Fatalf("figure is %v, want %dx%d", b, Width, Height)
	}
	is := func(fpr, tpr float64, curve int) bool {
		// Within one pixel of the point (rounding of the segment's pixels).
		x, y := ToPixel(fpr, tpr)
		want := CurveColor(curve)
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				r, g, b, _ := img.At(int(math.Round(x))+dx, int(math.Round(y))+dy).RGBA()
				if uint8(r>>8) == want.R && uint8(g>>8) == want.G && uint8(b>>8) == want.B {
					return true
				}
			}
		}
		return false
	}
	for _, c := range []struct {
		fpr, tpr float64
		curve    int
		want     bool
	}{
		{0.1, 0.4, 0, true},  // on the knee's first segment
		{0.6, 0.9, 0, true},  // on its second segment
		{0.5, 0.5, 1, true},  // on the diagonal
		{0.1, 0.9, 0, false}, // above the knee: empty
		{0.1, 0.9, 1, false},
		{0.3, 0.3, 1, true}, // the chance curve is drawn over the dashed diagonal
	} {
		if got := is(c.fpr, c.tpr, c.curve); got != c.want {
			t.Errorf("curve %d colour at (%.2f, %.2f): %v, want %v", c.curve, c.fpr, c.tpr, got, c.want)
		}
	}
}

func TestDrawROCRefusesBadCurves(t *testing.T) {
	for _, c := range []struct {
		name   string
		curves []Curve
		want   string
	}{
		{"none", nil, "no ROC curves"},
		{"one point", []Curve{{"a", pts(0, 0)}}, "at least 2"},
		{"rate above 1", []Curve{{"a", pts(0, 0, 1, 1.5)}}, "outside [0, 1]"},
		{"NaN", []Curve{{"a", pts(0, 0, math.NaN(), 1)}}, "outside [0, 1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := DrawROC("t", c.curves)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestWriteROCExample(t *testing.T) {
	if p := testingOutPath(); p != "" {
		var buf bytes.Buffer
		if err := WriteROC(&buf, "MNIST class 8", []Curve{{"class 8 (AUC 0.9016)", pts(0, 0, 0.05, 0.6, 0.2, 0.85, 1, 1)}, {"chance", pts(0, 0, 1, 1)}}); err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(p, buf.Bytes(), 0o644)
	}
}

func testingOutPath() string { return os.Getenv("OCGAN_PLOT_EXAMPLE") }

// TestROCCurvesBeyondThePaletteAreDashed draws ten curves: the ninth and
// tenth share the first two's colours, so they are dashed, in the figure
// and in the legend, while the first eight are solid; the dashes run on
// along a curve of many short segments.
func TestROCCurvesBeyondThePaletteAreDashed(t *testing.T) {
	if CurveDash(0) != 0 || CurveDash(len(palette)-1) != 0 || CurveDash(len(palette)) == 0 || CurveColor(len(palette)) != CurveColor(0) {
		t.Fatalf("dashes %d %d %d", CurveDash(0), CurveDash(len(palette)-1), CurveDash(len(palette)))
	}
	var curves []Curve
	for i := range 10 {
		// Horizontal curves at distinct heights, of 200 one-pixel-ish segments.
		tpr := 0.05 + 0.045*float64(i)
		var p []metrics.Point
		for k := 0; k <= 200; k++ {
			p = append(p, metrics.Point{FPR: float64(k) / 200 * 0.5, TPR: tpr})
		}
		curves = append(curves, Curve{Label: fmt.Sprintf("c%d", i), Points: p})
	}
	img, err := DrawROC("dashes", curves)
	if err != nil {
		t.Fatal(err)
	}
	// The share of pixels along each curve's middle that have its colour.
	coverage := func(i int) float64 {
		want := CurveColor(i)
		on, n := 0, 0
		for k := 10; k < 190; k++ {
			x, y := ToPixel(float64(k)/200*0.5, 0.05+0.045*float64(i))
			if img.RGBAAt(int(math.Round(x)), int(math.Round(y))) == want {
				on++
			}
			n++
		}
		return float64(on) / float64(n)
	}
	for i := range 10 {
		c := coverage(i)
		if solid := i < len(palette); solid && c < 0.99 || !solid && (c < 0.3 || c > 0.7) {
			t.Errorf("curve %d: %.2f of its pixels drawn (dash %d)", i, c, CurveDash(i))
		}
	}
}
