#version 450
// fill: y[i] = value for i < n.
// Push constants: value, n. Specialization: constant 0 = workgroup size.
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    float value;
    uint n;
} p;

layout(std430, set = 0, binding = 0) writeonly buffer Y { float y[]; };

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
        y[i] = p.value;
    }
}
