#version 450
// dense_bwd_data: dx[n, i] = sum_o dy[n, o] * w[o, i]; dy [N, Out], w [Out, In], dx [N, In].
// The GEMM of dense_common.glsl with A = dy (k-contiguous), B = w (column-contiguous),
// M = N, NC = In, K = Out.
// Bindings: 0 dy, 1 w, 2 dx.
// Push constants: M, NC, K, act, slope. Specialization: 0 workgroup size, 1 TM, 2 TN, 3 flags.
#extension GL_GOOGLE_include_directive : require
#define A_KCONTIG 1
#define B_KCONTIG 0
#include "dense_common.glsl"
