package cpu

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// layerOp is a layer op with weights and an optional bias (conv2d,
// conv_transpose2d, dense) over its params type P: the four directions of
// its reference and of its Device kernels.
type layerOp[P any] struct {
	refForward func(p P, x, w, b []float32) ([]float32, error)
	refInput   func(p P, w, dy []float32) ([]float32, error)
	refWeight  func(p P, x, dy []float32) ([]float32, error)
	refBias    func(p P, dy []float32) ([]float32, error)
	forward    func(d *Device, p P, x, w, b, y []float32) error
	input      func(d *Device, p P, w, dy, dx []float32) error
	weight     func(d *Device, p P, x, dy, dw []float32) error
	bias       func(d *Device, p P, dy, db []float32) error
}

var (
	conv2DOp = layerOp[kernels.Conv2DParams]{
		kernels.Conv2DForward, kernels.Conv2DBackwardInput, kernels.Conv2DBackwardWeight, kernels.Conv2DBackwardBias,
		(*Device).Conv2DForward, (*Device).Conv2DBackwardInput, (*Device).Conv2DBackwardWeight, (*Device).Conv2DBackwardBias,
	}
	convT2DOp = layerOp[kernels.ConvTranspose2DParams]{
		kernels.ConvTranspose2DForward, kernels.ConvTranspose2DBackwardInput, kernels.ConvTranspose2DBackwardWeight, kernels.ConvTranspose2DBackwardBias,
		(*Device).ConvTranspose2DForward, (*Device).ConvTranspose2DBackwardInput, (*Device).ConvTranspose2DBackwardWeight, (*Device).ConvTranspose2DBackwardBias,
	}
	denseOp = layerOp[kernels.DenseParams]{
		kernels.DenseForward, kernels.DenseBackwardInput, kernels.DenseBackwardWeight, kernels.DenseBackwardBias,
		(*Device).DenseForward, (*Device).DenseBackwardInput, (*Device).DenseBackwardWeight, (*Device).DenseBackwardBias,
	}
)

// check compares every direction of op at p on each of devs with the
// reference, on random x [nx], w [nw], dy [ny] and, when nb > 0, bias [nb]
// drawn from seed; outputs start poisoned.
func (op layerOp[P]) check(t *testing.T, devs []*Device, p P, nx, nw, ny, nb int, seed int64) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	x := kerneltest.RandVec(rng, nx)
	w := kerneltest.RandVec(rng, nw)
	dy := kerneltest.RandVec(rng, ny)
	var b, wantDB []float32
	if nb > 0 {
		b = kerneltest.RandVec(rng, nb)
	}
	wantY, err := op.refForward(p, x, w, b)
	must(t, err)
	wantDX, err := op.refInput(p, w, dy)
	must(t, err)
	wantDW, err := op.refWeight(p, x, dy)
	must(t, err)
	if nb > 0 {
		wantDB, err = op.refBias(p, dy)
		must(t, err)
	}
	for di, d := range devs {
		name := func(dir string) string { return fmt.Sprintf("device %d %s", di, dir) }
		y := kerneltest.Poisoned(len(wantY))
		must(t, op.forward(d, p, x, w, b, y))
		kerneltest.ExpectClose(t, name("forward"), y, wantY)

		dx := kerneltest.Poisoned(nx)
		must(t, op.input(d, p, w, dy, dx))
		kerneltest.ExpectClose(t, name("grad input"), dx, wantDX)

		dw := kerneltest.Poisoned(nw)
		must(t, op.weight(d, p, x, dy, dw))
		kerneltest.ExpectClose(t, name("grad weight"), dw, wantDW)

		if nb > 0 {
			db := kerneltest.Poisoned(nb)
			must(t, op.bias(d, p, dy, db))
			kerneltest.ExpectClose(t, name("grad bias"), db, wantDB)
		}
	}
}
