#version 450
#extension GL_GOOGLE_include_directive : require
#ifndef TIER_BASIC
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
// batch_norm_eval_bwd: eval-mode backward over x, dy [N, C, HW] (statistics
// fixed at the running mean and variance), one workgroup per channel (looping
// over channels when there are more channels than workgroups), one pass:
//   inv = 1/sqrt(runningVar[c] + eps)
//   dx  = dy·gamma[c]·inv
//   dbeta[c] = Σ dy,  dgamma[c] = inv·Σ dy·(x − runningMean[c])
// with fp32 two-level partial sums added across the workgroup by rc_group_sum2.
// Push constants: N, C, HW, eps. Specialization: constant 0 =
// workgroup size (a multiple of the subgroup size), constant 2 = the workgroup
// is one subgroup (see reduce_common.glsl).
layout(local_size_x_id = 0) in;
#include "reduce_common.glsl"

layout(push_constant) uniform Push {
    uint n;
    uint c;
    uint hw;
    float eps;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 4) readonly buffer Var { float var[]; };
layout(std430, set = 0, binding = 5) writeonly buffer DX { float dx[]; };
layout(std430, set = 0, binding = 6) writeonly buffer DGamma { float dgamma[]; };
layout(std430, set = 0, binding = 7) writeonly buffer DBeta { float dbeta[]; };

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint m = p.n * p.hw;
    uvec4 size = uvec4(p.hw, p.n, 1u, 1u);
    uvec4 step = rc_digits(gl_WorkGroupSize.x, size);
    uvec4 start = rc_digits(lid, size);
    for (uint c = gl_WorkGroupID.x; c < p.c; c += gl_NumWorkGroups.x) {
        uvec4 stride = uvec4(1u, p.c * p.hw, 0u, 0u);
        uint base = c * p.hw;
        float mu = mean[c];
        float inv = 1.0 / sqrt(var[c] + p.eps);
        float k = gamma[c] * inv;

        vec2 total = vec2(0.0), part = vec2(0.0);
        uint cnt = 0u, carry;
        uvec4 d = start;
        for (uint i = lid; i < m; i += gl_WorkGroupSize.x) {
            uint e = base + rc_dot(d, stride);
            float g = dy[e];
            dx[e] = g * k;
            part += vec2(g, g * (x[e] - mu));
            if (++cnt == RC_BLOCK) {
                total += part;
                part = vec2(0.0);
                cnt = 0u;
            }
            carry = 0u;
            d = rc_add(d, step, size, carry);
        }
        vec2 s = rc_group_sum2(total + part);
        if (lid == 0u) {
            dbeta[c] = s.x;
            dgamma[c] = s.y * inv;
        }
    }
}
