// conv_bwd_filter_map.glsl: the GEMM view of conv2d_bwd_filter (see conv2d_bwd_filter.comp) for
// the conv GEMM cores: buffers, geometry and reduction decoding hooks.
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

// redAt decodes reduction index r = (n, oy, ox) directly.
void redAt(int r, out int off, out int dy, out int dx, out int boff) {
    int ohw = p.OH * p.OW;
    int n = r / ohw;
    int t = r - n * ohw;
    int oy = t / p.OW;
    int ox = t - oy * p.OW;
    dy = oy * p.SH - p.PH;
    dx = ox * p.SW - p.PW;
    off = n * p.C * p.H * p.W + dy * p.W + dx;
    boff = (n * p.K * p.OH + oy) * p.OW + ox;
}

int outLen() { return p.K * p.C * p.KH * p.KW; }
