// dense_common.glsl: the register-tiled GEMM shared by the dense-layer shaders.
//
//   C[m, c] = f(sum_k A(m, k) * B(k, c)  (+ bias[c] when HAS_BIAS is defined and FLAG_BIAS is set))
//
// with f the epilogue of push constant act (epilogue.glsl; 0, the identity, for the
// backward products).
//
// for m < M, c < NC, k < K; C is row-major [M, NC]. The including shader defines the
// operand layouts before including this file:
//
//   A_KCONTIG 1: A(m, k) = a[m*K + k]     0: A(m, k) = a[k*M + m]
//   B_KCONTIG 1: B(k, c) = b[c*K + k]     0: B(k, c) = b[k*NC + c]
//   HAS_BIAS     (optional) binding 2 is the bias [NC]; C is then binding 3, else binding 2.
//
// Each invocation computes a TM x TN tile of C (specialization constants 1 and 2) and
// walks the tiles in a grid-stride loop, so any grid size covers any shape. Neighbouring
// invocations take neighbouring column tiles of the same rows. K is consumed 4 at a time
// (then a scalar remainder). Loads of rows or columns past the edge are clamped to the
// last row or column, and only in-range elements are stored, so nothing is ever read or
// written out of bounds and the inner loops stay free of bounds branches.
//
// Specialization constant 3 holds flags: FLAG_VEC_A / FLAG_VEC_B read A / B as vec4s
// along their contiguous dimension (the host sets them only when that dimension is a
// multiple of 4, and for m/c-contiguous operands only when TM / TN are multiples of 4);
// FLAG_BIAS adds the bias. Each vec4 load replaces 4 scalar loads, which is what counts
// on llvmpipe (see shared/notes/lavapipe-perf.md).
//
// Push constants: M, NC, K, act, slope.

#include "epilogue.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint TM = 4;
layout(constant_id = 2) const uint TN = 4;
layout(constant_id = 3) const uint FLAGS = 0;

const uint FLAG_VEC_A = 1u;
const uint FLAG_VEC_B = 2u;
const uint FLAG_BIAS = 4u;
const bool VEC_A = (FLAGS & FLAG_VEC_A) != 0u;
const bool VEC_B = (FLAGS & FLAG_VEC_B) != 0u;
const bool USE_BIAS = (FLAGS & FLAG_BIAS) != 0u;

layout(push_constant) uniform Push {
    uint M;
    uint NC;
    uint K;
    int act;     // the epilogue kind (epilogue.glsl)
    float slope; // the leaky-ReLU epilogue's slope
} p;

// Scalar and vec4 views of the same bindings.
layout(std430, set = 0, binding = 0) readonly buffer A1 { float a1[]; };
layout(std430, set = 0, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(std430, set = 0, binding = 1) readonly buffer B1 { float b1[]; };
layout(std430, set = 0, binding = 1) readonly buffer B4 { vec4 b4[]; };
#ifdef HAS_BIAS
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Cout { float cout_[]; };
#else
layout(std430, set = 0, binding = 2) writeonly buffer Cout { float cout_[]; };
#endif

void main() {
    uint M = p.M, NC = p.NC, K = p.K;
    uint colTiles = (NC + TN - 1u) / TN;
    uint tiles = ((M + TM - 1u) / TM) * colTiles;
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    uint K4 = K / 4u;

    for (uint t = gl_GlobalInvocationID.x; t < tiles; t += stride) {
        uint m0 = (t / colTiles) * TM;
        uint c0 = (t % colTiles) * TN;

        // Clamped row and column indices: loads past the edge repeat the last row/column.
        uint row[TM];
        uint col[TN];
        for (uint i = 0u; i < TM; i++) {
            row[i] = min(m0 + i, M - 1u);
        }
        for (uint j = 0u; j < TN; j++) {
            col[j] = min(c0 + j, NC - 1u);
        }

        float acc[TM][TN];
        for (uint i = 0u; i < TM; i++) {
            for (uint j = 0u; j < TN; j++) {
                acc[i][j] = 0.0;
            }
        }

        for (uint kb = 0u; kb < K4; kb++) {
            uint k = 4u * kb;
            float av[TM][4];
            float bv[4][TN];

#if A_KCONTIG
            for (uint i = 0u; i < TM; i++) {
                if (VEC_A) {
                    vec4 v = a4[(row[i] * K + k) / 4u];
                    av[i][0] = v.x; av[i][1] = v.y; av[i][2] = v.z; av[i][3] = v.w;
                } else {
                    for (uint q = 0u; q < 4u; q++) {
                        av[i][q] = a1[row[i] * K + k + q];
                    }
                }
            }
#else
            for (uint q = 0u; q < 4u; q++) {
                if (VEC_A) {
                    for (uint i = 0u; i < TM; i += 4u) {
                        vec4 v = a4[((k + q) * M) / 4u + min((m0 + i) / 4u, M / 4u - 1u)];
                        av[i][q] = v.x; av[i + 1u][q] = v.y; av[i + 2u][q] = v.z; av[i + 3u][q] = v.w;
                    }
                } else {
                    for (uint i = 0u; i < TM; i++) {
                        av[i][q] = a1[(k + q) * M + row[i]];
                    }
                }
            }
#endif

#if B_KCONTIG
            for (uint j = 0u; j < TN; j++) {
                if (VEC_B) {
                    vec4 v = b4[(col[j] * K + k) / 4u];
                    bv[0][j] = v.x; bv[1][j] = v.y; bv[2][j] = v.z; bv[3][j] = v.w;
                } else {
                    for (uint q = 0u; q < 4u; q++) {
                        bv[q][j] = b1[col[j] * K + k + q];
                    }
                }
            }
#else
            for (uint q = 0u; q < 4u; q++) {
                if (VEC_B) {
                    for (uint j = 0u; j < TN; j += 4u) {
                        vec4 v = b4[((k + q) * NC) / 4u + min((c0 + j) / 4u, NC / 4u - 1u)];
                        bv[q][j] = v.x; bv[q][j + 1u] = v.y; bv[q][j + 2u] = v.z; bv[q][j + 3u] = v.w;
                    }
                } else {
                    for (uint j = 0u; j < TN; j++) {
                        bv[q][j] = b1[(k + q) * NC + col[j]];
                    }
                }
            }
#endif

            for (uint q = 0u; q < 4u; q++) {
                for (uint i = 0u; i < TM; i++) {
                    for (uint j = 0u; j < TN; j++) {
                        acc[i][j] = fma(av[i][q], bv[q][j], acc[i][j]);
                    }
                }
            }
        }

        // Remainder of K (K % 4 values; none when A or B is read along k as vec4s).
        for (uint k = 4u * K4; k < K; k++) {
            float av[TM];
            float bv[TN];
            for (uint i = 0u; i < TM; i++) {
#if A_KCONTIG
                av[i] = a1[row[i] * K + k];
#else
                av[i] = a1[k * M + row[i]];
#endif
            }
            for (uint j = 0u; j < TN; j++) {
#if B_KCONTIG
                bv[j] = b1[col[j] * K + k];
#else
                bv[j] = b1[k * NC + col[j]];
#endif
            }
            for (uint i = 0u; i < TM; i++) {
                for (uint j = 0u; j < TN; j++) {
                    acc[i][j] = fma(av[i], bv[j], acc[i][j]);
                }
            }
        }

        for (uint j = 0u; j < TN; j++) {
            float bj = 0.0;
#ifdef HAS_BIAS
            if (USE_BIAS) {
                bj = bias[col[j]];
            }
#endif
            if (c0 + j < NC) {
                for (uint i = 0u; i < TM; i++) {
                    if (m0 + i < M) {
                        cout_[(m0 + i) * NC + c0 + j] = epilogue(acc[i][j] + bj, p.act, p.slope);
                    }
                }
            }
        }
    }
}
