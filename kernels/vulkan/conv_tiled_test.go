package vulkan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestConvTiledMatchesReference runs the shared-memory tiled kernels with a few
// tile shapes, small ones included so that odd shapes end in partial tiles on
// every side, on a representative subset of the conv and transposed-conv cases.
func TestConvTiledMatchesReference(t *testing.T) {
	ctx := vktest.Open(t)
	lib := NewLibrary(ctx)
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

func TestConvVariantChoice(t *testing.T) {
	ctx := vktest.Open(t)
	lib := NewLibrary(ctx)
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
