#version 450
#extension GL_GOOGLE_include_directive : require
// bce_loss: binary cross-entropy with logits, ℓ(x, y) = max(x, 0) − x·y + log1p(exp(−|x|))
// (the numerically stable form),
// reduced on the device. Push constant per_sample selects the output
// (kinds.glsl; any other value writes nothing):
//   LOSS_MEAN: out[0] = (1/(N·F)) Σ_{n,f} ℓ(x[n,f], y[n,f]), dispatched as ONE workgroup whose
//      lanes stride over all N·F elements;
//   LOSS_PER_SAMPLE: out[n] = (1/F) Σ_f ℓ(x[n,f], y[n,f]), one workgroup per sample (grid-stride over
//      samples when N exceeds the grid).
// Each lane reads vec4s of its range (scalar head and tail where the range is not
// 4-aligned) and keeps a Kahan-compensated vec4 sum; the lanes' sums are then added
// pairwise in shared memory. The workgroup size (specialization constant 0) must be a
// power of two.
// Bindings: 0 x (prediction / logits), 1 y (target), 2 out. Push constants: N, F, per_sample.
#include "kinds.glsl"
layout(local_size_x_id = 0) in;

layout(push_constant) uniform Push {
    uint n;
    uint f;
    uint per_sample;
} p;

layout(std430, set = 0, binding = 0) readonly buffer X1 { float x1[]; };
layout(std430, set = 0, binding = 0) readonly buffer X4 { vec4 x4[]; };
layout(std430, set = 0, binding = 1) readonly buffer T1 { float t1[]; };
layout(std430, set = 0, binding = 1) readonly buffer T4 { vec4 t4[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Out { float out_[]; };

shared float red[gl_WorkGroupSize.x];

// log1pSmall returns log(1 + u) for u in [0, 1] as 2·atanh(s), s = u/(2 + u) <= 1/3,
// by its series 2s·Σ s^2k/(2k+1) to k = 8 (relative error < 2e-10): exact to float
// rounding for every u, where log(1 + u) would lose tiny u.
vec4 log1pSmall(vec4 u) {
    vec4 s = u / (2.0 + u);
    vec4 z = s * s;
    vec4 r = vec4(1.0 / 17.0);
    r = r * z + 1.0 / 15.0;
    r = r * z + 1.0 / 13.0;
    r = r * z + 1.0 / 11.0;
    r = r * z + 1.0 / 9.0;
    r = r * z + 1.0 / 7.0;
    r = r * z + 1.0 / 5.0;
    r = r * z + 1.0 / 3.0;
    r = r * z + 1.0;
    return 2.0 * s * r;
}

// term is the per-element loss max(x, 0) − x·y + log1p(exp(−|x|)).
vec4 term(vec4 x, vec4 y) {
    return (max(x, vec4(0.0)) - x * y) + log1pSmall(exp(-abs(x)));
}

// Kahan summation: s + c is the running sum; precise keeps the compiler from folding
// the compensation away.
void kahanAdd(inout precise vec4 s, inout precise vec4 c, vec4 v) {
    precise vec4 y = v - c;
    precise vec4 t = s + y;
    c = (t - s) - y;
    s = t;
}

// laneSum returns this lane's share of Σ ℓ over elements [begin, end).
float laneSum(uint begin, uint end, uint lane, uint L) {
    precise vec4 s = vec4(0.0);
    precise vec4 c = vec4(0.0);
    uint b4 = (begin + 3u) / 4u;
    uint e4 = end / 4u;
    for (uint j = b4 + lane; j < e4; j += L) {
        kahanAdd(s, c, term(x4[j], t4[j]));
    }
    uint headEnd = min(4u * b4, end);
    uint tailStart = max(4u * e4, headEnd);
    if (begin + lane < headEnd) {
        kahanAdd(s, c, vec4(term(vec4(x1[begin + lane]), vec4(t1[begin + lane])).x, 0.0, 0.0, 0.0));
    }
    if (tailStart + lane < end) {
        kahanAdd(s, c, vec4(term(vec4(x1[tailStart + lane]), vec4(t1[tailStart + lane])).x, 0.0, 0.0, 0.0));
    }
    s -= c;
    return (s.x + s.y) + (s.z + s.w);
}

// groupSum adds every lane's v; all lanes get the total.
float groupSum(float v, uint lane) {
    red[lane] = v;
    barrier();
    for (uint w = gl_WorkGroupSize.x / 2u; w > 0u; w /= 2u) {
        if (lane < w) {
            red[lane] += red[lane + w];
        }
        barrier();
    }
    float total = red[0];
    barrier();
    return total;
}

void main() {
    uint lane = gl_LocalInvocationID.x;
    uint L = gl_WorkGroupSize.x;
    if (p.per_sample == LOSS_MEAN) {
        uint total = p.n * p.f;
        float s = groupSum(laneSum(0u, total, lane, L), lane);
        if (lane == 0u) {
            out_[0] = s / float(total);
        }
        return;
    }
    if (p.per_sample != LOSS_PER_SAMPLE) {
        return;
    }
    for (uint smp = gl_WorkGroupID.x; smp < p.n; smp += gl_NumWorkGroups.x) {
        float s = groupSum(laneSum(smp * p.f, smp * p.f + p.f, lane, L), lane);
        if (lane == 0u) {
            out_[smp] = s / float(p.f);
        }
    }
}
