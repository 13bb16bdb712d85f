#version 450
// add: out[i] = a[i] + b[i] for i < n. out may be the same buffer as a or b (each
// element is read before it is written by the same invocation).
// Push constants: n. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    uint n;
} p;

layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { float b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float outv[]; };

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        outv[i] = a[i] + b[i];
    }
}
