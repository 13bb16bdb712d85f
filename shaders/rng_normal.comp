#version 450
#extension GL_GOOGLE_include_directive : require
// rng_normal: out[i] ~ N(0, sigma^2) by Box-Muller on the Philox4x32-10 stream
// (seed, counter), as FillNormal in kernels/rng_ref.go: block b = (w0, w1, w2, w3)
// gives elements 4b, 4b+1 from the pair (w0, w1) and 4b+2, 4b+3 from (w2, w3); for a
// pair (wa, wb)
//   u1 = (float(wa >> 8) + 0.5) * 2^-24,  u2 = float(wb >> 8) * 2^-24
//   first = sigma * sqrt(-2 ln u1) * cos(2 pi u2),  second = ... * sin(2 pi u2).
// ln u1 and sin/cos(2 pi u2) are computed here from the integer words, not with the
// GLSL built-ins (whose Vulkan precision is loose: log has an absolute error bound
// near 1, sin/cos 2^-11 absolute): u1 = N * 2^-25 with N = 2k + 1 odd has 25
// significant bits, so ln u1 = (e - 25) ln 2 + 2 atanh((N - 2^e) / (N + 2^e)), where
// N - 2^e is exact in float; the angle is reduced to [0, pi/4] exactly in integers.
// The counter is read when the kernel runs, from the step-parameter buffer: words
// step[word] (low half) and step[word + 1] (high half).
// Push constants: seed (low, high), n, word, sigma.
// Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

#include "philox.glsl"

layout(push_constant) uniform Push {
    uint seed_lo;
    uint seed_hi;
    uint n;
    uint word;
    float sigma;
} p;

layout(std430, set = 0, binding = 0) writeonly buffer Out { float outv[]; };
layout(std430, set = 0, binding = 1) readonly buffer Step { uint step[]; };

const float LN2 = 0.69314718055994530942;

// neg2ln returns -2 ln u1 for u1 = (2k + 1) * 2^-25, k = wa >> 8.
float neg2ln(uint wa) {
    uint N = 2u * (wa >> 8) + 1u;       // odd, < 2^25
    int e = findMSB(N);                 // N in [2^e, 2^(e+1))
    if (float(N) > 1.41421356 * float(1u << e)) {
        e += 1;                         // N / 2^e in [sqrt(1/2), sqrt(2)]
    }
    uint pe = 1u << e;
    float num = float(int(N) - int(pe)); // exact: |N - 2^e| < 2^24
    float s = num / float(N + pe);      // |s| <= 0.1716
    float s2 = s * s;
    float atanh2 = 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
    float lnu = float(e - 25) * LN2 + atanh2;
    return max(-2.0 * lnu, 0.0);
}

// sincos2pi returns (cos, sin) of 2 pi u2 for u2 = (wb >> 8) * 2^-24.
vec2 sincos2pi(uint wb) {
    uint j = wb >> 8;                   // angle j * 2pi / 2^24
    uint q = j >> 22;                   // quadrant
    uint rem = j & 0x3FFFFFu;           // angle within the quadrant, quarter = 2^22
    bool swap = rem > 0x200000u;
    if (swap) {
        rem = 0x400000u - rem;          // pi/2 - angle: sin and cos trade places
    }
    float x = float(rem) * (6.28318530717958647692 / 16777216.0); // in [0, pi/4]
    float x2 = x * x;
    float sn = x * (1.0 + x2 * (-1.0 / 6.0 + x2 * (1.0 / 120.0 + x2 * (-1.0 / 5040.0 + x2 * (1.0 / 362880.0)))));
    float cs = 1.0 + x2 * (-0.5 + x2 * (1.0 / 24.0 + x2 * (-1.0 / 720.0 + x2 * (1.0 / 40320.0 + x2 * (-1.0 / 3628800.0)))));
    if (swap) {
        float t = sn;
        sn = cs;
        cs = t;
    }
    if (q == 1u) {
        return vec2(-sn, cs);
    } else if (q == 2u) {
        return vec2(-cs, -sn);
    } else if (q == 3u) {
        return vec2(sn, -cs);
    }
    return vec2(cs, sn);
}

void main() {
    uvec2 seed = uvec2(p.seed_lo, p.seed_hi);
    uvec2 counter = uvec2(step[p.word], step[p.word + 1u]);
    uint blocks = (p.n + 3u) / 4u;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint b = gl_GlobalInvocationID.x; b < blocks; b += stride) {
        uvec4 w = philox_block(seed, counter, b);
        vec2 r = p.sigma * sqrt(vec2(neg2ln(w.x), neg2ln(w.z)));
        vec2 cs0 = sincos2pi(w.y);
        vec2 cs1 = sincos2pi(w.w);
        vec4 v = vec4(r.x * cs0.x, r.x * cs0.y, r.y * cs1.x, r.y * cs1.y);
        uint i = 4u * b;
        for (uint j = 0u; j < 4u && i + j < p.n; j++) {
            outv[i + j] = v[j];
        }
    }
}
