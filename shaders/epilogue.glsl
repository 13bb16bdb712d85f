// epilogue.glsl: the activation a conv or dense forward applies to each output
// at its store, after the bias (kernels.Epilogue). The kind values are
// kernels.ActivationKind's:
//   EPI_NONE (0) or one of kinds.glsl's ACT_* values; any other value gives NaN.
// The host refuses any other value before it records a dispatch. Tanh and
// sigmoid are evaluated as in activation_fwd.comp: from exp(-|v|), so they
// saturate instead of overflowing, and tanh from its Taylor series near 0.
#include "kinds.glsl"

float epilogueTanh(float v) {
    float a = abs(v);
    float e = exp(-2.0 * a);
    float t = (1.0 - e) / (1.0 + e);
    if (a < 0.125) {
        // tanh a = a (1 - a²/3 + 2a⁴/15 - 17a⁶/315 + 62a⁸/2835) for |a| < 1/8 (error < 1e-9).
        float a2 = a * a;
        t = a * (1.0 + a2 * (-1.0 / 3.0 + a2 * (2.0 / 15.0 + a2 * (-17.0 / 315.0 + a2 * (62.0 / 2835.0)))));
    }
    return v < 0.0 ? -t : t;
}

float epilogueSigmoid(float v) {
    float e = exp(-abs(v));
    float r = 1.0 / (1.0 + e);
    return v >= 0.0 ? r : e * r;
}

// epilogue applies activation kind act (slope for leaky ReLU) to v.
float epilogue(float v, int act, float slope) {
    switch (uint(act)) {
    case EPI_NONE:
        return v;
    case ACT_RELU:
        return v > 0.0 ? v : 0.0;
    case ACT_LEAKY_RELU:
        return v > 0.0 ? v : slope * v;
    case ACT_TANH:
        return epilogueTanh(v);
    case ACT_SIGMOID:
        return epilogueSigmoid(v);
    }
    return uintBitsToFloat(0x7fc00000u); // NaN: act is not a kind (the host refuses it first)
}
