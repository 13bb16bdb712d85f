#version 450
// axpy: y[i] = a * x[i] + y[i] for i < n (in place on y).
// Push constants: a, n. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    float a;
    uint n;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) buffer Y { float y[]; };

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        y[i] = p.a * x[i] + y[i];
    }
}
