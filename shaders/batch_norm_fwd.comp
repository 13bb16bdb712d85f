#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
// batch_norm_fwd: y = gamma[c]·(x − mean[c])·inv[c] + beta[c] over x [N, C, HW].
// Train mode (constant 2 = BN_TRAIN): mean = savedMean, stat = savedInvStd, inv = stat.
// Eval mode (constant 2 = BN_EVAL): mean = runningMean, stat = runningVar,
// inv = 1/sqrt(stat + eps).
// Grid: x walks the channels, y splits each channel's M = N·HW values; each
// invocation loads the channel's parameters once and visits every
// (local·groups.y)-th value. Push constants: N, C, HW, eps.
// Any other mode writes nothing.
// Specialization: constant 0 = workgroup size, 1 = one subgroup (reduce_common.glsl,
// unused here), 2 = mode.
layout(local_size_x_id = 0) in;
#include "kinds.glsl"
#include "reduce_common.glsl"
layout(constant_id = 2) const uint MODE = BN_TRAIN;

layout(push_constant) uniform Push {
    uint n;
    uint c;
    uint hw;
    float eps;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 2) readonly buffer Beta { float beta[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 4) readonly buffer Stat { float stat[]; };
layout(std430, set = 0, binding = 5) writeonly buffer Y { float y[]; };

void main() {
    uint m = p.n * p.hw;
    uint first = gl_WorkGroupID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
    uint stepN = gl_NumWorkGroups.y * gl_WorkGroupSize.x;
    if (first >= m || (MODE != BN_TRAIN && MODE != BN_EVAL)) {
        return;
    }
    uvec4 size = uvec4(p.hw, p.n, 1u, 1u);
    uvec4 step = rc_digits(stepN, size);
    uvec4 start = rc_digits(first, size);
    for (uint c = gl_WorkGroupID.x; c < p.c; c += gl_NumWorkGroups.x) {
        uvec4 stride = uvec4(1u, p.c * p.hw, 0u, 0u);
        uint base = c * p.hw;
        float inv = MODE == BN_EVAL ? 1.0 / sqrt(stat[c] + p.eps) : stat[c];
        float scale = gamma[c] * inv;
        float mu = mean[c];
        float b = beta[c];
        uvec4 d = start;
        uint carry;
        for (uint i = first; i < m; i += stepN) {
            uint k = base + rc_dot(d, stride);
            y[k] = (x[k] - mu) * scale + b;
            carry = 0u;
            d = rc_add(d, step, size, carry);
        }
    }
}
