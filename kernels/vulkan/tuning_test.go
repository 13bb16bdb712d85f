package vulkan

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// tuningConv is a small conv whose three directions the tuning tests tune.
var tuningConv = kernels.Conv2DParams{N: 2, C: 3, H: 6, W: 5, K: 5, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1}

func sampleTuning(t *testing.T, info vk.DeviceInfo) *ConvTuning {
	t.Helper()
	tab, err := NewConvTuning(info)
	if err != nil {
		t.Fatal(err)
	}
	s := Conv2DShapes(tuningConv)
	tab.Set(ConvTuningEntry{Shape: s[0], Variant: ConvVariant{Kind: "tiled", BM: 32, BN: 32, BK: 16, TM: 4, TN: 2, Split: 2}, Ms: 1.5, HeuristicMs: 2})
	tab.Set(ConvTuningEntry{Shape: s[2], Variant: ConvVariant{Kind: "register", Local: 64, PPL: 2, TC: 4}, Ms: 0.5})
	return tab
}

func TestConvTuningRoundTrip(t *testing.T) {
	info := vktest.Open(t).Info()
	tab := sampleTuning(t, info)
	path := filepath.Join(t.TempDir(), "sub", "tuning.json")
	if err := tab.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConvTuning(path, info)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(tab)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("read back\n%s\nwant\n%s", b, a)
	}
	e, ok := got.Lookup(Conv2DShapes(tuningConv)[0])
	if !ok || e.Variant.Split != 2 || e.Variant.Kind != "tiled" {
		t.Errorf("lookup: %+v, %v", e, ok)
	}
	if _, ok := got.Lookup(Conv2DShapes(tuningConv)[1]); ok {
		t.Errorf("lookup of a shape without entry succeeded")
	}
	// Set replaces an entry of the same shape.
	got.Set(ConvTuningEntry{Shape: Conv2DShapes(tuningConv)[0], Variant: ConvVariant{Kind: "register", Local: 64, PPL: 1, TC: 4}})
	if len(got.Entries) != 2 {
		t.Errorf("%d entries after replacing one, want 2", len(got.Entries))
	}
}

func TestConvTuningIgnoresBadFiles(t *testing.T) {
	info := vktest.Open(t).Info()
	good, err := json.Marshal(sampleTuning(t, info))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(*ConvTuning)) []byte {
		tab := sampleTuning(t, info)
		f(tab)
		b, err := json.Marshal(tab)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name, data, reason string
	}{
		{"corrupt", "\x00\x01garbage", "corrupt or truncated"},
		{"truncated", string(good[:len(good)/2]), "corrupt or truncated"},
		{"foreign device", string(edit(func(t *ConvTuning) { t.Key = "00112233445566778899aabbccddeeff-00000001" })), "another device or driver"},
		{"other subgroup size", string(edit(func(t *ConvTuning) { t.SubgroupSize *= 2 })), "-lane subgroups, this device runs"},
		{"other shaders", string(edit(func(t *ConvTuning) { t.ShaderHash = strings.Repeat("ab", 32) })), "other conv shaders"},
		{"other version", string(edit(func(t *ConvTuning) { t.Version = 99 })), "format version 99"},
		{"unknown kind", string(edit(func(t *ConvTuning) { t.Entries[0].Variant.Kind = "winograd" })), `kind "winograd"`},
		{"bad shape", string(edit(func(t *ConvTuning) { t.Entries[0].Shape.Dir = "sideways" })), `direction "sideways"`},
		{"duplicate", string(edit(func(t *ConvTuning) { t.Entries[1].Shape = t.Entries[0].Shape })), "listed twice"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".json")
			if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
				t.Fatal(err)
			}
			tab, err := ReadConvTuning(path, info)
			var ig *TuningIgnoredError
			if tab != nil || !errors.As(err, &ig) || !strings.Contains(ig.Reason, c.reason) || ig.Path != path {
				t.Fatalf("got %v, %v; want a *TuningIgnoredError for %s saying %q", tab, err, path, c.reason)
			}
			t.Setenv(TuningEnv, path)
			_, status, gotPath := OpenConvTuning("", info)
			if status != "ignored: "+ig.Reason || gotPath != path {
				t.Errorf("OpenConvTuning: %q at %q", status, gotPath)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "none.json")
		if _, err := ReadConvTuning(path, info); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("got %v, want os.ErrNotExist", err)
		}
		t.Setenv(TuningEnv, path)
		if _, status, _ := OpenConvTuning("", info); status != "none" {
			t.Errorf("status %q, want none", status)
		}
	})
}

func TestConvTuningPath(t *testing.T) {
	info := vk.DeviceInfo{Subgroup: vk.Subgroup{Size: 16}}
	cases := []struct{ env, cacheDir, want string }{
		{"", "/c", "/c/conv-tuning-" + info.CacheKey() + "-sg16.json"},
		{"", "off", ""},
		{"", "", ""},
		{"off", "/c", ""},
		{"/t/table.json", "off", "/t/table.json"},
	}
	for _, c := range cases {
		t.Setenv(TuningEnv, c.env)
		if got := ConvTuningPath(c.cacheDir, info); got != c.want {
			t.Errorf("%s=%q, cache dir %q: %q, want %q", TuningEnv, c.env, c.cacheDir, got, c.want)
		}
	}
}

// TestConvTuningEntryHonoured forces each variant through a table entry for
// every direction of a conv and a transposed conv, and checks the results
// against the reference.
func TestConvTuningEntryHonoured(t *testing.T) {
	ctx := vktest.Open(t)
	lib := NewLibrary(ctx)
	conv := conv2dGPUCases()["b3_13ch_5x7_k5s2p2"]
	deconv := convT2dGPUCases()["b3_13ch_5x7_k5s2p2op1"]
	shapes := append(Conv2DShapes(conv), ConvTranspose2DShapes(deconv)...)
	register := variantOf(lib.convHeuristic(convRegister, "fwd", conv2DGeom(conv)))
	variants := map[string]ConvVariant{
		"register":     register,
		"register_sg0": {Kind: "register", Local: 32, PPL: 1, TC: 8, SG: 0},
		"tiled":        {Kind: "tiled", BM: 32, BN: 32, BK: 16, TM: 4, TN: 2, Split: 1},
		"tiled_split3": {Kind: "tiled", BM: 16, BN: 8, BK: 4, TM: 2, TN: 2, Split: 3},
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			tab, err := NewConvTuning(ctx.Info())
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range shapes {
				tab.Set(ConvTuningEntry{Shape: s, Variant: v})
			}
			lib.SetConvTuning(tab)
			defer lib.SetConvTuning(nil)
			for _, s := range shapes {
				got, err := lib.convTuneFor(convDir(s.Dir), s.geom())
				if err != nil {
					t.Fatal(err)
				}
				if variantOf(got) != v {
					t.Fatalf("%v: runs %v, want the table's %v", s, variantOf(got), v)
				}
			}
			checkConv2D(t, ctx, lib, "b3_13ch_5x7_k5s2p2", conv)
			checkConvTranspose2D(t, ctx, lib, "b3_13ch_5x7_k5s2p2op1", deconv)
		})
	}
}

// TestConvTuningEntryOverLimitsFallsBack checks that entries the lowered
// limits cannot run give way to the heuristic.
func TestConvTuningEntryOverLimitsFallsBack(t *testing.T) {
	ctx := vktest.Open(t, vk.Config{Limits: "min"})
	lib := NewLibrary(ctx)
	g := conv2DGeom(tuningConv)
	cases := []struct {
		name string
		v    ConvVariant
	}{
		{"256-lane tile", ConvVariant{Kind: "tiled", BM: 64, BN: 64, BK: 16, TM: 4, TN: 4, Split: 1}},
		{"shared memory", ConvVariant{Kind: "tiled", BM: 32, BN: 32, BK: 128, TM: 4, TN: 2, Split: 1}},
		{"512-lane register", ConvVariant{Kind: "register", Local: 512, PPL: 1, TC: 4}},
		{"bad tile", ConvVariant{Kind: "tiled", BM: 60, BN: 64, BK: 16, TM: 8, TN: 4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tt, err := c.v.tune()
			if err != nil {
				t.Fatal(err)
			}
			if lib.convTuneValid(tt) == nil {
				t.Fatalf("%v fits the minimum limits; the case tests nothing", c.v)
			}
			tab, err := NewConvTuning(ctx.Info())
			if err != nil {
				t.Fatal(err)
			}
			tab.Set(ConvTuningEntry{Shape: shapeOf("fwd", g), Variant: c.v})
			lib.SetConvTuning(tab)
			got, err := lib.convTuneFor("fwd", g)
			if err != nil {
				t.Fatal(err)
			}
			if want := variantOf(lib.convHeuristic(convAuto, "fwd", g)); variantOf(got) != want {
				t.Errorf("runs %v, want the heuristic's %v", variantOf(got), want)
			}
		})
	}
	checkConv2D(t, ctx, lib, "tuningConv", tuningConv)
}

// TestTuneConvsTableUsedByNewLibrary tunes a small conv (a fastest variant
// other than the heuristic's confirmed by timing the two again), saves the
// table where the next library looks, and checks that the next library runs
// the fastest variant.
func TestTuneConvsTableUsedByNewLibrary(t *testing.T) {
	ctx := vktest.Open(t)
	lib := NewLibrary(ctx)
	if status, _ := lib.ConvTuningStatus(); status != "none" {
		t.Fatalf("a fresh cache has tuning status %q, want none", status)
	}
	shapes := Conv2DShapes(tuningConv)[:2]
	var progress []ConvShape
	rep, err := lib.TuneConvs(shapes, ConvTuneOptions{Warmup: 0, Runs: 1, HeuristicRegisterOnly: true, Confirm: 1,
		Progress: func(_, _ int, r ConvTuneResult) { progress = append(progress, r.Shape) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || len(progress) != 2 || len(rep.Table.Entries) != 2 {
		t.Fatalf("%d results, %d progress calls, %d entries; want 2 each", len(rep.Results), len(progress), len(rep.Table.Entries))
	}
	for _, r := range rep.Results {
		want := map[ConvVariant]bool{}
		for _, c := range lib.convCandidates(convDir(r.Shape.Dir), r.Shape.geom(), true) {
			want[variantOf(c)] = true
		}
		if len(want) < 2 || len(r.Timings) != len(want) || r.BestMs <= 0 || r.BestMs > r.HeuristicMs {
			t.Errorf("%v: %d variants timed (want the %d candidates, at least 2), best %.3f ms, heuristic %.3f ms",
				r.Shape, len(r.Timings), len(want), r.BestMs, r.HeuristicMs)
		}
		switch c := r.Confirmation; {
		case c == nil && r.Best != r.Heuristic:
			t.Errorf("%v: %v kept without a confirmation", r.Shape, r.Best)
		case c != nil && (c.Kept != (r.Best == c.Candidate) || c.Candidate == r.Heuristic || r.HeuristicMs != c.HeuristicMs ||
			(c.Kept && r.BestMs != c.CandidateMs) || (!c.Kept && r.BestMs != c.HeuristicMs)):
			t.Errorf("%v: best %v %.3f ms, heuristic %v %.3f ms, confirmation %+v", r.Shape, r.Best, r.BestMs, r.Heuristic, r.HeuristicMs, *c)
		}
	}
	if _, err := lib.TuneConvs(shapes, ConvTuneOptions{Runs: 1, Confirm: -1}); err == nil || !strings.Contains(err.Error(), "confirmations") {
		t.Errorf("a negative confirmation count: %v", err)
	}
	if lib.ConvTuning() != nil {
		t.Errorf("tuning changed the library's own table")
	}
	path := ConvTuningPath(ctx.CacheDir(), ctx.Info())
	if err := rep.Table.Save(path); err != nil {
		t.Fatal(err)
	}
	next := NewLibrary(ctx)
	if status, p := next.ConvTuningStatus(); status != "2 entries" || p != path {
		t.Fatalf("next library: tuning %q at %q, want 2 entries at %q", status, p, path)
	}
	for _, r := range rep.Results {
		got, err := next.convTuneFor(convDir(r.Shape.Dir), r.Shape.geom())
		if err != nil {
			t.Fatal(err)
		}
		if variantOf(got) != r.Best {
			t.Errorf("%v: runs %v, want the tuned %v", r.Shape, variantOf(got), r.Best)
		}
	}
	t.Setenv(convVariantEnv, "register")
	if _, err := lib.TuneConvs(shapes, ConvTuneOptions{Runs: 1}); err == nil || !strings.Contains(err.Error(), convVariantEnv) {
		t.Errorf("tuning under a forced variant: %v, want an error naming %s", err, convVariantEnv)
	}
}

// TestConvCandidatesCoverRegisterTiles checks what TuneConvs times: the
// heuristic's choice first, every register tile the device can run (each
// valid, none twice), and with HeuristicRegisterOnly only the heuristic's.
func TestConvCandidatesCoverRegisterTiles(t *testing.T) {
	lib := NewLibrary(vktest.Open(t))
	for _, s := range Conv2DShapes(tuningConv) {
		dir, g := convDir(s.Dir), s.geom()
		all := lib.convCandidates(dir, g, false)
		few := lib.convCandidates(dir, g, true)
		heur, err := lib.convTuneFor(dir, g)
		if err != nil {
			t.Fatal(err)
		}
		if variantOf(all[0]) != variantOf(heur) || variantOf(few[0]) != variantOf(heur) {
			t.Errorf("%v: first candidate %v, want the heuristic's %v", s, variantOf(all[0]), variantOf(heur))
		}
		registers := func(ts []convTune) map[ConvVariant]bool {
			m := map[ConvVariant]bool{}
			for _, c := range ts {
				if err := lib.convTuneValid(c); err != nil {
					t.Errorf("%v: candidate %v: %v", s, variantOf(c), err)
				}
				if c.tiled == nil {
					m[variantOf(c)] = true
				}
			}
			return m
		}
		regAll, regFew := registers(all), registers(few)
		if len(regFew) != 1 {
			t.Errorf("%v: %d register tiles with HeuristicRegisterOnly, want 1", s, len(regFew))
		}
		ppl, tc, local := map[uint32]bool{}, map[uint32]bool{}, map[uint32]bool{}
		for v := range regAll {
			ppl[v.PPL], tc[v.TC], local[v.Local] = true, true, true
		}
		if len(ppl) != 3 || len(tc) != 2 || len(local) < 2 {
			t.Errorf("%v: register tiles cover rows per lane %v, columns %v, workgroups %v; want 1, 2, 4 x 4, 8 x at least two sizes",
				s, ppl, tc, local)
		}
	}
}

// TestConvConfirmation: a candidate stands only when the median of its
// times is ConfirmMargin or more below the median of the heuristic's.
func TestConvConfirmation(t *testing.T) {
	for _, c := range []struct {
		name string
		h, c []float64
		kept bool
	}{
		{"clearly faster", []float64{10, 11, 10.5}, []float64{7, 7.5, 30}, true},
		{"one lucky time", []float64{10, 10, 10}, []float64{5, 10.1, 10.2}, false},
		{"within the margin", []float64{10, 10, 10}, []float64{9.8, 9.75, 9.9}, false},
		{"at the margin", []float64{10}, []float64{9.7}, true},
		{"slower", []float64{10, 10}, []float64{12, 11}, false},
	} {
		x := ConvVariant{Kind: "register", Local: 32, PPL: 4, TC: 8}
		got := confirmation(x, c.h, c.c)
		if got.Kept != c.kept || got.Candidate != x || got.HeuristicMs != median(append([]float64(nil), c.h...)) {
			t.Errorf("%s: %+v, want kept %v", c.name, got, c.kept)
		}
	}
}
