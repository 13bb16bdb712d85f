package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// Steps t = 1..5 against AdamUpdate applied to copies: the parameters, both
// moments, and the change of the parameters alone (so an error in the
// update is not hidden by the size of p).
func TestAdamMatchesReferenceOverSteps(t *testing.T) {
	forDevices(t, func(t *testing.T, d *Device) {
		r := kerneltest.NewRand(21)
		for k, n := range stepSizes {
			t.Run(fmt.Sprint(n), func(t *testing.T) {
				p, m, g := kerneltest.RandVec(r, n), kerneltest.RandVec(r, n), kerneltest.RandVec(r, n)
				v := kerneltest.RandVec(r, n)
				for i := range v {
					v[i] = v[i]*v[i] + 1e-3 // a second moment is positive
				}
				if n > 3 {
					g[1], g[2] = 0, 1e-20 // a zero and a tiny gradient
				}
				wp, wm, wv := clone(p), clone(m), clone(v)
				lr := float32(0.05) * float32(1+k%3)
				for step := 1; step <= 5; step++ {
					s, err := kernels.NewAdamStep(lr, 0.9, 0.999, 1e-8, step)
					must(t, err)
					p0 := clone(p)
					must(t, kernels.AdamUpdate(s, wp, wm, wv, g))
					must(t, d.AdamUpdate(s, p, m, v, g))
					kerneltest.ExpectClose(t, "p", p, wp)
					kerneltest.ExpectClose(t, "m", m, wm)
					kerneltest.ExpectClose(t, "v", v, wv)
					dGot, dWant := make([]float64, n), make([]float64, n)
					for i := range p {
						dGot[i] = float64(p[i]) - float64(p0[i])
						dWant[i] = float64(wp[i]) - float64(p0[i])
					}
					if e := kerneltest.RelL2(dGot, dWant); e > kerneltest.Tolerance {
						t.Fatalf("step %d: the change of p has relative error %.3g > %g", step, e, kerneltest.Tolerance)
					}
				}
			})
		}
	})
}

func TestAdamRejectsBadArguments(t *testing.T) {
	d := &Device{threads: 2}
	good, err := kernels.NewAdamStep(1e-3, 0.9, 0.999, 1e-8, 1)
	must(t, err)
	p, m, v, g, short := make([]float32, 6), make([]float32, 6), make([]float32, 6), make([]float32, 6), make([]float32, 5)
	buf := make([]float32, 12)
	badBeta, nanBC := good, good
	badBeta.Beta1 = 1
	nanBC.BiasCorr2 = float32(math.NaN())
	for _, c := range []struct {
		name  string
		err   error
		parts []string
	}{
		{"Beta1 = 1", d.AdamUpdate(badBeta, p, m, v, g), []string{"adam", "Beta1"}},
		{"NaN BiasCorr2", d.AdamUpdate(nanBC, p, m, v, g), []string{"adam", "BiasCorr2"}},
		{"short m", d.AdamUpdate(good, p, short, v, g), []string{"adam", "first moment m has 5 elements, want 6 (len(p) = 6)"}},
		{"short g", d.AdamUpdate(good, p, m, v, short), []string{"adam", "gradient g has 5 elements"}},
		{"m is v", d.AdamUpdate(good, p, m, m, g), []string{"adam", "first moment m overlaps second moment v"}},
		{"g overlaps p", d.AdamUpdate(good, buf[:6], m, v, buf[5:11]), []string{"adam", "parameters p overlaps gradient g"}},
	} {
		kerneltest.WantErr(t, c.name, c.err, c.parts...)
	}
	// Nothing is modified when an error is returned.
	p[0] = 3
	g[0] = 1
	kerneltest.WantErr(t, "short v", d.AdamUpdate(good, p, m, short, g), "second moment v")
	if p[0] != 3 || m[0] != 0 {
		t.Fatalf("a rejected update changed p or m: %v, %v", p[0], m[0])
	}
}
