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

// The core that includes this file defines ROWS_BY_WINDOW and WINDOW_ROWS first, the
// order of the rows: with ROWS_BY_WINDOW false, as the tensors lay them out
// (pixels (n, y, x) image by image, taps (c, ky, kx) channel by channel); with
// it true, by window position within groups of WINDOW_ROWS images or channels
// (rowSplit), so that a tile of rows holds one position of a group, whose
// windows, and so the padding taps that redBox lets the core skip, are the
// same, and the next tiles the group's next positions, which read much the
// same memory. The order is internal to a dispatch: outBase places every
// row's results.

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
// redTap is the A offset and window shift and the B offset of the reduction
// index whose digits are d.
void redTap(ivec3 d, out int off, out int dy, out int dx, out int boff);
// redBox is the box [lo, hi) of the lower two reduction digits (d.y, d.z) that
// can reach a valid A element for some row whose window position (y0, x0)
// lies in [y0r.x, y0r.y] x [x0r.x, x0r.y]: the digits outside it only read
// zero padding for every such row, and the register core skips them.
void redBox(ivec2 y0r, ivec2 x0r, out ivec2 lo, out ivec2 hi);
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

// The digits of the reduction index, decoded incrementally within the box
// [rlo, rhi) of the lower two (redStart, redNext).
ivec3 rd;
ivec2 rlo, rhi;

// redStart starts the decoder at the first index of the box (lo, hi) of the
// lower two digits (redBox) and returns the number of indices in the box.
int redStart(int red, ivec4 box) {
    ivec2 radix = redRadix();
    rlo = box.xy;
    rhi = box.zw;
    rd = ivec3(0, rlo);
    if (rhi.x <= rlo.x || rhi.y <= rlo.y) {
        return 0;
    }
    return red / (radix.x * radix.y) * (rhi.x - rlo.x) * (rhi.y - rlo.y);
}

// redNext decodes the next reduction index of the box and advances the decoder.
void redNext(out int off, out int dy, out int dx, out int boff) {
    redTap(rd, off, dy, dx, boff);
    rd.z++;
    if (rd.z == rhi.y) {
        rd.z = rlo.y;
        rd.y++;
        if (rd.y == rhi.x) {
            rd.y = rlo.x;
            rd.x++;
        }
    }
}

// redAt decodes reduction index r directly.
void redAt(int r, out int off, out int dy, out int dx, out int boff) {
    ivec2 radix = redRadix();
    redTap(split3(r, radix.x, radix.y), off, dy, dx, boff);
}

// rowSplit is the (item, y, x) of row among items x (h x w) rows: as the
// tensors lay them out (split3), or with ROWS_BY_WINDOW by window position:
// items (images, channels) in groups of WINDOW_ROWS, the last one smaller,
// each group position by position with the item innermost.
ivec3 rowSplit(int row, int items, int h, int w) {
    if (!ROWS_BY_WINDOW) {
        return split3(row, h, w);
    }
    int positions = h * w;
    int i0 = row / (positions * WINDOW_ROWS) * WINDOW_ROWS; // the group's first item
    int gi = min(WINDOW_ROWS, items - i0);                 // items in the group
    int rem = row - i0 * positions;
    int pos = rem / gi;
    int y = pos / w;
    return ivec3(i0 + rem - pos * gi, y, pos - y * w);
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
