// reduce_common.glsl: helpers shared by the reduction and batch-norm shaders.
//
// Include it after `layout(local_size_x_id = 0) in;` and, unless TIER_BASIC is
// defined, after
//   #extension GL_KHR_shader_subgroup_arithmetic : require
//   #extension GL_KHR_shader_subgroup_shuffle : require
//
// TIER_BASIC (the *_basic.spv variants, built with -DTIER_BASIC) makes the
// workgroup sums shared-memory trees behind barrier(), with no subgroup
// operation, for devices without subgroup arithmetic or shuffles, or without
// full subgroups; specialization constant 2 is then ignored.
//
// Index spaces are walked as mixed-radix counters of up to four digits: digit i
// runs over [0, size[i]) and moves the element offset by stride[i]. The x digit
// is the innermost. A lane that visits every step-th index keeps its digits
// and adds the digits of step with carries (no division in the loop).

// RC_BLOCK is how many terms a lane sums into a partial before adding the
// partial to its total: two-level summation bounds the fp32 rounding error by
// about (RC_BLOCK + count/RC_BLOCK)·eps instead of count·eps.
#define RC_BLOCK 128u

// rc_digits returns the digits of r in the radix size (x innermost); the top
// digit w is taken modulo size.w.
uvec4 rc_digits(uint r, uvec4 size) {
    uvec4 d;
    d.x = r % size.x;
    r /= size.x;
    d.y = r % size.y;
    r /= size.y;
    d.z = r % size.z;
    r /= size.z;
    d.w = r % size.w;
    return d;
}

// rc_add returns d + s in the radix size, with carry in and out through c.
// Requires d < size and s < size digit-wise.
uvec4 rc_add(uvec4 d, uvec4 s, uvec4 size, inout uint c) {
    d.x += s.x + c;
    c = d.x >= size.x ? 1u : 0u;
    d.x -= c * size.x;
    d.y += s.y + c;
    c = d.y >= size.y ? 1u : 0u;
    d.y -= c * size.y;
    d.z += s.z + c;
    c = d.z >= size.z ? 1u : 0u;
    d.z -= c * size.z;
    d.w += s.w + c;
    c = d.w >= size.w ? 1u : 0u;
    d.w -= c * size.w;
    return d;
}

// rc_dot is the offset of digits d with strides st.
uint rc_dot(uvec4 d, uvec4 st) {
    return d.x * st.x + d.y * st.y + d.z * st.z + d.w * st.w;
}

// Workgroup sums are subgroup operations; the partials of several subgroups meet
// in shared memory behind barriers unless specialization constant 1
// (RC_ONE_SUBGROUP) says the workgroup is exactly one subgroup. On lavapipe the
// Go side makes the workgroup one subgroup (8 lanes) and sets it, so the shader
// holds no barrier at all: llvmpipe compiles any shader holding a barrier into
// coroutines, which made these reductions about 4x slower even where the barrier
// never ran. GPUs use 256 lanes and the shared-memory path. RC_ONE_SUBGROUP and
// the float-float butterfly need full subgroups (the pipeline requires them)
// and a workgroup size that is a multiple of the subgroup size.
layout(constant_id = 1) const bool RC_ONE_SUBGROUP = false;

shared vec2 rc_partial[gl_WorkGroupSize.x];

#ifdef TIER_BASIC
// RC_TREE_SUM sets V to the ADD-sum of V over the workgroup, through the shared
// array ARR: a tree whose step over n slots has slot i < n - h take in slot
// i + h, h = ceil(n/2) (any workgroup size). Uniform control flow only.
#define RC_TREE_SUM(V, ARR, ADD)                                               \
    {                                                                          \
        uint lid = gl_LocalInvocationID.x;                                     \
        ARR[lid] = V;                                                          \
        barrier();                                                             \
        for (uint n = gl_WorkGroupSize.x; n > 1u; n = (n + 1u) >> 1) {         \
            uint h = (n + 1u) >> 1;                                            \
            if (lid + h < n) {                                                 \
                ARR[lid] = ADD(ARR[lid], ARR[lid + h]);                        \
            }                                                                  \
            barrier();                                                         \
        }                                                                      \
        V = ARR[0];                                                            \
        barrier(); /* ARR may be reused at once */                             \
    }

vec2 rc_add2(vec2 a, vec2 b) {
    return a + b;
}

// rc_group_sum2 returns the sums of v over the workgroup to every invocation.
// Every invocation of the workgroup must call it (uniform control flow).
vec2 rc_group_sum2(vec2 v) {
    RC_TREE_SUM(v, rc_partial, rc_add2)
    return v;
}
#else
// rc_group_sum2 returns the sums of v over the workgroup to every invocation.
// Every invocation of the workgroup must call it (uniform control flow).
vec2 rc_group_sum2(vec2 v) {
    vec2 s = subgroupAdd(v);
    if (RC_ONE_SUBGROUP) {
        return s;
    }
    if (subgroupElect()) {
        rc_partial[gl_SubgroupID] = s;
    }
    barrier();
    s = vec2(0.0);
    for (uint i = 0u; i < gl_NumSubgroups; i++) {
        s += rc_partial[i];
    }
    barrier(); // rc_partial may be reused at once
    return s;
}
#endif

// Float-float ("double-single") arithmetic: a value is vec2(hi, lo) with
// hi = fl(hi + lo). Used where fp32 cancels catastrophically (the train-mode
// batch-norm backward at N·H·W = 2, where dx is the difference of O(1) terms
// and is O(eps)). Every intermediate is `precise` so no compiler may
// reassociate or contract it. Products use Dekker's splitting, not fma(): fma()
// need not be fused (lavapipe rounds the product), while Vulkan requires fp32
// add, sub and mul to be correctly rounded.

vec2 ff_two_sum(float a, float b) {
    precise float s = a + b;
    precise float bb = s - a;
    precise float e = (a - (s - bb)) + (b - bb);
    return vec2(s, e);
}

// ff_fast_two_sum requires |a| >= |b| (or a == 0).
vec2 ff_fast_two_sum(float a, float b) {
    precise float s = a + b;
    precise float e = b - (s - a);
    return vec2(s, e);
}

// ff_split returns hi + lo = a with hi holding the top 12 significand bits.
vec2 ff_split(float a) {
    precise float c = 4097.0 * a;
    precise float hi = c - (c - a);
    precise float lo = a - hi;
    return vec2(hi, lo);
}

// ff_two_prod returns the exact product a·b as hi + lo.
vec2 ff_two_prod(float a, float b) {
    precise float p = a * b;
    vec2 x = ff_split(a), y = ff_split(b);
    precise float e = ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y;
    return vec2(p, e);
}

vec2 ff_add(vec2 a, vec2 b) {
    vec2 s = ff_two_sum(a.x, b.x);
    vec2 t = ff_two_sum(a.y, b.y);
    precise float lo = s.y + t.x;
    s = ff_fast_two_sum(s.x, lo);
    precise float lo2 = s.y + t.y;
    return ff_fast_two_sum(s.x, lo2);
}

vec2 ff_mul(vec2 a, vec2 b) {
    vec2 p = ff_two_prod(a.x, b.x);
    precise float cross = a.x * b.y + a.y * b.x;
    precise float lo = p.y + cross;
    return ff_fast_two_sum(p.x, lo);
}

float ff_float(vec2 a) {
    precise float f = a.x + a.y;
    return f;
}

shared vec4 rc_partial4[gl_WorkGroupSize.x];

// rc_ff2_add adds two float-float pairs (xy and zw).
vec4 rc_ff2_add(vec4 a, vec4 b) {
    return vec4(ff_add(a.xy, b.xy), ff_add(a.zw, b.zw));
}

#ifdef TIER_BASIC
// rc_group_sum_ff2 returns the float-float sums of v.xy and v.zw over the
// workgroup to every invocation (uniform control flow, as rc_group_sum2): a
// shared-memory tree.
vec4 rc_group_sum_ff2(vec4 v) {
    RC_TREE_SUM(v, rc_partial4, rc_ff2_add)
    return v;
}
#else
// rc_group_sum_ff2 returns the float-float sums of v.xy and v.zw over the
// workgroup to every invocation (uniform control flow, as rc_group_sum2): a
// shuffle butterfly within each subgroup, which needs every lane active (full
// subgroups), then across subgroups.
vec4 rc_group_sum_ff2(vec4 v) {
    for (uint o = gl_SubgroupSize / 2u; o > 0u; o >>= 1) {
        v = rc_ff2_add(v, subgroupShuffleXor(v, o));
    }
    if (RC_ONE_SUBGROUP) {
        return v;
    }
    if (subgroupElect()) {
        rc_partial4[gl_SubgroupID] = v;
    }
    barrier();
    v = rc_partial4[0];
    for (uint i = 1u; i < gl_NumSubgroups; i++) {
        v = rc_ff2_add(v, rc_partial4[i]);
    }
    barrier();
    return v;
}
#endif
