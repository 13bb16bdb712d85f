// Package program turns a graph (runtime/graph) into a training or inference
// step that runs on a Vulkan device as one recorded command buffer.
//
// Compile plans the memory of the graph's activations and gradients (tensors
// whose live ranges do not overlap share a buffer; Reshape outputs are views
// of their input), records every node in order, then the optimizer's Adam
// updates, into ONE vk.Sequence, and returns a Program. Program.Step replays
// it: it uploads the inputs, rewrites the small step-parameter buffer (the
// dropout RNG counter and Adam's step scalars, see kernels.StepSlot), submits
// once, waits, and reads back the requested outputs. Nothing is re-recorded.
//
// Parameters, batch-norm running statistics and Adam moments live in
// DeviceParams, one device buffer per name, shared by every program compiled
// against it: the phases of a GAN's training step (one program per network
// update) see each other's updates without copies. DeviceParams copies them
// to and from a graph.ParamSet by name (Download, Upload) and exposes the
// Adam state by name (AdamState, SetAdamState), for checkpoints.
//
// A Program mirrors graph.RefBackend node for node (record.go has one case
// per op type, like ref.go), so the reference backend is its oracle.
//
// Nothing here is safe for concurrent use.
package program
