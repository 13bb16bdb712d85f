#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d backward data as an implicit GEMM (conv_common.glsl); also
// conv_transpose2d forward (with bias over the output channels C here):
//   dx[n,c,iy,ix] = bias[c] + sum dy[n,k,oy,ox] * w[k,c,ky,kx]
// then the epilogue of the push constants (conv_geom.glsl, epilogue.glsl)
// over k, ky, kx with oy*SH-PH+ky = iy, ox*SW-PW+kx = ix, 0<=oy<OH, 0<=ox<OW.
//
// The input positions split into SH*SW stride classes (ay, ax) = ((iy+PH) mod SH,
// (ix+PW) mod SW); within a class the taps that reach a position are the same,
// ky = ay + SH*jy, kx = ax + SW*jx, with oy = (iy+PH-ky)/SH exact. Workgroup z
// picks the class, so the reduction (k, jy, jx) holds no dead taps.
// Rows: the class's input pixels (n, u, v) at iy = iyf + SH*u, ix = ixf + SW*v;
// columns: c; reduction: (k, jy, jx).
// Bindings: 0 dy (read), 1 w (read), 2 bias [C] (read; only when flags&1), 3 dx (write).
// Specialization: 0 workgroup size (multiple of 8), 1 PPL, 2 TK, 3 SG (conv_common.glsl).
// Grid: x row tiles, y = ceil(C / (8*TK)), z = SH*SW classes.
#include "conv_common.glsl"
#include "conv_bwd_data_map.glsl"

void main() {
    convGemm();
}
