package kernels

import (
	"errors"
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

// epilogueCases are every epilogue kind, the slope of OCGAN's leaky ReLU and
// a negative one.
var epilogueCases = []Epilogue{
	{},
	{Act: ReLU},
	{Act: LeakyReLU, Slope: 0.2},
	{Act: LeakyReLU, Slope: -0.7},
	{Act: Tanh},
	{Act: Sigmoid},
}

// TestEpilogueForwards checks each forward with an epilogue against the
// forward without one followed by the activation, both in float64.
func TestEpilogueForwards(t *testing.T) {
	conv := Conv2DParams{N: 2, C: 3, H: 7, W: 5, K: 5, KH: 3, KW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 1, Bias: true}
	convT := ConvTranspose2DParams{N: 2, C: 3, H: 4, W: 5, K: 3, KH: 3, KW: 4, StrideH: 2, StrideW: 3, PadH: 1, OutPadW: 1, Bias: true}
	dense := DenseParams{N: 3, In: 13, Out: 7, Bias: true}
	for _, e := range epilogueCases {
		t.Run(e.String(), func(t *testing.T) {
			r := kerneltest.NewRand(int64(e.Act) + 11)
			act := func(y []float64) []float64 {
				if !e.Active() {
					return y
				}
				return activationForward(e.Activation(), y)
			}
			{
				p := conv
				x, w, b := randn(r, p.N*p.C*p.H*p.W, 0, 1), randn(r, p.K*p.C*p.KH*p.KW, 0, 1), randn(r, p.K, 0, 1)
				want := act(conv2dForward(p, x, w, b))
				p.Epilogue = e
				got, err := Conv2DForward(p, x, w, b)
				mustNoErr(t, "conv2d", err)
				assertClose(t, "conv2d", got, want, exactRTol, exactATol)
			}
			{
				p := convT
				x, w, b := randn(r, p.N*p.C*p.H*p.W, 0, 1), randn(r, p.C*p.K*p.KH*p.KW, 0, 1), randn(r, p.K, 0, 1)
				want := act(convTranspose2dForward(p, x, w, b))
				p.Epilogue = e
				got, err := ConvTranspose2DForward(p, x, w, b)
				mustNoErr(t, "conv_transpose2d", err)
				assertClose(t, "conv_transpose2d", got, want, exactRTol, exactATol)
			}
			{
				p := dense
				x, w, b := randn(r, p.N*p.In, 0, 1), randn(r, p.Out*p.In, 0, 1), randn(r, p.Out, 0, 1)
				want := act(denseForward(p, x, w, b))
				p.Epilogue = e
				got, err := DenseForward(p, x, w, b)
				mustNoErr(t, "dense", err)
				assertClose(t, "dense", got, want, exactRTol, exactATol)
			}
		})
	}
}

// TestEpilogueRefused checks that unknown kinds and non-finite slopes are
// refused by every op's Validate as an *EpilogueError.
func TestEpilogueRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Epilogue
	}{
		{"kind 5", Epilogue{Act: 5}},
		{"kind -1", Epilogue{Act: -1}},
		{"nan slope", Epilogue{Act: LeakyReLU, Slope: float32(math.NaN())}},
		{"inf slope", Epilogue{Act: LeakyReLU, Slope: float32(math.Inf(-1))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for op, err := range map[string]error{
				"conv2d":           Conv2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Epilogue: tc.e}.Validate(),
				"conv_transpose2d": ConvTranspose2DParams{N: 1, C: 1, H: 2, W: 2, K: 1, KH: 1, KW: 1, StrideH: 1, StrideW: 1, Epilogue: tc.e}.Validate(),
				"dense":            DenseParams{N: 1, In: 1, Out: 1, Epilogue: tc.e}.Validate(),
			} {
				var ee *EpilogueError
				if !errors.As(err, &ee) {
					t.Fatalf("%s: got %v, want an *EpilogueError", op, err)
				}
				if ee.Op != op || ee.Epilogue.Act != tc.e.Act || math.Float32bits(ee.Epilogue.Slope) != math.Float32bits(tc.e.Slope) {
					t.Fatalf("%s: error %+v names op %q and %+v", op, ee, ee.Op, ee.Epilogue)
				}
			}
		})
	}
}
