package model

import (
	"reflect"
	"strings"
	"testing"
)

// TestPresetTables pins each preset's size chain and paddings. MNIST28's
// are the PyTorch peer's (its README and printed modules: Conv2d paddings
// 2, 2, 2, 1; ConvTranspose2d (1,1), (2,0), (2,1), (2,1)); CIFAR32's and
// Authors61's are what the peer derives for img_size 32 and 61 (printed
// from ocgan.OCGAN(img_size=32|61, nc=3)).
func TestPresetTables(t *testing.T) {
	tp := func(p ...int) []TransposedPad {
		var out []TransposedPad
		for i := 0; i < len(p); i += 2 {
			out = append(out, TransposedPad{p[i], p[i+1]})
		}
		return out
	}
	for _, c := range []struct {
		geo      Geometry
		channels int
		latent   int
		sizes    []int
		conv     []int
		convT    []TransposedPad
	}{
		{MNIST28(), 1, 16, []int{28, 14, 7, 4, 1}, []int{2, 2, 2, 1}, tp(1, 1, 2, 0, 2, 1, 2, 1)},
		{CIFAR32(), 3, 512, []int{32, 16, 8, 4, 1}, []int{2, 2, 2, 1}, tp(1, 1, 2, 1, 2, 1, 2, 1)},
		{Authors61(), 3, 16, []int{61, 29, 13, 5, 1}, []int{0, 0, 0, 0}, tp(0, 0, 0, 0, 0, 0, 0, 0)},
	} {
		g := c.geo
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
		if g.Channels != c.channels || g.Latent != c.latent || g.ImageSize != c.sizes[0] {
			t.Errorf("%s: channels %d latent %d image %d, want %d %d %d", g.Name, g.Channels, g.Latent, g.ImageSize, c.channels, c.latent, c.sizes[0])
		}
		if !reflect.DeepEqual(g.Sizes, c.sizes) || !reflect.DeepEqual(g.ConvPad, c.conv) || !reflect.DeepEqual(g.TransposedPad, c.convT) {
			t.Errorf("%s: sizes %v conv pads %v convT pads %v, want %v %v %v", g.Name, g.Sizes, g.ConvPad, g.TransposedPad, c.sizes, c.conv, c.convT)
		}
		if g.Depth != 3 || g.Kernel != 5 || g.Stride != 2 || g.EncoderWidth != 64 || g.VisualWidth != 12 ||
			g.ClassifierWidth != 64 || !reflect.DeepEqual(g.LatentWidths, []int{128, 64, 32, 16}) ||
			g.DropoutP != 0.5 || g.DropoutBlock != 3 || g.BNMomentum != 0.9 || g.BNEps != 1e-5 || g.LeakySlope != 0.2 {
			t.Errorf("%s: paper settings changed: %+v", g.Name, g)
		}
	}
}

func TestSpatialChain(t *testing.T) {
	for _, c := range []struct {
		image, depth int
		want         []int
	}{
		{28, 3, []int{28, 14, 7, 4, 1}},
		{32, 3, []int{32, 16, 8, 4, 1}},
		{61, 3, []int{61, 29, 13, 5, 1}},
		{125, 4, []int{125, 61, 29, 13, 5, 1}},
		{12, 2, []int{12, 6, 3, 1}},
		{64, 4, []int{64, 32, 16, 8, 4, 1}},
	} {
		got, err := SpatialChain(c.image, c.depth, 5, 2)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("SpatialChain(%d, %d) = %v, %v; want %v", c.image, c.depth, got, err, c.want)
		}
	}
	if _, err := SpatialChain(200, 3, 5, 2); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("SpatialChain(200, 3): %v, want a too-large error", err)
	}
}

// TestBadGeometries checks that each broken geometry is refused with an
// error that names the layer or field at fault.
func TestBadGeometries(t *testing.T) {
	mod := func(f func(*Geometry)) Geometry {
		g := MNIST28()
		f(&g)
		return g
	}
	for _, c := range []struct {
		name string
		geo  Geometry
		want []string
	}{
		{"conv padding", mod(func(g *Geometry) { g.ConvPad[1] = 1 }), []string{"En.conv2", "maps 14 → 6", "wants 7"}},
		{"last conv padding", mod(func(g *Geometry) { g.ConvPad[3] = 3 }), []string{"En.conv4", "maps 4 → 3"}},
		{"negative padding", mod(func(g *Geometry) { g.ConvPad[0] = -1 }), []string{"En.conv1", "negative"}},
		{"kernel does not fit", mod(func(g *Geometry) { g.ConvPad[3] = 0 }), []string{"En.conv4", "does not fit"}},
		{"transposed padding", mod(func(g *Geometry) { g.TransposedPad[2] = TransposedPad{2, 0} }), []string{"De.convT3", "maps 7 → 13", "wants 14"}},
		{"output padding", mod(func(g *Geometry) { g.TransposedPad[0] = TransposedPad{1, 2} }), []string{"De.convT1", "output padding"}},
		{"chain start", mod(func(g *Geometry) { g.ImageSize = 30 }), []string{"starts at 28", "ImageSize 30"}},
		{"chain length", mod(func(g *Geometry) { g.Depth = 4 }), []string{"Sizes", "Depth+2"}},
		{"chain end", mod(func(g *Geometry) { g.Sizes = []int{28, 14, 7, 4, 2} }), []string{"ends at 2"}},
		{"latent", mod(func(g *Geometry) { g.Latent = 0 }), []string{"Latent is 0"}},
		{"latent widths", mod(func(g *Geometry) { g.LatentWidths[2] = 0 }), []string{"Dl.fc3"}},
		{"dropout", mod(func(g *Geometry) { g.DropoutP = 1 }), []string{"DropoutP"}},
		{"dropout block", mod(func(g *Geometry) { g.DropoutBlock = 4 }), []string{"DropoutBlock is 4"}},
		{"momentum", mod(func(g *Geometry) { g.BNMomentum = 1.5 }), []string{"BNMomentum"}},
		{"eps", mod(func(g *Geometry) { g.BNEps = 0 }), []string{"BNEps"}},
	} {
		err := c.geo.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted %+v", c.name, c.geo)
			continue
		}
		for _, w := range append(c.want, `"MNIST28"`) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", c.name, err, w)
			}
		}
		if _, err := New(c.geo); err == nil {
			t.Errorf("%s: New accepted the geometry", c.name)
		}
	}
}

// TestDeriveErrors checks that Derive names the layer whose step of a given
// size chain no padding realises.
func TestDeriveErrors(t *testing.T) {
	g := MNIST28()
	g.Sizes = []int{28, 14, 3, 2, 1}
	if _, err := g.Derive(); err == nil || !strings.Contains(err.Error(), "En.conv2") || !strings.Contains(err.Error(), "14 → 3") {
		t.Errorf("Derive with chain %v: %v, want an error naming En.conv2", g.Sizes, err)
	}
	if _, err := Custom("huge", 200, 1, 16); err == nil || !strings.Contains(err.Error(), `"huge"`) {
		t.Errorf("Custom 200x200: %v, want an error naming the geometry", err)
	}
	c, err := Custom("tiny", 12, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{12, 6, 3, 2, 1}; !reflect.DeepEqual(c.Sizes, want) {
		t.Errorf("Custom 12x12 sizes %v, want %v", c.Sizes, want)
	}
	// Derive copies: changing the result leaves the preset alone.
	a := MNIST28()
	b, _ := a.Derive()
	b.ConvPad[0] = 9
	b.LatentWidths[0] = 9
	if a.ConvPad[0] != 2 || a.LatentWidths[0] != 128 {
		t.Errorf("Derive shares slices with its receiver")
	}
}
