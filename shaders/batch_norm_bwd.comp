#version 450
#extension GL_GOOGLE_include_directive : require
#ifndef TIER_BASIC
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
// batch_norm_bwd: train-mode backward over x, dy [N, C, HW], one workgroup per
// channel (looping over channels when there are more channels than workgroups).
// With mean = savedMean[c], inv = savedInvStd[c], M = N·HW, d = x − mean:
//   pass 1:  B = Σ dy,  S = Σ dy·d   (float-float partials, then a float-float
//            butterfly across the workgroup)
//            dbeta[c] = B,  dgamma[c] = inv·S
//   pass 2:  dx = (gamma[c]·inv/M) · (M·dy − B − d·inv²·S)
// The bracket is evaluated in float-float: at M = 2 it is O(eps/var) times its
// terms (the normalised output no longer depends on x), so fp32 would lose
// every significant digit; elsewhere the extra precision is harmless.
// Push constants: N, C, HW. Specialization: constant 0 =
// workgroup size (a multiple of the subgroup size), constant 2 = the workgroup
// is one subgroup (see reduce_common.glsl).
layout(local_size_x_id = 0) in;
#include "reduce_common.glsl"

layout(push_constant) uniform Push {
    uint n;
    uint c;
    uint hw;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(std430, set = 0, binding = 3) readonly buffer Mean { float mean[]; };
layout(std430, set = 0, binding = 4) readonly buffer InvStd { float invStd[]; };
layout(std430, set = 0, binding = 5) writeonly buffer DX { float dx[]; };
layout(std430, set = 0, binding = 6) writeonly buffer DGamma { float dgamma[]; };
layout(std430, set = 0, binding = 7) writeonly buffer DBeta { float dbeta[]; };

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint m = p.n * p.hw;
    float fm = float(m);
    uvec4 size = uvec4(p.hw, p.n, 1u, 1u);
    uvec4 step = rc_digits(gl_WorkGroupSize.x, size);
    uvec4 start = rc_digits(lid, size);
    for (uint c = gl_WorkGroupID.x; c < p.c; c += gl_NumWorkGroups.x) {
        uvec4 stride = uvec4(1u, p.c * p.hw, 0u, 0u);
        uint base = c * p.hw;
        float mu = mean[c];
        float inv = invStd[c];

        vec2 sb = vec2(0.0), ss = vec2(0.0);
        uint carry;
        uvec4 d = start;
        for (uint i = lid; i < m; i += gl_WorkGroupSize.x) {
            uint k = base + rc_dot(d, stride);
            float g = dy[k];
            vec2 dev = ff_two_sum(x[k], -mu);
            sb = ff_add(sb, vec2(g, 0.0));
            ss = ff_add(ss, ff_mul(dev, vec2(g, 0.0)));
            carry = 0u;
            d = rc_add(d, step, size, carry);
        }
        vec4 t = rc_group_sum_ff2(vec4(sb, ss));
        sb = t.xy;
        ss = t.zw;
        if (lid == 0u) {
            dbeta[c] = ff_float(sb);
            dgamma[c] = ff_float(ff_mul(ss, vec2(inv, 0.0)));
        }

        vec2 q = ff_mul(ff_two_prod(inv, inv), ss); // inv²·S
        vec2 nb = -sb;
        float k = gamma[c] * inv / fm;
        d = start;
        for (uint i = lid; i < m; i += gl_WorkGroupSize.x) {
            uint e = base + rc_dot(d, stride);
            vec2 dev = ff_two_sum(x[e], -mu);
            vec2 r = ff_add(ff_two_prod(fm, dy[e]), nb);
            r = ff_add(r, -ff_mul(dev, q));
            dx[e] = k * ff_float(r);
            carry = 0u;
            d = rc_add(d, step, size, carry);
        }
    }
}
