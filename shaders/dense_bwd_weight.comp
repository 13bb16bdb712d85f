#version 450
// dense_bwd_weight: dw[o, i] = sum_n dy[n, o] * x[n, i]; dy [N, Out], x [N, In], dw [Out, In].
// The GEMM of dense_common.glsl with A = dy read transposed (row-contiguous), B = x
// (column-contiguous), M = Out, NC = In, K = N.
// Bindings: 0 dy, 1 x, 2 dw.
// Push constants: M, NC, K, act, slope. Specialization: 0 workgroup size, 1 TM, 2 TN, 3 flags.
#extension GL_GOOGLE_include_directive : require
#define A_KCONTIG 0
#define B_KCONTIG 0
#include "dense_common.glsl"
