#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
// reduce_lane: y[j] = (Σ_r x[base(j) + off(r)]) / div, one invocation per output
// j (grid-stride), for many outputs of few terms each.
// The Go side merges the shape into at most four kept and four reduced
// dimensions (x innermost; unused ones have size 1): output j has the digits of
// j in ksize, at input offset base(j) = Σ digit·kstride; term r has the digits of
// r in rsize, at offset off(r) = Σ digit·rstride. Terms are summed in fp32 with
// two-level partial sums. Push constants: ksize, kstride, rsize, rstride, nout,
// count (product of rsize), div (1 or count). Specialization: constant 0 =
// workgroup size.
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
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uvec4 one = rc_digits(1u, p.rsize);
    for (uint j = gl_GlobalInvocationID.x; j < p.nout; j += stride) {
        uint base = rc_dot(rc_digits(j, p.ksize), p.kstride);
        float total = 0.0, part = 0.0;
        uint cnt = 0u, carry;
        uvec4 d = uvec4(0u);
        for (uint r = 0u; r < p.count; r++) {
            part += x[base + rc_dot(d, p.rstride)];
            if (++cnt == RC_BLOCK) {
                total += part;
                part = 0.0;
                cnt = 0u;
            }
            carry = 0u;
            d = rc_add(d, one, p.rsize, carry);
        }
        y[j] = (total + part) / p.div;
    }
}
