package main

import (
	"fmt"
	"math/rand"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// simpleCase builds a case whose buffers are random arrays of the given sizes.
func simpleCase(name, op string, flops, bytes float64, sizes []int,
	record func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error,
	ref func(h [][]float32) error) benchCase {
	return benchCase{name: name, op: op, flops: flops, bytes: bytes,
		setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
			in := &instance{}
			b, h, err := in.alloc(ctx, rand.New(rand.NewSource(int64(len(name)))), sizes...)
			if err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return record(lib, s, b) }
			if ref != nil {
				in.ref = func() error { return ref(h) }
			}
			return in, nil
		}}
}

// trainingCases lists the non-conv kernels one OCGAN training step runs: the latent
// discriminator's dense layers, activations, losses, the RNG fills, dropout and Adam.
func trainingCases(batch int) []benchCase {
	var cases []benchCase
	for _, d := range []struct{ in, out int }{{16, 128}, {128, 64}, {64, 32}, {32, 16}, {16, 1}} {
		cases = append(cases, denseCases("dl", kernels.DenseParams{N: batch, In: d.in, Out: d.out})...)
	}

	for _, sh := range [][4]int{{batch, 128, 7, 7}, {batch, 256, 4, 4}, {batch, 64, 14, 14}, {batch, 128, 1, 1}} {
		if sh[0]*sh[2]*sh[3] < 2 {
			continue // training batch norm needs two values per channel
		}
		p := kernels.NewBatchNorm2DParams(sh[0], sh[1], sh[2], sh[3])
		n, c := sh[0]*sh[1]*sh[2]*sh[3], sh[1]
		label := fmt.Sprintf("batch_norm %dx%dx%dx%d", sh[0], sh[1], sh[2], sh[3])
		// x, gamma, beta, running mean, running var, y, saved mean, saved inv std
		fwdSizes := []int{n, c, c, c, c, n, c, c}
		cases = append(cases,
			simpleCase(label+" train fwd", "batch_norm_train_fwd", 7*float64(n), 12*float64(n), fwdSizes,
				func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
					return lib.BatchNormTrainForward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
				}, nil),
			// x, gamma, saved mean, saved inv std, dy, dx, dgamma, dbeta
			simpleCase(label+" train bwd", "batch_norm_train_bwd", 10*float64(n), 16*float64(n), []int{n, c, c, c, n, n, c, c},
				func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
					return lib.BatchNormTrainBackward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
				}, nil),
		)
	}

	act := batch * 64 * 14 * 14 // the decoder's/encoder's largest activation
	lrelu := kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: 0.2}
	cases = append(cases,
		simpleCase(fmt.Sprintf("leaky_relu fwd %d", act), "activation_fwd", float64(act), 8*float64(act), []int{act, act},
			func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.ActivationForward(s, lrelu, b[0], b[1])
			},
			func(h [][]float32) error { _, err := kernels.ActivationForward(lrelu, h[0]); return err }),
		simpleCase(fmt.Sprintf("leaky_relu bwd %d", act), "activation_bwd", float64(act), 12*float64(act), []int{act, act, act},
			func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.ActivationBackward(s, lrelu, b[0], b[1], b[2])
			},
			func(h [][]float32) error { _, err := kernels.ActivationBackward(lrelu, h[0], h[1]); return err }),
	)

	img := 28 * 28
	lp := kernels.LossParams{N: batch, F: img}
	cases = append(cases,
		simpleCase(fmt.Sprintf("mse loss %dx%d", batch, img), "mse_loss", 3*float64(batch*img), 8*float64(batch*img), []int{batch * img, batch * img, 1},
			func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.MSELoss(s, lp, b[0], b[1], b[2])
			},
			func(h [][]float32) error { _, err := kernels.MSELoss(lp, h[0], h[1]); return err }),
		simpleCase(fmt.Sprintf("mse grad %dx%d", batch, img), "mse_grad", 2*float64(batch*img), 12*float64(batch*img), []int{batch * img, batch * img, batch * img},
			func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.MSELossGrad(s, lp, b[0], b[1], b[2])
			},
			func(h [][]float32) error { _, err := kernels.MSELossGrad(lp, h[0], h[1]); return err }),
	)

	noise := batch * img
	cases = append(cases, benchCase{name: fmt.Sprintf("rng normal %d", noise), op: "rng_normal", bytes: 4 * float64(noise),
		setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
			in := &instance{}
			b, _, err := in.alloc(ctx, rand.New(rand.NewSource(9)), noise, vulkan.CounterWords)
			if err != nil {
				return nil, err
			}
			slot := vulkan.StepSlot{Buf: b[1]}
			if err := vulkan.WriteCounter(slot, 7); err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.FillNormal(s, b[0], 1, slot, 0.2) }
			in.ref = func() error { kernels.FillNormal(noise, 1, 7, 0.2); return nil }
			return in, nil
		}})

	drop := batch * 128 * 7 * 7
	dp := kernels.DropoutParams{P: 0.5, Seed: 3, Counter: 5, Train: true}
	cases = append(cases, benchCase{name: fmt.Sprintf("dropout fwd %d", drop), op: "dropout_fwd", bytes: 8 * float64(drop),
		setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
			in := &instance{}
			b, h, err := in.alloc(ctx, rand.New(rand.NewSource(10)), drop, drop, vulkan.CounterWords)
			if err != nil {
				return nil, err
			}
			slot := vulkan.StepSlot{Buf: b[2]}
			if err := vulkan.WriteCounter(slot, dp.Counter); err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.DropoutForward(s, dp, slot, b[0], b[1]) }
			in.ref = func() error { _, err := kernels.DropoutForward(dp, h[0]); return err }
			return in, nil
		}})

	// Adam over the encoder's parameters (conv weights and the first bias).
	params := 1*64*25 + 64 + 64*128*25 + 128*256*25 + 256*16*25
	step, _ := kernels.NewAdamStep(2e-4, 0.5, 0.999, 1e-8, 3)
	cases = append(cases, benchCase{name: fmt.Sprintf("adam %d params", params), op: "adam", flops: 12 * float64(params), bytes: 28 * float64(params),
		setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
			in := &instance{}
			b, h, err := in.alloc(ctx, rand.New(rand.NewSource(11)), params, params, params, params, vulkan.AdamStepWords)
			if err != nil {
				return nil, err
			}
			for i := range h[2] { // the second moment is non-negative
				h[2][i] *= h[2][i]
			}
			if err := b[2].WriteFloat32(0, h[2]); err != nil {
				return nil, err
			}
			slot := vulkan.StepSlot{Buf: b[4]}
			if err := vulkan.WriteAdamStep(slot, step); err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, b[0], b[1], b[2], b[3]) }
			in.ref = func() error { return kernels.AdamUpdate(step, h[0], h[1], h[2], h[3]) }
			return in, nil
		}})
	return cases
}

// denseCases lists forward and backward kernels of one dense layer.
func denseCases(label string, p kernels.DenseParams) []benchCase {
	flops := 2 * float64(p.N*p.In*p.Out)
	bytes := 4 * float64(p.N*p.In+p.In*p.Out+p.N*p.Out)
	name := fmt.Sprintf("%s dense %dx%d->%d", label, p.N, p.In, p.Out)
	x, w, y := p.N*p.In, p.Out*p.In, p.N*p.Out
	return []benchCase{
		threeBufferCase(name+" fwd", "dense_fwd", flops, bytes, x, w, y,
			func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.DenseForward(s, p, x, w, nil, y)
			},
			func(x, w, y []float32) error { _, err := kernels.DenseForward(p, x, w, nil); return err }),
		threeBufferCase(name+" bwd_data", "dense_bwd_data", flops, bytes, x, w, y,
			func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.DenseBackwardInput(s, p, w, y, x)
			},
			func(x, w, y []float32) error { _, err := kernels.DenseBackwardInput(p, w, y); return err }),
		threeBufferCase(name+" bwd_weight", "dense_bwd_weight", flops, bytes, x, w, y,
			func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.DenseBackwardWeight(s, p, x, y, w)
			},
			func(x, w, y []float32) error { _, err := kernels.DenseBackwardWeight(p, x, y); return err }),
	}
}
