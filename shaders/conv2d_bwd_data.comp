#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d backward data as an implicit GEMM (conv_common.glsl); also
// conv_transpose2d forward (with bias over the output channels C here):
//   dx[n,c,iy,ix] = bias[c] + sum dy[n,k,oy,ox] * w[k,c,ky,kx]
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

layout(std430, set = 0, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, set = 0, binding = 2) readonly buffer B { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer DX { float dx[]; };

float loadA(int i) { return dy[i]; }
float loadB(int i) { return w[i]; }
float loadBias(int col) { return bias[col]; }
void storeOut(int i, float v) { dx[i] = v; }

int ay, ax;     // the class
int iyf, ixf;   // its first input row and column
int oyb, oxb;   // the output position that tap (ay, ax) maps them from
int hu, wu;     // its rows and columns
int khc, kwc;   // its taps per dimension

Gemm gemmSetup() {
    int z = int(gl_WorkGroupID.z);
    ay = z % p.SH;
    ax = z / p.SH;
    iyf = ((ay - p.PH) % p.SH + p.SH) % p.SH;
    ixf = ((ax - p.PW) % p.SW + p.SW) % p.SW;
    oyb = (iyf + p.PH - ay) / p.SH;
    oxb = (ixf + p.PW - ax) / p.SW;
    hu = iyf < p.H ? (p.H - iyf + p.SH - 1) / p.SH : 0;
    wu = ixf < p.W ? (p.W - ixf + p.SW - 1) / p.SW : 0;
    khc = ay < p.KH ? (p.KH - ay + p.SH - 1) / p.SH : 0;
    kwc = ax < p.KW ? (p.KW - ax + p.SW - 1) / p.SW : 0;
    Gemm g;
    g.rows = p.N * hu * wu;
    g.cols = p.C;
    g.red = p.K * khc * kwc;
    g.limH = p.OH;
    g.limW = p.OW;
    g.bStride = p.KH * p.KW;
    g.oStride = p.H * p.W;
    g.bias = (p.flags & 1) != 0;
    return g;
}

// A row is input pixel (n, u, v) of the class; tap (jy, jx) reads dy at
// (oyb + u - jy, oxb + v - jx).
void rowInfo(int row, out int base, out int y0, out int x0) {
    int n = row / (hu * wu);
    int t = row - n * (hu * wu);
    int u = t / wu;
    y0 = oyb + u;
    x0 = oxb + (t - u * wu);
    base = (n * p.K * p.OH + y0) * p.OW + x0;
}

int outBase(int row) {
    int n = row / (hu * wu);
    int t = row - n * (hu * wu);
    int u = t / wu;
    return (n * p.C * p.H + iyf + p.SH * u) * p.W + ixf + p.SW * (t - u * wu);
}

// The reduction index (k, jy, jx), decoded incrementally.
int rk, rjy, rjx;

void redStart() {
    rk = 0;
    rjy = 0;
    rjx = 0;
}

void redNext(out int off, out int dy, out int dx, out int boff) {
    dy = -rjy;
    dx = -rjx;
    off = rk * p.OH * p.OW - rjy * p.OW - rjx;
    boff = (rk * p.C * p.KH + ay + p.SH * rjy) * p.KW + ax + p.SW * rjx;
    rjx++;
    if (rjx == kwc) {
        rjx = 0;
        rjy++;
        if (rjy == khc) {
            rjy = 0;
            rk++;
        }
    }
}

void main() {
    convGemm();
}
