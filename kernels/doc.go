// Package kernels holds the CPU reference implementations ("oracles") of the
// neural-network operations used by the OCGAN training runtime. The Vulkan
// compute shaders are tested against exactly these functions, so every
// function here is written for clarity and precision, not speed.
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
// # GPU bindings
//
// Beside each reference, <op>.go records the op on a Vulkan device as methods of
// Library, which builds each shader (shaders/<op>_<direction>.comp) once per device
// with workgroup and tile sizes chosen for the device kind (specialization
// constants). A method validates the params and the buffer lengths (in floats),
// then records dispatches into a vk.Sequence; it never submits. Outputs are
// overwritten, never accumulated into. Shapes and scalars travel as push
// constants; values that change every training step (learning rate, Adam bias
// corrections, RNG counters) are read when the kernel runs from a step-parameter
// buffer at a word offset (StepSlot, written with WriteCounter and WriteAdamStep),
// so a recorded sequence is replayed unchanged.
//
// GPU tests compare each method with its reference on random data with awkward
// shapes, output buffers poisoned with NaN, within gpuTolerance (gpu_helpers_test.go).
//
// Random numbers come from the counter-based Philox4x32-10 stream defined in
// rng_ref.go; dropout masks and weight initialisation are functions of
// (seed, counter, element index) only, so a shader can reproduce them.
package kernels
