// conv_bwd_filter_map.glsl: the GEMM view of conv2d_bwd_filter (see conv2d_bwd_filter.comp) for
// the conv GEMM cores: buffers, geometry and reduction hooks.
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
    g.act = int(EPI_NONE);
    return g;
}

// A row is a tap (c, ky, kx): its offset into an input image and window.
ivec3 rowTap(int row) {
    return rowSplit(row, p.C, p.KH, p.KW);
}

void rowInfo(int row, out int base, out int y0, out int x0) {
    ivec3 d = rowTap(row);
    y0 = d.y;
    x0 = d.z;
    base = (d.x * p.H + y0) * p.W + x0;
}

int outBase(int row) {
    ivec3 d = rowTap(row);
    return (d.x * p.KH + d.y) * p.KW + d.z;
}

// The reduction index is an output pixel (n, oy, ox).
ivec2 redRadix() { return ivec2(p.OH, p.OW); }

void redTap(ivec3 d, out int off, out int dy, out int dx, out int boff) {
    dy = d.y * p.SH - p.PH;
    dx = d.z * p.SW - p.PW;
    off = d.x * p.C * p.H * p.W + dy * p.W + dx;
    boff = (d.x * p.K * p.OH + d.y) * p.OW + d.z;
}

int outLen() { return p.K * p.C * p.KH * p.KW; }

// Tap ky reads input row oy * SH - PH + ky: valid for some ky in y0r when
// PH - y0r.y <= oy * SH <= H - 1 + PH - y0r.x.
void redBox(ivec2 y0r, ivec2 x0r, out ivec2 lo, out ivec2 hi) {
    ivec2 s = ivec2(p.SH, p.SW);
    ivec2 a = ivec2(p.PH, p.PW) - ivec2(y0r.y, x0r.y); // first oy * SH
    ivec2 b = ivec2(p.H, p.W) - 1 + ivec2(p.PH, p.PW) - ivec2(y0r.x, x0r.x); // last oy * SH
    lo = max(ivec2(0), (max(a, ivec2(0)) + s - 1) / s);
    hi = min(ivec2(p.OH, p.OW), mix((b / s) + 1, ivec2(0), lessThan(b, ivec2(0))));
}
