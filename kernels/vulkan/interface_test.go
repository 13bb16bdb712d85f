package vulkan

import (
	"errors"
	"math/rand"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
	"github.com/ocgan-vk/ocgan/shaders"
)

// takesBasic reports whether a shader whose full tier needs subgroup
// operations of class runs as its basic tier on a device: without the class
// in compute shaders, and for the conv broadcast (ballot) without full
// subgroups of 8 lanes, for the butterfly (shuffle) without full subgroups.
func takesBasic(info vk.DeviceInfo, class string) bool {
	sg := info.Subgroup
	return !info.HasSubgroupOp(class) || (class == "ballot" && (sg.Size != 8 || !sg.FullSubgroups)) ||
		(class == "shuffle" && !sg.FullSubgroups)
}

// recordEveryDefinition records every op of the library once for each of its
// kernel definitions (activation kinds, conv directions with every lane
// sharing mode and the tiled variant, reduce strategies, batch-norm modes,
// dense with and without bias) on small buffers, and returns the shader
// families refused for the device's limits. Any other error fails t.
func recordEveryDefinition(t *testing.T, ctx *vk.Context, lib *Library) map[string]bool {
	t.Helper()
	rng := rand.New(rand.NewSource(3))
	buf := func(n int) *vk.Buffer { return upload(t, ctx, kerneltest.RandVec(rng, n)) }
	refused := map[string]bool{}
	do := func(what string, record func(*vk.Sequence) error) {
		t.Helper()
		err := recordOnly(t, ctx, record)
		var le *vk.LimitError
		switch {
		case errors.As(err, &le):
			refused[le.Family] = true
		case err != nil:
			t.Fatalf("%s: %v", what, err)
		}
	}
	const n = 16
	x, y, z := buf(n), buf(n), buf(n)
	step := buf(16)
	slot := StepSlot{Buf: step}
	do("fill", func(s *vk.Sequence) error { return lib.Fill(s, y, 1) })
	do("axpy", func(s *vk.Sequence) error { return lib.Axpy(s, 2, x, y) })
	do("copy", func(s *vk.Sequence) error { return lib.Copy(s, x, y) })
	do("add", func(s *vk.Sequence) error { return lib.Add(s, x, y, z) })
	do("scale", func(s *vk.Sequence) error { return lib.Scale(s, x, 3, y) })
	for _, k := range []kernels.ActivationKind{kernels.ReLU, kernels.LeakyReLU, kernels.Tanh, kernels.Sigmoid} {
		p := kernels.ActivationParams{Kind: k, Slope: 0.2}
		do(k.String(), func(s *vk.Sequence) error { return lib.ActivationForward(s, p, x, y) })
		do(k.String()+" backward", func(s *vk.Sequence) error { return lib.ActivationBackward(s, p, x, y, z) })
	}
	do("adam", func(s *vk.Sequence) error { return lib.AdamUpdate(s, slot, x, y, z, buf(n)) })
	dp := kernels.DropoutParams{P: 0.5, Seed: 1, Train: true}
	do("dropout", func(s *vk.Sequence) error { return lib.DropoutForward(s, dp, slot, x, y) })
	do("dropout backward", func(s *vk.Sequence) error { return lib.DropoutBackward(s, dp, slot, x, y) })
	do("uniform", func(s *vk.Sequence) error { return lib.FillUniform(s, y, 1, slot) })
	do("normal", func(s *vk.Sequence) error { return lib.FillNormal(s, y, 1, slot, 1) })
	lp := kernels.LossParams{N: 2, F: 8}
	one, two := buf(1), buf(2)
	do("mse", func(s *vk.Sequence) error { return lib.MSELoss(s, lp, x, y, one) })
	do("mse grad", func(s *vk.Sequence) error { return lib.MSELossPerSampleGrad(s, lp, x, y, two, z) })
	do("bce", func(s *vk.Sequence) error { return lib.BCEWithLogitsLoss(s, lp, x, y, one) })
	do("bce grad", func(s *vk.Sequence) error { return lib.BCEWithLogitsLossPerSampleGrad(s, lp, x, y, two, z) })
	rp := kernels.ReduceParams{Shape: []int{4, 4}, Axes: []int{1}}
	four := buf(4)
	for _, strategy := range []int{reduceLane, reduceGroup} {
		do("reduce", func(s *vk.Sequence) error { return lib.reduce(s, "reduce", rp, x, four, false, strategy, nil) })
	}
	do("reduce backward", func(s *vk.Sequence) error { return lib.ReduceSumBackward(s, rp, four, y) })
	bp := kernels.BatchNormParams{N: 2, C: 2, H: 2, W: 2, Eps: 1e-5, Momentum: 0.1}
	c1, c2, c3, c4 := buf(2), buf(2), buf(2), buf(2)
	do("batch norm", func(s *vk.Sequence) error {
		return lib.BatchNormTrainForward(s, bp, x, c1, c2, c3, c4, y, buf(2), buf(2))
	})
	do("batch norm eval", func(s *vk.Sequence) error { return lib.BatchNormEvalForward(s, bp, x, c1, c2, c3, c4, y) })
	do("batch norm backward", func(s *vk.Sequence) error {
		return lib.BatchNormTrainBackward(s, bp, x, c1, c2, c3, y, z, buf(2), buf(2))
	})
	do("batch norm eval backward", func(s *vk.Sequence) error {
		return lib.BatchNormEvalBackward(s, bp, x, c1, c2, c3, y, z, buf(2), buf(2))
	})
	for _, bias := range []bool{false, true} {
		dn := kernels.DenseParams{N: 2, In: 8, Out: 4, Bias: bias}
		var b *vk.Buffer
		if bias {
			b = buf(4)
		}
		do("dense", func(s *vk.Sequence) error { return lib.DenseForward(s, dn, x, buf(32), b, buf(8)) })
	}
	dn := kernels.DenseParams{N: 2, In: 8, Out: 4, Bias: true}
	do("dense backward input", func(s *vk.Sequence) error { return lib.DenseBackwardInput(s, dn, buf(32), buf(8), x) })
	do("dense backward weight", func(s *vk.Sequence) error { return lib.DenseBackwardWeight(s, dn, x, buf(8), buf(32)) })
	do("dense backward bias", func(s *vk.Sequence) error { return lib.DenseBackwardBias(s, dn, buf(8), buf(4)) })

	cp := kernels.Conv2DParams{N: 1, C: 2, H: 4, W: 4, K: 2, KH: 3, KW: 3, StrideH: 1, StrideW: 1, PadH: 1, PadW: 1, Bias: true}
	cx, cw, cb, cy := buf(32), buf(36), buf(2), buf(32)
	tunes := map[string]func(dir convDir, g convGeom) convTune{
		"load": func(convDir, convGeom) convTune { return convTune{local: 64, ppl: 1, tc: 4, sg: convShareLoad} },
		"solo": func(convDir, convGeom) convTune { return convTune{local: 64, ppl: 1, tc: 4, sg: convShareSolo} },
		"tiled": func(dir convDir, g convGeom) convTune {
			c, _ := lib.convTileFor(dir, g)
			return convTune{tiled: &c}
		},
	}
	if lib.convSubgroups() {
		tunes["broadcast"] = func(convDir, convGeom) convTune {
			return convTune{local: 64, ppl: 1, tc: 4, sg: convShareBroadcast}
		}
	}
	defer func() { convTuneHook = nil }()
	for name, tune := range tunes {
		convTuneHook = func(dir convDir, g convGeom, _ convTune) convTune { return tune(dir, g) }
		do("conv "+name, func(s *vk.Sequence) error { return lib.Conv2DForward(s, cp, cx, cw, cb, cy) })
		do("conv backward input "+name, func(s *vk.Sequence) error { return lib.Conv2DBackwardInput(s, cp, cw, cy, cx) })
		do("conv backward weight "+name, func(s *vk.Sequence) error { return lib.Conv2DBackwardWeight(s, cp, cx, cy, cw) })
	}
	convTuneHook = nil
	do("conv backward bias", func(s *vk.Sequence) error { return lib.Conv2DBackwardBias(s, cp, cy, cb) })
	return refused
}

// TestEveryDefinitionMatchesItsShader builds every kernel definition of the
// library, on the device as it is and with subgroup operations masked to the
// basic class (the basic tiers), through vk.NewKernel, which checks each
// against its SPIR-V; and checks that together they build every embedded
// shader the device can run.
func TestEveryDefinitionMatchesItsShader(t *testing.T) {
	built, refused := map[string]bool{}, map[string]bool{}
	var fullInfo vk.DeviceInfo
	for _, mask := range []string{"", "basic"} {
		t.Setenv(vk.SubgroupOpsEnv, mask)
		ctx := vktest.Open(t)
		if mask == "" {
			fullInfo = ctx.Info()
		}
		lib := NewLibrary(ctx)
		for f := range recordEveryDefinition(t, ctx, lib) {
			refused[f] = true
		}
		for k := range lib.kernels {
			built[k.name] = true
		}
	}
	for _, name := range shaders.Names() {
		family := shaders.Family(name)
		if built[name] || refused[family] {
			continue
		}
		if class, tiered := tierShaders[family]; tiered && family == name && takesBasic(fullInfo, class) {
			continue // the device runs only the basic tier
		}
		t.Errorf("no definition built %s", name)
	}
}

// TestUnknownKindsAreRefused checks that a kind or mode outside its named
// values is refused with a *kernels.KindError before anything is built.
func TestUnknownKindsAreRefused(t *testing.T) {
	// A library of its own: the test checks that it built no kernel.
	ctx := vktest.Shared(t)
	lib := NewLibrary(ctx)
	x, y := upload(t, ctx, make([]float32, 8)), upload(t, ctx, make([]float32, 8))
	cp := kernels.Conv2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1}
	defer func() { convTuneHook = nil }()
	tests := []struct {
		name   string
		record func(*vk.Sequence) error
		field  string
		value  int64
	}{
		{"activation kind 0", func(s *vk.Sequence) error {
			return lib.ActivationForward(s, kernels.ActivationParams{}, x, y)
		}, "Kind", 0},
		{"activation kind 5 backward", func(s *vk.Sequence) error {
			return lib.ActivationBackward(s, kernels.ActivationParams{Kind: 5}, x, x, y)
		}, "Kind", 5},
		{"conv lane sharing 3", func(s *vk.Sequence) error {
			convTuneHook = func(convDir, convGeom, convTune) convTune {
				return convTune{local: 64, ppl: 1, tc: 4, sg: convShareSolo + 1}
			}
			return lib.Conv2DForward(s, cp, upload(t, ctx, make([]float32, 4)), upload(t, ctx, make([]float32, 1)), nil,
				upload(t, ctx, make([]float32, 4)))
		}, "lane sharing mode", 3},
	}
	for _, tc := range tests {
		err := recordOnly(t, ctx, tc.record)
		var ke *kernels.KindError
		if !errors.As(err, &ke) || ke.Field != tc.field || ke.Value != tc.value {
			t.Errorf("%s: %v; want a *kernels.KindError for %s %d", tc.name, err, tc.field, tc.value)
		}
	}
	if len(lib.kernels) != 0 {
		t.Errorf("unknown kinds built kernels: %v", lib.kernels)
	}
}

// glslValues reads `#define NAME VALUE` and `const uint NAME = VALUE;` lines
// of a shader source file into NAME -> VALUE (u suffixes dropped).
func glslValues(t *testing.T, path string) map[string]int64 {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^\s*(?:#define\s+(\w+)\s+|const\s+u?int\s+(\w+)\s*=\s*)(-?\d+)u?\b`)
	out := map[string]int64{}
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		v, err := strconv.ParseInt(m[3], 10, 64)
		if err != nil {
			t.Fatalf("%s: %q: %v", path, m[0], err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}

// TestKindValuesMatchTheShaders checks every Go kind and mode value against the
// name the GLSL gives it.
func TestKindValuesMatchTheShaders(t *testing.T) {
	kinds := glslValues(t, "../../shaders/kinds.glsl")
	gemm := glslValues(t, "../../shaders/dense_common.glsl")
	tests := []struct {
		glsl   map[string]int64
		name   string
		goSide int64
	}{
		{kinds, "EPI_NONE", int64(kernels.EpilogueNone)},
		{kinds, "ACT_RELU", int64(kernels.ReLU)},
		{kinds, "ACT_LEAKY_RELU", int64(kernels.LeakyReLU)},
		{kinds, "ACT_TANH", int64(kernels.Tanh)},
		{kinds, "ACT_SIGMOID", int64(kernels.Sigmoid)},
		{kinds, "BN_TRAIN", int64(bnTrain)},
		{kinds, "BN_EVAL", int64(bnEval)},
		{kinds, "CONV_SG_LOAD", int64(convShareLoad)},
		{kinds, "CONV_SG_BROADCAST", int64(convShareBroadcast)},
		{kinds, "CONV_SG_SOLO", int64(convShareSolo)},
		{kinds, "LOSS_MEAN", int64(lossMean)},
		{kinds, "LOSS_PER_SAMPLE", int64(lossPerSample)},
		{gemm, "FLAG_VEC_A", gemmVecA},
		{gemm, "FLAG_VEC_B", gemmVecB},
		{gemm, "FLAG_BIAS", gemmBias},
	}
	named := map[string]bool{}
	for _, tc := range tests {
		named[tc.name] = true
		v, ok := tc.glsl[tc.name]
		if !ok {
			t.Errorf("%s is not defined in the GLSL", tc.name)
			continue
		}
		if v != tc.goSide {
			t.Errorf("%s = %d in the GLSL, %d in Go", tc.name, v, tc.goSide)
		}
	}
	for name := range kinds {
		if !named[name] && !strings.HasSuffix(name, "_GLSL") {
			t.Errorf("kinds.glsl defines %s, which no Go constant is checked against", name)
		}
	}
}
