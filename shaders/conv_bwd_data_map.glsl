// conv_bwd_data_map.glsl: the GEMM view of conv2d_bwd_data (see conv2d_bwd_data.comp) for
// the conv GEMM cores: buffers, geometry and reduction decoding hooks.
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

// redAt decodes reduction index r = (k, jy, jx) directly.
void redAt(int r, out int off, out int dy, out int dx, out int boff) {
    int khw = khc * kwc;
    int k = r / khw;
    int t = r - k * khw;
    int jy = t / kwc;
    int jx = t - jy * kwc;
    dy = -jy;
    dx = -jx;
    off = k * p.OH * p.OW - jy * p.OW - jx;
    boff = (k * p.C * p.KH + ay + p.SH * jy) * p.KW + ax + p.SW * jx;
}

int outLen() { return p.N * p.C * p.H * p.W; }
