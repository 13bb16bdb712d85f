package model

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// imageCases are the supported image geometries the tests cover, with the
// size chain each must have: the image halved (rounding up) down to 4 or 3,
// then 1; for the authors' 61, valid convolutions down to 1.
var imageCases = []struct {
	size, channels, latent, depth int
	sizes                         []int
}{
	{28, 1, 16, 3, []int{28, 14, 7, 4, 1}},
	{32, 3, 512, 3, []int{32, 16, 8, 4, 1}},
	{61, 1, 16, 3, []int{61, 29, 13, 5, 1}},
	{61, 3, 16, 3, []int{61, 29, 13, 5, 1}},
	{64, 3, 512, 4, []int{64, 32, 16, 8, 4, 1}},
	{64, 1, 16, 4, []int{64, 32, 16, 8, 4, 1}},
	{128, 3, 512, 5, []int{128, 64, 32, 16, 8, 4, 1}},
}

// TestForImage checks the depth, chain, name and paper settings of every
// supported geometry, and that the presets MNIST28 and CIFAR32 are the
// depth-3 geometries Custom derives (the construction they had before
// ForImage) but for their names.
func TestForImage(t *testing.T) {
	for _, c := range imageCases {
		g, err := ForImage(c.size, c.channels, c.latent)
		if err != nil {
			t.Fatalf("ForImage(%d, %d, %d): %v", c.size, c.channels, c.latent, err)
		}
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
		want := fmt.Sprintf("%dx%dx%d", c.size, c.size, c.channels)
		if g.Name != want || g.ImageSize != c.size || g.Channels != c.channels || g.Latent != c.latent {
			t.Errorf("ForImage(%d, %d, %d): %s %dpx %dch L%d", c.size, c.channels, c.latent, g.Name, g.ImageSize, g.Channels, g.Latent)
		}
		if g.Depth != c.depth || g.DropoutBlock != c.depth || !reflect.DeepEqual(g.Sizes, c.sizes) {
			t.Errorf("%s: depth %d, dropout block %d, sizes %v; want %d, %d, %v", g.Name, g.Depth, g.DropoutBlock, g.Sizes, c.depth, c.depth, c.sizes)
		}
		if g.Kernel != 5 || g.Stride != 2 || g.EncoderWidth != 64 || g.VisualWidth != 12 || g.ClassifierWidth != 64 ||
			!reflect.DeepEqual(g.LatentWidths, []int{128, 64, 32, 16}) || g.DropoutP != 0.5 ||
			g.BNMomentum != 0.9 || g.BNEps != 1e-5 || g.LeakySlope != 0.2 {
			t.Errorf("%s: paper settings changed: %+v", g.Name, g)
		}
		if _, err := New(g); err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
	}
	for _, p := range []struct {
		preset  Geometry
		size    int
		ch, lat int
	}{{MNIST28(), 28, 1, 16}, {CIFAR32(), 32, 3, 512}} {
		before, err := Custom(p.preset.Name, p.size, p.ch, p.lat)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p.preset, before) {
			t.Errorf("%s: %+v, the depth-3 derivation gives %+v", p.preset.Name, p.preset, before)
		}
	}
	authors, err := ForImage(AuthorsImageSize, 3, 16)
	if err != nil {
		t.Fatal(err)
	}
	authors.Name = Authors61().Name
	if !reflect.DeepEqual(authors, Authors61()) {
		t.Errorf("ForImage(61, 3, 16) is %+v, want Authors61 %+v but for its name", authors, Authors61())
	}
}

// TestForImageRejects checks the errors for unsupported arguments.
func TestForImageRejects(t *testing.T) {
	for _, c := range []struct {
		size, channels, latent int
		want                   string
	}{
		{100, 1, 16, "image size 100 is not supported: want one of 28, 32, 61, 64, 128"},
		{60, 3, 16, "image size 60 is not supported"},
		{0, 1, 16, "image size 0"},
		{256, 3, 16, "image size 256"},
		{64, 2, 16, "2 image channels: want 1 (gray) or 3 (RGB)"},
		{64, 4, 16, "4 image channels"},
		{64, 3, 0, "latent length 0"},
	} {
		if _, err := ForImage(c.size, c.channels, c.latent); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ForImage(%d, %d, %d): %v, want an error with %q", c.size, c.channels, c.latent, err, c.want)
		}
	}
	if DefaultLatent(1) != 16 || DefaultLatent(3) != 512 {
		t.Errorf("DefaultLatent(1), (3) = %d, %d; want 16, 512", DefaultLatent(1), DefaultLatent(3))
	}
}

// TestNearestImageSize checks the nearest size of the padded family, ties to
// the larger; the authors' 61 is never picked.
func TestNearestImageSize(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{1, 28}, {28, 28}, {29, 28}, {30, 32}, {31, 32}, {47, 32}, {48, 64}, {60, 64}, {61, 64}, {62, 64}, {64, 64},
		{95, 64}, {96, 128}, {97, 128}, {4000, 128},
	} {
		if got := NearestImageSize(c.n); got != c.want {
			t.Errorf("NearestImageSize(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// layerOutputs returns the output shapes of the convolution, transposed
// convolution and dense nodes of g, in order.
func layerOutputs(g *graph.Graph) [][]int {
	var out [][]int
	for _, n := range g.Nodes() {
		switch n.Op().(type) {
		case graph.Conv2DOp, graph.ConvTranspose2DOp, graph.DenseOp:
			out = append(out, n.Outputs()[0].Shape())
		}
	}
	return out
}

// expectedLayers computes, from the layer formulas, the output shapes of
// net's weighted layers at batch n, its trainable parameter count and its
// batch-norm running-statistic count, for images of size·size·channels
// with the size chain sizes (image … 1), latent L and the paper's widths.
func expectedLayers(net Net, n, channels, latent int, sizes []int) (shapes [][]int, params, states int) {
	const k2 = 5 * 5
	depth := len(sizes) - 2
	convNet := func(width, last int, lastBN bool) {
		cin := channels
		for i := 1; i <= depth; i++ {
			w := width << (i - 1)
			shapes = append(shapes, []int{n, w, sizes[i], sizes[i]})
			params += cin * w * k2
			if i == 1 {
				params += w // bias
			} else {
				params += 2 * w // gamma, beta
				states += 2 * w
			}
			cin = w
		}
		shapes = append(shapes, []int{n, last, 1, 1})
		params += cin * last * k2
		if lastBN {
			params += 2 * last
			states += 2 * last
		} else {
			params += last // bias
		}
	}
	switch net {
	case NetEncoder:
		convNet(64, latent, true)
	case NetVisualDisc:
		convNet(12, 1, false)
	case NetClassifier:
		convNet(64, 1, false)
	case NetDecoder:
		cin := latent
		for i := 1; i <= depth; i++ {
			w := 64 << (depth - i)
			s := sizes[depth+1-i]
			shapes = append(shapes, []int{n, w, s, s})
			params += cin*w*k2 + 2*w
			states += 2 * w
			cin = w
		}
		shapes = append(shapes, []int{n, channels, sizes[0], sizes[0]})
		params += cin*channels*k2 + channels
	case NetLatentDisc:
		cin := latent
		for _, w := range []int{128, 64, 32, 16} {
			shapes = append(shapes, []int{n, w})
			params += cin*w + w + 2*w
			states += 2 * w
			cin = w
		}
		shapes = append(shapes, []int{n, 1})
		params += cin + 1
	}
	return shapes, params, states
}

// TestForImageNetworks builds every network of every supported geometry in
// Train and Eval mode and compares each convolution's, transposed
// convolution's and dense layer's output shape, the parameter count and the
// running-statistic count with the layer formulas.
func TestForImageNetworks(t *testing.T) {
	const n = 2
	for _, c := range imageCases {
		geo, err := ForImage(c.size, c.channels, c.latent)
		if err != nil {
			t.Fatal(err)
		}
		m := mustNew(t, geo)
		for _, net := range Nets() {
			wantShapes, wantParams, wantStates := expectedLayers(net, n, c.channels, c.latent, c.sizes)
			for _, mode := range []graph.Mode{graph.Train, graph.Eval} {
				ps := graph.NewParamSet()
				g := graph.New(ps, mode)
				out, err := m.Build(g, net, n)
				if err != nil {
					t.Fatalf("%s %s %v: %v", geo.Name, net, mode, err)
				}
				if got := layerOutputs(g); !reflect.DeepEqual(got, wantShapes) {
					t.Errorf("%s %s %v: layer outputs %v, want %v", geo.Name, net, mode, got, wantShapes)
				}
				if last := wantShapes[len(wantShapes)-1]; net == NetDecoder && !reflect.DeepEqual(out.Shape(), last) {
					t.Errorf("%s De %v: output %v, want %v", geo.Name, mode, out.Shape(), last)
				}
				if got := CountParams(ps, net); got != wantParams {
					t.Errorf("%s %s %v: %d parameters, the layer formulas give %d", geo.Name, net, mode, got, wantParams)
				}
				states := 0
				for _, s := range StateTensors(g, net) {
					states += s.Len()
				}
				if states != wantStates {
					t.Errorf("%s %s %v: %d running-statistic values, the layer formulas give %d", geo.Name, net, mode, states, wantStates)
				}
			}
		}
	}
}

// TestForImageFormulasMatchPeer checks expectedLayers against the PyTorch
// peer's counts for the two presets it shares with ForImage.
func TestForImageFormulasMatchPeer(t *testing.T) {
	for _, geo := range []Geometry{MNIST28(), CIFAR32()} {
		for _, net := range Nets() {
			_, params, _ := expectedLayers(net, 1, geo.Channels, geo.Latent, geo.Sizes)
			if want := peerCounts[geo.Name][net]; params != want {
				t.Errorf("%s %s: the layer formulas give %d parameters, the peer has %d", geo.Name, net, params, want)
			}
		}
	}
}
