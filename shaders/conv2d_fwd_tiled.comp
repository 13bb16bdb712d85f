#version 450
#extension GL_GOOGLE_include_directive : require
// conv2d_fwd with shared-memory tiles (conv_tiled.glsl), for GPUs; the same
// computation, bindings and push constants as conv2d_fwd.comp.
// Specialization: 0 workgroup size, 1 BM, 2 BN, 3 BK, 4 TM, 5 TN (conv_tiled.glsl).
#include "conv_tiled.glsl"
#include "conv_fwd_map.glsl"

void main() {
    convGemm();
}
