package program

import (
	"fmt"
	"reflect"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// recorder records one node's dispatches into seq.
type recorder func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, op graph.Op, in, out []*vk.Buffer) error

// record records one node's dispatches into seq with its op's recorder.
func record(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, op graph.Op, in, out []*vk.Buffer) error {
	r, ok := recorders[reflect.TypeOf(op)]
	if !ok {
		return fmt.Errorf("op %T (%s) is not supported on the device", op, op.Kind())
	}
	return r(lib, seq, counter, op, in, out)
}

// Supports reports whether the Vulkan backend has kernels for op's type.
func Supports(op graph.Op) bool {
	_, ok := recorders[reflect.TypeOf(op)]
	return ok
}

func typeOf(op graph.Op) reflect.Type { return reflect.TypeOf(op) }

// workspace is the floats of workspace (vulkan.Library.WithWorkspace) that
// op's kernels need as the library would record them now: the split-K
// partial sums of a conv pass, 0 for every other op.
func workspace(lib *vulkan.Library, op graph.Op) (int, error) {
	switch o := op.(type) {
	case graph.Conv2DOp:
		return lib.Conv2DWorkspace(o.P, vulkan.ConvPassForward)
	case graph.Conv2DBackwardInputOp:
		return lib.Conv2DWorkspace(o.P, vulkan.ConvPassBackwardInput)
	case graph.Conv2DBackwardWeightOp:
		return lib.Conv2DWorkspace(o.P, vulkan.ConvPassBackwardWeight)
	case graph.ConvTranspose2DOp:
		return lib.ConvTranspose2DWorkspace(o.P, vulkan.ConvPassForward)
	case graph.ConvTranspose2DBackwardInputOp:
		return lib.ConvTranspose2DWorkspace(o.P, vulkan.ConvPassBackwardInput)
	case graph.ConvTranspose2DBackwardWeightOp:
		return lib.ConvTranspose2DWorkspace(o.P, vulkan.ConvPassBackwardWeight)
	}
	return 0, nil
}

// recorders maps every op type to its recorder: in and out are the
// buffers of the node's inputs and outputs in the order its op documents,
// and counter is the step-parameter slot of the RNG counter. A Reshape
// records nothing: its output is a view of its input's buffer.
var recorders = map[reflect.Type]recorder{
	typeOf(graph.Conv2DOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.Conv2DOp)
		return lib.Conv2DForward(seq, op.P, in[0], in[1], optional(in, 2), out[0])
	},
	typeOf(graph.Conv2DBackwardInputOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.Conv2DBackwardInputOp)
		return lib.Conv2DBackwardInput(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.Conv2DBackwardWeightOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.Conv2DBackwardWeightOp)
		return lib.Conv2DBackwardWeight(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.Conv2DBackwardBiasOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.Conv2DBackwardBiasOp)
		return lib.Conv2DBackwardBias(seq, op.P, in[0], out[0])
	},
	typeOf(graph.ConvTranspose2DOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ConvTranspose2DOp)
		return lib.ConvTranspose2DForward(seq, op.P, in[0], in[1], optional(in, 2), out[0])
	},
	typeOf(graph.ConvTranspose2DBackwardInputOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ConvTranspose2DBackwardInputOp)
		return lib.ConvTranspose2DBackwardInput(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.ConvTranspose2DBackwardWeightOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ConvTranspose2DBackwardWeightOp)
		return lib.ConvTranspose2DBackwardWeight(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.ConvTranspose2DBackwardBiasOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ConvTranspose2DBackwardBiasOp)
		return lib.ConvTranspose2DBackwardBias(seq, op.P, in[0], out[0])
	},
	typeOf(graph.DenseOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.DenseOp)
		return lib.DenseForward(seq, op.P, in[0], in[1], optional(in, 2), out[0])
	},
	typeOf(graph.DenseBackwardInputOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.DenseBackwardInputOp)
		return lib.DenseBackwardInput(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.DenseBackwardWeightOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.DenseBackwardWeightOp)
		return lib.DenseBackwardWeight(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.DenseBackwardBiasOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.DenseBackwardBiasOp)
		return lib.DenseBackwardBias(seq, op.P, in[0], out[0])
	},
	typeOf(graph.BatchNormTrainOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.BatchNormTrainOp)
		// The running statistics (inputs 3 and 4) are updated in place.
		return lib.BatchNormTrainForward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	},
	typeOf(graph.BatchNormEvalOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.BatchNormEvalOp)
		return lib.BatchNormEvalForward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0])
	},
	typeOf(graph.BatchNormTrainBackwardOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.BatchNormTrainBackwardOp)
		return lib.BatchNormTrainBackward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	},
	typeOf(graph.BatchNormEvalBackwardOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.BatchNormEvalBackwardOp)
		return lib.BatchNormEvalBackward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	},
	typeOf(graph.ActivationOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ActivationOp)
		return lib.ActivationForward(seq, op.P, in[0], out[0])
	},
	typeOf(graph.ActivationBackwardOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ActivationBackwardOp)
		return lib.ActivationBackward(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.DropoutOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.DropoutOp)
		return lib.DropoutForward(seq, op.P, counter, in[0], out[0])
	},
	typeOf(graph.DropoutBackwardOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.DropoutBackwardOp)
		return lib.DropoutBackward(seq, op.P, counter, in[0], out[0])
	},
	typeOf(graph.MSELossOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.MSELossOp)
		if op.PerSample {
			return lib.MSELossPerSample(seq, op.P, in[0], in[1], out[0])
		}
		return lib.MSELoss(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.BCEWithLogitsLossOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.BCEWithLogitsLossOp)
		if op.PerSample {
			return lib.BCEWithLogitsLossPerSample(seq, op.P, in[0], in[1], out[0])
		}
		return lib.BCEWithLogitsLoss(seq, op.P, in[0], in[1], out[0])
	},
	typeOf(graph.MSELossGradOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.MSELossGradOp)
		return lib.MSELossPerSampleGrad(seq, op.P, in[0], in[1], in[2], out[0])
	},
	typeOf(graph.BCEWithLogitsLossGradOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.BCEWithLogitsLossGradOp)
		return lib.BCEWithLogitsLossPerSampleGrad(seq, op.P, in[0], in[1], in[2], out[0])
	},
	typeOf(graph.MeanOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.MeanOp)
		return lib.ReduceMean(seq, op.P, in[0], out[0])
	},
	typeOf(graph.MeanBackwardOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.MeanBackwardOp)
		return lib.ReduceMeanBackward(seq, op.P, in[0], out[0])
	},
	typeOf(graph.AddOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		return lib.Add(seq, in[0], in[1], out[0])
	},
	typeOf(graph.ScaleOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.ScaleOp)
		return lib.Scale(seq, in[0], op.S, out[0])
	},
	typeOf(graph.ReshapeOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		return nil // a view: same buffer
	},
	typeOf(graph.FillOp{}): func(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, o graph.Op, in, out []*vk.Buffer) error {
		op := o.(graph.FillOp)
		return lib.Fill(seq, out[0], op.V)
	},
}

// optional returns in[i], or nil when the node has no such input (an
// optional bias).
func optional(in []*vk.Buffer, i int) *vk.Buffer {
	if i < len(in) {
		return in[i]
	}
	return nil
}
