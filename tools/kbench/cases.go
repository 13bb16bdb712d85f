package main

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// benchCase is one kernel at one shape.
type benchCase struct {
	name  string
	op    string
	flops float64 // floating-point operations of one run
	bytes float64 // bytes every run must read and write at least once
	// torch describes the same work for --compare-torch (nil: no PyTorch equivalent timed).
	torch *torchCase
	setup func(ctx *vk.Context, lib *kernels.Library) (*instance, error)
}

// instance is a set-up case: buffers allocated and filled.
type instance struct {
	record func(seq *vk.Sequence) error
	ref    func() error // the Go reference of the same work; nil if none
	bufs   []*vk.Buffer
}

func (in *instance) free() {
	for _, b := range in.bufs {
		b.Free()
	}
}

// alloc makes device buffers filled with random values (never zeros) and returns
// them with their host copies.
func (in *instance) alloc(ctx *vk.Context, rng *rand.Rand, sizes ...int) ([]*vk.Buffer, [][]float32, error) {
	bufs := make([]*vk.Buffer, len(sizes))
	host := make([][]float32, len(sizes))
	for i, n := range sizes {
		h := make([]float32, n)
		for j := range h {
			h[j] = float32(rng.NormFloat64())*0.5 + 0.1
		}
		b, err := ctx.NewBufferFloat32(n, h)
		if err != nil {
			return nil, nil, err
		}
		in.bufs = append(in.bufs, b)
		bufs[i], host[i] = b, h
	}
	return bufs, host, nil
}

// catalog lists every kernel at the OCGAN 28x28 layer shapes for the batch, plus
// the extra conv shapes given with --conv.
func catalog(batch int, extraConvs []string) ([]benchCase, error) {
	var cases []benchCase
	cases = append(cases, elementwiseCases(batch)...)
	cases = append(cases, ocganCases(batch)...)
	cases = append(cases, trainingCases(batch)...)
	for _, s := range extraConvs {
		p, err := parseConv(s)
		if err != nil {
			return nil, err
		}
		cases = append(cases, convCases("custom", p)...)
	}
	return cases, nil
}

// parseConv reads N,C,H,W,K,KH,KW,S,P.
func parseConv(s string) (kernels.Conv2DParams, error) {
	f := strings.Split(s, ",")
	if len(f) != 9 {
		return kernels.Conv2DParams{}, fmt.Errorf("--conv %q: want 9 comma-separated integers N,C,H,W,K,KH,KW,S,P", s)
	}
	v := make([]int, 9)
	for i, x := range f {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return kernels.Conv2DParams{}, fmt.Errorf("--conv %q: field %d: %v", s, i+1, err)
		}
		v[i] = n
	}
	p := kernels.Conv2DParams{N: v[0], C: v[1], H: v[2], W: v[3], K: v[4], KH: v[5], KW: v[6],
		StrideH: v[7], StrideW: v[7], PadH: v[8], PadW: v[8]}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("--conv %q: %v", s, err)
	}
	return p, nil
}

func elementwiseCases(batch int) []benchCase {
	n := batch * 28 * 28
	mb := func(k int) float64 { return float64(4 * k * n) }
	return []benchCase{
		{name: fmt.Sprintf("fill %d", n), op: "fill", flops: 0, bytes: mb(1), setup: func(ctx *vk.Context, lib *kernels.Library) (*instance, error) {
			in := &instance{}
			b, _, err := in.alloc(ctx, rand.New(rand.NewSource(1)), n)
			if err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.Fill(s, b[0], 0.5) }
			in.ref = func() error { _, err := kernels.Fill(n, 0.5); return err }
			return in, nil
		}},
		{name: fmt.Sprintf("copy %d", n), op: "copy", flops: 0, bytes: mb(2), setup: func(ctx *vk.Context, lib *kernels.Library) (*instance, error) {
			in := &instance{}
			b, h, err := in.alloc(ctx, rand.New(rand.NewSource(2)), n, n)
			if err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.Copy(s, b[0], b[1]) }
			in.ref = func() error { kernels.Copy(h[0]); return nil }
			return in, nil
		}},
		{name: fmt.Sprintf("axpy %d", n), op: "axpy", flops: float64(2 * n), bytes: mb(3), setup: func(ctx *vk.Context, lib *kernels.Library) (*instance, error) {
			in := &instance{}
			b, h, err := in.alloc(ctx, rand.New(rand.NewSource(3)), n, n)
			if err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.Axpy(s, 0.5, b[0], b[1]) }
			in.ref = func() error { _, err := kernels.Axpy(0.5, h[0], h[1]); return err }
			return in, nil
		}},
	}
}
