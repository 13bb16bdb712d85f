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
// convZ is the workgroup's z index as the map sees it (the core's own use of z aside).
int convZ();

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
