package plot

import (
	"cmp"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

// luma is the brightness of c (ITU-R BT.601 weights).
func luma(c color.RGBA) float64 { return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B) }

// randomMap is an anomaly map of random values in [-1, 1].
func randomMap(channels, size int, seed uint64) AnomalyMap {
	r := rand.New(rand.NewPCG(seed, 1))
	m := AnomalyMap{Channels: channels, Size: size, Score: 0.25, Threshold: 0.2, Title: "parts/lot1/photo.png"}
	for range channels * size * size {
		m.Input = append(m.Input, float32(r.Float64()*2-1))
		m.Recon = append(m.Recon, float32(r.Float64()*2-1))
	}
	return m
}

func TestToByte(t *testing.T) {
	for _, c := range []struct {
		v    float32
		want uint8
	}{{-1, 0}, {1, 255}, {0, 128}, {-2, 0}, {3, 255}, {-0.5, 64}, {float32(2*100/255.0 - 1), 100}} {
		if got := ToByte(c.v); got != c.want {
			t.Errorf("ToByte(%v) = %d, want %d", c.v, got, c.want)
		}
	}
}

func TestHeatColorBrightensWithError(t *testing.T) {
	prev := -1.0
	for i := 0; i <= 1000; i++ {
		l := luma(HeatColor(float64(i) / 1000))
		if l < prev {
			t.Fatalf("HeatColor(%v) is darker than the step before: %v < %v", float64(i)/1000, l, prev)
		}
		prev = l
	}
	if HeatColor(-1) != HeatColor(0) || HeatColor(2) != HeatColor(1) || HeatColor(math.NaN()) != HeatColor(0) {
		t.Error("HeatColor does not clamp")
	}
}

// TestDrawAnomalyMapPanels checks every pixel of the three panels of gray and
// RGB maps: the input and reconstruction mapped to 8 bits, the heat map's
// colour as bright as the pixel's squared error is large, and the mean of
// the squared errors the image's MSE.
func TestDrawAnomalyMapPanels(t *testing.T) {
	for _, c := range []struct{ channels, size, scale int }{{1, 28, 4}, {3, 32, 4}, {3, 64, 2}, {1, 128, 1}} {
		m := randomMap(c.channels, c.size, uint64(c.size))
		img, l, err := DrawAnomalyMap(m)
		if err != nil {
			t.Fatal(err)
		}
		if l.Scale != c.scale || l.Input.Dx() != c.size*c.scale || !l.Heat.In(img.Bounds()) || !l.Bar.In(img.Bounds()) {
			t.Fatalf("%dx%d: layout %+v in %v", c.size, c.channels, l, img.Bounds())
		}
		errs := PixelErrors(m)
		n := c.size * c.size
		mse := 0.0
		for i := range m.Input {
			d := float64(m.Input[i]) - float64(m.Recon[i])
			mse += d * d
		}
		mse /= float64(len(m.Input))
		mean := 0.0
		for _, e := range errs {
			mean += e
		}
		if mean /= float64(n); math.Abs(mean-mse) > 1e-9 {
			t.Errorf("mean pixel error %v, MSE %v", mean, mse)
		}
		if want := slices.Max(errs); l.ErrorMax != want {
			t.Errorf("ErrorMax %v, want %v", l.ErrorMax, want)
		}
		at := func(r image.Rectangle, x, y, dx, dy int) color.RGBA {
			return img.RGBAAt(r.Min.X+x*c.scale+dx, r.Min.Y+y*c.scale+dy)
		}
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		for y := 0; y < c.size; y++ {
			for x := 0; x < c.size; x++ {
				i := y*c.size + x
				for _, corner := range [][2]int{{0, 0}, {c.scale - 1, c.scale - 1}} {
					in, rec := at(l.Input, x, y, corner[0], corner[1]), at(l.Recon, x, y, corner[0], corner[1])
					for ch, got := range [][2]uint8{{in.R, rec.R}, {in.G, rec.G}, {in.B, rec.B}} {
						k := min(ch, c.channels-1)*n + i
						if got[0] != ToByte(m.Input[k]) || got[1] != ToByte(m.Recon[k]) {
							t.Fatalf("%dx%d pixel (%d,%d) channel %d: input %d reconstruction %d, want %d and %d",
								c.size, c.channels, x, y, ch, got[0], got[1], ToByte(m.Input[k]), ToByte(m.Recon[k]))
						}
					}
					if h := at(l.Heat, x, y, corner[0], corner[1]); h != HeatColor(errs[i]/l.ErrorMax) {
						t.Fatalf("heat pixel (%d,%d): %v, want %v", x, y, h, HeatColor(errs[i]/l.ErrorMax))
					}
				}
			}
		}
		// The heat map orders pixels as their squared errors do.
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(errs[a], errs[b]) })
		prev := -1.0
		for _, i := range order {
			lum := luma(at(l.Heat, i%c.size, i/c.size, 0, 0))
			if lum < prev {
				t.Fatalf("%dx%d: pixel %d (error %v) is darker than a pixel of smaller error", c.size, c.channels, i, errs[i])
			}
			prev = lum
		}
	}
}

func TestDrawAnomalyMapRefuses(t *testing.T) {
	good := randomMap(1, 28, 1)
	for name, m := range map[string]AnomalyMap{
		"2 channels":  {Channels: 2, Size: 28, Input: good.Input, Recon: good.Recon},
		"short input": {Channels: 1, Size: 28, Input: good.Input[:10], Recon: good.Recon},
		"short recon": {Channels: 1, Size: 28, Input: good.Input, Recon: good.Recon[:10]},
		"no size":     {Channels: 1},
		"NaN":         {Channels: 1, Size: 1, Input: []float32{float32(math.NaN())}, Recon: []float32{0}},
	} {
		if _, _, err := DrawAnomalyMap(m); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A perfect reconstruction and no threshold draw.
	same := AnomalyMap{Channels: 1, Size: 28, Input: good.Input, Recon: good.Input, Threshold: math.NaN()}
	if _, l, err := DrawAnomalyMap(same); err != nil || l.ErrorMax != 0 {
		t.Errorf("perfect reconstruction: %v, error max %v", err, l.ErrorMax)
	}
}

func TestVerdictAndFitText(t *testing.T) {
	if Verdict(1, 1) != "novel" || Verdict(0.5, 1) != "normal" || Verdict(1, math.NaN()) != "" {
		t.Error("Verdict")
	}
	if got := fitText("a/very/long/path/photo.png", 12); got != "...photo.png" {
		t.Errorf("fitText = %q", got)
	}
	if got := fitText("short.png", 12); got != "short.png" {
		t.Errorf("fitText = %q", got)
	}
}

// TestExampleMapLayout checks that the example map shown in README.md (a
// model of MNIST digit 1 on a test 0) has the layout DrawAnomalyMap gives a
// 28x28 gray image.
func TestExampleMapLayout(t *testing.T) {
	f, err := os.Open("testdata/anomalymap-mnist1.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := DrawAnomalyMap(randomMap(1, 28, 1))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != want.Bounds() {
		t.Errorf("example map %v, a 28x28 map is %v", img.Bounds(), want.Bounds())
	}
}
