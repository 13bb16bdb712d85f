package kernels

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// Known-answer vectors for philox4x32-10 from Random123 (kat_vectors).
func TestPhiloxKnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0},
			[4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff},
			[4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0},
			[4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := Philox4x32(c.ctr, c.key); got != c.want {
			t.Errorf("Philox4x32(%#x, %#x) = %#x, want %#x", c.ctr, c.key, got, c.want)
		}
	}
}

// The stream layout: element i uses word i%4 of block i/4 with counter
// (uint32(i/4), uint32(counter), uint32(counter>>32), 0) and key
// (uint32(seed), uint32(seed>>32)). Seed 0 / counter 0 block 0 is the first
// known-answer vector.
func TestStreamLayout(t *testing.T) {
	w := [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}
	got := FillUniform01(4, 0, 0)
	for i := range w {
		if want := float32(w[i]>>8) / (1 << 24); got[i] != want {
			t.Errorf("FillUniform01(4, 0, 0)[%d] = %v, want %v", i, got[i], want)
		}
	}

	const seed, counter = 0x0123456789abcdef, 0xfedcba9876543210
	n := 4*5 + 3 // a partial last block
	u01 := FillUniform01(n, seed, counter)
	upm := FillUniform(n, seed, counter)
	for i := 0; i < n; i++ {
		blk := Philox4x32([4]uint32{uint32(i / 4), 0x76543210, 0xfedcba98, 0},
			[2]uint32{0x89abcdef, 0x01234567})
		wd := blk[i%4]
		if PhiloxWord(seed, counter, uint64(i)) != wd {
			t.Fatalf("PhiloxWord(%d) = %#x, want %#x", i, PhiloxWord(seed, counter, uint64(i)), wd)
		}
		if u01[i] != Uniform01(wd) || upm[i] != UniformPM1(wd) {
			t.Fatalf("element %d: uniform01 %v / %v, uniformPM1 %v / %v", i, u01[i], Uniform01(wd), upm[i], UniformPM1(wd))
		}
	}
	// A shorter fill is a prefix of a longer one.
	kerneltest.BitEqual(t, "prefix", FillUniform(7, seed, counter), upm[:7])
	if len(FillUniform(0, 1, 2)) != 0 || len(FillNormal(-3, 1, 2, 1)) != 0 {
		t.Error("n <= 0 must give an empty slice")
	}
}

func TestUniformConversions(t *testing.T) {
	cases := []struct {
		w        uint32
		u01, upm float32
	}{
		{0, 0, -1},
		{0xff, 0, -1}, // low 8 bits are discarded
		{0x100, 1.0 / (1 << 24), -1 + 1.0/(1<<23)},     // smallest step
		{0x80000000, 0.5, 0},                           // midpoint
		{0xffffffff, 1 - 1.0/(1<<24), 1 - 1.0/(1<<23)}, // largest value, < 1
	}
	for _, c := range cases {
		if got := Uniform01(c.w); got != c.u01 {
			t.Errorf("Uniform01(%#x) = %v, want %v", c.w, got, c.u01)
		}
		if got := UniformPM1(c.w); got != c.upm {
			t.Errorf("UniformPM1(%#x) = %v, want %v", c.w, got, c.upm)
		}
	}
	// Exactness: the float32 results equal the exact real values.
	r := kerneltest.NewRand(2100)
	for i := 0; i < 10000; i++ {
		w := r.Uint32()
		exact := float64(w>>8) / (1 << 24)
		if float64(Uniform01(w)) != exact || float64(UniformPM1(w)) != 2*exact-1 {
			t.Fatalf("word %#x: not exact", w)
		}
	}
}

// 1e6 samples: the mean and variance must be within 5 standard errors of
// their expected values (SE of the mean sqrt(σ²/n), SE of the variance
// sqrt((μ4 − σ⁴)/n) with μ4 the fourth central moment).
func TestRandomStatistics(t *testing.T) {
	const n = 1000000
	cases := []struct {
		name                string
		x                   []float32
		mean, variance, mu4 float64
		lo, hi              float64
	}{
		{"uniform01", FillUniform01(n, 7, 0), 0.5, 1.0 / 12, 1.0 / 80, 0, 1},
		{"uniform_pm1", FillUniform(n, 8, 1), 0, 1.0 / 3, 1.0 / 5, -1, 1},
		{"normal_sigma1", FillNormal(n, 9, 2, 1), 0, 1, 3, math.Inf(-1), math.Inf(1)},
		{"normal_sigma0.02", FillNormal(n, 10, 3, 0.02), 0, 0.0004, 3 * 0.0004 * 0.0004, math.Inf(-1), math.Inf(1)},
	}
	for _, c := range cases {
		m, v := kerneltest.Moments(c.x)
		seMean := math.Sqrt(c.variance / n)
		seVar := math.Sqrt((c.mu4 - c.variance*c.variance) / n)
		if math.Abs(m-c.mean) > 5*seMean {
			t.Errorf("%s: mean %.6g, want %.6g ± %.2g", c.name, m, c.mean, 5*seMean)
		}
		if math.Abs(v-c.variance) > 5*seVar {
			t.Errorf("%s: variance %.6g, want %.6g ± %.2g", c.name, v, c.variance, 5*seVar)
		}
		for i, x := range c.x {
			if !(float64(x) >= c.lo && float64(x) < c.hi) {
				t.Fatalf("%s[%d] = %v outside [%v, %v)", c.name, i, x, c.lo, c.hi)
			}
		}
	}
	// Normal tails: P(|z| > 3) = 0.0026998; binomial SE ≈ 5.2e-5.
	x := FillNormal(n, 11, 4, 1)
	tail := 0
	for _, v := range x {
		if math.Abs(float64(v)) > 3 {
			tail++
		}
	}
	if frac := float64(tail) / n; math.Abs(frac-0.0026998) > 5*5.2e-5 {
		t.Errorf("normal: P(|z| > 3) = %v, want 0.0027", frac)
	}
}

// Box–Muller: elements 4b+2j and 4b+2j+1 come from the word pair
// (w[2j], w[2j+1]) of block b.
func TestFillNormalBoxMuller(t *testing.T) {
	const seed, counter, sigma = 77, 5, 0.5
	x := FillNormal(4*3+1, seed, counter, sigma)
	for i := range x {
		blk := PhiloxBlock(seed, counter, uint32(i/4))
		j := i % 4
		u1 := (float64(blk[j/2*2]>>8) + 0.5) / (1 << 24)
		u2 := float64(blk[j/2*2+1]>>8) / (1 << 24)
		r := sigma * math.Sqrt(-2*math.Log(u1))
		want := r * math.Cos(2*math.Pi*u2)
		if j%2 == 1 {
			want = r * math.Sin(2*math.Pi*u2)
		}
		if x[i] != float32(want) {
			t.Errorf("FillNormal[%d] = %v, want %v", i, x[i], float32(want))
		}
	}
	// The extreme words stay finite: u1 is never 0.
	if r := math.Sqrt(-2 * math.Log(0.5/(1<<24))); math.IsInf(r, 0) || r > 6 {
		t.Errorf("largest radius %v", r)
	}
}

// Changing any 32-bit half of the seed or counter changes the whole stream.
func TestStreamDependsOnSeedAndCounter(t *testing.T) {
	const n = 64
	base := FillUniform(n, 0x1111111122222222, 0x3333333344444444)
	for _, c := range []struct {
		name          string
		seed, counter uint64
	}{
		{"seed_low", 0x1111111122222223, 0x3333333344444444},
		{"seed_high", 0x1111111222222222, 0x3333333344444444},
		{"counter_low", 0x1111111122222222, 0x3333333344444445},
		{"counter_high", 0x1111111122222222, 0x3333333444444444},
	} {
		x := FillUniform(n, c.seed, c.counter)
		same := 0
		for i := range x {
			if x[i] == base[i] {
				same++
			}
		}
		if same > 2 {
			t.Errorf("%s: %d of %d values unchanged", c.name, same, n)
		}
	}
	// Distinct blocks within one stream differ too.
	a, b := PhiloxBlock(1, 2, 0), PhiloxBlock(1, 2, 1)
	if a == b {
		t.Error("blocks 0 and 1 are equal")
	}
}
