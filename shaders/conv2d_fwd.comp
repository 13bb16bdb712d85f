#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d forward as an implicit GEMM (conv_common.glsl):
//   y[n,k,oy,ox] = bias[k] + sum_{c,ky,kx} x[n,c,oy*SH-PH+ky,ox*SW-PW+kx] * w[k,c,ky,kx]
// (also conv_transpose2d backward-input, the transposed conv's weight read as [K,C,KH,KW]).
// Rows: output pixels (n,oy,ox); columns: k; reduction: (c,ky,kx), contiguous in w.
// Bindings: 0 x (read), 1 w (read), 2 bias [K] (read; only when flags&1), 3 y (write).
// Specialization: 0 workgroup size (multiple of 8), 1 PPL, 2 TK, 3 SG (conv_common.glsl).
// Grid: x row tiles, y = ceil(K / (8*TK)).
#include "conv_common.glsl"

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Y { float y[]; };

float loadA(int i) { return x[i]; }
float loadB(int i) { return w[i]; }
float loadBias(int col) { return bias[col]; }
void storeOut(int i, float v) { y[i] = v; }

Gemm gemmSetup() {
    Gemm g;
    g.rows = p.N * p.OH * p.OW;
    g.cols = p.K;
    g.red = p.C * p.KH * p.KW;
    g.limH = p.H;
    g.limW = p.W;
    g.bStride = g.red;
    g.oStride = p.OH * p.OW;
    g.bias = (p.flags & 1) != 0;
    return g;
}

// A row is an output pixel; its window's top-left input position is (y0, x0).
void rowInfo(int row, out int base, out int y0, out int x0) {
    int ohw = p.OH * p.OW;
    int n = row / ohw;
    int s = row - n * ohw;
    int oy = s / p.OW;
    y0 = oy * p.SH - p.PH;
    x0 = (s - oy * p.OW) * p.SW - p.PW;
    base = n * p.C * p.H * p.W + y0 * p.W + x0;
}

int outBase(int row) {
    int ohw = p.OH * p.OW;
    int n = row / ohw;
    return n * p.K * ohw + (row - n * ohw);
}

// The reduction index r = (c, ky, kx), decoded incrementally.
int rc, rky, rkx, rr;

void redStart() {
    rc = 0;
    rky = 0;
    rkx = 0;
    rr = 0;
}

void redNext(out int off, out int dy, out int dx, out int boff) {
    off = (rc * p.H + rky) * p.W + rkx;
    dy = rky;
    dx = rkx;
    boff = rr;
    rr++;
    rkx++;
    if (rkx == p.KW) {
        rkx = 0;
        rky++;
        if (rky == p.KH) {
            rky = 0;
            rc++;
        }
    }
}

void main() {
    convGemm();
}
