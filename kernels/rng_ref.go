package kernels

import (
	"math"
	"math/bits"
)

// Philox4x32-10 constants (Salmon, Moraes, Dror, Shaw: "Parallel random
// numbers: as easy as 1, 2, 3", SC 2011; Random123).
const (
	PhiloxM0 uint32 = 0xD2511F53 // multiplier applied to counter word 0
	PhiloxM1 uint32 = 0xCD9E8D57 // multiplier applied to counter word 2
	PhiloxW0 uint32 = 0x9E3779B9 // Weyl increment of key word 0
	PhiloxW1 uint32 = 0xBB67AE85 // Weyl increment of key word 1
)

// Philox4x32 returns the Philox4x32-10 block for counter ctr and key key.
// Each of the 10 rounds computes the 64-bit products
// M0·ctr[0] = (hi0, lo0) and M1·ctr[2] = (hi1, lo1) and sets
//
//	ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0}
//
// and between rounds the key is bumped: key[0] += W0, key[1] += W1 (mod 2³²).
func Philox4x32(ctr [4]uint32, key [2]uint32) [4]uint32 {
	for r := 0; r < 10; r++ {
		if r > 0 {
			key[0] += PhiloxW0
			key[1] += PhiloxW1
		}
		hi0, lo0 := bits.Mul32(PhiloxM0, ctr[0])
		hi1, lo1 := bits.Mul32(PhiloxM1, ctr[2])
		ctr = [4]uint32{hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0}
	}
	return ctr
}

// PhiloxBlock returns block b of the stream (seed, counter): Philox4x32 with
// counter words (uint32(b), uint32(counter), uint32(counter>>32), 0) and key
// (uint32(seed), uint32(seed>>32)).
func PhiloxBlock(seed, counter uint64, b uint32) [4]uint32 {
	return Philox4x32(
		[4]uint32{b, uint32(counter), uint32(counter >> 32), 0},
		[2]uint32{uint32(seed), uint32(seed >> 32)})
}

// PhiloxWord returns the random word of element i of the stream (seed,
// counter): word i%4 of PhiloxBlock(seed, counter, i/4). The stream is defined
// for 0 <= i < 2³⁴ (the block index is one 32-bit counter word).
func PhiloxWord(seed, counter uint64, i uint64) uint32 {
	return PhiloxBlock(seed, counter, uint32(i/4))[i%4]
}

// Uniform01 maps a random word to [0, 1): float32(w>>8)·2⁻²⁴. The result is
// exact in float32 and is a multiple of 2⁻²⁴.
func Uniform01(w uint32) float32 {
	return float32(w>>8) * (1.0 / (1 << 24))
}

// UniformPM1 maps a random word to [−1, 1): 2·Uniform01(w) − 1, exact in
// float32 (a multiple of 2⁻²³).
func UniformPM1(w uint32) float32 {
	return 2*Uniform01(w) - 1
}

// FillUniform01 returns n values; element i is Uniform01(PhiloxWord(seed, counter, i)).
// n <= 0 gives an empty slice.
func FillUniform01(n int, seed, counter uint64) []float32 {
	return fillWords(n, seed, counter, Uniform01)
}

// FillUniform returns n values uniform in [−1, 1); element i is
// UniformPM1(PhiloxWord(seed, counter, i)). n <= 0 gives an empty slice.
func FillUniform(n int, seed, counter uint64) []float32 {
	return fillWords(n, seed, counter, UniformPM1)
}

func fillWords(n int, seed, counter uint64, f func(uint32) float32) []float32 {
	out := make([]float32, max(n, 0))
	for i := range out {
		out[i] = f(PhiloxWord(seed, counter, uint64(i)))
	}
	return out
}

// FillNormal returns n samples of N(0, sigma²). Block b = i/4 of the stream
// (seed, counter) gives the words (w0, w1, w2, w3); Box–Muller turns the pair
// (w0, w1) into elements 4b and 4b+1 and the pair (w2, w3) into elements
// 4b+2 and 4b+3. For a pair (wa, wb), in float64:
//
//	u1 = (float(wa>>8) + 0.5)·2⁻²⁴      (in (0, 1), never 0)
//	u2 = float(wb>>8)·2⁻²⁴              (in [0, 1))
//	r  = sqrt(−2·ln u1)
//	first  = sigma·r·cos(2π·u2)
//	second = sigma·r·sin(2π·u2)
//
// each rounded once to float32. n <= 0 gives an empty slice. The words and
// u1, u2 are exact, so a float32 shader matches these values to within the
// accuracy of its log, sqrt, cos and sin (not bit for bit), whereas the
// uniform fills are reproducible bit for bit.
func FillNormal(n int, seed, counter uint64, sigma float32) []float32 {
	out := make([]float32, max(n, 0))
	for i := range out {
		blk := PhiloxBlock(seed, counter, uint32(i/4))
		j := i % 4
		wa, wb := blk[j&^1], blk[j|1]
		u1 := (float64(wa>>8) + 0.5) / (1 << 24)
		u2 := float64(wb>>8) / (1 << 24)
		r := float64(sigma) * math.Sqrt(-2*math.Log(u1))
		if j%2 == 0 {
			out[i] = float32(r * math.Cos(2*math.Pi*u2))
		} else {
			out[i] = float32(r * math.Sin(2*math.Pi*u2))
		}
	}
	return out
}
