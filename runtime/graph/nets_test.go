package graph

import (
	"math/rand"

	"github.com/ocgan-vk/ocgan/kernels"
)

// aeNet is a small auto-encoder plus a discriminator on its latent code:
//
//	x [2,1,6,6] → conv 3×3/2 (3 ch) → BN(train or eval) → leaky ReLU 0.2 = z [2,3,3,3]
//	z → conv-transpose 4×4/2 → tanh = xr [2,1,6,6];  rec = MSE(xr, x)
//	z → reshape [2,27] → dense 27→1 = d;  adv = BCE-with-logits(d, label)
//	loss = rec + 0.5·adv
//
// x is used twice (conv input and MSE target) and so is z (decoder and
// discriminator), so gradients w.r.t. both accumulate.
type aeNet struct {
	g                    *Graph
	x, label             *Tensor
	z, xr, rec, adv      *Tensor
	loss                 *Tensor
	enc, dec, disc, bnSt []*Tensor
}

func buildAE(ps *ParamSet, mode Mode) *aeNet {
	g := New(ps, mode)
	n := &aeNet{g: g}
	n.x = g.Input("x", 2, 1, 6, 6)
	n.label = g.Input("label", 2, 1)
	w1 := g.Param("enc.conv1.weight", []int{3, 1, 3, 3}, InitNormal(0, 0.02))
	b1 := g.Param("enc.conv1.bias", []int{3}, InitZeros())
	gm := g.Param("enc.bn1.gamma", []int{3}, InitNormal(1, 0.02))
	bt := g.Param("enc.bn1.beta", []int{3}, InitZeros())
	rm := g.State("enc.bn1.running_mean", []int{3}, InitZeros())
	rv := g.State("enc.bn1.running_var", []int{3}, InitOnes())
	w2 := g.Param("dec.convt1.weight", []int{3, 1, 4, 4}, InitNormal(0, 0.02))
	b2 := g.Param("dec.convt1.bias", []int{1}, InitZeros())
	wd := g.Param("disc.fc.weight", []int{1, 27}, InitNormal(0, 0.02))
	bd := g.Param("disc.fc.bias", []int{1}, InitZeros())
	n.enc = []*Tensor{w1, b1, gm, bt}
	n.dec = []*Tensor{w2, b2}
	n.disc = []*Tensor{wd, bd}
	n.bnSt = []*Tensor{rm, rv}

	h := g.Conv2D(n.x, w1, b1, 2, 1)
	h = g.BatchNorm(h, gm, bt, rm, rv, kernels.DefaultBatchNormMomentum, kernels.DefaultBatchNormEps)
	n.z = g.LeakyReLU(h, 0.2)
	n.xr = g.Tanh(g.ConvTranspose2D(n.z, w2, b2, 2, 1, 0))
	n.rec = g.MSELoss(n.xr, n.x)
	d := g.Dense(g.Reshape(n.z, 2, -1), wd, bd)
	n.adv = g.BCEWithLogitsLoss(d, n.label)
	n.loss = g.Add(n.rec, g.Scale(n.adv, 0.5))
	return n
}

func (n *aeNet) params() []*Tensor {
	return append(append(append([]*Tensor(nil), n.enc...), n.dec...), n.disc...)
}

func (n *aeNet) feeds(rng *rand.Rand) map[*Tensor][]float32 {
	return map[*Tensor][]float32{
		n.x:     randSlice(rng, 72, 0.9),
		n.label: {1, 0},
	}
}

// miningNet is OCGAN's informative-negative mining path: a latent input l
// [3,8] → dense 8→12 → sigmoid → reshape [3,3,2,2] → conv-transpose 2×2/2
// → tanh (the decoder) → conv 3×3 → BN (1-D, on [3,4]) → relu → dropout →
// dense 4→1 (the classifier) → per-sample BCE with logits → mean. The
// gradient is taken w.r.t. l.
type miningNet struct {
	g       *Graph
	l, lbl  *Tensor
	loss    *Tensor
	classif []*Tensor
}

func buildMining(ps *ParamSet, mode Mode) *miningNet {
	g := New(ps, mode)
	n := &miningNet{g: g}
	n.l = g.Input("latent", 3, 8)
	n.lbl = g.Input("label", 3, 1)
	wl := g.Param("dec.fc.weight", []int{12, 8}, InitNormal(0, 0.02))
	w2 := g.Param("dec.convt.weight", []int{3, 2, 2, 2}, InitNormal(0, 0.02))
	wc := g.Param("cls.conv.weight", []int{4, 2, 3, 3}, InitNormal(0, 0.02))
	bc := g.Param("cls.conv.bias", []int{4}, InitZeros())
	gm := g.Param("cls.bn.gamma", []int{4}, InitNormal(1, 0.02))
	bt := g.Param("cls.bn.beta", []int{4}, InitZeros())
	rm := g.State("cls.bn.running_mean", []int{4}, InitZeros())
	rv := g.State("cls.bn.running_var", []int{4}, InitOnes())
	wf := g.Param("cls.fc.weight", []int{1, 4}, InitNormal(0, 0.02))
	n.classif = []*Tensor{wc, bc, gm, bt, wf}

	h := g.Sigmoid(g.Dense(n.l, wl, nil))
	h = g.Tanh(g.ConvTranspose2D(g.Reshape(h, 3, 3, 2, 2), w2, nil, 2, 0, 0)) // [3,2,4,4]
	h = g.Reshape(g.Conv2D(h, wc, bc, 2, 0), 3, 4)                            // [3,4,1,1] → [3,4]
	h = g.BatchNorm(h, gm, bt, rm, rv, 0.1, 1e-5)
	h = g.Dropout(g.ReLU(h), 0.25, 99)
	n.loss = g.Mean(g.BCEWithLogitsLossPerSample(g.Dense(h, wf, nil), n.lbl))
	return n
}

func (n *miningNet) feeds(rng *rand.Rand) map[*Tensor][]float32 {
	return map[*Tensor][]float32{n.l: randSlice(rng, 24, 1), n.lbl: {1, 0, 1}}
}
