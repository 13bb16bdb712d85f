package kernels

import (
	"errors"
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

var activationCases = []struct {
	name string
	p    ActivationParams
}{
	{"relu", ActivationParams{Kind: ReLU}},
	{"leaky_relu_0.2", ActivationParams{Kind: LeakyReLU, Slope: 0.2}},
	{"leaky_relu_0.01", ActivationParams{Kind: LeakyReLU, Slope: 0.01}},
	{"leaky_relu_negative_slope", ActivationParams{Kind: LeakyReLU, Slope: -0.5}},
	{"tanh", ActivationParams{Kind: Tanh}},
	{"sigmoid", ActivationParams{Kind: Sigmoid}},
}

func TestActivationForwardValues(t *testing.T) {
	x := []float32{-3, -0.5, 0, 0.25, 2}
	cases := []struct {
		p    ActivationParams
		want []float64
	}{
		{ActivationParams{Kind: ReLU}, []float64{0, 0, 0, 0.25, 2}},
		{ActivationParams{Kind: LeakyReLU, Slope: 0.2}, []float64{-3 * float64(float32(0.2)), -0.5 * float64(float32(0.2)), 0, 0.25, 2}},
		{ActivationParams{Kind: Tanh}, []float64{math.Tanh(-3), math.Tanh(-0.5), 0, math.Tanh(0.25), math.Tanh(2)}},
		{ActivationParams{Kind: Sigmoid}, []float64{1 / (1 + math.Exp(3)), 1 / (1 + math.Exp(0.5)), 0.5, 1 / (1 + math.Exp(-0.25)), 1 / (1 + math.Exp(-2))}},
	}
	for _, c := range cases {
		y, err := ActivationForward(c.p, x)
		mustNoErr(t, c.p.Kind.String(), err)
		// Each element is the exact value rounded once.
		kerneltest.BitEqual(t, c.p.Kind.String(), y, round32(c.want))
	}
}

func TestActivationExtremeInputs(t *testing.T) {
	x := []float32{-1e30, -100, 100, 1e30}
	y, err := ActivationForward(ActivationParams{Kind: Sigmoid}, x)
	mustNoErr(t, "sigmoid", err)
	kerneltest.BitEqual(t, "sigmoid", y, []float32{0, float32(math.Exp(-100)), 1, 1})
	y, err = ActivationForward(ActivationParams{Kind: Tanh}, x)
	mustNoErr(t, "tanh", err)
	kerneltest.BitEqual(t, "tanh", y, []float32{-1, -1, 1, 1})
}

func TestActivationBackwardFiniteDifferences(t *testing.T) {
	for i, c := range activationCases {
		for _, n := range []int{1, 7, 105} {
			r := kerneltest.NewRand(int64(1300 + 10*i + n))
			// Keep |x| >= 0.05 (50 steps) so no difference straddles the kink at 0.
			xs := randAwayFromZero(r, n, 0.05)
			for j := range xs {
				xs[j] *= 3
			}
			dy := randn(r, n, 0, 1)
			y, err := ActivationForward(c.p, xs)
			mustNoErr(t, c.name, err)
			saved := xs
			if c.p.Kind.BackwardUsesOutput() {
				saved = y
			}
			dx, err := ActivationBackward(c.p, saved, dy)
			mustNoErr(t, c.name, err)
			x := widen(xs)
			fdCheck(t, c.name, x, dx, func() float64 { return weightedSum(dy, activationForward(c.p, x)) }, r)
		}
	}
}

func TestActivationBackwardAtZero(t *testing.T) {
	dy := []float32{3}
	dx, err := ActivationBackward(ActivationParams{Kind: ReLU}, []float32{0}, dy)
	mustNoErr(t, "relu", err)
	kerneltest.BitEqual(t, "relu'(0)", dx, []float32{0})
	dx, err = ActivationBackward(ActivationParams{Kind: LeakyReLU, Slope: 0.25}, []float32{0}, dy)
	mustNoErr(t, "leaky_relu", err)
	kerneltest.BitEqual(t, "leaky_relu'(0)", dx, []float32{0.75})
}

func TestActivationBackwardUsesOutput(t *testing.T) {
	for k, want := range map[ActivationKind]bool{ReLU: false, LeakyReLU: false, Tanh: true, Sigmoid: true} {
		if got := k.BackwardUsesOutput(); got != want {
			t.Errorf("%v.BackwardUsesOutput() = %v, want %v", k, got, want)
		}
	}
	if s := ActivationKind(9).String(); s != "ActivationKind(9)" {
		t.Errorf("String() of an unknown kind = %q", s)
	}
}

func TestActivationValidation(t *testing.T) {
	cases := []struct {
		name  string
		call  func() error
		wants []string
	}{
		{"zero_kind", func() error { return ActivationParams{}.Validate() }, []string{"activation: unknown Kind 0"}},
		{"unknown_kind", func() error { _, err := ActivationForward(ActivationParams{Kind: 42}, []float32{1}); return err },
			[]string{"activation: unknown Kind 42"}},
		{"nan_slope", func() error {
			return ActivationParams{Kind: LeakyReLU, Slope: float32(math.NaN())}.Validate()
		}, []string{"activation: leaky_relu Slope must be finite"}},
		{"inf_slope", func() error {
			_, err := ActivationBackward(ActivationParams{Kind: LeakyReLU, Slope: float32(math.Inf(-1))}, []float32{1}, []float32{1})
			return err
		}, []string{"Slope must be finite"}},
	}
	for _, c := range cases {
		kerneltest.WantErr(t, c.name, c.call(), c.wants...)
	}
	_, err := ActivationBackward(ActivationParams{Kind: ReLU}, []float32{1, 2}, []float32{1})
	kerneltest.WantAs(t, "backward_length_x", err, &ShapeError{
		Op: OpActivation, Tensor: "relu grad output", Got: 1, Want: 2, Formula: "len(saved input x)", Dims: []int{2}})
	_, err = ActivationBackward(ActivationParams{Kind: Sigmoid}, []float32{1}, []float32{1, 2})
	kerneltest.WantAs(t, "backward_length_y", err, &ShapeError{
		Op: OpActivation, Tensor: "sigmoid grad output", Got: 2, Want: 1, Formula: "len(saved output y)", Dims: []int{1}})
}

func TestUnknownActivationKindIsAKindError(t *testing.T) {
	for _, k := range []ActivationKind{0, Sigmoid + 1, -1} {
		err := ActivationParams{Kind: k}.Validate()
		var ke *KindError
		if !errors.As(err, &ke) || *ke != (KindError{Op: OpActivation, Field: "Kind", Value: int64(k), Want: "ReLU, LeakyReLU, Tanh or Sigmoid"}) {
			t.Errorf("kind %d: %v; want a *KindError", int(k), err)
		}
	}
	for _, k := range []ActivationKind{ReLU, LeakyReLU, Tanh, Sigmoid} {
		if err := (ActivationParams{Kind: k}).Validate(); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
}
