package program

import "github.com/ocgan-vk/ocgan/runtime/graph"

// Options say what a compiled program reads back and what it trains.
type Options struct {
	// Outputs are read back to the host after every step (e.g. losses).
	// They may be any tensor of the graph; a parameter is read after the
	// optimizer's update.
	Outputs []*graph.Tensor

	// Params is the device store of the graph's ParamSet, shared by the
	// programs that must see the same values (the phases of a training
	// step). Nil gives the program a private store, freed with it.
	Params *DeviceParams

	// Adam, when set, appends an Adam update of each trained parameter to
	// the recorded step, after every node.
	Adam *Adam

	// Poison is a debugging aid: it records a NaN fill of every planned
	// tensor right after its last use, so a plan that gave two live tensors
	// the same memory shows up as NaNs in the results.
	Poison bool
}

// Adam is the optimizer of a program: torch.optim.Adam without weight decay,
// as graph.Adam, applied on the device to the parameters in Grads.
type Adam struct {
	LR, Beta1, Beta2, Eps float32

	// Grads maps each parameter to train to its gradient tensor, as
	// returned by Graph.Gradients. Entries whose key is not a Param (an
	// input or activation differentiated for another purpose) are skipped,
	// as graph.ParamGrads does. Parameters not in Grads are frozen.
	Grads map[*graph.Tensor]*graph.Tensor
}

// NewAdam returns an Adam over grads with graph.NewAdam's (OCGAN's)
// hyper-parameters: learning rate 2e-4, betas (0.5, 0.999), eps 1e-8.
func NewAdam(grads map[*graph.Tensor]*graph.Tensor) *Adam {
	return &Adam{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8, Grads: grads}
}
