#version 450
#extension GL_GOOGLE_include_directive : require
#ifndef TIER_BASIC
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
// batch_norm_stats: train-mode batch statistics of x [N, C, HW], one workgroup per
// channel (looping over channels when there are more channels than workgroups).
// Two passes over the channel's M = N·HW values: the mean, then the mean squared
// deviation from it (biased variance), each summed in fp32 as per-invocation
// two-level partial sums added across the workgroup by rc_group_sum2.
// Invocation 0 writes
//   savedMean[c]   = mean
//   savedInvStd[c] = 1/sqrt(var + eps)
//   runningMean[c] = (1 − momentum)·runningMean[c] + momentum·mean
//   runningVar[c]  = (1 − momentum)·runningVar[c]  + momentum·var·M/(M − 1)
// Push constants: N, C, HW, eps, momentum. Specialization: constant 0 =
// workgroup size (a multiple of the subgroup size), constant 2 = the workgroup
// is one subgroup (see reduce_common.glsl).
layout(local_size_x_id = 0) in;
#include "reduce_common.glsl"

layout(push_constant) uniform Push {
    uint n;
    uint c;
    uint hw;
    float eps;
    float momentum;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer RunningMean { float runningMean[]; };
layout(std430, set = 0, binding = 2) buffer RunningVar { float runningVar[]; };
layout(std430, set = 0, binding = 3) writeonly buffer SavedMean { float savedMean[]; };
layout(std430, set = 0, binding = 4) writeonly buffer SavedInvStd { float savedInvStd[]; };

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint m = p.n * p.hw;
    uvec4 size = uvec4(p.hw, p.n, 1u, 1u);
    uvec4 step = rc_digits(gl_WorkGroupSize.x, size);
    uvec4 start = rc_digits(lid, size);
    for (uint c = gl_WorkGroupID.x; c < p.c; c += gl_NumWorkGroups.x) {
        uvec4 stride = uvec4(1u, p.c * p.hw, 0u, 0u);
        uint base = c * p.hw;

        float total = 0.0, part = 0.0;
        uint cnt = 0u, carry = 0u;
        uvec4 d = start;
        for (uint i = lid; i < m; i += gl_WorkGroupSize.x) {
            part += x[base + rc_dot(d, stride)];
            if (++cnt == RC_BLOCK) {
                total += part;
                part = 0.0;
                cnt = 0u;
            }
            carry = 0u;
            d = rc_add(d, step, size, carry);
        }
        float mean = rc_group_sum2(vec2(total + part, 0.0)).x / float(m);

        total = 0.0;
        part = 0.0;
        cnt = 0u;
        d = start;
        for (uint i = lid; i < m; i += gl_WorkGroupSize.x) {
            float v = x[base + rc_dot(d, stride)] - mean;
            part += v * v;
            if (++cnt == RC_BLOCK) {
                total += part;
                part = 0.0;
                cnt = 0u;
            }
            carry = 0u;
            d = rc_add(d, step, size, carry);
        }
        float var = rc_group_sum2(vec2(total + part, 0.0)).x / float(m);

        if (lid == 0u) {
            savedMean[c] = mean;
            savedInvStd[c] = 1.0 / sqrt(var + p.eps);
            float mo = p.momentum;
            runningMean[c] = (1.0 - mo) * runningMean[c] + mo * mean;
            runningVar[c] = (1.0 - mo) * runningVar[c] + mo * (var * float(m) / float(m - 1u));
        }
    }
}
