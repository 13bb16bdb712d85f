package vulkan

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestConvTiledMatchesReference runs the shared-memory tiled kernels with a few
// tile shapes, small ones included so that odd shapes end in partial tiles on
// every side, on a representative subset of the conv and transposed-conv cases.
func TestConvTiledMatchesReference(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	defer func() { convTuneHook = nil }()
	tiles := []struct {
		name string
		tile func(dir convDir, g convGeom) convTile
	}{
		{"16x8x4_2x2", func(convDir, convGeom) convTile { return convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2} }},
		{"32x16x8_4x2", func(convDir, convGeom) convTile { return convTile{bm: 32, bn: 16, bk: 8, tm: 4, tn: 2} }},
		{"default", func(dir convDir, g convGeom) convTile { c, _ := lib.convTileFor(dir, g); return c }},
		{"16x8x4_2x2_split2", func(convDir, convGeom) convTile { return convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2, split: 2} }},
		{"32x16x8_4x2_split3", func(convDir, convGeom) convTile { return convTile{bm: 32, bn: 16, bk: 8, tm: 4, tn: 2, split: 3} }},
	}
	convs := conv2dGPUCases()
	deconvs := convT2dGPUCases()
	for _, tc := range tiles {
		convTuneHook = func(dir convDir, g convGeom, _ convTune) convTune {
			c := tc.tile(dir, g)
			return convTune{tiled: &c}
		}
		for _, name := range []string{"b1_1ch_5x7_k3p1_bias", "b3_13ch_5x7_k5s2p2", "b3_33to130_6x6_k5s2p2", "b2_k3x2_s2x1_p1x0", "ocgan_enc3_128to256_7"} {
			t.Run(tc.name+"/conv2d_"+name, func(t *testing.T) { checkConv2D(t, ctx, lib, name, convs[name]) })
		}
		for _, name := range []string{"b3_13ch_5x7_k5s2p2op1", "b2_k3x2_s2x3_op1x2", "b3_70to33_3x3_k5s2p1"} {
			t.Run(tc.name+"/conv_transpose2d_"+name, func(t *testing.T) { checkConvTranspose2D(t, ctx, lib, name, deconvs[name]) })
		}
	}
	for _, name := range []string{"conv2d_fwd_tiled", "conv2d_bwd_data_tiled", "conv2d_bwd_filter_tiled"} {
		built := 0
		for key := range lib.kernels {
			if key.name == name {
				built++
			}
		}
		if built < len(tiles) {
			t.Errorf("%s: %d pipelines built, want at least %d", name, built, len(tiles))
		}
	}
	if len(lib.scratch) == 0 {
		t.Errorf("no split-K scratch allocated")
	}
}

func TestConvSplitFor(t *testing.T) {
	tile := convTile{bm: 64, bn: 64, bk: 16, tm: 4, tn: 4}
	cases := []struct {
		name string
		dir  convDir
		g    convGeom
		fill int
		want uint32
	}{
		// 25*256 taps x 128 columns: 100 x 2 tiles; 64*49 pixels = 24 slices of 8 steps.
		{"enc3 filter", "bwd_filter", convGeom{N: 64, C: 256, H: 7, W: 7, K: 128, OH: 4, OW: 4, KH: 5, KW: 5, SH: 2, SW: 2, PH: 2, PW: 2}, 512, 3},
		// 1600 taps x 128 columns: 25 x 2 tiles want 11 slices; 64*49 pixels allow 24.
		{"enc2 filter", "bwd_filter", convGeom{N: 64, C: 64, H: 14, W: 14, K: 128, OH: 7, OW: 7, KH: 5, KW: 5, SH: 2, SW: 2, PH: 2, PW: 2}, 512, 11},
		{"capped at 16", "bwd_filter", convGeom{N: 64, C: 1, H: 28, W: 28, K: 1, OH: 14, OW: 14, KH: 5, KW: 5, SH: 2, SW: 2, PH: 2, PW: 2}, 512, 16},
		{"short reduction", "fwd", convGeom{N: 1, C: 1, H: 5, W: 5, K: 1, OH: 5, OW: 5, KH: 3, KW: 3, SH: 1, SW: 1, PH: 1, PW: 1}, 512, 1},
		{"enough tiles", "fwd", convGeom{N: 64, C: 64, H: 14, W: 14, K: 128, OH: 7, OW: 7, KH: 5, KW: 5, SH: 2, SW: 2, PH: 2, PW: 2}, 64, 1},
	}
	for _, c := range cases {
		if got := convSplitFor(tile, c.dir, c.g, c.fill); got != c.want {
			t.Errorf("%s: split %d, want %d", c.name, got, c.want)
		}
	}
}

// TestConvRowsPerTile checks the rows per tile of the CPU drivers' heuristic:
// one 8-row team tile for GEMMs of at most 8 rows, 32-row tiles for tall
// GEMMs of 64 columns or more, 16 rows otherwise.
func TestConvRowsPerTile(t *testing.T) {
	enc4 := func(n int) convGeom {
		return convGeom{N: n, C: 256, H: 4, W: 4, K: 16, OH: 1, OW: 1, KH: 5, KW: 5, SH: 2, SW: 2, PH: 1, PW: 1}
	}
	enc3 := func(n int) convGeom {
		return convGeom{N: n, C: 128, H: 7, W: 7, K: 256, OH: 4, OW: 4, KH: 5, KW: 5, SH: 2, SW: 2, PH: 2, PW: 2}
	}
	cases := []struct {
		name    string
		cpu     bool
		dir     convDir
		g       convGeom
		wantPPL uint32
	}{
		{"enc4 batch 1: 1 row", true, convFwd, enc4(1), 1},
		{"enc4 batch 8: 8 rows", true, convFwd, enc4(8), 1},
		{"enc4 batch 9: 9 rows", true, convFwd, enc4(9), 2},
		{"dec1 batch 1 (enc4's adjoint): 4 rows per stride class", true, convBwdData, enc4(1), 1},
		{"enc3 batch 1: 16 rows", true, convFwd, enc3(1), 2},
		{"enc3 batch 64: 1,024 rows, 256 columns", true, convFwd, enc3(64), 4},
		{"enc3's grad input at batch 64: 64x16 rows per stride class, 128 columns", true, convBwdData, enc3(64), 4},
		{"enc4 batch 64: 64 rows, 16 columns", true, convFwd, enc4(64), 2},
		{"enc3 batch 64 on a GPU", false, convFwd, enc3(64), 1},
		{"enc4 batch 1 on a GPU", false, convFwd, enc4(1), 1},
	}
	for _, c := range cases {
		if got := convTuneForDevice(c.cpu, true, c.dir, c.g); got.ppl != c.wantPPL {
			t.Errorf("%s: %+v, want ppl %d", c.name, got, c.wantPPL)
		}
	}
}

func TestConvVariantChoice(t *testing.T) {
	ctx, lib := sharedLibrary(t)
	cpu := ctx.Info().Type == vk.CPU
	g := conv2DGeom(conv2dGPUCases()["ocgan_enc2_64to128_14"])
	cases := []struct {
		env       string
		wantTiled bool
		wantErr   string
	}{
		{"", !cpu, ""},
		{"auto", !cpu, ""},
		{"tiled", true, ""},
		{"register", false, ""},
		{"shared", false, `OCGAN_VK_CONV_VARIANT="shared"`},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("env=%q", c.env), func(t *testing.T) {
			t.Setenv(convVariantEnv, c.env)
			for _, dir := range []convDir{convFwd, convBwdData, convBwdFilter} {
				tune, err := lib.convTuneFor(dir, g)
				if c.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), c.wantErr) {
						t.Fatalf("%s: error %v, want one containing %s", dir, err, c.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", dir, err)
				}
				if got := tune.tiled != nil; got != c.wantTiled {
					t.Errorf("%s: tiled = %v, want %v", dir, got, c.wantTiled)
				}
				// The last of convTiles fits the limits every Vulkan device has.
				if tune.tiled != nil && !lib.convTileFits(*tune.tiled) {
					t.Errorf("%s: tile %+v does not fit the device's limits", dir, *tune.tiled)
				}
			}
		})
	}
}

func TestConvTileCheck(t *testing.T) {
	cases := []struct {
		tile    convTile
		wantErr string
	}{
		{convTile{bm: 64, bn: 64, bk: 16, tm: 4, tn: 4}, ""},
		{convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2}, ""},
		{convTile{bm: 64, bn: 64, bk: 16, tm: 16, tn: 4}, "tm and tn must be 1..8"},
		{convTile{bm: 60, bn: 64, bk: 16, tm: 8, tn: 4}, "multiple of tm"},
		{convTile{bm: 64, bn: 8, bk: 4, tm: 4, tn: 4}, "multiple of bm and bk"},
		{convTile{bm: 16, bn: 16, bk: 48, tm: 2, tn: 2}, "multiple of bm and bk"},
		{convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2, split: 17}, "at most 16 split-K slices"},
	}
	for _, c := range cases {
		err := c.tile.check()
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%+v: error %v, want %q", c.tile, err, c.wantErr)
		}
	}
}

// TestConvWorkspace runs split-K convs with their partial sums in a caller's
// workspace (WithWorkspace), sized by Conv2DWorkspace and
// ConvTranspose2DWorkspace: the results match the reference, the library
// allocates no scratch of its own, and a missing or short workspace is an
// error.
func TestConvWorkspace(t *testing.T) {
	// A library of its own: the test counts the scratch the library allocates.
	ctx := vktest.Shared(t)
	lib := NewLibrary(ctx)
	p := kernels.Conv2DParams{N: 2, C: 13, H: 9, W: 7, K: 19, KH: 5, KW: 5, StrideH: 2, StrideW: 2, PadH: 2, PadW: 2, Bias: true}
	q := kernels.ConvTranspose2DParams{N: 2, C: 7, H: 4, W: 5, K: 11, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, OutPadH: 1}
	for _, pass := range []ConvPass{ConvPassForward, ConvPassBackwardInput, ConvPassBackwardWeight} {
		if n, err := lib.Conv2DWorkspace(p, pass); err != nil || n != 0 {
			t.Errorf("conv2d %v without split-K: workspace %d, %v; want 0", pass, n, err)
		}
	}
	if _, err := lib.Conv2DWorkspace(p, ConvPass(9)); err == nil {
		t.Error("an unknown pass was accepted")
	}
	if _, err := lib.Conv2DWorkspace(kernels.Conv2DParams{N: 1}, ConvPassForward); err == nil {
		t.Error("invalid parameters were accepted")
	}
	convTuneHook = func(convDir, convGeom, convTune) convTune {
		return convTune{tiled: &convTile{bm: 16, bn: 8, bk: 4, tm: 2, tn: 2, split: 3}}
	}
	t.Cleanup(func() { convTuneHook = nil })

	rng := rand.New(rand.NewSource(11))
	o := p.OutputShape()
	x, w, b := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW), kerneltest.RandVec(rng, p.K)
	dy := kerneltest.RandVec(rng, o[0]*o[1]*o[2]*o[3])
	qo := q.OutputShape()
	qx, qw := kerneltest.RandVec(rng, q.N*q.C*q.H*q.W), kerneltest.RandVec(rng, q.C*q.K*q.KH*q.KW)
	qdy := kerneltest.RandVec(rng, qo[0]*qo[1]*qo[2]*qo[3])

	sizes := map[string]int{}
	for _, pass := range []ConvPass{ConvPassForward, ConvPassBackwardInput, ConvPassBackwardWeight} {
		n, err := lib.Conv2DWorkspace(p, pass)
		if err != nil {
			t.Fatal(err)
		}
		m, err := lib.ConvTranspose2DWorkspace(q, pass)
		if err != nil {
			t.Fatal(err)
		}
		sizes["conv2d "+pass.String()], sizes["conv_transpose2d "+pass.String()] = n, m
	}
	want := map[string]int{
		"conv2d forward": 3 * len(dy), "conv2d backward input": 3 * len(x), "conv2d backward weight": 3 * len(w),
		"conv_transpose2d forward": 3 * len(qdy), "conv_transpose2d backward input": 3 * len(qx),
		"conv_transpose2d backward weight": 3 * len(qw),
	}
	for k, n := range want {
		if sizes[k] != n {
			t.Errorf("%s: workspace %d floats, want %d (3 slices of the output)", k, sizes[k], n)
		}
	}
	ws := func(key string, extra int) *Library {
		return lib.WithWorkspace(upload(t, ctx, kerneltest.Poisoned(sizes[key]+extra)))
	}
	y, dx, dw := upload(t, ctx, kerneltest.Poisoned(len(dy))), upload(t, ctx, kerneltest.Poisoned(len(x))), upload(t, ctx, kerneltest.Poisoned(len(w)))
	qy, qdx, qdw := upload(t, ctx, kerneltest.Poisoned(len(qdy))), upload(t, ctx, kerneltest.Poisoned(len(qx))), upload(t, ctx, kerneltest.Poisoned(len(qw)))
	xb, wb, bb, dyb := upload(t, ctx, x), upload(t, ctx, w), upload(t, ctx, b), upload(t, ctx, dy)
	qxb, qwb, qdyb := upload(t, ctx, qx), upload(t, ctx, qw), upload(t, ctx, qdy)
	runOne(t, ctx, func(s *vk.Sequence) error {
		return convFirstErr(
			ws("conv2d forward", 0).Conv2DForward(s, p, xb, wb, bb, y),
			ws("conv2d backward input", 5).Conv2DBackwardInput(s, p, wb, dyb, dx), // a larger workspace: its first floats
			ws("conv2d backward weight", 0).Conv2DBackwardWeight(s, p, xb, dyb, dw),
			ws("conv_transpose2d forward", 0).ConvTranspose2DForward(s, q, qxb, qwb, nil, qy),
			ws("conv_transpose2d backward input", 0).ConvTranspose2DBackwardInput(s, q, qwb, qdyb, qdx),
			ws("conv_transpose2d backward weight", 0).ConvTranspose2DBackwardWeight(s, q, qxb, qdyb, qdw))
	})
	yv, _ := kernels.Conv2DForward(p, x, w, b)
	expectClose(t, "conv2d forward", y, yv)
	wantv, _ := kernels.Conv2DBackwardInput(p, w, dy)
	expectClose(t, "conv2d backward input", dx, wantv)
	wantv, _ = kernels.Conv2DBackwardWeight(p, x, dy)
	expectClose(t, "conv2d backward weight", dw, wantv)
	wantv, _ = kernels.ConvTranspose2DForward(q, qx, qw, nil)
	expectClose(t, "conv_transpose2d forward", qy, wantv)
	wantv, _ = kernels.ConvTranspose2DBackwardInput(q, qw, qdy)
	expectClose(t, "conv_transpose2d backward input", qdx, wantv)
	wantv, _ = kernels.ConvTranspose2DBackwardWeight(q, qx, qdy)
	expectClose(t, "conv_transpose2d backward weight", qdw, wantv)
	if n := lib.SharedScratchFloats(); n != 0 {
		t.Errorf("the library allocated %d floats of its own scratch", n)
	}

	seq := newSequence(t, ctx)
	short := lib.WithWorkspace(upload(t, ctx, make([]float32, sizes["conv2d forward"]-1)))
	if err := short.Conv2DForward(seq, p, xb, wb, bb, y); err == nil || !strings.Contains(err.Error(), "workspace of") {
		t.Errorf("a short workspace: %v", err)
	}
	if err := lib.WithWorkspace(nil).Conv2DForward(seq, p, xb, wb, bb, y); err == nil || !strings.Contains(err.Error(), "no workspace") {
		t.Errorf("no workspace: %v", err)
	}
	if err := lib.Conv2DForward(seq, p, xb, wb, bb, y); err != nil || lib.SharedScratchFloats() != sizes["conv2d forward"] {
		t.Errorf("without a workspace: %v, library scratch %d floats, want %d", err, lib.SharedScratchFloats(), sizes["conv2d forward"])
	}
}
