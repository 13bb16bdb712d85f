#version 450
// conv bias gradient: db[k] = sum_{n,s} dy[n,k,s] for dy [N, K, HW].
// One workgroup per channel k (grid-strided over K); each invocation sums a
// strided part of every image's plane, then the workgroup adds its partial sums
// in shared memory. Bindings: 0 dy (read), 1 db (write). Push: N, K, HW.
// Specialization: constant 0 = workgroup size (a power of two, <= 256).
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    uint N, K, HW;
} p;

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DB { float db[]; };

shared float part[256];

void main() {
    uint lid = gl_LocalInvocationID.x;
    uint L = gl_WorkGroupSize.x;
    for (uint k = gl_WorkGroupID.x; k < p.K; k += gl_NumWorkGroups.x) {
        float acc = 0.0;
        for (uint n = 0; n < p.N; n++) {
            uint base = (n * p.K + k) * p.HW;
            for (uint s = lid; s < p.HW; s += L) {
                acc += dy[base + s];
            }
        }
        part[lid] = acc;
        barrier();
        for (uint h = L / 2; h > 0; h /= 2) {
            if (lid < h) {
                part[lid] += part[lid + h];
            }
            barrier();
        }
        if (lid == 0) {
            db[k] = part[0];
        }
        barrier();
    }
}
