package vulkan

import (
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// BenchmarkConvOCGAN times every OCGAN conv and transposed-conv layer at batch 64 in
// each direction (fwd, bwd_data, bwd_filter) with GPU timestamps and reports the
// median GFLOP/s over b.N timed runs after a warm-up run. FLOPs are 2·M·N·K of the
// implicit GEMM (padding taps included), the same count for every direction.
//
//	go test -run '^$' -bench ConvOCGAN -benchtime 5x ./kernels/
//
// OCGAN_CONV_TUNE=local,ppl,tc,sg overrides the tiles of every kernel (A/B runs);
// OCGAN_VK_CONV_VARIANT=tiled|register picks the kernel variant.
func BenchmarkConvOCGAN(b *testing.B) {
	ctx := vktest.OpenBench(b)
	if s := os.Getenv("OCGAN_CONV_TUNE"); s != "" {
		var v [4]uint32
		for i, f := range strings.Split(s, ",") {
			n, _ := strconv.Atoi(f)
			v[i] = uint32(n)
		}
		convTuneHook = func(convDir, convGeom, convTune) convTune {
			return convTune{local: v[0], ppl: v[1], tc: v[2], sg: convShare(v[3])}
		}
		defer func() { convTuneHook = nil }()
	}
	lib := NewLibrary(ctx)
	buf := convBenchBuf(b, ctx)
	layers := convBenchLayers(lib)
	for _, ly := range layers {
		g := ly.g
		flops := g.flops()
		for d, rec := range ly.dirs {
			b.Run(ly.name+"/"+string(convBenchDirs[d]), func(b *testing.B) {
				x, w, y := ly.buffers(buf)
				defer x.Free()
				defer w.Free()
				defer y.Free()
				seq, err := ctx.NewSequence(vk.SequenceOptions{Timestamps: true})
				if err != nil {
					b.Fatal(err)
				}
				defer seq.Free()
				if err := rec(seq, x, w, y); err != nil {
					b.Fatal(err)
				}
				if err := seq.Run(); err != nil { // warm-up
					b.Fatal(err)
				}
				secs := make([]float64, 0, b.N)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := seq.Run(); err != nil {
						b.Fatal(err)
					}
					tm := seq.Timings()
					if len(tm) != 1 {
						b.Fatalf("%d timings, want 1", len(tm))
					}
					secs = append(secs, tm[0].Duration.Seconds())
				}
				sort.Float64s(secs)
				med := secs[len(secs)/2]
				if med > 0 {
					b.ReportMetric(flops/med/1e9, "GFLOP/s")
				}
				b.ReportMetric(med*1e3, "ms/op(gpu)")
			})
		}
	}
}

// convBenchLayer is one OCGAN layer at batch 64 with its three directions
// (fwd, bwd_data, bwd_filter), each recording into s with the transposed conv's
// or conv's own input x, weight w and output y.
type convBenchLayer struct {
	name string
	g    convGeom
	dirs [3]func(s *vk.Sequence, x, w, y *vk.Buffer) error
}

var convBenchDirs = [3]convDir{convFwd, convBwdData, convBwdFilter}

// buffers returns random x, w, y buffers for the layer.
func (ly convBenchLayer) buffers(buf func(int) *vk.Buffer) (x, w, y *vk.Buffer) {
	g := ly.g
	if strings.HasPrefix(ly.name, "convT_") {
		// transposed conv: its input is the conv geometry's output side.
		return buf(g.N * g.K * g.OH * g.OW), buf(g.K * g.C * g.KH * g.KW), buf(g.N * g.C * g.H * g.W)
	}
	return buf(g.N * g.C * g.H * g.W), buf(g.K * g.C * g.KH * g.KW), buf(g.N * g.K * g.OH * g.OW)
}

func convBenchBuf(b *testing.B, ctx *vk.Context) func(int) *vk.Buffer {
	rng := rand.New(rand.NewSource(1))
	return func(n int) *vk.Buffer {
		bb, err := ctx.NewBufferFloat32(n, kerneltest.RandVec(rng, n))
		if err != nil {
			b.Fatal(err)
		}
		return bb
	}
}

func convBenchLayers(lib *Library) []convBenchLayer {
	var layers []convBenchLayer
	names := func(m map[string]kernels.Conv2DParams) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	convs := ocganConvs(64)
	for _, name := range names(convs) {
		p := convs[name]
		p.Bias = false
		layers = append(layers, convBenchLayer{name: "conv_" + name, g: conv2DGeom(p), dirs: [3]func(s *vk.Sequence, x, w, y *vk.Buffer) error{
			func(s *vk.Sequence, x, w, y *vk.Buffer) error { return lib.Conv2DForward(s, p, x, w, nil, y) },
			func(s *vk.Sequence, x, w, y *vk.Buffer) error { return lib.Conv2DBackwardInput(s, p, w, y, x) },
			func(s *vk.Sequence, x, w, y *vk.Buffer) error { return lib.Conv2DBackwardWeight(s, p, x, y, w) },
		}})
	}
	deconvs := ocganDeconvs(64)
	var dnames []string
	for k := range deconvs {
		dnames = append(dnames, k)
	}
	sort.Strings(dnames)
	for _, name := range dnames {
		p := deconvs[name]
		p.Bias = false
		// x, w, y are the transposed conv's input, weight and output.
		layers = append(layers, convBenchLayer{name: "convT_" + name, g: convTranspose2DGeom(p), dirs: [3]func(s *vk.Sequence, x, w, y *vk.Buffer) error{
			func(s *vk.Sequence, x, w, y *vk.Buffer) error { return lib.ConvTranspose2DForward(s, p, x, w, nil, y) },
			func(s *vk.Sequence, x, w, y *vk.Buffer) error { return lib.ConvTranspose2DBackwardInput(s, p, w, y, x) },
			func(s *vk.Sequence, x, w, y *vk.Buffer) error {
				return lib.ConvTranspose2DBackwardWeight(s, p, x, y, w)
			},
		}})
	}
	return layers
}

// BenchmarkConvTuneAB compares tiles on one layer and direction, interleaving the
// variants round by round on the shared machine and reporting each one's median:
//
//	OCGAN_CONV_AB='conv_enc2_64to128_14/fwd 64,2,8,1 32,4,8,1' go test -run '^$' -bench ConvTuneAB -benchtime 7x ./kernels/
func BenchmarkConvTuneAB(b *testing.B) {
	spec := strings.Fields(os.Getenv("OCGAN_CONV_AB"))
	if len(spec) < 2 {
		b.Skip("set OCGAN_CONV_AB='<layer>/<dir> local,ppl,tc,sg ...'")
	}
	ctx := vktest.OpenBench(b)
	lib := NewLibrary(ctx)
	defer func() { convTuneHook = nil }()
	var ly convBenchLayer
	d := -1
	for _, l := range convBenchLayers(lib) {
		for i, dn := range convBenchDirs {
			if l.name+"/"+string(dn) == spec[0] {
				ly, d = l, i
			}
		}
	}
	if d < 0 {
		b.Fatalf("no layer/direction %q", spec[0])
	}
	x, w, y := ly.buffers(convBenchBuf(b, ctx))
	defer x.Free()
	defer w.Free()
	defer y.Free()
	var seqs []*vk.Sequence
	for _, tv := range spec[1:] {
		var v [4]uint32
		for i, f := range strings.Split(tv, ",") {
			n, _ := strconv.Atoi(f)
			v[i] = uint32(n)
		}
		convTuneHook = func(convDir, convGeom, convTune) convTune {
			return convTune{local: v[0], ppl: v[1], tc: v[2], sg: convShare(v[3])}
		}
		seq, err := ctx.NewSequence(vk.SequenceOptions{Timestamps: true})
		if err != nil {
			b.Fatal(err)
		}
		defer seq.Free()
		if err := ly.dirs[d](seq, x, w, y); err != nil {
			b.Fatal(err)
		}
		if err := seq.Run(); err != nil {
			b.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	times := make([][]float64, len(seqs))
	for i := 0; i < b.N; i++ {
		for j, seq := range seqs {
			if err := seq.Run(); err != nil {
				b.Fatal(err)
			}
			times[j] = append(times[j], seq.Timings()[0].Duration.Seconds())
		}
	}
	for j, t := range times {
		sort.Float64s(t)
		fmt.Printf("%s %-12s median %6.2f GFLOP/s (min %.2f, max %.2f, n=%d)\n", spec[0], spec[j+1], ly.g.flops()/t[len(t)/2]/1e9,
			ly.g.flops()/t[len(t)-1]/1e9, ly.g.flops()/t[0]/1e9, len(t))
	}
}
