package kernels

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

func TestNewAdamStep(t *testing.T) {
	s, err := NewAdamStep(1e-3, 0.5, 0.75, 1e-8, 3)
	mustNoErr(t, "NewAdamStep", err)
	want := AdamStep{LR: 1e-3, Beta1: 0.5, Beta2: 0.75, Eps: 1e-8, BiasCorr1: 0.875, BiasCorr2: 1 - 27.0/64}
	if s != want {
		t.Errorf("NewAdamStep = %+v, want %+v", s, want)
	}
}

// Golden values for three steps from an independent Python float64
// implementation of the same rule (float32 storage between steps):
// lr 0.1, betas (0.9, 0.999), eps 1e-8, p0 = 1, gradients 0.5, −1, 0.25.
func TestAdamGolden(t *testing.T) {
	p, m, v := []float32{1}, []float32{0}, []float32{0}
	want := []struct{ p, m, v float64 }{
		{0.8999999761581421, 0.050000011920928955, 0.00024999678134918213},
		{0.9366103410720825, -0.05500001460313797, 0.0012497339630499482},
		{0.9502794146537781, -0.024500004947185516, 0.0013109834399074316},
	}
	for i, g := range []float32{0.5, -1, 0.25} {
		s, err := NewAdamStep(0.1, 0.9, 0.999, 1e-8, i+1)
		mustNoErr(t, "NewAdamStep", err)
		mustNoErr(t, "AdamUpdate", AdamUpdate(s, p, m, v, []float32{g}))
		assertClose(t, "p", p, []float64{want[i].p}, exactRTol, 0)
		assertClose(t, "m", m, []float64{want[i].m}, exactRTol, 0)
		assertClose(t, "v", v, []float64{want[i].v}, exactRTol, 0)
	}
}

// With a constant gradient g the bias-corrected moments are exactly g and g²,
// so every step moves p by −lr·g/(|g| + eps) — independent of t. The only
// errors are float32 storage of m, v, p and of the bias corrections (a few
// 1e-7 relative per step), hence the 1e-5 relative tolerance on the step.
func TestAdamConstantGradient(t *testing.T) {
	r := kerneltest.NewRand(2000)
	const n = 37
	g := randn(r, n, 0, 1)
	g[0] = 1e-3 // small gradient: eps still negligible
	p := randn(r, n, 0, 1)
	m, v := make([]float32, n), make([]float32, n)
	const lr, eps = 0.01, 1e-8
	for step := 1; step <= 20; step++ {
		s, err := NewAdamStep(lr, 0.5, 0.999, eps, step)
		mustNoErr(t, "NewAdamStep", err)
		before := Copy(p)
		mustNoErr(t, "AdamUpdate", AdamUpdate(s, p, m, v, g))
		for i := range p {
			want := -float64(float32(lr)) * float64(g[i]) / (math.Abs(float64(g[i])) + float64(float32(eps)))
			got := float64(p[i]) - float64(before[i])
			// p is stored in float32: its rounding adds up to half an ulp of p.
			tol := 1e-5*math.Abs(want) + math.Abs(float64(p[i]))*(1.0/(1<<24))
			if math.Abs(got-want) > tol {
				t.Fatalf("step %d element %d: moved %.9g, want %.9g", step, i, got, want)
			}
		}
	}
}

// AdamUpdate matches the rule written out directly (PyTorch form:
// p −= (lr/bc1)·m′/(sqrt(v′)/sqrt(bc2) + eps)) on random state.
func TestAdamMatchesPyTorchForm(t *testing.T) {
	r := kerneltest.NewRand(2001)
	const n = 50
	p, g := randn(r, n, 0, 1), randn(r, n, 0, 0.1)
	m, v := randn(r, n, 0, 0.05), randUniform(r, n, 0, 0.01)
	s, err := NewAdamStep(2e-4, 0.5, 0.999, 1e-8, 7)
	mustNoErr(t, "NewAdamStep", err)
	wantP, wantM, wantV := make([]float64, n), make([]float64, n), make([]float64, n)
	b1, b2 := float64(s.Beta1), float64(s.Beta2)
	for i := range p {
		gi := float64(g[i])
		wantM[i] = b1*float64(m[i]) + (1-b1)*gi
		wantV[i] = b2*float64(v[i]) + (1-b2)*gi*gi
		denom := math.Sqrt(wantV[i])/math.Sqrt(float64(s.BiasCorr2)) + float64(s.Eps)
		wantP[i] = float64(p[i]) - float64(s.LR)/float64(s.BiasCorr1)*wantM[i]/denom
	}
	mustNoErr(t, "AdamUpdate", AdamUpdate(s, p, m, v, g))
	assertClose(t, "p", p, wantP, exactRTol, exactATol)
	assertClose(t, "m", m, wantM, exactRTol, exactATol)
	assertClose(t, "v", v, wantV, exactRTol, exactATol)
}

func TestAdamValidation(t *testing.T) {
	good, err := NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 1)
	mustNoErr(t, "NewAdamStep", err)
	mod := func(f func(s *AdamStep)) AdamStep { s := good; f(&s); return s }
	nan := float32(math.NaN())
	cases := []struct {
		name  string
		s     AdamStep
		wants []string
	}{
		{"negative_lr", mod(func(s *AdamStep) { s.LR = -1 }), []string{"adam: LR must be >= 0 and finite, got -1"}},
		{"inf_lr", mod(func(s *AdamStep) { s.LR = float32(math.Inf(1)) }), []string{"adam: LR must be >= 0 and finite"}},
		{"beta1_one", mod(func(s *AdamStep) { s.Beta1 = 1 }), []string{"adam: Beta1 must be in [0, 1), got 1"}},
		{"beta2_nan", mod(func(s *AdamStep) { s.Beta2 = nan }), []string{"adam: Beta2 must be in [0, 1)"}},
		{"eps_zero", mod(func(s *AdamStep) { s.Eps = 0 }), []string{"adam: Eps must be > 0"}},
		{"biascorr1_zero", mod(func(s *AdamStep) { s.BiasCorr1 = 0 }), []string{"adam: BiasCorr1 must be in (0, 1]"}},
		{"biascorr2_above_one", mod(func(s *AdamStep) { s.BiasCorr2 = 1.5 }), []string{"adam: BiasCorr2 must be in (0, 1]"}},
	}
	for _, c := range cases {
		kerneltest.WantErr(t, c.name+"/Validate", c.s.Validate(), c.wants...)
		p := []float32{1}
		kerneltest.WantErr(t, c.name+"/AdamUpdate", AdamUpdate(c.s, p, []float32{0}, []float32{0}, []float32{1}), c.wants...)
		if p[0] != 1 {
			t.Errorf("%s: p modified despite the error", c.name)
		}
	}
	_, err = NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 0)
	kerneltest.WantErr(t, "t_zero", err, "adam: step t must be >= 1, got 0")
	_, err = NewAdamStep(1e-3, 1, 0.999, 1e-8, 1)
	kerneltest.WantErr(t, "NewAdamStep_beta1_one", err, "Beta1 must be in [0, 1)")

	p, m, v, g := []float32{1, 2}, []float32{0, 0}, []float32{0, 0}, []float32{1, 1}
	for _, c := range []struct {
		name       string
		p, m, v, g []float32
		tensor     string
		got        int
	}{
		{"short_m", p, m[:1], v, g, "first moment m", 1},
		{"short_v", p, m, nil, g, "second moment v", 0},
		{"long_g", p, m, v, []float32{1, 2, 3}, "gradient g", 3},
	} {
		kerneltest.WantAs(t, c.name, AdamUpdate(good, c.p, c.m, c.v, c.g), &ShapeError{
			Op: OpAdam, Tensor: c.tensor, Got: c.got, Want: 2, Formula: "len(p)", Dims: []int{2}})
	}
	kerneltest.BitEqual(t, "p untouched", p, []float32{1, 2})
	kerneltest.BitEqual(t, "m untouched", m, []float32{0, 0})
}
