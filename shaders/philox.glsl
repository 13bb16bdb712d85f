// philox.glsl: the counter-based Philox4x32-10 stream of kernels/rng_ref.go, and the
// exact word -> float maps built on it. Include after #version with
//   #extension GL_GOOGLE_include_directive : require
//   #include "philox.glsl"
//
// Element i of the stream (seed, counter) is word i%4 of the block
//   philox4x32_10(uvec4(i/4, counter.x, counter.y, 0), seed)
// where seed = (low, high) and counter = (low, high) 32-bit halves.

const uint PHILOX_M0 = 0xD2511F53u;
const uint PHILOX_M1 = 0xCD9E8D57u;
const uint PHILOX_W0 = 0x9E3779B9u;
const uint PHILOX_W1 = 0xBB67AE85u;

uvec4 philox4x32_10(uvec4 ctr, uvec2 key) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            key += uvec2(PHILOX_W0, PHILOX_W1);
        }
        uint hi0, lo0, hi1, lo1;
        umulExtended(PHILOX_M0, ctr.x, hi0, lo0);
        umulExtended(PHILOX_M1, ctr.z, hi1, lo1);
        ctr = uvec4(hi1 ^ ctr.y ^ key.x, lo1, hi0 ^ ctr.w ^ key.y, lo0);
    }
    return ctr;
}

// philox_block is block b of the stream (seed, counter): PhiloxBlock in rng_ref.go.
uvec4 philox_block(uvec2 seed, uvec2 counter, uint b) {
    return philox4x32_10(uvec4(b, counter.x, counter.y, 0u), seed);
}

// philox_uniform01 is Uniform01: float(w >> 8) * 2^-24, exact, in [0, 1).
float philox_uniform01(uint w) {
    return float(w >> 8) * (1.0 / 16777216.0);
}
