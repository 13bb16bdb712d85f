package firmware

import (
	"math"
	"math/rand"
	"testing"
)

// TestFloat16KnownValues checks the conversion against hand-computed
// binary16 bit patterns: normals, rounding ties, overflow, subnormals,
// underflow, zeros, infinities and NaN.
func TestFloat16KnownValues(t *testing.T) {
	const tiny = 1.0 / (1 << 24) // smallest binary16 subnormal, 2^-24
	for _, c := range []struct {
		name string
		in   float32
		want uint16
	}{
		{"one", 1, 0x3c00},
		{"minus two", -2, 0xc000},
		{"half", 0.5, 0x3800},
		{"0.1 rounds down", 0.1, 0x2e66},
		{"1/3 rounds down", 1.0 / 3, 0x3555},
		{"pi", math.Pi, 0x4248},
		{"max", 65504, 0x7bff},
		{"just below max+half ulp", 65519, 0x7bff},
		{"max+half ulp ties to inf", 65520, 0x7c00},
		{"overflow", 1e10, 0x7c00},
		{"negative overflow", -1e10, 0xfc00},
		{"1+2^-11 ties to even (down)", 1 + 1.0/2048, 0x3c00},
		{"1+3*2^-11 ties to even (up)", 1 + 3.0/2048, 0x3c02},
		{"1+2^-11+2^-20 rounds up", 1 + 1.0/2048 + 1.0/(1<<20), 0x3c01},
		{"smallest normal", 1.0 / (1 << 14), 0x0400},
		{"largest subnormal", 1023 * tiny, 0x03ff},
		{"subnormal rounding up to normal", 1023.5 * tiny, 0x0400},
		{"smallest subnormal", tiny, 0x0001},
		{"half smallest subnormal ties to zero", tiny / 2, 0x0000},
		{"0.75 smallest subnormal rounds up", tiny * 0.75, 0x0001},
		{"1.5 smallest subnormal ties to even (up)", tiny * 1.5, 0x0002},
		{"2.5 smallest subnormal ties to even (down)", tiny * 2.5, 0x0002},
		{"negative subnormal", -3 * tiny, 0x8003},
		{"underflow", 1e-10, 0x0000},
		{"negative underflow", -1e-10, 0x8000},
		{"float32 subnormal", math.SmallestNonzeroFloat32, 0x0000},
		{"zero", 0, 0x0000},
		{"negative zero", float32(math.Copysign(0, -1)), 0x8000},
		{"+inf", float32(math.Inf(1)), 0x7c00},
		{"-inf", float32(math.Inf(-1)), 0xfc00},
	} {
		if got := toFloat16(c.in); got != c.want {
			t.Errorf("%s: toFloat16(%g) = %#04x, want %#04x", c.name, c.in, got, c.want)
		}
	}
	for _, nan := range []float32{float32(math.NaN()), math.Float32frombits(0x7f800001), math.Float32frombits(0xffc00000)} {
		h := toFloat16(nan)
		if h&0x7c00 != 0x7c00 || h&0x3ff == 0 || (h&0x8000 != 0) != math.Signbit(float64(nan)) {
			t.Errorf("toFloat16(NaN %#08x) = %#04x, not a NaN of the same sign", math.Float32bits(nan), h)
		}
		if back := fromFloat16(h); !math.IsNaN(float64(back)) {
			t.Errorf("fromFloat16(%#04x) = %g, want NaN", h, back)
		}
	}
	for _, c := range []struct {
		in   uint16
		want float32
	}{{0x3c00, 1}, {0x0001, tiny}, {0x03ff, 1023 * tiny}, {0x7bff, 65504}, {0xc000, -2}, {0x8000, float32(math.Copysign(0, -1))}} {
		if got := fromFloat16(c.in); math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("fromFloat16(%#04x) = %g, want %g", c.in, got, c.want)
		}
	}
}

// TestFloat16EveryValueRoundTrips converts all 65536 binary16 patterns to
// float32 and back: every one but NaN must come back bit for bit.
func TestFloat16EveryValueRoundTrips(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := fromFloat16(h)
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			if !math.IsNaN(float64(f)) {
				t.Fatalf("%#04x is a NaN, converts to %g", h, f)
			}
			continue
		}
		if got := toFloat16(f); got != h {
			t.Fatalf("%#04x -> %g -> %#04x", h, f, got)
		}
	}
}

// TestFloat16RoundsToNearestEven checks random float32 values, over the
// whole binary16 range, against the neighbouring binary16 values: the
// result must be nearest, and even on a tie.
func TestFloat16RoundsToNearestEven(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 200000; i++ {
		// Exponents from 2^-27 to 2^16 cover underflow, subnormals,
		// normals and overflow.
		x := float32((r.Float64()*2 - 1) * math.Ldexp(1, r.Intn(44)-27))
		h := toFloat16(x)
		got := float64(fromFloat16(h))
		ax := math.Abs(float64(x))
		if ax >= 65520 {
			if !math.IsInf(got, 0) {
				t.Fatalf("%g -> %g, want Inf", x, got)
			}
			continue
		}
		// The neighbours of h in magnitude.
		mag := h & 0x7fff
		for _, n := range []uint16{mag - 1, mag + 1} {
			if n > 0x7bff {
				continue
			}
			nv := float64(fromFloat16(n))
			d, dn := math.Abs(ax-math.Abs(got)), math.Abs(ax-nv)
			if dn < d || dn == d && mag&1 == 1 {
				t.Fatalf("%g -> %#04x (%g), but %#04x (%g) is nearer or even", x, h, got, n, nv)
			}
		}
	}
}
