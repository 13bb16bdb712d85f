package main

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
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
	setup func(ctx *vk.Context, lib *vulkan.Library) (*instance, error)
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

// extraShapes are the shapes given on the command line, as written.
type extraShapes struct{ convs, convTs, denses []string }

// catalog lists every kernel at the OCGAN 28x28 layer shapes for the batch, plus
// the shapes given with --conv, --convt and --dense.
func catalog(batch int, extra extraShapes) ([]benchCase, error) {
	var cases []benchCase
	cases = append(cases, elementwiseCases(batch)...)
	cases = append(cases, ocganCases(batch)...)
	cases = append(cases, trainingCases(batch)...)
	for _, s := range extra.convs {
		v, err := parseInts("--conv", s, "N,C,H,W,K,KH,KW,S,P")
		if err != nil {
			return nil, err
		}
		p := kernels.Conv2DParams{N: v[0], C: v[1], H: v[2], W: v[3], K: v[4], KH: v[5], KW: v[6],
			StrideH: v[7], StrideW: v[7], PadH: v[8], PadW: v[8]}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("--conv %q: %v", s, err)
		}
		cases = append(cases, convCases("custom", p)...)
	}
	for _, s := range extra.convTs {
		v, err := parseInts("--convt", s, "N,C,H,W,K,KH,KW,S,P,OUTPAD")
		if err != nil {
			return nil, err
		}
		p := kernels.ConvTranspose2DParams{N: v[0], C: v[1], H: v[2], W: v[3], K: v[4], KH: v[5], KW: v[6],
			StrideH: v[7], StrideW: v[7], PadH: v[8], PadW: v[8], OutPadH: v[9], OutPadW: v[9]}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("--convt %q: %v", s, err)
		}
		cases = append(cases, convTCases("custom", p)...)
	}
	for _, s := range extra.denses {
		v, err := parseInts("--dense", s, "N,IN,OUT")
		if err != nil {
			return nil, err
		}
		p := kernels.DenseParams{N: v[0], In: v[1], Out: v[2]}
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("--dense %q: %v", s, err)
		}
		cases = append(cases, denseCases("custom", p)...)
	}
	return cases, nil
}

// parseInts reads the comma-separated integers of a shape flag; names lists them.
func parseInts(flag, s, names string) ([]int, error) {
	f := strings.Split(s, ",")
	want := len(strings.Split(names, ","))
	if len(f) != want {
		return nil, fmt.Errorf("%s %q: want %d comma-separated integers %s", flag, s, want, names)
	}
	v := make([]int, len(f))
	for i, x := range f {
		n, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			return nil, fmt.Errorf("%s %q: field %d: %v", flag, s, i+1, err)
		}
		v[i] = n
	}
	return v, nil
}

func elementwiseCases(batch int) []benchCase {
	n := batch * 28 * 28
	mb := func(k int) float64 { return float64(4 * k * n) }
	return []benchCase{
		{name: fmt.Sprintf("fill %d", n), op: "fill", flops: 0, bytes: mb(1), setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
			in := &instance{}
			b, _, err := in.alloc(ctx, rand.New(rand.NewSource(1)), n)
			if err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.Fill(s, b[0], 0.5) }
			in.ref = func() error { _, err := kernels.Fill(n, 0.5); return err }
			return in, nil
		}},
		{name: fmt.Sprintf("copy %d", n), op: "copy", flops: 0, bytes: mb(2), setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
			in := &instance{}
			b, h, err := in.alloc(ctx, rand.New(rand.NewSource(2)), n, n)
			if err != nil {
				return nil, err
			}
			in.record = func(s *vk.Sequence) error { return lib.Copy(s, b[0], b[1]) }
			in.ref = func() error { kernels.Copy(h[0]); return nil }
			return in, nil
		}},
		{name: fmt.Sprintf("axpy %d", n), op: "axpy", flops: float64(2 * n), bytes: mb(3), setup: func(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
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
