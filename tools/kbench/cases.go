package main

import (
	"fmt"
	"hash/fnv"
	"math/rand"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// benchCase is one kernel at one shape, declared once for every backend: the
// arrays it works on, the Vulkan recording, the native CPU call and the Go
// reference, all over the same arrays.
type benchCase struct {
	name  string
	op    string
	flops float64 // floating-point operations of one run
	bytes float64 // bytes every run must read and write at least once
	// torch describes the same work for --compare-torch (nil: no PyTorch equivalent timed).
	torch *torchCase
	// conv is the conv kernel call the case makes on Vulkan, which --tune
	// tunes (nil: not a conv).
	conv *vulkan.ConvShape

	// sizes are the element counts of the case's arrays, filled with random
	// values (never zeros); prepare, when not nil, then adjusts them (for
	// example to make a second moment non-negative).
	sizes   []int
	prepare func(h [][]float32)
	// slotWords > 0 gives the Vulkan recording one more buffer of that many
	// words after the arrays, set by writeSlot (a Philox counter or an Adam step).
	slotWords int
	writeSlot func(slot vulkan.StepSlot) error

	// record records the kernel on the arrays' device buffers (plus the slot).
	record func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error
	// cpu runs the kernel on the native CPU backend over the arrays.
	cpu func(d *cpu.Device, h [][]float32) error
	// ref computes the same work with the Go reference and returns what the
	// kernel leaves in array out.
	ref func(h [][]float32) ([]float32, error)
	out int
	// gemms are the SGEMM calls the CPU kernel issues (none for kernels
	// that are not GEMM-shaped).
	gemms []gemmShape
}

// gemmShape is one SGEMM call: C[m×n] = op(A)·op(B) with op(A) m×k and op(B) k×n.
type gemmShape struct {
	transA, transB bool
	m, n, k        int
}

func (g gemmShape) flops() float64 { return 2 * float64(g.m) * float64(g.n) * float64(g.k) }

// gemmFlops is the floating-point work of the case's SGEMM calls.
func (c benchCase) gemmFlops() float64 {
	f := 0.0
	for _, g := range c.gemms {
		f += g.flops()
	}
	return f
}

// hostArrays returns the case's arrays with their random contents, the same
// for every call.
func (c benchCase) hostArrays() [][]float32 {
	hash := fnv.New64a()
	hash.Write([]byte(c.name))
	rng := rand.New(rand.NewSource(int64(hash.Sum64())))
	h := make([][]float32, len(c.sizes))
	for i, n := range c.sizes {
		h[i] = make([]float32, n)
		for j := range h[i] {
			h[i][j] = float32(rng.NormFloat64())*0.5 + 0.1
		}
	}
	if c.prepare != nil {
		c.prepare(h)
	}
	return h
}

// instance is a case set up on a Vulkan device: buffers allocated and filled.
type instance struct {
	record func(seq *vk.Sequence) error
	ref    func() error // the Go reference of the same work on the host copies
	bufs   []*vk.Buffer
}

func (in *instance) free() {
	for _, b := range in.bufs {
		b.Free()
	}
}

// setup makes the case's device buffers from its host arrays.
func (c benchCase) setup(ctx *vk.Context, lib *vulkan.Library) (*instance, error) {
	in := &instance{}
	h := c.hostArrays()
	for _, v := range h {
		b, err := ctx.NewBufferFloat32(len(v), v)
		if err != nil {
			in.free()
			return nil, err
		}
		in.bufs = append(in.bufs, b)
	}
	if c.slotWords > 0 {
		b, err := ctx.NewBufferFloat32(c.slotWords, make([]float32, c.slotWords))
		if err != nil {
			in.free()
			return nil, err
		}
		in.bufs = append(in.bufs, b)
		if err := c.writeSlot(vulkan.StepSlot{Buf: b}); err != nil {
			in.free()
			return nil, err
		}
	}
	bufs := in.bufs
	in.record = func(s *vk.Sequence) error { return c.record(lib, s, bufs) }
	in.ref = func() error { _, err := c.ref(h); return err }
	return in, nil
}

// extraShapes are the shapes given on the command line, as written.
type extraShapes struct{ convs, convTs, denses []string }

// catalog lists every kernel at the layer shapes of the OCGAN networks of geo
// for the batch, plus the shapes given with --conv, --convt and --dense.
func catalog(batch int, geo model.Geometry, extra extraShapes) ([]benchCase, error) {
	l, err := modelLayers(geo, batch)
	if err != nil {
		return nil, err
	}
	var cases []benchCase
	cases = append(cases, elementwiseCases(batch*l.image)...)
	cases = append(cases, ocganCases(l)...)
	cases = append(cases, trainingCases(l, batch)...)
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

// elementwiseCases lists fill, copy and axpy over n values.
func elementwiseCases(n int) []benchCase {
	mb := func(k int) float64 { return float64(4 * k * n) }
	return []benchCase{
		{name: fmt.Sprintf("fill %d", n), op: "fill", bytes: mb(1), sizes: []int{n}, out: 0,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error { return lib.Fill(s, b[0], 0.5) },
			cpu:    func(d *cpu.Device, h [][]float32) error { d.Fill(0.5, h[0]); return nil },
			ref:    func(h [][]float32) ([]float32, error) { return kernels.Fill(n, 0.5) }},
		{name: fmt.Sprintf("copy %d", n), op: "copy", bytes: mb(2), sizes: []int{n, n}, out: 1,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error { return lib.Copy(s, b[0], b[1]) },
			cpu:    func(d *cpu.Device, h [][]float32) error { return d.Copy(h[0], h[1]) },
			ref:    func(h [][]float32) ([]float32, error) { return kernels.Copy(h[0]), nil }},
		// y = 0.5·x + y in place.
		{name: fmt.Sprintf("axpy %d", n), op: "axpy", flops: float64(2 * n), bytes: mb(3), sizes: []int{n, n}, out: 1,
			record: func(lib *vulkan.Library, s *vk.Sequence, b []*vk.Buffer) error { return lib.Axpy(s, 0.5, b[0], b[1]) },
			cpu:    func(d *cpu.Device, h [][]float32) error { return d.Axpy(0.5, h[0], h[1], h[1]) },
			ref:    func(h [][]float32) ([]float32, error) { return kernels.Axpy(0.5, h[0], h[1]) }},
	}
}
