#version 450
// dense_bwd_bias: db[o] = sum_n dy[n, o]; dy [N, Out], db [Out].
// Each invocation sums 4 neighbouring columns (read as one vec4 per row when
// specialization constant 1 is 1, which the host sets only when Out % 4 == 0), in a
// grid-stride loop over column groups. Columns past the edge are clamped on load and
// not stored.
// Bindings: 0 dy, 1 db. Push constants: N, Out.
// Specialization: 0 workgroup size, 1 vec4 flag.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint VEC = 0;

layout(push_constant) uniform Push {
    uint n;
    uint out_;
} p;

layout(std430, set = 0, binding = 0) readonly buffer DY1 { float dy1[]; };
layout(std430, set = 0, binding = 0) readonly buffer DY4 { vec4 dy4[]; };
layout(std430, set = 0, binding = 1) writeonly buffer DB { float db[]; };

void main() {
    uint O = p.out_;
    uint groups = (O + 3u) / 4u;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint g = gl_GlobalInvocationID.x; g < groups; g += stride) {
        uint c0 = 4u * g;
        vec4 acc = vec4(0.0);
        if (VEC != 0u) {
            for (uint r = 0u; r < p.n; r++) {
                acc += dy4[r * (O / 4u) + g];
            }
        } else {
            uint c1 = min(c0 + 1u, O - 1u), c2 = min(c0 + 2u, O - 1u), c3 = min(c0 + 3u, O - 1u);
            for (uint r = 0u; r < p.n; r++) {
                uint b = r * O;
                acc += vec4(dy1[b + c0], dy1[b + c1], dy1[b + c2], dy1[b + c3]);
            }
        }
        db[c0] = acc.x;
        if (c0 + 1u < O) db[c0 + 1u] = acc.y;
        if (c0 + 2u < O) db[c0 + 2u] = acc.z;
        if (c0 + 3u < O) db[c0 + 3u] = acc.w;
    }
}
