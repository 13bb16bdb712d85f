#version 450
#extension GL_GOOGLE_include_directive : require
// activation_fwd: y = f(x) element-wise, f chosen by specialization constant 1:
// ACT_RELU, ACT_LEAKY_RELU (push constant slope), ACT_TANH, ACT_SIGMOID (kinds.glsl);
// any other kind writes NaN. Tanh and sigmoid are evaluated from exp(-|x|) so they saturate to ±1 / 0 / 1
// for large |x| instead of overflowing; tanh uses its Taylor series near 0, where
// (1 - e)/(1 + e) would cancel.
// The body reads and writes vec4s (n/4 of them, grid-stride), then the last n % 4
// elements as scalars. y may be x (in place): each element is read once, then written,
// by the same invocation.
// Bindings: 0 x, 1 y. Push constants: n, slope. Specialization: 0 workgroup size, 1 kind.
layout(local_size_x_id = 0) in;
#include "kinds.glsl"
layout(constant_id = 1) const uint KIND = ACT_RELU;

layout(push_constant) uniform Push {
    uint n;
    float slope;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X1 { float x1[]; };
layout(std430, set = 0, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y1 { float y1[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Y4 { vec4 y4[]; };

vec4 act(vec4 x) {
    bvec4 pos = greaterThan(x, vec4(0.0));
    if (KIND == ACT_RELU) {
        return mix(vec4(0.0), x, pos);
    } else if (KIND == ACT_LEAKY_RELU) {
        return mix(p.slope * x, x, pos);
    } else if (KIND == ACT_TANH) {
        vec4 a = abs(x);
        vec4 e = exp(-2.0 * a);
        vec4 t = (1.0 - e) / (1.0 + e);
        vec4 a2 = a * a;
        // tanh a = a (1 - a²/3 + 2a⁴/15 - 17a⁶/315 + 62a⁸/2835) for |a| < 1/8 (error < 1e-9).
        vec4 s = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0 + a2 * (62.0 / 2835.0)))));
        t = mix(t, s, lessThan(a, vec4(0.125)));
        return mix(t, -t, lessThan(x, vec4(0.0)));
    } else if (KIND == ACT_SIGMOID) {
        vec4 e = exp(-abs(x));
        vec4 r = 1.0 / (1.0 + e);
        return mix(e * r, r, greaterThanEqual(x, vec4(0.0)));
    }
    return vec4(uintBitsToFloat(0x7fc00000u)); // NaN: KIND is not a kind
}

void main() {
    uint n4 = p.n / 4u;
    uint gid = gl_GlobalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gid; i < n4; i += stride) {
        y4[i] = act(x4[i]);
    }
    uint tail = 4u * n4 + gid;
    if (tail < p.n) {
        y1[tail] = act(vec4(x1[tail])).x;
    }
}
