package program

import (
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// aeNet is the program tests' network, adapted from runtime/graph's
// nets_test.go: a conv → BN → leaky ReLU → conv-transpose → tanh
// auto-encoder and a dense discriminator (with dropout) on its latent code:
//
//	x [3,2,8,8] → conv 3×3/2 pad 1 (4 ch, no bias) → BN → leaky ReLU 0.2 = z [3,4,4,4]
//	z → conv-transpose 4×4/2 pad 1 (2 ch) → tanh = xr [3,2,8,8];  rec = MSE(xr, x)
//	z → reshape [3,64] → dense 64→8 → leaky ReLU → dropout 0.25 → dense 8→1 = d
//	adv = BCE-with-logits(d, label);  loss = rec + 0.5·adv
//
// x and z are each used twice, so their gradients are sums (Add nodes). The
// conv before BN has no bias, as in DCGAN: BN subtracts the batch mean, so
// such a bias has an exactly zero gradient, and Adam would turn the rounding
// noise of that zero into ±lr steps of random sign on either backend.
type aeNet struct {
	g                    *graph.Graph
	x, label             *graph.Tensor
	z, xr, rec, adv      *graph.Tensor
	loss                 *graph.Tensor
	enc, dec, disc, bnSt []*graph.Tensor
}

const (
	netBatch = 3
	netX     = netBatch * 2 * 8 * 8
)

func buildAE(ps *graph.ParamSet, mode graph.Mode) *aeNet {
	g := graph.New(ps, mode)
	n := &aeNet{g: g}
	n.x = g.Input("x", netBatch, 2, 8, 8)
	n.label = g.Input("label", netBatch, 1)
	w1 := g.Param("enc.conv1.weight", []int{4, 2, 3, 3}, graph.InitNormal(0, 0.2))
	gm := g.Param("enc.bn1.gamma", []int{4}, graph.InitNormal(1, 0.02))
	bt := g.Param("enc.bn1.beta", []int{4}, graph.InitZeros())
	rm := g.State("enc.bn1.running_mean", []int{4}, graph.InitZeros())
	rv := g.State("enc.bn1.running_var", []int{4}, graph.InitOnes())
	w2 := g.Param("dec.convt1.weight", []int{4, 2, 4, 4}, graph.InitNormal(0, 0.2))
	b2 := g.Param("dec.convt1.bias", []int{2}, graph.InitNormal(0, 0.1))
	wd1 := g.Param("disc.fc1.weight", []int{8, 64}, graph.InitNormal(0, 0.2))
	bd1 := g.Param("disc.fc1.bias", []int{8}, graph.InitNormal(0, 0.1))
	wd2 := g.Param("disc.fc2.weight", []int{1, 8}, graph.InitNormal(0, 0.2))
	bd2 := g.Param("disc.fc2.bias", []int{1}, graph.InitZeros())
	n.enc = []*graph.Tensor{w1, gm, bt}
	n.dec = []*graph.Tensor{w2, b2}
	n.disc = []*graph.Tensor{wd1, bd1, wd2, bd2}
	n.bnSt = []*graph.Tensor{rm, rv}

	h := g.Conv2D(n.x, w1, nil, 2, 1) // no bias before BN: BN cancels it, so its gradient is 0
	h = g.BatchNorm(h, gm, bt, rm, rv, kernels.DefaultBatchNormMomentum, kernels.DefaultBatchNormEps)
	n.z = g.LeakyReLU(h, 0.2)
	n.xr = g.Tanh(g.ConvTranspose2D(n.z, w2, b2, 2, 1, 0))
	n.rec = g.MSELoss(n.xr, n.x)
	d := g.LeakyReLU(g.Dense(g.Reshape(n.z, netBatch, -1), wd1, bd1), 0.2)
	d = g.Dense(g.Dropout(d, 0.25, 7), wd2, bd2)
	n.adv = g.BCEWithLogitsLoss(d, n.label)
	n.loss = g.Add(n.rec, g.Scale(n.adv, 0.5))
	return n
}

func (n *aeNet) params() []*graph.Tensor {
	return append(append(append([]*graph.Tensor(nil), n.enc...), n.dec...), n.disc...)
}

func (n *aeNet) ae() []*graph.Tensor {
	return append(append([]*graph.Tensor(nil), n.enc...), n.dec...)
}

// newNet builds the network on a fresh ParamSet initialised from seed, with
// gradients of the loss w.r.t. the parameters wrt picks.
func newNet(t testing.TB, seed uint64, wrt func(*aeNet) []*graph.Tensor) (*aeNet, map[*graph.Tensor]*graph.Tensor) {
	t.Helper()
	ps := graph.NewParamSet()
	n := buildAE(ps, graph.Train)
	grads, err := n.g.Gradients(n.loss, wrt(n)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := ps.Init(seed); err != nil {
		t.Fatal(err)
	}
	return n, grads
}

// batch returns the feeds of the fixed training batch of seed: x uniform in
// [−1, 1) from the Philox stream, labels 1, 0, 1.
func (n *aeNet) batch(seed uint64) map[*graph.Tensor][]float32 {
	return map[*graph.Tensor][]float32{n.x: kernels.FillUniform(netX, seed, 1<<40), n.label: {1, 0, 1}}
}
