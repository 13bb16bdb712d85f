#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d forward as an implicit GEMM (conv_common.glsl):
//   y[n,k,oy,ox] = bias[k] + sum_{c,ky,kx} x[n,c,oy*SH-PH+ky,ox*SW-PW+kx] * w[k,c,ky,kx]
// then the epilogue of the push constants (conv_geom.glsl, epilogue.glsl)
// (also conv_transpose2d backward-input, the transposed conv's weight read as [K,C,KH,KW]).
// Rows: output pixels (n,oy,ox); columns: k; reduction: (c,ky,kx), contiguous in w.
// Bindings: 0 x (read), 1 w (read), 2 bias [K] (read; only when flags&1), 3 y (write).
// Specialization: 0 workgroup size (multiple of 8), 1 PPL, 2 TK, 3 SG (conv_common.glsl).
// Grid: x row tiles, y = ceil(K / (8*TK)).
#include "conv_common.glsl"
#include "conv_fwd_map.glsl"

void main() {
    convGemm();
}
