// Package vulkan records the kernels' ops on a Vulkan device as methods of
// Library, which builds each shader (shaders/<op>_<direction>.comp) once per
// device with workgroup and tile sizes chosen for the device kind
// (specialization constants), and, for shaders with subgroup operations, the
// variant the device's subgroup features allow (the subgroup tier, or the
// basic tier without them). A method validates the params and the buffer
// lengths (in floats), then records dispatches into a vk.Sequence; it never
// submits. Outputs are overwritten, never accumulated into. Shapes and
// scalars travel as push constants; values that change every training step
// (learning rate, Adam bias corrections, RNG counters) are read when the
// kernel runs from a step-parameter buffer at a word offset (StepSlot,
// written with WriteCounter and WriteAdamStep), so a recorded sequence is
// replayed unchanged.
//
// Tests compare each method with its reference in package kernels on random
// data with awkward shapes, output buffers poisoned with NaN, within
// kerneltest.Tolerance.
package vulkan
