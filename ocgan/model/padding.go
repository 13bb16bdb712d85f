package model

import "fmt"

// SpatialChain returns the spatial sizes through depth strided convolutions
// plus the last one that reaches 1×1, as the PyTorch peer's spatial_chain
// does: the valid-convolution chain (padding 0) when it exists and ends at
// 1 (61→29→13→5→1), otherwise sizes that divide by the stride rounding up
// ("same" padding) followed by 1 (28→14→7→4→1, 32→16→8→4→1). It fails when
// the last of the halved sizes is too large for one convolution to reach 1.
func SpatialChain(imageSize, depth, kernel, stride int) ([]int, error) {
	if imageSize < 1 || depth < 1 || kernel < 1 || stride < 1 {
		return nil, fmt.Errorf("model: size chain: image size %d, depth %d, kernel %d, stride %d: want all >= 1",
			imageSize, depth, kernel, stride)
	}
	sizes := []int{imageSize}
	h, valid := imageSize, true
	for i := 0; i <= depth; i++ {
		if h < kernel || (h-kernel)%stride != 0 {
			valid = false
			break
		}
		h = (h-kernel)/stride + 1
		sizes = append(sizes, h)
	}
	if valid && h == 1 {
		return sizes, nil
	}
	sizes = []int{imageSize}
	for i := 0; i < depth; i++ {
		sizes = append(sizes, (sizes[i]+stride-1)/stride)
	}
	if last := sizes[depth]; last > kernel+2 {
		return nil, fmt.Errorf("model: size chain %v: image %d is too large for depth %d: the last convolution cannot map %d to 1",
			sizes, imageSize, depth, last)
	}
	return append(sizes, 1), nil
}

// ConvPadding returns the smallest padding p in [0, kernel) with which a
// convolution maps in to out (the peer's conv_pad).
func ConvPadding(in, out, kernel, stride int) (int, error) {
	for p := 0; p < kernel; p++ {
		if got, ok := convOut(in, p, kernel, stride); ok && got == out {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no padding in [0, %d) maps %d → %d with kernel %d, stride %d", kernel, in, out, kernel, stride)
}

// TransposedPadding returns the first (padding, output padding), padding in
// [0, kernel) and output padding in [0, stride), with which a transposed
// convolution maps in to out (the peer's convT_pad).
func TransposedPadding(in, out, kernel, stride int) (TransposedPad, error) {
	for p := 0; p < kernel; p++ {
		for op := 0; op < stride; op++ {
			t := TransposedPad{Pad: p, OutPad: op}
			if convTOut(in, t, kernel, stride) == out {
				return t, nil
			}
		}
	}
	return TransposedPad{}, fmt.Errorf("no (padding, output padding) maps %d → %d with kernel %d, stride %d", in, out, kernel, stride)
}

// Derive returns a copy of g with Sizes (when empty: SpatialChain of
// ImageSize, Depth, Kernel, Stride), ConvPad and TransposedPad derived from
// the size chain, validated. An error names the layer whose step no padding
// realises.
func (g Geometry) Derive() (Geometry, error) {
	d := g
	d.LatentWidths = append([]int(nil), g.LatentWidths...)
	if len(g.Sizes) == 0 {
		s, err := SpatialChain(g.ImageSize, g.Depth, g.Kernel, g.Stride)
		if err != nil {
			return Geometry{}, fmt.Errorf("model: geometry %q: %w", g.Name, err)
		}
		d.Sizes = s
	} else {
		d.Sizes = append([]int(nil), g.Sizes...)
	}
	if g.Kernel < 1 || g.Stride < 1 {
		return Geometry{}, fmt.Errorf("model: geometry %q: kernel %d, stride %d: want >= 1", g.Name, g.Kernel, g.Stride)
	}
	if len(d.Sizes) < 2 {
		return Geometry{}, fmt.Errorf("model: geometry %q: size chain %v needs at least 2 entries", g.Name, d.Sizes)
	}
	n := len(d.Sizes) - 1
	d.ConvPad = make([]int, n)
	d.TransposedPad = make([]TransposedPad, n)
	for i := 0; i < n; i++ {
		p, err := ConvPadding(d.Sizes[i], d.Sizes[i+1], g.Kernel, g.Stride)
		if err != nil {
			return Geometry{}, fmt.Errorf("model: geometry %q: En.conv%d (and Dv.conv%[2]d, C.conv%[2]d): %w", g.Name, i+1, err)
		}
		d.ConvPad[i] = p
	}
	for i := 0; i < n; i++ {
		t, err := TransposedPadding(d.Sizes[n-i], d.Sizes[n-i-1], g.Kernel, g.Stride)
		if err != nil {
			return Geometry{}, fmt.Errorf("model: geometry %q: De.convT%d: %w", g.Name, i+1, err)
		}
		d.TransposedPad[i] = t
	}
	if err := d.Validate(); err != nil {
		return Geometry{}, err
	}
	return d, nil
}

// convOut is a convolution's output size; ok is false when the kernel does
// not fit the padded input.
func convOut(in, pad, kernel, stride int) (int, bool) {
	if in+2*pad < kernel {
		return 0, false
	}
	return (in+2*pad-kernel)/stride + 1, true
}

// convTOut is a transposed convolution's output size.
func convTOut(in int, t TransposedPad, kernel, stride int) int {
	return (in-1)*stride - 2*t.Pad + kernel + t.OutPad
}
