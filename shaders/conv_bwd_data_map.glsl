// conv_bwd_data_map.glsl: the GEMM view of conv2d_bwd_data (see conv2d_bwd_data.comp) for
// the conv GEMM cores: buffers, geometry and reduction hooks.
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
    int z = convZ();
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
    g.act = (p.flags >> 1) & 7;
    return g;
}

// A row is input pixel (n, u, v) of the class; tap (jy, jx) reads dy at
// (oyb + u - jy, oxb + v - jx).
ivec3 rowPixel(int row) {
    return rowSplit(row, p.N, hu, wu);
}

void rowInfo(int row, out int base, out int y0, out int x0) {
    ivec3 d = rowPixel(row);
    y0 = oyb + d.y;
    x0 = oxb + d.z;
    base = (d.x * p.K * p.OH + y0) * p.OW + x0;
}

int outBase(int row) {
    ivec3 d = rowPixel(row);
    return (d.x * p.C * p.H + iyf + p.SH * d.y) * p.W + ixf + p.SW * d.z;
}

// The reduction index (k, jy, jx): tap (ky, kx) = (ay + SH*jy, ax + SW*jx) of
// output channel k.
ivec2 redRadix() { return ivec2(khc, kwc); }

void redTap(ivec3 d, out int off, out int dy, out int dx, out int boff) {
    dy = -d.y;
    dx = -d.z;
    off = d.x * p.OH * p.OW - d.y * p.OW - d.z;
    boff = (d.x * p.C * p.KH + ay + p.SH * d.y) * p.KW + ax + p.SW * d.z;
}

// Tap jy reads dy row y0 - jy: valid for some y0 in y0r when
// y0r.x - OH < jy <= y0r.y.
void redBox(ivec2 y0r, ivec2 x0r, out ivec2 lo, out ivec2 hi) {
    lo = max(ivec2(0), ivec2(y0r.x, x0r.x) - ivec2(p.OH, p.OW) + 1);
    hi = min(ivec2(khc, kwc), ivec2(y0r.y, x0r.y) + 1);
}

int outLen() { return p.N * p.C * p.H * p.W; }
