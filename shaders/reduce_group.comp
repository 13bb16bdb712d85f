#version 450
#extension GL_GOOGLE_include_directive : require
#ifndef TIER_BASIC
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
// reduce_group: y[j] = (Σ_r x[base(j) + off(r)]) / div, one workgroup per output
// j (looping when there are more outputs than workgroups), for few outputs of
// many terms each. The dimensions and push constants are those of reduce_lane.
// Invocation l sums the terms r = l, l + local, ... in fp32 two-level partial
// sums; rc_group_sum2 adds the workgroup's partials. Specialization: constant
// 0 = workgroup size (a multiple of the subgroup size), constant 2 = the
// workgroup is one subgroup (see reduce_common.glsl).
layout(local_size_x_id = 0) in;
#include "reduce_common.glsl"

layout(push_constant) uniform Push {
    uvec4 ksize;
    uvec4 kstride;
    uvec4 rsize;
    uvec4 rstride;
    uint nout;
    uint count;
    float div;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y { float y[]; };

void main() {
    uint lid = gl_LocalInvocationID.x;
    uvec4 step = rc_digits(gl_WorkGroupSize.x, p.rsize);
    uvec4 start = rc_digits(lid, p.rsize);
    for (uint j = gl_WorkGroupID.x; j < p.nout; j += gl_NumWorkGroups.x) {
        uint base = rc_dot(rc_digits(j, p.ksize), p.kstride);
        float total = 0.0, part = 0.0;
        uint cnt = 0u, carry;
        uvec4 d = start;
        for (uint r = lid; r < p.count; r += gl_WorkGroupSize.x) {
            part += x[base + rc_dot(d, p.rstride)];
            if (++cnt == RC_BLOCK) {
                total += part;
                part = 0.0;
                cnt = 0u;
            }
            carry = 0u;
            d = rc_add(d, step, p.rsize, carry);
        }
        float s = rc_group_sum2(vec2(total + part, 0.0)).x;
        if (lid == 0u) {
            y[j] = s / p.div;
        }
    }
}
