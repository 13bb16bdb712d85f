package cpuprogram

import (
	"reflect"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// kernel runs one node: in and out are the slices of the node's inputs and
// outputs in the order its op documents; counter is the step's RNG counter.
type kernel func(d *cpu.Device, op graph.Op, counter uint64, in, out [][]float32) error

// kernels maps every op type to its CPU kernel.
var cpuKernels = map[reflect.Type]kernel{
	typeOf(graph.Conv2DOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.Conv2DForward(o.(graph.Conv2DOp).P, in[0], in[1], optional(in, 2), out[0])
	},
	typeOf(graph.Conv2DBackwardInputOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.Conv2DBackwardInput(o.(graph.Conv2DBackwardInputOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.Conv2DBackwardWeightOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.Conv2DBackwardWeight(o.(graph.Conv2DBackwardWeightOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.Conv2DBackwardBiasOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.Conv2DBackwardBias(o.(graph.Conv2DBackwardBiasOp).P, in[0], out[0])
	},
	typeOf(graph.ConvTranspose2DOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ConvTranspose2DForward(o.(graph.ConvTranspose2DOp).P, in[0], in[1], optional(in, 2), out[0])
	},
	typeOf(graph.ConvTranspose2DBackwardInputOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ConvTranspose2DBackwardInput(o.(graph.ConvTranspose2DBackwardInputOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.ConvTranspose2DBackwardWeightOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ConvTranspose2DBackwardWeight(o.(graph.ConvTranspose2DBackwardWeightOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.ConvTranspose2DBackwardBiasOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ConvTranspose2DBackwardBias(o.(graph.ConvTranspose2DBackwardBiasOp).P, in[0], out[0])
	},
	typeOf(graph.DenseOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.DenseForward(o.(graph.DenseOp).P, in[0], in[1], optional(in, 2), out[0])
	},
	typeOf(graph.DenseBackwardInputOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.DenseBackwardInput(o.(graph.DenseBackwardInputOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.DenseBackwardWeightOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.DenseBackwardWeight(o.(graph.DenseBackwardWeightOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.DenseBackwardBiasOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.DenseBackwardBias(o.(graph.DenseBackwardBiasOp).P, in[0], out[0])
	},
	typeOf(graph.BatchNormTrainOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		// The running statistics (inputs 3 and 4) are updated in place.
		return d.BatchNormTrainForward(o.(graph.BatchNormTrainOp).P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	},
	typeOf(graph.BatchNormEvalOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.BatchNormEvalForward(o.(graph.BatchNormEvalOp).P, in[0], in[1], in[2], in[3], in[4], out[0])
	},
	typeOf(graph.BatchNormTrainBackwardOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.BatchNormTrainBackward(o.(graph.BatchNormTrainBackwardOp).P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	},
	typeOf(graph.BatchNormEvalBackwardOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.BatchNormEvalBackward(o.(graph.BatchNormEvalBackwardOp).P, in[0], in[1], in[2], in[3], in[4], out[0], out[1], out[2])
	},
	typeOf(graph.ActivationOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ActivationForward(o.(graph.ActivationOp).P, in[0], out[0])
	},
	typeOf(graph.ActivationBackwardOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ActivationBackward(o.(graph.ActivationBackwardOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.DropoutOp{}): func(d *cpu.Device, o graph.Op, c uint64, in, out [][]float32) error {
		p := o.(graph.DropoutOp).P
		p.Counter = c
		return d.DropoutForward(p, in[0], out[0])
	},
	typeOf(graph.DropoutBackwardOp{}): func(d *cpu.Device, o graph.Op, c uint64, in, out [][]float32) error {
		p := o.(graph.DropoutBackwardOp).P
		p.Counter = c
		return d.DropoutBackward(p, in[0], out[0])
	},
	typeOf(graph.MSELossOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		if op := o.(graph.MSELossOp); op.PerSample {
			return d.MSELossPerSample(op.P, in[0], in[1], out[0])
		}
		return d.MSELoss(o.(graph.MSELossOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.BCEWithLogitsLossOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		if op := o.(graph.BCEWithLogitsLossOp); op.PerSample {
			return d.BCEWithLogitsLossPerSample(op.P, in[0], in[1], out[0])
		}
		return d.BCEWithLogitsLoss(o.(graph.BCEWithLogitsLossOp).P, in[0], in[1], out[0])
	},
	typeOf(graph.MSELossGradOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.MSELossPerSampleGrad(o.(graph.MSELossGradOp).P, in[0], in[1], in[2], out[0])
	},
	typeOf(graph.BCEWithLogitsLossGradOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.BCEWithLogitsLossPerSampleGrad(o.(graph.BCEWithLogitsLossGradOp).P, in[0], in[1], in[2], out[0])
	},
	typeOf(graph.MeanOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ReduceMean(o.(graph.MeanOp).P, in[0], out[0])
	},
	typeOf(graph.MeanBackwardOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.ReduceMeanBackward(o.(graph.MeanBackwardOp).P, in[0], out[0])
	},
	typeOf(graph.AddOp{}): func(d *cpu.Device, _ graph.Op, _ uint64, in, out [][]float32) error {
		return d.Add(in[0], in[1], out[0])
	},
	typeOf(graph.ScaleOp{}): func(d *cpu.Device, o graph.Op, _ uint64, in, out [][]float32) error {
		return d.Scale(in[0], o.(graph.ScaleOp).S, out[0])
	},
	typeOf(graph.ReshapeOp{}): func(*cpu.Device, graph.Op, uint64, [][]float32, [][]float32) error {
		return nil // a view: the same slice
	},
	typeOf(graph.FillOp{}): func(d *cpu.Device, o graph.Op, _ uint64, _, out [][]float32) error {
		d.Fill(o.(graph.FillOp).V, out[0])
		return nil
	},
}

func typeOf(op graph.Op) reflect.Type { return reflect.TypeOf(op) }

// kernelOf returns the kernel of op's type.
func kernelOf(op graph.Op) (kernel, bool) {
	k, ok := cpuKernels[reflect.TypeOf(op)]
	return k, ok
}

// Supports reports whether the CPU backend has a kernel for op's type.
func Supports(op graph.Op) bool {
	_, ok := kernelOf(op)
	return ok
}

// optional returns in[i], or nil when the node has no such input (an
// optional bias).
func optional(in [][]float32, i int) []float32 {
	if i < len(in) {
		return in[i]
	}
	return nil
}
