#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
// reduce_broadcast: the backward of reduce_lane / reduce_group,
// dx[i] = dy[j(i)] / div, where j(i) is the output that input element i is
// summed into. The Go side merges the input shape into at most eight dimensions,
// innermost first (lo = the four inner, hi = the four outer; unused ones have
// size 1), each with its stride in the output (0 for reduced dimensions).
// Invocations walk i with a grid stride, adding the stride's digits with
// carries. Push constants: n (input elements), div (1 or count), two pads,
// sizeLo, sizeHi, ostrideLo, ostrideHi. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;
#include "reduce_common.glsl"

layout(push_constant) uniform Push {
    uint n;
    float div;
    uint pad0;
    uint pad1;
    uvec4 sizeLo;
    uvec4 sizeHi;
    uvec4 ostrideLo;
    uvec4 ostrideHi;
} p;

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DX { float dx[]; };

void main() {
    uint first = gl_GlobalInvocationID.x;
    if (first >= p.n) {
        return;
    }
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uint lo = p.sizeLo.x * p.sizeLo.y * p.sizeLo.z * p.sizeLo.w;
    uvec4 stepLo = rc_digits(stride, p.sizeLo);
    uvec4 stepHi = rc_digits(stride / lo, p.sizeHi);
    uvec4 dLo = rc_digits(first, p.sizeLo);
    uvec4 dHi = rc_digits(first / lo, p.sizeHi);
    for (uint i = first; i < p.n; i += stride) {
        dx[i] = dy[rc_dot(dLo, p.ostrideLo) + rc_dot(dHi, p.ostrideHi)] / p.div;
        uint carry = 0u;
        dLo = rc_add(dLo, stepLo, p.sizeLo, carry);
        dHi = rc_add(dHi, stepHi, p.sizeHi, carry);
    }
}
