#version 450
// scale: out[i] = s * a[i] for i < n. out may be the same buffer as a (each element is
// read before it is written by the same invocation).
// Push constants: s, n. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    float s;
    uint n;
} p;

layout(std430, set = 0, binding = 0) readonly buffer A { float a[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Out { float outv[]; };

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        outv[i] = p.s * a[i];
    }
}
