// kinds.glsl: the named values of the kinds and modes the Go bindings pass to
// the shaders as specialization or push constants (kernels/vulkan's tests check each
// against its Go constant). A shader given a value that is not listed here
// computes nothing (it writes NaN or returns early); the Go side refuses such
// values before any dispatch.
#ifndef KINDS_GLSL
#define KINDS_GLSL

// Activation functions (kernels.ActivationKind): activation_fwd and
// activation_bwd, constant 1.
#define EPI_NONE 0u // conv and dense epilogues only (epilogue.glsl): no activation
#define ACT_RELU 1u
#define ACT_LEAKY_RELU 2u
#define ACT_TANH 3u
#define ACT_SIGMOID 4u

// Batch-norm forward modes: batch_norm_fwd, constant 2.
#define BN_TRAIN 0u
#define BN_EVAL 1u

// How the lanes of a conv team get their A values (conv_common.glsl SG,
// constant 3 of conv2d_fwd, conv2d_bwd_data and conv2d_bwd_filter).
#define CONV_SG_LOAD 0      // every lane of a team of 8 loads all of them
#define CONV_SG_BROADCAST 1 // each lane loads some, subgroupBroadcast shares them
#define CONV_SG_SOLO 2      // teams of one lane

// Loss outputs: push constant per_sample of mse_loss, bce_loss, mse_grad and
// bce_grad.
#define LOSS_MEAN 0u       // the mean over all N·F elements (its gradient)
#define LOSS_PER_SAMPLE 1u // one mean per sample (the gradient of Σ dloss[n]·L[n])

#endif
