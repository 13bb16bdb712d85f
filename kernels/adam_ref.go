package kernels

import (
	"fmt"
	"math"
)

// AdamStep holds the scalars of one Adam step (PyTorch torch.optim.Adam,
// no weight decay, no amsgrad). A shader reads it from a small uniform/storage
// buffer as six consecutive float32 values in field order:
//
//	LR, Beta1, Beta2, Eps, BiasCorr1, BiasCorr2
//
// with BiasCorr1 = 1 − Beta1^t and BiasCorr2 = 1 − Beta2^t at step t = 1, 2, …
// (see NewAdamStep).
type AdamStep struct {
	LR        float32 // learning rate, >= 0
	Beta1     float32 // first-moment decay, in [0, 1)
	Beta2     float32 // second-moment decay, in [0, 1)
	Eps       float32 // added to sqrt of the corrected second moment, > 0
	BiasCorr1 float32 // 1 − Beta1^t, in (0, 1]
	BiasCorr2 float32 // 1 − Beta2^t, in (0, 1]
}

const OpAdam = "adam"

// NewAdamStep returns the AdamStep for step t >= 1, with
// BiasCorr1 = float32(1 − β1^t) and BiasCorr2 = float32(1 − β2^t) computed in
// float64 from the float32 betas. Using the float32 betas (rather than, as
// PyTorch does, the decimal values in double precision) keeps the bias
// corrections consistent with the (1 − β) factors of AdamUpdate, so that a
// constant gradient g gives exactly m′/BiasCorr1 = g; the two conventions
// differ by about 1e-5 relative in the step for β2 = 0.999.
func NewAdamStep(lr, beta1, beta2, eps float32, t int) (AdamStep, error) {
	if t < 1 {
		return AdamStep{}, fmt.Errorf("%s: step t must be >= 1, got %d", OpAdam, t)
	}
	s := AdamStep{
		LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps,
		BiasCorr1: float32(1 - math.Pow(float64(beta1), float64(t))),
		BiasCorr2: float32(1 - math.Pow(float64(beta2), float64(t))),
	}
	return s, s.Validate()
}

// Validate reports the first field outside its range (NaN is always out of
// range).
func (s AdamStep) Validate() error {
	check := func(name string, v float32, ok bool, want string) error {
		if !ok || math.IsInf(float64(v), 0) {
			return fmt.Errorf("%s: %s must be %s, got %v", OpAdam, name, want, v)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		v    float32
		ok   bool
		want string
	}{
		{"LR", s.LR, s.LR >= 0, ">= 0 and finite"},
		{"Beta1", s.Beta1, s.Beta1 >= 0 && s.Beta1 < 1, "in [0, 1)"},
		{"Beta2", s.Beta2, s.Beta2 >= 0 && s.Beta2 < 1, "in [0, 1)"},
		{"Eps", s.Eps, s.Eps > 0, "> 0 and finite"},
		{"BiasCorr1", s.BiasCorr1, s.BiasCorr1 > 0 && s.BiasCorr1 <= 1, "in (0, 1] (1 - Beta1^t)"},
		{"BiasCorr2", s.BiasCorr2, s.BiasCorr2 > 0 && s.BiasCorr2 <= 1, "in (0, 1] (1 - Beta2^t)"},
	} {
		if err := check(c.name, c.v, c.ok, c.want); err != nil {
			return err
		}
	}
	return nil
}

// AdamUpdate applies one Adam step in place to the parameters p, first
// moments m and second moments v, given the gradient g (all the same length).
// For each element, in float64 from the float32 values:
//
//	m′ = Beta1·m + (1 − Beta1)·g
//	v′ = Beta2·v + (1 − Beta2)·g²
//	p′ = p − LR · (m′/BiasCorr1) / (sqrt(v′/BiasCorr2) + Eps)
//
// and m, v, p are overwritten with float32(m′), float32(v′), float32(p′); p′ is
// computed from the unrounded m′ and v′. Nothing is modified when an error
// is returned.
func AdamUpdate(s AdamStep, p, m, v, g []float32) error {
	if err := s.Validate(); err != nil {
		return err
	}
	sameLenAsP := func(name string, x []float32) error {
		return CheckLen(OpAdam, name, len(x), "len(p)", len(p))
	}
	if err := checkEachNamed(sameLenAsP,
		namedSlice{"first moment m", m}, namedSlice{"second moment v", v}, namedSlice{"gradient g", g}); err != nil {
		return err
	}
	b1, b2 := float64(s.Beta1), float64(s.Beta2)
	lr, eps := float64(s.LR), float64(s.Eps)
	bc1, bc2 := float64(s.BiasCorr1), float64(s.BiasCorr2)
	for i := range p {
		gi := float64(g[i])
		mi := b1*float64(m[i]) + (1-b1)*gi
		vi := b2*float64(v[i]) + (1-b2)*gi*gi
		p[i] = float32(float64(p[i]) - lr*(mi/bc1)/(math.Sqrt(vi/bc2)+eps))
		m[i] = float32(mi)
		v[i] = float32(vi)
	}
	return nil
}
