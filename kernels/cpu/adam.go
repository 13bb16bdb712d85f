package cpu

import (
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/kernels"
)

const opAdam = "adam"

// AdamUpdate applies one Adam step in place to the parameters p, first
// moments m and second moments v given the gradient g (kernels.AdamUpdate):
//
//	m′ = Beta1·m + (1 − Beta1)·g
//	v′ = Beta2·v + (1 − Beta2)·g²
//	p′ = p − LR·(m′/BiasCorr1)/(sqrt(v′/BiasCorr2) + Eps)
//
// in float32 arithmetic, operation for operation as the device shader
// (shaders/adam.comp), so the backends agree. The four slices have the same
// length and are disjoint. Nothing is modified when an error is returned.
func (d *Device) AdamUpdate(s kernels.AdamStep, p, m, v, g []float32) error {
	if err := s.Validate(); err != nil {
		return err
	}
	args := []named{{"parameters p", p}, {"first moment m", m}, {"second moment v", v}, {"gradient g", g}}
	for i, a := range args {
		if err := kernels.CheckLen(opAdam, a.name, len(a.v), "len(p)", len(p)); err != nil {
			return err
		}
		for _, b := range args[:i] {
			if overlaps(a.v, b.v) {
				return fmt.Errorf("%s: %s overlaps %s", opAdam, b.name, a.name)
			}
		}
	}
	lr, b1, b2, eps, bc1, bc2 := s.LR, s.Beta1, s.Beta2, s.Eps, s.BiasCorr1, s.BiasCorr2
	c1, c2 := 1-b1, 1-b2
	d.parallel(len(p), grainStream/4, func(lo, hi int) {
		p, m, v, g := p[lo:hi], m[lo:hi], v[lo:hi], g[lo:hi]
		for i := range p {
			gi := g[i]
			mi := b1*m[i] + c1*gi
			vi := b2*v[i] + c2*(gi*gi)
			// The float32 square root of a float32 is the float64 one rounded.
			p[i] -= lr * (mi / bc1) / (float32(math.Sqrt(float64(vi/bc2))) + eps)
			m[i] = mi
			v[i] = vi
		}
	})
	return nil
}
