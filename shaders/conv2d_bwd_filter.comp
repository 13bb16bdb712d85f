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

layout(std430, set = 0, binding = 0) readonly buffer X { float x[]; };
layout(std430, set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 2) writeonly buffer DW { float dw[]; };

float loadA(int i) { return x[i]; }
float loadB(int i) { return dy[i]; }
float loadBias(int col) { return 0.0; }
void storeOut(int i, float v) { dw[i] = v; }

Gemm gemmSetup() {
    Gemm g;
    g.rows = p.C * p.KH * p.KW;
    g.cols = p.K;
    g.red = p.N * p.OH * p.OW;
    g.limH = p.H;
    g.limW = p.W;
    g.bStride = p.OH * p.OW;
    g.oStride = g.rows;
    g.bias = false;
    return g;
}

// A row is a tap (c, ky, kx): its offset into an input image and window.
void rowInfo(int row, out int base, out int y0, out int x0) {
    int khw = p.KH * p.KW;
    int c = row / khw;
    int t = row - c * khw;
    y0 = t / p.KW;
    x0 = t - y0 * p.KW;
    base = (c * p.H + y0) * p.W + x0;
}

int outBase(int row) { return row; }

// The reduction index is an output pixel (n, oy, ox), decoded incrementally.
int rn, roy, rox;

void redStart() {
    rn = 0;
    roy = 0;
    rox = 0;
}

void redNext(out int off, out int dy, out int dx, out int boff) {
    dy = roy * p.SH - p.PH;
    dx = rox * p.SW - p.PW;
    off = rn * p.C * p.H * p.W + dy * p.W + dx;
    boff = (rn * p.K * p.OH + roy) * p.OW + rox;
    rox++;
    if (rox == p.OW) {
        rox = 0;
        roy++;
        if (roy == p.OH) {
            roy = 0;
            rn++;
        }
    }
}

void main() {
    convGemm();
}
