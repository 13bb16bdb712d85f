// conv_geom.glsl: what the conv2d GEMM cores (conv_common.glsl, register tiles;
// conv_tiled.glsl, shared-memory tiles) share: the push-constant geometry, the
// GEMM description and the hooks every direction's map (conv_*_map.glsl) defines.
// conv_common.glsl describes the geometry and the GEMM view of each direction.

layout(push_constant) uniform Push {
    int N, C, H, W;
    int K, OH, OW;
    int KH, KW;
    int SH, SW, PH, PW;
    int flags; // bit 0: add the bias; bits 1-3: the epilogue kind (epilogue.glsl)
    float slope; // the leaky-ReLU epilogue's slope
} p;

#include "epilogue.glsl"

const int FAR = -(1 << 24); // a coordinate that is out of range however it is offset

struct Gemm {
    int rows, cols, red; // GEMM sizes
    int limH, limW;      // A validity bounds
    int bStride;         // B index step per column
    int oStride;         // output index step per column
    bool bias;
    int act;             // the epilogue kind applied at the store (0: none)
};

// Hooks the direction's map defines.
Gemm gemmSetup();
void rowInfo(int row, out int base, out int y0, out int x0);
int outBase(int row);
float loadA(int i);
float loadB(int i);
float loadBias(int col);
void storeOut(int i, float v);
// redRadix is the sizes (mid, last) of the reduction index's lower two digits:
// r = (d.x * mid + d.y) * last + d.z.
ivec2 redRadix();
// redTap is reduction index r's A offset and window shift and its B offset,
// from r and its digits d.
void redTap(int r, ivec3 d, out int off, out int dy, out int dx, out int boff);
// convZ is the workgroup's z index as the map sees it (the core's own use of z aside).
int convZ();

// split3 is the digits (a, b, c) of i = (a * mid + b) * last + c, b < mid, c < last.
ivec3 split3(int i, int mid, int last) {
    int ml = mid * last;
    int a = i / ml;
    int t = i - a * ml;
    int b = t / last;
    return ivec3(a, b, t - b * last);
}

// step3 advances the digits d of split3(i, mid, last) to those of i + 1.
void step3(inout ivec3 d, int mid, int last) {
    d.z++;
    if (d.z == last) {
        d.z = 0;
        d.y++;
        if (d.y == mid) {
            d.y = 0;
            d.x++;
        }
    }
}

// The reduction index and its digits, decoded incrementally (redStart, redNext).
int rr;
ivec3 rd;

void redStart() {
    rr = 0;
    rd = ivec3(0);
}

// redNext decodes the next reduction index and advances the decoder.
void redNext(out int off, out int dy, out int dx, out int boff) {
    redTap(rr, rd, off, dy, dx, boff);
    ivec2 radix = redRadix();
    rr++;
    step3(rd, radix.x, radix.y);
}

// redAt decodes reduction index r directly.
void redAt(int r, out int off, out int dy, out int dx, out int boff) {
    ivec2 radix = redRadix();
    redTap(r, split3(r, radix.x, radix.y), off, dy, dx, boff);
}

// rowData is rowInfo for rows below rows; a row past the end gets a window
// outside every image, so its A values load as zeros.
void rowData(int row, int rows, out int base, out int y0, out int x0) {
    if (row < rows) {
        rowInfo(row, base, y0, x0);
    } else {
        base = 0;
        y0 = FAR;
        x0 = 0;
    }
}
