#version 450
// dense_fwd: y[n, o] = f(sum_i x[n, i] * w[o, i] (+ b[o])), f the epilogue; x [N, In], w [Out, In], y [N, Out].
// The GEMM of dense_common.glsl with A = x (k-contiguous), B = w (k-contiguous),
// M = N, NC = Out, K = In.
// Bindings: 0 x, 1 w, 2 b (untouched unless the bias flag is set), 3 y.
// Push constants: M, NC, K, act, slope. Specialization: 0 workgroup size, 1 TM, 2 TN, 3 flags.
#extension GL_GOOGLE_include_directive : require
#define A_KCONTIG 1
#define B_KCONTIG 1
#define HAS_BIAS 1
#include "dense_common.glsl"
