package model

import (
	"fmt"
	"slices"
	"strings"
)

// Geometry is the configuration of the five OCGAN networks: image and latent
// sizes, channel widths, the spatial size chain and the per-layer paddings
// that realise it, and the batch-norm, leaky-ReLU and dropout settings. It is
// plain data; Validate checks it and New builds a Model from it.
//
// The convolution layers of the encoder, the visual discriminator and the
// classifier share one size chain: conv i (1-based, i = 1 … Depth+1) maps
// Sizes[i−1] to Sizes[i] with padding ConvPad[i−1]. The decoder runs the
// chain backwards: transposed conv i maps Sizes[Depth+2−i] to
// Sizes[Depth+1−i] with TransposedPad[i−1].
type Geometry struct {
	// Name labels the geometry in errors, e.g. "MNIST28".
	Name string

	// ImageSize is the height and width of the (square) images, Channels
	// their channel count (1 for MNIST, 3 for RGB).
	ImageSize, Channels int
	// Latent is L, the length of the latent vector (the encoder's output
	// is a 1×1×L map, flattened to [N, L]).
	Latent int
	// Depth is the number of strided convolutions before the last one that
	// reaches 1×1 (3 in the paper: the networks have Depth+1 convolutions).
	Depth int
	// Kernel and Stride of every convolution and transposed convolution (5, 2).
	Kernel, Stride int

	// EncoderWidth is ngf, the channels of the encoder's first conv (and of
	// the decoder's last hidden block); block i has EncoderWidth·2^(i−1).
	EncoderWidth int
	// VisualWidth is the visual discriminator's ndf (12), ClassifierWidth
	// the classifier's (64).
	VisualWidth, ClassifierWidth int
	// LatentWidths are the hidden widths of the latent discriminator
	// (128, 64, 32, 16), each Dense + batch norm + ReLU, before a 1-unit logit.
	LatentWidths []int

	// Sizes is the spatial size chain, Depth+2 entries from ImageSize down
	// to 1, e.g. 28, 14, 7, 4, 1.
	Sizes []int
	// ConvPad is the zero padding of each of the Depth+1 convolutions.
	ConvPad []int
	// TransposedPad is the (padding, output padding) of each of the
	// decoder's Depth+1 transposed convolutions, from the latent up.
	TransposedPad []TransposedPad

	// DropoutP is the decoder's dropout probability (0.5); 0 disables it.
	DropoutP float32
	// DropoutBlock is the decoder block (1-based) whose batch norm is
	// followed by dropout (3, the MXNet code's n == 2); 0 disables it.
	DropoutBlock int

	// BNMomentum is the batch-norm momentum in PyTorch's convention (the
	// weight of the new batch statistic): 0.9, which is MXNet's 0.1 (spec
	// §14). BNEps is added to the variance (1e-5).
	BNMomentum, BNEps float32
	// LeakySlope is the negative slope of the leaky ReLUs (0.2).
	LeakySlope float32
}

// TransposedPad is the padding and output padding of a transposed convolution.
type TransposedPad struct {
	Pad, OutPad int
}

// String returns "(pad, outpad)".
func (t TransposedPad) String() string { return fmt.Sprintf("(%d,%d)", t.Pad, t.OutPad) }

// base returns the paper's settings for the given image and latent sizes,
// with Sizes, ConvPad and TransposedPad still to be derived.
func base(name string, imageSize, channels, latent int) Geometry {
	return Geometry{
		Name:      name,
		ImageSize: imageSize, Channels: channels, Latent: latent,
		Depth: 3, Kernel: 5, Stride: 2,
		EncoderWidth: 64, VisualWidth: 12, ClassifierWidth: 64,
		LatentWidths: []int{128, 64, 32, 16},
		DropoutP:     0.5, DropoutBlock: 3,
		BNMomentum: 0.9, BNEps: 1e-5, LeakySlope: 0.2,
	}
}

// mustDerive derives the chain and paddings of a preset; the presets are
// fixed values checked by the tests, so a failure is a programming error.
func mustDerive(g Geometry) Geometry {
	d, err := g.Derive()
	if err != nil {
		panic(err)
	}
	return d
}

// MNIST28 is the project's default geometry, identical to the PyTorch peer
// (shared/peers/torch_ocgan): 28×28×1 images, L = 16, size chain
// 28→14→7→4→1 with conv paddings 2, 2, 2, 1 and transposed-conv (padding,
// output padding) (1,1), (2,0), (2,1), (2,1). It is ForImage(28, 1, 16)
// under another name.
func MNIST28() Geometry { return preset("MNIST28", 28, 1, 16) }

// CIFAR32 is a 32×32×3 geometry with L = 512 (the authors' CIFAR runs, spec
// §3 item 3). No valid-padding chain reaches 1×1 from 32, so the sizes halve
// with "same" padding: 32→16→8→4→1, conv paddings 2, 2, 2, 1 and
// transposed-conv (padding, output padding) (1,1), (2,1), (2,1), (2,1) —
// what the peer derives for img_size=32. It is ForImage(32, 3, 512) under
// another name.
func CIFAR32() Geometry { return preset("CIFAR32", 32, 3, 512) }

// preset is ForImage under the given name; the presets are fixed values
// checked by the tests, so a failure is a programming error.
func preset(name string, imageSize, channels, latent int) Geometry {
	g, err := ForImage(imageSize, channels, latent)
	if err != nil {
		panic(err)
	}
	g.Name = name
	return g
}

// Authors61 is the authors' MXNet geometry (spec §3): 61×61×3 images and
// valid convolutions (padding 0 everywhere), 61→29→13→5→1 and back with
// output padding 0. L = 16 as in the authors' MNIST command; their CIFAR
// runs used 512 (set Latent).
func Authors61() Geometry { return mustDerive(base("Authors61", 61, 3, 16)) }

// Custom returns the paper's settings (widths, kernel 5, stride 2, depth 3,
// dropout, batch norm, slope) for another image size, channel count and
// latent length, with the chain and paddings derived as Derive does. Change
// fields and call Derive again (after clearing Sizes) or Validate.
func Custom(name string, imageSize, channels, latent int) (Geometry, error) {
	return base(name, imageSize, channels, latent).Derive()
}

// AuthorsImageSize is the image size of the authors' geometry (Authors61):
// 61 pixels, the size that 5×5 convolutions of stride 2 without padding
// bring to 1×1 in four steps (61→29→13→5→1).
const AuthorsImageSize = 61

// SupportedImageSizes returns the image sizes ForImage accepts, ascending:
// 28, 32, 61 (the authors' geometry), 64 and 128.
func SupportedImageSizes() []int { return []int{28, 32, AuthorsImageSize, 64, 128} }

// NearestImageSize returns the image size nearest to n pixels among 28, 32,
// 64 and 128 (the family that halves the image with padded convolutions;
// the authors' 61 is taken only when asked for); of two equally near, the
// larger.
func NearestImageSize(n int) int {
	sizes := slices.DeleteFunc(SupportedImageSizes(), func(s int) bool { return s == AuthorsImageSize })
	best := sizes[0]
	for _, s := range sizes[1:] {
		if d, bd := abs(s-n), abs(best-n); d <= bd {
			best = s
		}
	}
	return best
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// DefaultLatent is the latent length L used unless one is chosen: 16 for
// gray images (MNIST28, the PyTorch peer) and 512 for colour images
// (CIFAR32, the authors' CIFAR-10 runs).
func DefaultLatent(channels int) int {
	if channels == 3 {
		return 512
	}
	return 16
}

// ForImage returns the geometry of the paper's DCGAN-style family for square
// images of imageSize pixels (one of SupportedImageSizes) with channels 1
// (gray) or 3 (RGB), and a latent of length latent, named
// "<size>x<size>x<channels>" (e.g. "64x64x3").
//
// The family has one stride-2 stage per halving of the image down to 4×4
// (or 3×3): Depth is 3 for 28 and 32, 4 for 64 and 5 for 128, each network
// then having Depth+1 convolutions. Size 61 is the authors' geometry
// (Authors61 but for its name and channels): Depth 3 and no padding,
// 61→29→13→5→1. Widths double per stage from the paper's
// base widths (encoder block i has EncoderWidth·2^(i−1) channels, the visual
// discriminator and the classifier likewise with theirs), the decoder's
// dropout follows its last hidden block (DropoutBlock = Depth, block 3 of
// the paper's depth-3 networks), and the size chain and paddings are derived
// as Derive does. Parameter names follow the same scheme at every depth
// (En.conv1 … En.conv{Depth+1}, ...), so ForImage(28, 1, 16) and
// ForImage(32, 3, 512) are MNIST28 and CIFAR32 but for their names.
func ForImage(imageSize, channels, latent int) (Geometry, error) {
	if !slices.Contains(SupportedImageSizes(), imageSize) {
		return Geometry{}, fmt.Errorf("model: image size %d is not supported: want one of %s", imageSize, sizeList())
	}
	if channels != 1 && channels != 3 {
		return Geometry{}, fmt.Errorf("model: %d image channels: want 1 (gray) or 3 (RGB)", channels)
	}
	if latent < 1 {
		return Geometry{}, fmt.Errorf("model: latent length %d: want >= 1", latent)
	}
	g := base(fmt.Sprintf("%dx%[1]dx%d", imageSize, channels), imageSize, channels, latent)
	g.Depth = depthFor(imageSize)
	g.DropoutBlock = g.Depth
	return g.Derive()
}

// depthFor is the number of strided stages before the last convolution for
// an image of the given size: 3 up to 32 pixels and for the authors' 61,
// else one more per doubling.
func depthFor(imageSize int) int {
	d := 3
	if imageSize == AuthorsImageSize {
		return d
	}
	for s := 32; s < imageSize; s *= 2 {
		d++
	}
	return d
}

// sizeList is SupportedImageSizes as "28, 32, 61, 64, 128".
func sizeList() string {
	s := fmt.Sprint(SupportedImageSizes())
	return strings.ReplaceAll(s[1:len(s)-1], " ", ", ")
}

// Validate checks the geometry: positive sizes and widths, a size chain of
// Depth+2 entries from ImageSize to 1, and paddings that realise every step
// of it (the error names the first layer that does not), plus the ranges of
// the dropout, batch-norm and leaky-ReLU settings.
func (g Geometry) Validate() error {
	if err := g.validate(); err != nil {
		return fmt.Errorf("model: geometry %q: %w", g.Name, err)
	}
	return nil
}

func (g Geometry) validate() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"ImageSize", g.ImageSize}, {"Channels", g.Channels}, {"Latent", g.Latent},
		{"Depth", g.Depth}, {"Kernel", g.Kernel}, {"Stride", g.Stride},
		{"EncoderWidth", g.EncoderWidth}, {"VisualWidth", g.VisualWidth},
		{"ClassifierWidth", g.ClassifierWidth},
	} {
		if f.v < 1 {
			return fmt.Errorf("%s is %d, want >= 1", f.name, f.v)
		}
	}
	for i, w := range g.LatentWidths {
		if w < 1 {
			return fmt.Errorf("Dl.fc%d: LatentWidths[%d] is %d, want >= 1", i+1, i, w)
		}
	}
	if err := g.validateChain(); err != nil {
		return err
	}
	if !(g.DropoutP >= 0 && g.DropoutP < 1) {
		return fmt.Errorf("DropoutP is %v, want in [0, 1)", g.DropoutP)
	}
	if g.DropoutBlock < 0 || g.DropoutBlock > g.Depth {
		return fmt.Errorf("DropoutBlock is %d, want 0 (none) or a decoder block 1…%d", g.DropoutBlock, g.Depth)
	}
	if !(g.BNMomentum >= 0 && g.BNMomentum <= 1) {
		return fmt.Errorf("BNMomentum is %v, want in [0, 1]", g.BNMomentum)
	}
	if !(g.BNEps > 0) {
		return fmt.Errorf("BNEps is %v, want > 0", g.BNEps)
	}
	if !(g.LeakySlope >= 0) {
		return fmt.Errorf("LeakySlope is %v, want >= 0", g.LeakySlope)
	}
	return nil
}

// validateChain checks Sizes, ConvPad and TransposedPad against each other.
func (g Geometry) validateChain() error {
	n := g.Depth + 1 // convolutions per network
	if len(g.Sizes) != n+1 {
		return fmt.Errorf("Sizes %v has %d entries, want Depth+2 = %d (use Derive)", g.Sizes, len(g.Sizes), n+1)
	}
	if g.Sizes[0] != g.ImageSize {
		return fmt.Errorf("Sizes %v starts at %d, want ImageSize %d", g.Sizes, g.Sizes[0], g.ImageSize)
	}
	if g.Sizes[n] != 1 {
		return fmt.Errorf("Sizes %v ends at %d, want 1 (a 1×1 latent and logit)", g.Sizes, g.Sizes[n])
	}
	if len(g.ConvPad) != n {
		return fmt.Errorf("ConvPad %v has %d entries, want Depth+1 = %d", g.ConvPad, len(g.ConvPad), n)
	}
	if len(g.TransposedPad) != n {
		return fmt.Errorf("TransposedPad %v has %d entries, want Depth+1 = %d", g.TransposedPad, len(g.TransposedPad), n)
	}
	for i := 0; i < n; i++ {
		in, want, p := g.Sizes[i], g.Sizes[i+1], g.ConvPad[i]
		layer := fmt.Sprintf("En.conv%d (and Dv.conv%[1]d, C.conv%[1]d)", i+1)
		if p < 0 {
			return fmt.Errorf("%s: padding %d is negative", layer, p)
		}
		if got, ok := convOut(in, p, g.Kernel, g.Stride); !ok {
			return fmt.Errorf("%s: the %d×%[2]d kernel does not fit the input %d×%[3]d padded by %d", layer, g.Kernel, in, p)
		} else if got != want {
			return fmt.Errorf("%s: padding %d maps %d → %d, the size chain %v wants %d", layer, p, in, got, g.Sizes, want)
		}
	}
	for i := 0; i < n; i++ {
		in, want, t := g.Sizes[n-i], g.Sizes[n-i-1], g.TransposedPad[i]
		layer := fmt.Sprintf("De.convT%d", i+1)
		if t.Pad < 0 || t.OutPad < 0 || t.OutPad >= g.Stride {
			return fmt.Errorf("%s: (padding, output padding) %v: want padding >= 0 and 0 <= output padding < stride %d", layer, t, g.Stride)
		}
		if got := convTOut(in, t, g.Kernel, g.Stride); got != want {
			return fmt.Errorf("%s: (padding, output padding) %v maps %d → %d, the size chain %v wants %d", layer, t, in, got, g.Sizes, want)
		}
	}
	return nil
}
