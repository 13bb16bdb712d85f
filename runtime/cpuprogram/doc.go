// Package cpuprogram runs graphs on the native CPU backend (kernels/cpu):
// the backend.Backend of machines without a GPU.
//
// A program is compiled once: the memory plan (runtime/memplan) places
// every activation and gradient in one arena of host memory, every node is
// bound to its kernel and to its input and output slices, and Step then runs
// the nodes in order and the Adam updates, with no allocation. Parameters,
// batch-norm state and Adam moments live in a Params store shared by the
// programs of one ParamSet, as on the Vulkan backend.
package cpuprogram
