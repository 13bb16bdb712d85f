// conv_common.glsl: the implicit-GEMM core shared by the conv2d shaders
// (conv2d_fwd, conv2d_bwd_data, conv2d_bwd_filter).
//
// Geometry. One push-constant block describes every direction of the 2-D
// cross-correlation
//   x [N, C, H, W] (*) w [K, C, KH, KW] -> y [N, K, OH, OW]
// with strides SH, SW and zero paddings PH, PW. OH and OW are explicit (a
// transposed convolution's output padding makes them differ from the conv2d
// formula). flags bit 0: add the bias buffer; bits 1-3: the epilogue
// (epilogue.glsl) applied to every output at the store, with slope.
//
// GEMM. Each direction is out[row, col] = f(sum_red A[row, red] * B[col, red] (+ bias[col]))
// with f the epilogue (the identity unless flags say otherwise)
// where A is a gathered, zero-padded view of one tensor and B a strided view of
// another. The including shader describes them with the hooks of conv_geom.glsl;
// every A element is a[rowBase + redOff] with
//   valid  <=>  row valid  &&  0 <= rowY + redY < limH  &&  0 <= rowX + redX < limW
// and every B element is b[col * bStride + redB]. out[row, col] = o[outBase(row) + col * oStride].
//
// Tiling (tuned per device kind by specialization constants). A team of 8
// lanes computes 8*PPL rows x 8*TK columns: each lane owns TK columns (4 or 8,
// one or two vec4 accumulators per row) and all of the team's rows. Per step of
// 4 reduction indices a lane loads its TK x 4 B values and, with SG=CONV_SG_BROADCAST
// (subgroups of exactly 8 lanes), the A values of PPL rows, which
// subgroupBroadcast hands to the other 7 lanes; with
// SG=CONV_SG_LOAD every lane loads all
// 8*PPL rows' A values. SG=CONV_SG_SOLO ("solo", for layers with few columns) makes every
// lane a team of its own: 8*PPL rows x TK columns, loading everything itself.
// The row loops are unrolled by macros up to PPL <= 4 and guarded by the
// constants, so every register-array index is a compile-time constant
// (llvmpipe then keeps the tile in registers, not in indexed scratch memory).
// B is read as scalars even where 4 consecutive elements could be one vec4
// load: on llvmpipe a vec4 view of the buffer measured ~1.5x slower.
//
// Grid: x = tiles of rows (grid-strided over workgroups; a workgroup holds
// local_size/8 teams, or local_size solo lanes), y = ceil(cols / (team*TK)),
// z = free for the including shader.
//
// TIER_BASIC (the *_basic.spv variants, built with -DTIER_BASIC) leaves out
// the broadcast: CONV_SG_BROADCAST then runs as CONV_SG_LOAD and the module needs no subgroup
// operation. The broadcast needs each team to be one full subgroup of 8
// lanes (the pipeline requires full subgroups).
#ifndef TIER_BASIC
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_ballot : require
#endif

#include "kinds.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int PPL = 2; // rows each lane loads for its team (1..4)
layout(constant_id = 2) const int TK = 8;  // columns per lane (4 or 8)
layout(constant_id = 3) const uint SG = CONV_SG_BROADCAST; // kinds.glsl; any other value writes nothing
const int TP = 8 * PPL;                    // rows per team
#ifdef TIER_BASIC
const bool SHARE = false; // no broadcast: CONV_SG_BROADCAST runs as CONV_SG_LOAD
#else
const bool SHARE = SG == CONV_SG_BROADCAST; // lanes share A by subgroupBroadcast
#endif
const bool ROWS_BY_WINDOW = true; // conv_geom.glsl: a tile's rows share their padding taps
const int WINDOW_ROWS = TP;       // conv_geom.glsl: rows per window position in a group
#include "conv_geom.glsl"


int convZ() { return int(gl_WorkGroupID.z); }

int roff[4], rdy[4], rdx[4], rbo[4]; // the current 4 reduction indices
int pb[32], py[32], px[32];           // row data: SG slot q; no SG slot L*4+q
vec4 xl[4];                           // SG: this lane's rows' A values
// B values of the step: wt[h*4+j] holds columns col0+4h..col0+4h+3 at reduction index j.
vec4 wt[8];
// Accumulators: acc[(L*4+q)*2+h] holds row L*PPL+q of the tile, columns col0+4h..+3.
vec4 acc[64];

#define R4(M, A) M(A, 0) M(A, 1) M(A, 2) M(A, 3)
#define R8(M, A) M(A, 0) M(A, 1) M(A, 2) M(A, 3) M(A, 4) M(A, 5) M(A, 6) M(A, 7)

vec4 gatherA(int base, int y0, int x0, int limH, int limW) {
    vec4 v;
    for (int j = 0; j < 4; j++) {
        bool ok = uint(y0 + rdy[j]) < uint(limH) && uint(x0 + rdx[j]) < uint(limW);
        float t = loadA(ok ? base + roff[j] : 0);
        v[j] = ok ? t : 0.0;
    }
    return v;
}

// One row's update for the step: acc(row) += A(row, j) * B(cols, j) over j.
void fmaRow(inout vec4 a0, inout vec4 a1, vec4 xv) {
    a0 = fma(vec4(xv.x), wt[0], a0);
    a0 = fma(vec4(xv.y), wt[1], a0);
    a0 = fma(vec4(xv.z), wt[2], a0);
    a0 = fma(vec4(xv.w), wt[3], a0);
    if (TK > 4) {
        a1 = fma(vec4(xv.x), wt[4], a1);
        a1 = fma(vec4(xv.y), wt[5], a1);
        a1 = fma(vec4(xv.z), wt[6], a1);
        a1 = fma(vec4(xv.w), wt[7], a1);
    }
}

#ifdef TIER_BASIC
#define BROADCAST(v, L) (v)
#else
#define BROADCAST(v, L) subgroupBroadcast(v, L)
#endif
#define STEP_Q(L, Q)                                                           \
    if (Q < PPL) {                                                             \
        vec4 xv;                                                               \
        if (SHARE) {                                                           \
            xv = BROADCAST(xl[Q], L);                                          \
        } else {                                                               \
            xv = gatherA(pb[L * 4 + Q], py[L * 4 + Q], px[L * 4 + Q], g.limH, g.limW); \
        }                                                                      \
        fmaRow(acc[(L * 4 + Q) * 2], acc[(L * 4 + Q) * 2 + 1], xv);            \
    }
#define STEP_L(_, L) R4(STEP_Q, L)

#define INIT_Q(L, Q) acc[(L * 4 + Q) * 2] = vec4(0.0); acc[(L * 4 + Q) * 2 + 1] = vec4(0.0);
#define INIT_L(_, L) R4(INIT_Q, L)

#define ROW_SG(_, Q) if (Q < PPL) { rowData(r0w + lane * PPL + Q, g.rows, pb[Q], py[Q], px[Q]); }
#define ROW_Q(L, Q) if (Q < PPL) { rowData(r0w + L * PPL + Q, g.rows, pb[L * 4 + Q], py[L * 4 + Q], px[L * 4 + Q]); }
#define ROW_L(_, L) R4(ROW_Q, L)
#define LOAD_SG(_, Q) if (Q < PPL) { xl[Q] = gatherA(pb[Q], py[Q], px[Q], g.limH, g.limW); }

// Loads the step's B values of column col0+t (t < TK <= 8).
// Columns past the end are skipped: solo lanes branch around their loads.
void loadCol(Gemm g, int col0, int t) {
    if (col0 + t >= g.cols) {
        for (int j = 0; j < 4; j++) {
            wt[(t >> 2) * 4 + j][t & 3] = 0.0;
        }
        return;
    }
    for (int j = 0; j < 4; j++) {
        bool ok = rbo[j] >= 0;
        float v = loadB(ok ? (col0 + t) * g.bStride + rbo[j] : 0);
        wt[(t >> 2) * 4 + j][t & 3] = ok ? v : 0.0;
    }
}
#define LOADB(_, T) if (T < TK) { loadCol(g, col0, T); }

// Stores one row's results for columns col0..col0+TK-1.
void storeRow(Gemm g, int row, int col0, vec4 a0, vec4 a1) {
    int ob = outBase(row);
    float v[8] = float[8](a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w);
    for (int t = 0; t < TK; t++) {
        if (col0 + t < g.cols) {
            float bv = g.bias ? loadBias(col0 + t) : 0.0;
            storeOut(ob + (col0 + t) * g.oStride, epilogue(v[t] + bv, g.act, p.slope));
        }
    }
}
#define STORE_Q(L, Q)                                                          \
    if (Q < PPL && r0w + L * PPL + Q < g.rows) {                               \
        storeRow(g, r0w + L * PPL + Q, col0, acc[(L * 4 + Q) * 2], acc[(L * 4 + Q) * 2 + 1]); \
    }
#define STORE_L(_, L) R4(STORE_Q, L)

// tileBox is the box of lower reduction digits (redBox) that the valid rows of
// the tile from row r0w can use: the rest only read zero padding, so the
// reduction skips them (each output sums the same terms in the same order).
ivec4 tileBox(Gemm g, int r0w) {
    ivec2 y0r = ivec2(1 << 30, -(1 << 30)), x0r = y0r;
    for (int i = 0; i < TP && r0w + i < g.rows; i++) {
        int base, y0, x0;
        rowInfo(r0w + i, base, y0, x0);
        y0r = ivec2(min(y0r.x, y0), max(y0r.y, y0));
        x0r = ivec2(min(x0r.x, x0), max(x0r.y, x0));
    }
    ivec2 lo, hi;
    redBox(y0r, x0r, lo, hi);
    return ivec4(lo, hi);
}

void convGemm() {
    if (SG != CONV_SG_LOAD && SG != CONV_SG_BROADCAST && SG != CONV_SG_SOLO) {
        return;
    }
    const Gemm g = gemmSetup();
    const int teamSize = SG == CONV_SG_SOLO ? 1 : 8;
    const int lane = int(gl_LocalInvocationID.x) % teamSize;
    const int team = int(gl_LocalInvocationID.x) / teamSize;
    const int teams = int(gl_WorkGroupSize.x) / teamSize;
    const int col0 = int(gl_WorkGroupID.y) * (teamSize * TK) + lane * TK;
    const int ntiles = (g.rows + TP - 1) / TP;

    for (int tile = int(gl_WorkGroupID.x) * teams + team; tile < ntiles; tile += int(gl_NumWorkGroups.x) * teams) {
        const int r0w = tile * TP; // the tile's first row
        if (SHARE) {
            R4(ROW_SG, 0)
        } else {
            R8(ROW_L, 0)
        }
        R8(INIT_L, 0)
        for (int i = 0; i < 8; i++) {
            wt[i] = vec4(0.0);
        }
        const int nred = redStart(g.red, tileBox(g, r0w));
        for (int r0 = 0; r0 < nred; r0 += 4) {
            for (int j = 0; j < 4; j++) {
                if (r0 + j < nred) {
                    redNext(roff[j], rdy[j], rdx[j], rbo[j]);
                } else {
                    roff[j] = 0;
                    rdy[j] = FAR;
                    rdx[j] = 0;
                    rbo[j] = -1;
                }
            }
            if (SHARE) {
                R4(LOAD_SG, 0)
            }
            R8(LOADB, 0)
            R8(STEP_L, 0)
        }
        R8(STORE_L, 0)
    }
}
