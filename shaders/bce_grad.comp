#version 450
#extension GL_GOOGLE_include_directive : require
// bce_grad: the gradient of bce_loss w.r.t. the prediction, element-wise:
//   g[n,f] = w(n) · scale · (sigmoid(x) − y)
// with w(n) = 1 when push constant per_sample is LOSS_MEAN (mean loss; the host passes
// scale = 1/(N·F)) and w(n) = dloss[n] when it is LOSS_PER_SAMPLE (upstream gradient of each
// sample's loss; scale = 1/F).
// vec4 body (n·F/4 vec4s, grid-stride) plus a scalar tail. g may be x or y (in place);
// it must not be dloss.
// Bindings: 0 x, 1 y, 2 dloss [N] (bound but unread when per_sample is LOSS_MEAN), 3 g.
// Push constants: N, F, per_sample, scale (any other per_sample writes nothing).
// Specialization: 0 workgroup size.
#include "kinds.glsl"
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    uint n;
    uint f;
    uint per_sample;
    float scale;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X1 { float x1[]; };
layout(std430, set = 0, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, set = 0, binding = 1) readonly buffer T1 { float t1[]; };
layout(std430, set = 0, binding = 1) readonly buffer T4 { vec4 t4[]; };
layout(std430, set = 0, binding = 2) readonly buffer DL { float dloss[]; };
layout(std430, set = 0, binding = 3) writeonly buffer G1 { float g1[]; };
layout(std430, set = 0, binding = 3) writeonly buffer G4 { vec4 g4[]; };

// deriv is sigmoid(x) − y, evaluated as (1 − y) − sigmoid(−x) for x >= 0 so that it
// keeps its precision as sigmoid(x) approaches 1 (e = exp(−|x|) never overflows).
vec4 deriv(vec4 x, vec4 y) {
    vec4 e = exp(-abs(x));
    vec4 q = e / (1.0 + e);
    return mix(q - y, (1.0 - y) - q, greaterThanEqual(x, vec4(0.0)));
}

// weight returns scale · w(n) for the 4 elements starting at element e.
vec4 weight(uint e) {
    if (p.per_sample == LOSS_MEAN) {
        return vec4(p.scale);
    }
    uint n0 = e / p.f;
    uint n3 = min(e + 3u, p.n * p.f - 1u) / p.f;
    if (n0 == n3) {
        return vec4(p.scale * dloss[n0]);
    }
    uint last = p.n * p.f - 1u;
    return p.scale * vec4(dloss[n0], dloss[min(e + 1u, last) / p.f], dloss[min(e + 2u, last) / p.f], dloss[n3]);
}

void main() {
    if (p.per_sample != LOSS_MEAN && p.per_sample != LOSS_PER_SAMPLE) {
        return; // not a loss mode (kinds.glsl)
    }
    uint total = p.n * p.f;
    uint n4 = total / 4u;
    uint gid = gl_GlobalInvocationID.x;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gid; i < n4; i += stride) {
        g4[i] = weight(4u * i) * deriv(x4[i], t4[i]);
    }
    uint tail = 4u * n4 + gid;
    if (tail < total) {
        g1[tail] = (weight(tail) * deriv(vec4(x1[tail]), vec4(t1[tail]))).x;
    }
}
