#version 450
#extension GL_GOOGLE_include_directive : require
// dropout_bwd: inverted dropout, backward: dx[i] = keep(i) ? dy[i] * scale : 0 with the
// forward pass's mask, regenerated from the same (seed, counter), where
// keep(i) = Uniform01(word i of the Philox4x32-10 stream (seed, counter)) >= prob,
// compared in float32 exactly as DropoutKeep in kernels/dropout_ref.go, and
// scale = float32(1 / (1 - prob)) computed by the host. No mask is stored.
// The counter is read when the kernel runs, from the step-parameter buffer: words
// step[word] (low half) and step[word + 1] (high half).
// One invocation handles one Philox block: elements 4b .. 4b+3.
// dx may be the same buffer as dy (each element is read before it is written by the
// same invocation).
// Push constants: seed (low, high), n, word, prob, scale.
// Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

#include "philox.glsl"

layout(push_constant) uniform Push {
    uint seed_lo;
    uint seed_hi;
    uint n;
    uint word;
    float prob;
    float scale;
} p;

layout(std430, set = 0, binding = 0) readonly buffer In { float dy[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float dx[]; };
layout(std430, set = 0, binding = 2) readonly buffer Step { uint step[]; };

void main() {
    uvec2 seed = uvec2(p.seed_lo, p.seed_hi);
    uvec2 counter = uvec2(step[p.word], step[p.word + 1u]);
    uint blocks = (p.n + 3u) / 4u;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint b = gl_GlobalInvocationID.x; b < blocks; b += stride) {
        uvec4 w = philox_block(seed, counter, b);
        uint i = 4u * b;
        for (uint j = 0u; j < 4u && i + j < p.n; j++) {
            dx[i + j] = philox_uniform01(w[j]) >= p.prob ? dy[i + j] * p.scale : 0.0;
        }
    }
}
