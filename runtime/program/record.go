package program

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// record records one node's dispatches into seq: in and out are the
// buffers of the node's inputs and outputs in the order its op documents,
// and counter is the step-parameter slot of the RNG counter. It mirrors
// graph.RefBackend's exec case for case. A Reshape records nothing: its
// output is a view of its input's buffer.
func record(lib *vulkan.Library, seq *vk.Sequence, counter vulkan.StepSlot, op graph.Op, in, out []*vk.Buffer) error {
	switch op := op.(type) {
	case graph.Conv2DOp:
		return lib.Conv2DForward(seq, op.P, in[0], in[1], optional(in, 2), out[0])
	case graph.Conv2DBackwardInputOp:
		return lib.Conv2DBackwardInput(seq, op.P, in[0], in[1], out[0])
	case graph.Conv2DBackwardWeightOp:
		return lib.Conv2DBackwardWeight(seq, op.P, in[0], in[1], out[0])
	case graph.Conv2DBackwardBiasOp:
		return lib.Conv2DBackwardBias(seq, op.P, in[0], out[0])
	case graph.ConvTranspose2DOp:
		return lib.ConvTranspose2DForward(seq, op.P, in[0], in[1], optional(in, 2), out[0])
	case graph.ConvTranspose2DBackwardInputOp:
		return lib.ConvTranspose2DBackwardInput(seq, op.P, in[0], in[1], out[0])
	case graph.ConvTranspose2DBackwardWeightOp:
		return lib.ConvTranspose2DBackwardWeight(seq, op.P, in[0], in[1], out[0])
	case graph.ConvTranspose2DBackwardBiasOp:
		return lib.ConvTranspose2DBackwardBias(seq, op.P, in[0], out[0])
	case graph.DenseOp:
		return lib.DenseForward(seq, op.P, in[0], in[1], optional(in, 2), out[0])
	case graph.DenseBackwardInputOp:
		return lib.DenseBackwardInput(seq, op.P, in[0], in[1], out[0])
	case graph.DenseBackwardWeightOp:
		return lib.DenseBackwardWeight(seq, op.P, in[0], in[1], out[0])
	case graph.DenseBackwardBiasOp:
		return lib.DenseBackwardBias(seq, op.P, in[0], out[0])
	case graph.BatchNormTrainOp:
		// The running statistics (inputs 3 and 4) are updated in place.
		return lib.BatchNormTrainForward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	case graph.BatchNormEvalOp:
		return lib.BatchNormEvalForward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0])
	case graph.BatchNormTrainBackwardOp:
		return lib.BatchNormTrainBackward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	case graph.BatchNormEvalBackwardOp:
		return lib.BatchNormEvalBackward(seq, op.P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	case graph.ActivationOp:
		return lib.ActivationForward(seq, op.P, in[0], out[0])
	case graph.ActivationBackwardOp:
		return lib.ActivationBackward(seq, op.P, in[0], in[1], out[0])
	case graph.DropoutOp:
		return lib.DropoutForward(seq, op.P, counter, in[0], out[0])
	case graph.DropoutBackwardOp:
		return lib.DropoutBackward(seq, op.P, counter, in[0], out[0])
	case graph.MSELossOp:
		if op.PerSample {
			return lib.MSELossPerSample(seq, op.P, in[0], in[1], out[0])
		}
		return lib.MSELoss(seq, op.P, in[0], in[1], out[0])
	case graph.BCEWithLogitsLossOp:
		if op.PerSample {
			return lib.BCEWithLogitsLossPerSample(seq, op.P, in[0], in[1], out[0])
		}
		return lib.BCEWithLogitsLoss(seq, op.P, in[0], in[1], out[0])
	case graph.MSELossGradOp:
		return lib.MSELossPerSampleGrad(seq, op.P, in[0], in[1], in[2], out[0])
	case graph.BCEWithLogitsLossGradOp:
		return lib.BCEWithLogitsLossPerSampleGrad(seq, op.P, in[0], in[1], in[2], out[0])
	case graph.MeanOp:
		return lib.ReduceMean(seq, op.P, in[0], out[0])
	case graph.MeanBackwardOp:
		return lib.ReduceMeanBackward(seq, op.P, in[0], out[0])
	case graph.AddOp:
		return lib.Add(seq, in[0], in[1], out[0])
	case graph.ScaleOp:
		return lib.Scale(seq, in[0], op.S, out[0])
	case graph.ReshapeOp:
		return nil // a view: same buffer
	case graph.FillOp:
		return lib.Fill(seq, out[0], op.V)
	}
	return fmt.Errorf("op %T (%s) is not supported on the device", op, op.Kind())
}

// optional returns in[i], or nil when the node has no such input (an
// optional bias).
func optional(in []*vk.Buffer, i int) *vk.Buffer {
	if i < len(in) {
		return in[i]
	}
	return nil
}
