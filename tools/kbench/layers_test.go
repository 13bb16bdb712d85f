package main

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestMNIST28Layers checks the layers read from the MNIST28 networks
// against the shapes listed by hand from the PyTorch peer's modules (the
// table kbench timed before it read them from ocgan/model). The decoder's
// dropout follows its third block, 64 channels at 14x14.
func TestMNIST28Layers(t *testing.T) {
	const n = 64
	conv := func(c, h, k, pad int, bias bool) kernels.Conv2DParams {
		return kernels.Conv2DParams{N: n, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: pad, PadW: pad, Bias: bias}
	}
	convT := func(c, h, k, pad, outPad int, bias bool) kernels.ConvTranspose2DParams {
		return kernels.ConvTranspose2DParams{N: n, C: c, H: h, W: h, K: k, KH: 5, KW: 5, StrideH: 2, StrideW: 2,
			PadH: pad, PadW: pad, OutPadH: outPad, OutPadW: outPad, Bias: bias}
	}
	want := layers{
		enc: []kernels.Conv2DParams{conv(1, 28, 64, 2, true), conv(64, 14, 128, 2, false), conv(128, 7, 256, 2, false), conv(256, 4, 16, 1, false)},
		dv:  []kernels.Conv2DParams{conv(1, 28, 12, 2, true), conv(12, 14, 24, 2, false), conv(24, 7, 48, 2, false), conv(48, 4, 1, 1, true)},
		dec: []kernels.ConvTranspose2DParams{convT(16, 1, 256, 1, 1, false), convT(256, 4, 128, 2, 0, false),
			convT(128, 7, 64, 2, 1, false), convT(64, 14, 1, 2, 1, true)},
		dl: []kernels.DenseParams{{N: n, In: 16, Out: 128, Bias: true}, {N: n, In: 128, Out: 64, Bias: true},
			{N: n, In: 64, Out: 32, Bias: true}, {N: n, In: 32, Out: 16, Bias: true}, {N: n, In: 16, Out: 1, Bias: true}},
		bn:        [][4]int{{n, 128, 7, 7}, {n, 256, 4, 4}, {n, 64, 14, 14}, {n, 128, 1, 1}},
		image:     28 * 28,
		act:       n * 64 * 14 * 14,
		dropout:   n * 64 * 14 * 14,
		encParams: 1*64*25 + 64 + 64*128*25 + 128*256*25 + 256*16*25,
	}
	got, err := modelLayers(model.MNIST28(), n)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MNIST28 layers\n%+v\nwant\n%+v", got, want)
	}
}

// TestLayersPerGeometry checks the layers of every supported geometry
// against its size chain: one convolution per step of the chain in En and
// Dv, the decoder back up to the image, the first layer taking the image's
// channels.
func TestLayersPerGeometry(t *testing.T) {
	const n = 2
	for _, c := range []struct{ size, channels int }{{28, 1}, {32, 3}, {64, 3}, {128, 3}} {
		geo, err := model.ForImage(c.size, c.channels, model.DefaultLatent(c.channels))
		if err != nil {
			t.Fatal(err)
		}
		l, err := modelLayers(geo, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.enc) != geo.Depth+1 || len(l.dv) != geo.Depth+1 || len(l.dec) != geo.Depth+1 {
			t.Fatalf("%s: %d enc, %d dv, %d dec layers, want %d each", geo.Name, len(l.enc), len(l.dv), len(l.dec), geo.Depth+1)
		}
		for i := range l.enc {
			for _, p := range []kernels.Conv2DParams{l.enc[i], l.dv[i]} {
				if o := p.OutputShape(); p.H != geo.Sizes[i] || o[2] != geo.Sizes[i+1] || p.N != n {
					t.Errorf("%s: conv %d maps %d to %d at batch %d, the chain %v", geo.Name, i+1, p.H, o[2], p.N, geo.Sizes)
				}
			}
		}
		// The dropout's size is that of the dropout node of a Train graph.
		m, err := model.New(geo)
		if err != nil {
			t.Fatal(err)
		}
		g := graph.New(graph.NewParamSet(), graph.Train)
		if _, err := m.Build(g, model.NetDecoder, n); err != nil {
			t.Fatal(err)
		}
		for _, node := range g.Nodes() {
			if _, ok := node.Op().(graph.DropoutOp); ok && node.Inputs()[0].Len() != l.dropout {
				t.Errorf("%s: dropout over %d values, the Train graph's over %d", geo.Name, l.dropout, node.Inputs()[0].Len())
			}
		}
		last := l.dec[len(l.dec)-1].OutputShape()
		if l.enc[0].C != c.channels || last != [4]int{n, c.channels, c.size, c.size} || l.image != c.channels*c.size*c.size ||
			l.dl[0].In != geo.Latent || l.dropout == 0 || len(l.bn) != geo.Depth+1 {
			t.Errorf("%s: layers %+v", geo.Name, l)
		}
	}
}

// TestImageGeometryFlags times two layers of the 128x128x3 networks on the
// CPU and checks the report; unsupported geometries are usage errors.
func TestImageGeometryFlags(t *testing.T) {
	openCPU(t, 0)
	code, out, stderr := runKbench(t, "--device", "cpu", "--image-size", "128", "--channels", "3", "--batch", "1", "--runs", "1",
		"--warmup", "0", "--json", "--filter", "^(enc1 conv2d_fwd|dec6 convT_fwd) ")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Name)
	}
	want := []string{"enc1 conv2d_fwd 1x3x128x128->64x64", "dec6 convT_fwd 1x64x64x64->3x128"}
	if rep.ImageSize != 128 || rep.Channels != 3 || !reflect.DeepEqual(names, want) {
		t.Errorf("report for %dx%d images, results %q; want 128x3, %q", rep.ImageSize, rep.Channels, names, want)
	}
	for _, args := range [][]string{{"--image-size", "100"}, {"--channels", "2"}} {
		code, _, stderr := runKbench(t, args...)
		if code != 2 || !strings.Contains(stderr, fmt.Sprintf("%s %s", args[0], args[1])) {
			t.Errorf("kbench %v: exit %d, want 2 naming the flag\n%s", args, code, stderr)
		}
	}
}
