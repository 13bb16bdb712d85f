// Package graph builds computation graphs of the kernels' ops, differentiates
// them in reverse mode and runs them on the kernels' Go references.
//
// A Graph is built once by calling its op methods (Conv2D, BatchNorm,
// LeakyReLU, MSELoss, ...). Shapes are checked as each op is added; the first
// error is kept (like bufio.Scanner) and returned by Err, later ops on a
// failed graph add nothing and return a placeholder tensor. Errors name the
// op, the node and the shapes involved.
//
// Parameters and batch-norm running statistics live in a ParamSet, by name,
// shared by any number of graphs: a Train-mode graph and an Eval-mode graph of
// the same network read and write the same values.
//
// Gradients appends the backward nodes for a scalar loss with respect to any
// set of tensors (parameters or inputs), built only from the kernels'
// backward rules. Parameters not asked for (a frozen network) get no gradient
// nodes at all.
//
// RefBackend executes a graph node by node on the kernels' references (the
// oracles the GPU kernels are tested against), and Adam updates a ParamSet
// with kernels.AdamUpdate. A device backend has the same shape: it walks
// Graph.Nodes in order and switches on the concrete Op types of ops.go.
//
// Nothing here is safe for concurrent use.
package graph
