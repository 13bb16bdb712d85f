package vulkan

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// GPU bindings of the losses; loss_ref.go defines the ops.
//
// A loss value is reduced on the device by one dispatch of <loss>_loss: for the mean,
// ONE workgroup whose lanes each keep a Kahan-compensated sum of a strided share of
// the N·F elements, then add the lane sums pairwise in shared memory; for the
// per-sample losses, one workgroup per sample doing the same over its F elements.
// No scratch buffer and no second pass are needed, and the result is within float
// rounding of the float64 reference. The gradients are one element-wise dispatch of
// <loss>_grad.

// lossLocal is the workgroup size of the loss shaders: the element-wise size, which
// the reductions need to be a power of two (at least 4), else 64.
func (l *Library) lossLocal() uint32 {
	if local := l.elementwiseLocal(); local >= 4 && local&(local-1) == 0 {
		return local
	}
	return 64
}

// lossCheck validates p and the prediction and target buffers.
func lossCheck(op string, p kernels.LossParams, pred, target *vk.Buffer) error {
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkBuf(op, "prediction", pred, "N*F", p.N, p.F); err != nil {
		return err
	}
	return checkBuf(op, "target", target, "N*F", p.N, p.F)
}

// recordLossValue records out = the mean (perSample false, out [1]) or the
// per-sample losses (out [N]) of the named loss shader.
func (l *Library) recordLossValue(seq *vk.Sequence, op, shader string, p kernels.LossParams, pred, target, out *vk.Buffer, perSample bool) error {
	if err := lossCheck(op, p, pred, target); err != nil {
		return err
	}
	groups := [3]uint32{1, 1, 1}
	push := lossValuePush{n: uint32(p.N), f: uint32(p.F), mode: lossMean}
	if perSample {
		if err := checkBuf(op, "per-sample loss", out, "N", p.N); err != nil {
			return err
		}
		groups = l.groups1D(p.N, 1)
		push.mode = lossPerSample
	} else if err := checkBuf(op, "loss", out, "1", 1); err != nil {
		return err
	}
	local := l.lossLocal()
	k, err := l.kernel(shader, []vk.Access{vk.Read, vk.Read, vk.Write}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, groups, push.words(), pred, target, out)
}

// recordLossGrad records grad = the gradient of the named loss w.r.t. pred: of the
// mean loss when dloss is nil (scale = num/(N·F)), else of Σ_n dloss[n]·L[n] with the
// per-sample losses L (scale = num/F).
func (l *Library) recordLossGrad(seq *vk.Sequence, op, shader string, num float64, p kernels.LossParams, pred, target, dloss, grad *vk.Buffer, perSample bool) error {
	if err := lossCheck(op, p, pred, target); err != nil {
		return err
	}
	mode := lossMean
	scale := num / (float64(p.N) * float64(p.F))
	if perSample {
		if err := checkBuf(op, "per-sample loss gradient", dloss, "N", p.N); err != nil {
			return err
		}
		mode, scale = lossPerSample, num/float64(p.F)
	} else {
		dloss = pred // bound but not read
	}
	if err := checkBuf(op, "gradient", grad, "N*F", p.N, p.F); err != nil {
		return err
	}
	if perSample && grad == dloss {
		return fmt.Errorf("%s: the gradient buffer must not be the per-sample loss gradient", op)
	}
	local := l.elementwiseLocal()
	push := lossGradPush{n: uint32(p.N), f: uint32(p.F), mode: mode, scale: float32(scale)}
	k, err := l.kernel(shader, []vk.Access{vk.Read, vk.Read, vk.Read, vk.Write}, push, local)
	if err != nil {
		return err
	}
	return seq.Dispatch(k, l.groups1D(denseCeilDiv(p.N*p.F, 4), local), push.words(), pred, target, dloss, grad)
}

// MSELoss records loss[0] = (1/(N·F)) Σ (pred − target)² (MSELoss in loss_ref.go);
// pred and target are [N, F], loss holds 1 float.
func (l *Library) MSELoss(seq *vk.Sequence, p kernels.LossParams, pred, target, loss *vk.Buffer) error {
	return l.recordLossValue(seq, kernels.OpMSE, "mse_loss", p, pred, target, loss, false)
}

// MSELossPerSample records loss[n] = (1/F) Σ_f (pred[n,f] − target[n,f])²
// (MSELossPerSample in loss_ref.go); loss holds N floats.
func (l *Library) MSELossPerSample(seq *vk.Sequence, p kernels.LossParams, pred, target, loss *vk.Buffer) error {
	return l.recordLossValue(seq, kernels.OpMSE, "mse_loss", p, pred, target, loss, true)
}

// MSELossGrad records grad = 2·(pred − target)/(N·F) (MSELossGrad in loss_ref.go);
// grad is [N, F] and may be pred or target (in place).
func (l *Library) MSELossGrad(seq *vk.Sequence, p kernels.LossParams, pred, target, grad *vk.Buffer) error {
	return l.recordLossGrad(seq, kernels.OpMSE, "mse_grad", 2, p, pred, target, nil, grad, false)
}

// MSELossPerSampleGrad records grad[n,f] = dloss[n]·2·(pred[n,f] − target[n,f])/F
// (MSELossPerSampleGrad in loss_ref.go); dloss holds N floats, grad is [N, F] and may
// be pred or target (in place), not dloss.
func (l *Library) MSELossPerSampleGrad(seq *vk.Sequence, p kernels.LossParams, pred, target, dloss, grad *vk.Buffer) error {
	return l.recordLossGrad(seq, kernels.OpMSE, "mse_grad", 2, p, pred, target, dloss, grad, true)
}

// BCEWithLogitsLoss records loss[0] = (1/(N·F)) Σ ℓ(x, y), ℓ(x, y) = max(x, 0) − x·y +
// log1p(exp(−|x|)) (BCEWithLogitsLoss in loss_ref.go); logits and target are [N, F],
// loss holds 1 float.
func (l *Library) BCEWithLogitsLoss(seq *vk.Sequence, p kernels.LossParams, logits, target, loss *vk.Buffer) error {
	return l.recordLossValue(seq, kernels.OpBCE, "bce_loss", p, logits, target, loss, false)
}

// BCEWithLogitsLossPerSample records loss[n] = (1/F) Σ_f ℓ(x[n,f], y[n,f])
// (BCEWithLogitsLossPerSample in loss_ref.go); loss holds N floats.
func (l *Library) BCEWithLogitsLossPerSample(seq *vk.Sequence, p kernels.LossParams, logits, target, loss *vk.Buffer) error {
	return l.recordLossValue(seq, kernels.OpBCE, "bce_loss", p, logits, target, loss, true)
}

// BCEWithLogitsLossGrad records grad = (sigmoid(x) − y)/(N·F) (BCEWithLogitsLossGrad
// in loss_ref.go); grad is [N, F] and may be logits or target (in place).
func (l *Library) BCEWithLogitsLossGrad(seq *vk.Sequence, p kernels.LossParams, logits, target, grad *vk.Buffer) error {
	return l.recordLossGrad(seq, kernels.OpBCE, "bce_grad", 1, p, logits, target, nil, grad, false)
}

// BCEWithLogitsLossPerSampleGrad records grad[n,f] = dloss[n]·(sigmoid(x[n,f]) −
// y[n,f])/F (BCEWithLogitsLossPerSampleGrad in loss_ref.go); dloss holds N floats,
// grad is [N, F] and may be logits or target (in place), not dloss.
func (l *Library) BCEWithLogitsLossPerSampleGrad(seq *vk.Sequence, p kernels.LossParams, logits, target, dloss, grad *vk.Buffer) error {
	return l.recordLossGrad(seq, kernels.OpBCE, "bce_grad", 1, p, logits, target, dloss, grad, true)
}
