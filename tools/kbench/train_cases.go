package main

import (
	"fmt"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// trainingCases lists the non-conv kernels one OCGAN training step runs at the layer
// shapes l of batch batch: the latent discriminator's dense layers, batch norm,
// activations, losses, the RNG fills, dropout and Adam.
func trainingCases(l layers, batch int) []benchCase {
	var cases []benchCase
	for _, p := range l.dl {
		cases = append(cases, denseCases("dl", p)...)
	}

	for _, sh := range l.bn {
		if sh[0]*sh[2]*sh[3] < 2 {
			continue // training batch norm needs two values per channel
		}
		p := kernels.NewBatchNorm2DParams(sh[0], sh[1], sh[2], sh[3])
		n, c := sh[0]*sh[1]*sh[2]*sh[3], sh[1]
		label := fmt.Sprintf("batch_norm %dx%dx%dx%d", sh[0], sh[1], sh[2], sh[3])
		cases = append(cases,
			// x, gamma, beta, running mean, running var, y, saved mean, saved inv std
			benchCase{name: label + " train fwd", op: "batch_norm_train_fwd", flops: 7 * float64(n), bytes: 12 * float64(n),
				sizes: []int{n, c, c, c, c, n, c, c}, out: 5,
				prepare: func(h [][]float32) { square(h[4]) }, // running variance
				record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
					return lib.BatchNormTrainForward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
				},
				cpu: func(d *cpu.Device, h [][]float32) error {
					return d.BatchNormTrainForward(p, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
				},
				ref: func(h [][]float32) ([]float32, error) {
					y, _, err := kernels.BatchNormTrainForward(p, h[0], h[1], h[2], h[3], h[4])
					return y, err
				}},
			// x, gamma, saved mean, saved inv std, dy, dx, dgamma, dbeta
			benchCase{name: label + " train bwd", op: "batch_norm_train_bwd", flops: 10 * float64(n), bytes: 16 * float64(n),
				sizes: []int{n, c, c, c, n, n, c, c}, out: 5,
				record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
					return lib.BatchNormTrainBackward(s, p, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
				},
				cpu: func(d *cpu.Device, h [][]float32) error {
					return d.BatchNormTrainBackward(p, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
				},
				ref: func(h [][]float32) ([]float32, error) {
					dx, _, _, err := kernels.BatchNormTrainBackward(p, h[0], h[1], kernels.BatchNormSaved{Mean: h[2], InvStd: h[3]}, h[4])
					return dx, err
				}},
		)
	}

	act := l.act // the decoder's/encoder's largest activation
	lrelu := kernels.ActivationParams{Kind: kernels.LeakyReLU, Slope: 0.2}
	cases = append(cases,
		benchCase{name: fmt.Sprintf("leaky_relu fwd %d", act), op: "activation_fwd", flops: float64(act), bytes: 8 * float64(act),
			sizes: []int{act, act}, out: 1,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.ActivationForward(s, lrelu, b[0], b[1])
			},
			cpu: func(d *cpu.Device, h [][]float32) error { return d.ActivationForward(lrelu, h[0], h[1]) },
			ref: func(h [][]float32) ([]float32, error) { return kernels.ActivationForward(lrelu, h[0]) }},
		// saved, dy, dx
		benchCase{name: fmt.Sprintf("leaky_relu bwd %d", act), op: "activation_bwd", flops: float64(act), bytes: 12 * float64(act),
			sizes: []int{act, act, act}, out: 2,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.ActivationBackward(s, lrelu, b[0], b[1], b[2])
			},
			cpu: func(d *cpu.Device, h [][]float32) error { return d.ActivationBackward(lrelu, h[0], h[1], h[2]) },
			ref: func(h [][]float32) ([]float32, error) { return kernels.ActivationBackward(lrelu, h[0], h[1]) }},
	)

	img := l.image
	lp := kernels.LossParams{N: batch, F: img}
	cases = append(cases,
		benchCase{name: fmt.Sprintf("mse loss %dx%d", batch, img), op: "mse_loss", flops: 3 * float64(batch*img), bytes: 8 * float64(batch*img),
			sizes: []int{batch * img, batch * img, 1}, out: 2,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.MSELoss(s, lp, b[0], b[1], b[2])
			},
			cpu: func(d *cpu.Device, h [][]float32) error { return d.MSELoss(lp, h[0], h[1], h[2]) },
			ref: func(h [][]float32) ([]float32, error) {
				l, err := kernels.MSELoss(lp, h[0], h[1])
				return []float32{l}, err
			}},
		benchCase{name: fmt.Sprintf("mse grad %dx%d", batch, img), op: "mse_grad", flops: 2 * float64(batch*img), bytes: 12 * float64(batch*img),
			sizes: []int{batch * img, batch * img, batch * img}, out: 2,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
				return lib.MSELossGrad(s, lp, b[0], b[1], b[2])
			},
			cpu: func(d *cpu.Device, h [][]float32) error { return d.MSELossGrad(lp, h[0], h[1], h[2]) },
			ref: func(h [][]float32) ([]float32, error) { return kernels.MSELossGrad(lp, h[0], h[1]) }},
	)

	noise := batch * img
	const seed, counter, sigma = 1, 7, 0.2
	cases = append(cases, benchCase{name: fmt.Sprintf("rng normal %d", noise), op: "rng_normal", bytes: 4 * float64(noise),
		sizes: []int{noise}, out: 0,
		slotWords: vulkan.CounterWords,
		writeSlot: func(slot vulkan.StepSlot) error { return vulkan.WriteCounter(slot, counter) },
		record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
			return lib.FillNormal(s, b[0], seed, vulkan.StepSlot{Buf: b[1]}, sigma)
		},
		cpu: func(d *cpu.Device, h [][]float32) error { return d.FillNormal(seed, counter, sigma, h[0]) },
		ref: func(h [][]float32) ([]float32, error) { return kernels.FillNormal(noise, seed, counter, sigma), nil }})

	if drop := l.dropout; drop > 0 {
		cases = append(cases, dropoutCase(drop))
	}

	// Adam over the encoder's convolution weights and biases, in place on the
	// parameters and moments: p, m, v, g.
	params := l.encParams
	step, _ := kernels.NewAdamStep(2e-4, 0.5, 0.999, 1e-8, 3)
	cases = append(cases, benchCase{name: fmt.Sprintf("adam %d params", params), op: "adam", flops: 12 * float64(params), bytes: 28 * float64(params),
		sizes: []int{params, params, params, params}, out: 0,
		prepare:   func(h [][]float32) { square(h[2]) }, // the second moment is non-negative
		slotWords: vulkan.AdamStepWords,
		writeSlot: func(slot vulkan.StepSlot) error { return vulkan.WriteAdamStep(slot, step) },
		record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
			return lib.AdamUpdate(s, vulkan.StepSlot{Buf: b[4]}, b[0], b[1], b[2], b[3])
		},
		cpu: func(d *cpu.Device, h [][]float32) error { return d.AdamUpdate(step, h[0], h[1], h[2], h[3]) },
		ref: func(h [][]float32) ([]float32, error) { return h[0], kernels.AdamUpdate(step, h[0], h[1], h[2], h[3]) }})
	return cases
}

// dropoutCase is the decoder's dropout over drop values.
func dropoutCase(drop int) benchCase {
	dp := kernels.DropoutParams{P: 0.5, Seed: 3, Counter: 5, Train: true}
	return benchCase{name: fmt.Sprintf("dropout fwd %d", drop), op: "dropout_fwd", bytes: 8 * float64(drop),
		sizes: []int{drop, drop}, out: 1,
		slotWords: vulkan.CounterWords,
		writeSlot: func(slot vulkan.StepSlot) error { return vulkan.WriteCounter(slot, dp.Counter) },
		record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error {
			return lib.DropoutForward(s, dp, vulkan.StepSlot{Buf: b[2]}, b[0], b[1])
		},
		cpu: func(d *cpu.Device, h [][]float32) error { return d.DropoutForward(dp, h[0], h[1]) },
		ref: func(h [][]float32) ([]float32, error) { return kernels.DropoutForward(dp, h[0]) }}
}

// square squares every element of v in place.
func square(v []float32) {
	for i := range v {
		v[i] *= v[i]
	}
}

// denseCases lists forward and backward kernels of one dense layer.
func denseCases(label string, p kernels.DenseParams) []benchCase {
	p.Bias = false // the GEMM-shaped work, as convCases times it
	flops := 2 * float64(p.N*p.In*p.Out)
	bytes := 4 * float64(p.N*p.In+p.In*p.Out+p.N*p.Out)
	name := fmt.Sprintf("%s dense %dx%d->%d", label, p.N, p.In, p.Out)
	x, w, y := p.N*p.In, p.Out*p.In, p.N*p.Out
	// The CPU kernels' SGEMM calls are in kernels/cpu/dense.go.
	return []benchCase{
		threeBufferCase(name+" fwd", "dense_fwd", flops, bytes, x, w, y, 2,
			gemmShape{transB: true, m: p.N, n: p.Out, k: p.In}, threeBufferKernel{
				record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
					return lib.DenseForward(s, p, x, w, nil, y)
				},
				cpu: func(d *cpu.Device, x, w, y []float32) error { return d.DenseForward(p, x, w, nil, y) },
				ref: func(x, w, y []float32) ([]float32, error) { return kernels.DenseForward(p, x, w, nil) },
			}),
		threeBufferCase(name+" bwd_data", "dense_bwd_data", flops, bytes, x, w, y, 0,
			gemmShape{m: p.N, n: p.In, k: p.Out}, threeBufferKernel{
				record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
					return lib.DenseBackwardInput(s, p, w, y, x)
				},
				cpu: func(d *cpu.Device, x, w, y []float32) error { return d.DenseBackwardInput(p, w, y, x) },
				ref: func(x, w, y []float32) ([]float32, error) { return kernels.DenseBackwardInput(p, w, y) },
			}),
		threeBufferCase(name+" bwd_weight", "dense_bwd_weight", flops, bytes, x, w, y, 1,
			gemmShape{transA: true, m: p.Out, n: p.In, k: p.N}, threeBufferKernel{
				record: func(lib *vulkan.Library, s *vk.Sequence, x, w, y *vk.Buffer) error {
					return lib.DenseBackwardWeight(s, p, x, y, w)
				},
				cpu: func(d *cpu.Device, x, w, y []float32) error { return d.DenseBackwardWeight(p, x, y, w) },
				ref: func(x, w, y []float32) ([]float32, error) { return kernels.DenseBackwardWeight(p, x, y) },
			}),
	}
}
