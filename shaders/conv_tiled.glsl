// conv_tiled.glsl: the shared-memory GEMM core of the conv2d_*_tiled shaders, for
// GPUs. It computes the same out[row, col] = f(sum_red A[row, red] * B[col, red]
// (+ bias[col])) as conv_common.glsl, from the same direction maps
// (conv_*_map.glsl), whose reduction indices are decoded directly (redAt, conv_geom.glsl).
//
// Tiling (specialization constants). A workgroup computes a BM x BN output tile,
// stepping through the reduction BK indices at a time: its lanes stage the A
// (BM x BK) and B (BN x BK) slices in shared memory, then each lane accumulates
// a TM x TN register tile, rows ty + i*(BM/TM), columns tx + j*(BN/TN), so
// neighbouring lanes read neighbouring shared words. The shared tiles are stored
// reduction-major with rows padded by one word, so the B slice (written along the
// reduction) hits distinct banks. Every load is bounds-checked: tiles may
// overhang the GEMM on any side. The workgroup size must be (BM/TM)*(BN/TN), a
// multiple of BM and of BK (each lane stages one fixed A row and one fixed B
// reduction index); TM, TN <= 8.
//
// Split-K: with SPLITK = S > 1 workgroup z is convZ*S + s and slice s sums only
// its share of the reduction (whole BK steps), writing the partial GEMM to
// element s*outLen() + i of the output binding (bias only from slice 0); a
// reduction pass then sums the S partials. The host sets no epilogue on a
// split dispatch (it applies the activation after the reduction).
//
// Grid: x = row tiles (grid-strided over workgroups), y = ceil(cols / BN),
// z = the direction's own z (convZ) times SPLITK.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int BM = 64; // rows per workgroup tile
layout(constant_id = 2) const int BN = 64; // columns per workgroup tile
layout(constant_id = 3) const int BK = 16; // reduction indices per shared step
layout(constant_id = 4) const int TM = 4;  // rows per lane
layout(constant_id = 5) const int TN = 4;  // columns per lane
layout(constant_id = 6) const int SPLITK = 1; // reduction slices (split-K)
const int TMAX = 8;                        // bound of TM and TN
const int AST = BM + 1;                    // padded A row (one reduction index)
const int BST = BN + 1;                    // padded B row
const bool ROWS_BY_WINDOW = false;         // conv_geom.glsl: neighbouring rows, neighbouring pixels
const int WINDOW_ROWS = 1;                 // (unused without ROWS_BY_WINDOW)
#include "conv_geom.glsl"

shared float As[BK * AST];
shared float Bs[BK * BST];

// Hook the direction's map defines besides conv_geom.glsl's:
// outLen is the number of outputs of the whole conv (one split-K partial).
int outLen();

int convZ() { return int(gl_WorkGroupID.z) / SPLITK; }

void convGemm() {
    const Gemm g = gemmSetup();
    const int lid = int(gl_LocalInvocationID.x);
    const int wg = int(gl_WorkGroupSize.x);
    const int tx = lid % (BN / TN);
    const int ty = lid / (BN / TN);
    const int am = lid % BM; // the A row this lane stages
    const int ak = lid / BM; // its first reduction index in the slice
    const int bk = lid % BK; // the reduction index of the B values it stages
    const int bn = lid / BK; // its first B column in the slice
    const int col0 = int(gl_WorkGroupID.y) * BN;
    const int ntiles = (g.rows + BM - 1) / BM;
    const int slice = int(gl_WorkGroupID.z) % SPLITK;
    const int steps = (g.red + BK - 1) / BK;
    const int kBeg = (steps * slice / SPLITK) * BK;
    const int kEnd = min(g.red, (steps * (slice + 1) / SPLITK) * BK);
    const int outOff = slice * outLen();
    const bool bias = g.bias && slice == 0;

    for (int tile = int(gl_WorkGroupID.x); tile < ntiles; tile += int(gl_NumWorkGroups.x)) {
        const int row0 = tile * BM;
        int ab, ay, ax;
        rowData(row0 + am, g.rows, ab, ay, ax);
        float acc[TMAX * TMAX];
        for (int i = 0; i < TMAX * TMAX; i++) {
            acc[i] = 0.0;
        }
        for (int k0 = kBeg; k0 < kEnd; k0 += BK) {
            for (int k = ak; k < BK; k += wg / BM) {
                float v = 0.0;
                if (k0 + k < kEnd) {
                    int off, dy, dx, boff;
                    redAt(k0 + k, off, dy, dx, boff);
                    if (uint(ay + dy) < uint(g.limH) && uint(ax + dx) < uint(g.limW)) {
                        v = loadA(ab + off);
                    }
                }
                As[k * AST + am] = v;
            }
            int boff = -1;
            if (k0 + bk < kEnd) {
                int off, dy, dx;
                redAt(k0 + bk, off, dy, dx, boff);
            }
            for (int n = bn; n < BN; n += wg / BK) {
                float v = 0.0;
                if (boff >= 0 && col0 + n < g.cols) {
                    v = loadB((col0 + n) * g.bStride + boff);
                }
                Bs[bk * BST + n] = v;
            }
            barrier();
            for (int k = 0; k < BK; k++) {
                float a[TMAX], b[TMAX];
                for (int i = 0; i < TM; i++) {
                    a[i] = As[k * AST + ty + i * (BM / TM)];
                }
                for (int j = 0; j < TN; j++) {
                    b[j] = Bs[k * BST + tx + j * (BN / TN)];
                }
                for (int i = 0; i < TM; i++) {
                    for (int j = 0; j < TN; j++) {
                        acc[i * TMAX + j] = fma(a[i], b[j], acc[i * TMAX + j]);
                    }
                }
            }
            barrier();
        }
        for (int i = 0; i < TM; i++) {
            int row = row0 + ty + i * (BM / TM);
            if (row >= g.rows) {
                continue;
            }
            int ob = outBase(row);
            for (int j = 0; j < TN; j++) {
                int col = col0 + tx + j * (BN / TN);
                if (col < g.cols) {
                    float bv = bias ? loadBias(col) : 0.0;
                    storeOut(outOff + ob + col * g.oStride, epilogue(acc[i * TMAX + j] + bv, g.act, p.slope));
                }
            }
        }
    }
}
