// conv_fwd_map.glsl: the GEMM view of conv2d_fwd (see conv2d_fwd.comp) for
// the conv GEMM cores: buffers, geometry and reduction hooks.
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
    g.act = (p.flags >> 1) & 7;
    return g;
}

// A row is an output pixel (n, oy, ox); its window's top-left input position
// is (y0, x0).
ivec3 rowPixel(int row) {
    return rowSplit(row, p.N, p.OH, p.OW);
}

void rowInfo(int row, out int base, out int y0, out int x0) {
    ivec3 d = rowPixel(row);
    y0 = d.y * p.SH - p.PH;
    x0 = d.z * p.SW - p.PW;
    base = d.x * p.C * p.H * p.W + y0 * p.W + x0;
}

int outBase(int row) {
    ivec3 d = rowPixel(row);
    return (d.x * p.K * p.OH + d.y) * p.OW + d.z;
}

// The reduction index r = (c, ky, kx), contiguous in w.
ivec2 redRadix() { return ivec2(p.KH, p.KW); }

void redTap(ivec3 d, out int off, out int dy, out int dx, out int boff) {
    off = (d.x * p.H + d.y) * p.W + d.z;
    dy = d.y;
    dx = d.z;
    boff = (d.x * p.KH + d.y) * p.KW + d.z;
}

// Tap ky reads input row y0 + ky: valid for some y0 in y0r when
// -y0r.y <= ky < H - y0r.x.
void redBox(ivec2 y0r, ivec2 x0r, out ivec2 lo, out ivec2 hi) {
    lo = max(ivec2(0), -ivec2(y0r.y, x0r.y));
    hi = min(ivec2(p.KH, p.KW), ivec2(p.H, p.W) - ivec2(y0r.x, x0r.x));
}

int outLen() { return p.N * p.K * p.OH * p.OW; }
