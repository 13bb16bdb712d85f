#version 450
#extension GL_GOOGLE_include_directive : require
// activation_bwd: dx = dy · f'(saved) element-wise, f chosen by specialization constant 1
// (kinds.glsl; any other kind writes NaN); saved is the forward input x for ACT_RELU and
// ACT_LEAKY_RELU (push constant slope) and the forward output y for ACT_TANH and ACT_SIGMOID:
//   ReLU dx = x > 0 ? dy : 0; LeakyReLU dx = x > 0 ? dy : slope·dy;
//   Tanh dx = dy·(1 - y)(1 + y); Sigmoid dx = dy·y·(1 - y)
// ((1 - y)(1 + y) rather than 1 - y², which cancels near |y| = 1).
// vec4 body plus a scalar tail as in activation_fwd. dx may be dy or saved (in place).
// Bindings: 0 saved, 1 dy, 2 dx. Push constants: n, slope.
// Specialization: 0 workgroup size, 1 kind.
layout(local_size_x_id = 0) in;
#include "kinds.glsl"
layout(constant_id = 1) const uint KIND = ACT_RELU;

layout(push_constant) uniform Push {
    uint n;
    float slope;
} p;

layout(std430, set = 0, binding = 0) readonly buffer S1 { float s1[]; };
layout(std430, set = 0, binding = 0) readonly buffer S4 { vec4 s4[]; };
layout(std430, set = 0, binding = 1) readonly buffer G1 { float g1[]; };
layout(std430, set = 0, binding = 1) readonly buffer G4 { vec4 g4[]; };
layout(std430, set = 0, binding = 2) writeonly buffer D1 { float d1[]; };
layout(std430, set = 0, binding = 2) writeonly buffer D4 { vec4 d4[]; };

vec4 grad(vec4 s, vec4 g) {
    bvec4 pos = greaterThan(s, vec4(0.0));
    if (KIND == ACT_RELU) {
        return mix(vec4(0.0), g, pos);
    } else if (KIND == ACT_LEAKY_RELU) {
        return mix(p.slope * g, g, pos);
    } else if (KIND == ACT_TANH) {
        return g * ((1.0 - s) * (1.0 + s));
    } else if (KIND == ACT_SIGMOID) {
        return g * (s * (1.0 - s));
    }
    return vec4(uintBitsToFloat(0x7fc00000u)); // NaN: KIND is not a kind
}

void main() {
    uint n4 = p.n / 4u;
    uint gid = gl_GlobalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gid; i < n4; i += stride) {
        d4[i] = grad(s4[i], g4[i]);
    }
    uint tail = 4u * n4 + gid;
    if (tail < p.n) {
        d1[tail] = grad(vec4(s1[tail]), vec4(g1[tail])).x;
    }
}
