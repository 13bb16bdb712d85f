// Package kernels holds the op set of the OCGAN runtime: each op's parameters,
// shape rules and plain-Go reference implementation (the "oracle"). The
// Vulkan shaders and the native CPU kernels are tested against exactly these
// functions, so every function here is written for clarity and precision,
// not speed.
//
// # Conventions
//
// Tensors are flat []float32 slices in row-major NCHW layout: element
// (n, c, h, w) of a tensor of shape [N, C, H, W] is at index
// ((n·C + c)·H + h)·W + w. Dense (fully connected) tensors are [N, F] with
// element (n, f) at n·F + f. Weight layouts are given by each op.
//
// Precision: every reference widens its float32 inputs to float64, does all
// arithmetic and accumulation in float64, and rounds to float32 exactly once,
// when it stores an output element. Parameters stored as float32 (slopes,
// eps, momentum, Adam hyper-parameters) are used as the float64 widening of
// their float32 value.
//
// Each op lives in one file <op>_ref.go that holds its shape/parameter struct
// with a Validate method (errors start with the op name and name the bad
// field), an output-shape method where the output shape differs from the
// input shape, the forward reference and every backward reference the
// training needs.
//
// Functions allocate and return their outputs; they never write to their
// inputs, except the documented in-place updates (Adam's AdamUpdate and the
// running statistics of BatchNormTrainForward). All slice lengths are
// checked, and a mismatch is reported as an error, never a panic.
//
// # Backends
//
// This package is backend-free (no cgo): it defines the op set. Each backend
// implements every op against these definitions: kernels/vulkan records the
// ops as Vulkan compute dispatches, kernels/cpu runs them natively on the
// CPU. Both are tested against these references on random data with awkward
// shapes and NaN-poisoned outputs, within kerneltest.Tolerance.
//
// Random numbers come from the counter-based Philox4x32-10 stream defined in
// rng_ref.go; dropout masks and weight initialisation are functions of
// (seed, counter, element index) only, so a shader can reproduce them.
package kernels
