#version 450
#extension GL_GOOGLE_include_directive : require
// rng_uniform: out[i] = float(w_i >> 8) * scale + offset, where w_i is word i of the
// Philox4x32-10 stream (seed, counter). scale = 2^-24, offset = 0 gives Uniform01
// ([0, 1)); scale = 2^-23, offset = -1 gives UniformPM1 ([-1, 1)); both exact.
// The counter is read when the kernel runs, from the step-parameter buffer: words
// step[word] (low half) and step[word + 1] (high half), so a recorded dispatch
// replays with a new counter written by the host.
// One invocation computes one Philox block: elements 4b .. 4b+3 (the last block may
// be partial).
// Push constants: seed (low, high), n, word, scale, offset.
// Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

#include "philox.glsl"

layout(push_constant) uniform Push {
    uint seed_lo;
    uint seed_hi;
    uint n;
    uint word;
    float scale;
    float offset;
} p;

layout(std430, set = 0, binding = 0) writeonly buffer Out { float outv[]; };
layout(std430, set = 0, binding = 1) readonly buffer Step { uint step[]; };

void main() {
    uvec2 seed = uvec2(p.seed_lo, p.seed_hi);
    uvec2 counter = uvec2(step[p.word], step[p.word + 1u]);
    uint blocks = (p.n + 3u) / 4u;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint b = gl_GlobalInvocationID.x; b < blocks; b += stride) {
        uvec4 w = philox_block(seed, counter, b);
        uint i = 4u * b;
        for (uint j = 0u; j < 4u && i + j < p.n; j++) {
            outv[i + j] = float(w[j] >> 8) * p.scale + p.offset;
        }
    }
}
