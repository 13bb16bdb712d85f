package train

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// miningPhase is the device half of informative-negative mining (step 3 of
// Algorithm 1, every network fixed). Its graph takes the unconstrained
// latent μ [B, L] and computes
//
//	loss = B · mean_i BCE(C(De(tanh μ))_i, 0)
//
// (the sum of the per-sample losses, so each sample moves on its own loss
// as in the peer's reduction="sum"), and its program returns d loss / d μ and
// the per-sample losses. There is no optimizer. De and C run in Train mode
// (batch statistics, dropout), as the peer does, but are built from the
// geometry with batch-norm momentum 0 so mining leaves every running
// statistic as it was.
//
// The host half (mine) keeps μ = atanh(u), takes K plain gradient-descent
// steps μ ← μ − step·d loss/d μ, and returns u* = tanh(μ) clamped into the
// open interval (−1, 1): the tanh parameterisation keeps the mined latents in
// the latent support, whatever the step.
type miningPhase struct {
	*phase
	mu, perSample, grad *graph.Tensor
}

func buildMining(frozen *model.Model, ps *graph.ParamSet, b int) (*miningPhase, error) {
	p := &miningPhase{phase: newPhase("mining", ps, graph.Train)}
	p.mu = p.input("mu", frozen.LatentShape(b)...)
	zeros := p.constant("zeros", 0, b, 1)
	logits := frozen.Classifier(p.g, frozen.Decoder(p.g, p.g.Tanh(p.mu)))
	p.perSample = p.g.BCEWithLogitsLossPerSample(logits, zeros)
	loss := p.g.Scale(p.g.Mean(p.perSample), float32(b))
	if err := p.g.Err(); err != nil {
		return nil, fmt.Errorf("train: building the mining phase: %w", err)
	}
	grads, err := p.g.Gradients(loss, p.mu)
	if err != nil {
		return nil, fmt.Errorf("train: differentiating the mining phase: %w", err)
	}
	p.grad = grads[p.mu]
	p.outputs = []*graph.Tensor{p.perSample, p.grad}
	return p, nil
}

// maxLatent is the largest float32 below 1 (1 − 2⁻²⁴): mined latents stay
// in (−1, 1).
const maxLatent float32 = 1 - 1.0/(1<<24)

// atanhLatent returns atanh(u) for u clamped into (−1, 1).
func atanhLatent(u float32) float32 {
	v := float64(min(max(u, -maxLatent), maxLatent))
	return float32(math.Atanh(v))
}

// tanhLatent returns tanh(μ) clamped into (−1, 1).
func tanhLatent(mu float32) float32 {
	v := float32(math.Tanh(float64(mu)))
	return min(max(v, -maxLatent), maxLatent)
}

// miningResult reports the mean per-sample classifier loss BCE(C(De(u)), 0)
// before the first step and at the last evaluated point (before the last
// update), for logs and tests.
type miningResult struct {
	Before, Last float64
}

// mine runs steps gradient steps of size step from the latents u (B·L
// values, overwritten with the mined latents). counter is the RNG counter
// of the first step (dropout masks); step k uses counter+k.
func (p *miningPhase) mine(u []float32, steps int, step float32, counter uint64) (miningResult, error) {
	var res miningResult
	mu := p.feeds[p.mu]
	for i, v := range u {
		mu[i] = atanhLatent(v)
	}
	for k := 0; k < steps; k++ {
		out, err := p.step(counter + uint64(k))
		if err != nil {
			return res, err
		}
		m := meanOf(out[p.perSample])
		if k == 0 {
			res.Before = m
		}
		res.Last = m
		for i, g := range out[p.grad] {
			mu[i] -= step * g
		}
	}
	for i := range u {
		u[i] = tanhLatent(mu[i])
	}
	return res, nil
}

// lossAt returns the per-sample losses BCE(C(De(u)), 0) at u with the
// RNG counter c, without changing u.
func (p *miningPhase) lossAt(u []float32, c uint64) ([]float32, error) {
	mu := p.feeds[p.mu]
	for i, v := range u {
		mu[i] = atanhLatent(v)
	}
	out, err := p.step(c)
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), out[p.perSample]...), nil
}

func meanOf(v []float32) float64 {
	s := 0.0
	for _, x := range v {
		s += float64(x)
	}
	return s / float64(len(v))
}
