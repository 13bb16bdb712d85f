#version 450
// axpy: y[i] = a * x[i] + y[i] for i < n (in place on y).
// Four elements per step through vec4 views of the same buffers (one load
// instruction for four values; buffers are 16-byte aligned), scalar tail.
// Push constants: a, n. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    float a;
    uint n;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };
layout(std430, set = 0, binding = 1) buffer Y4 { vec4 y4[]; };

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uint n4 = p.n / 4u;
    for (uint i = gl_GlobalInvocationID.x; i < n4; i += stride) {
        y4[i] = p.a * x4[i] + y4[i];
    }
    for (uint i = 4u * n4 + gl_GlobalInvocationID.x; i < p.n; i += stride) {
        y[i] = p.a * x[i] + y[i];
    }
}
