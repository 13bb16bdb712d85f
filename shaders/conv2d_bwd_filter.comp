#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d backward filter as an implicit GEMM (conv_common.glsl); also
// conv_transpose2d backward weight, with input and output gradient swapped:
//   dw[k,c,ky,kx] = sum_{n,oy,ox} dy[n,k,oy,ox] * x[n,c,oy*SH-PH+ky,ox*SW-PW+kx]
// Rows: taps r = (c,ky,kx); columns: k; reduction: output pixels (n,oy,ox).
// Bindings: 0 x (read), 1 dy (read), 2 dw (write).
// Specialization: 0 workgroup size (multiple of 8), 1 PPL, 2 TK, 3 SG (conv_common.glsl).
// Grid: x row tiles, y = ceil(K / (8*TK)).
#include "conv_common.glsl"
#include "conv_bwd_filter_map.glsl"

void main() {
    convGemm();
}
