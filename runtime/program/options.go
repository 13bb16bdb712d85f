package program

import (
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// Options say what a compiled program reads back and what it trains; see
// backend.Options. Params, when set, must be a *DeviceParams on the same
// device.
type Options = backend.Options

// Adam is the optimizer of a program (backend.Adam).
type Adam = backend.Adam

// AdamState is the Adam state of one parameter on the host.
type AdamState = backend.AdamState

// StepTiming is where the wall-clock time of one step went.
type StepTiming = backend.StepTiming

// NewAdam returns an Adam over grads with OCGAN's hyper-parameters (see
// backend.NewAdam).
func NewAdam(grads map[*graph.Tensor]*graph.Tensor) *Adam { return backend.NewAdam(grads) }
