package kernels

import (
	"math"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

func TestDropoutMask(t *testing.T) {
	cases := []struct {
		name string
		p    DropoutParams
		n    int
	}{
		{"p0.5", DropoutParams{P: 0.5, Seed: 1, Counter: 0, Train: true}, 1000},
		{"p0.3_odd_length", DropoutParams{P: 0.3, Seed: 0xdeadbeefcafe, Counter: 7, Train: true}, 1001},
		{"p0.9", DropoutParams{P: 0.9, Seed: 42, Counter: 1 << 40, Train: true}, 13},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := kerneltest.NewRand(int64(1400 + i))
			x := randAwayFromZero(r, c.n, 0.01)
			y, err := DropoutForward(c.p, x)
			mustNoErr(t, "forward", err)
			u := FillUniform01(c.n, c.p.Seed, c.p.Counter)
			for j := range x {
				keep := u[j] >= c.p.P
				if keep != DropoutKeep(c.p, uint64(j)) {
					t.Fatalf("element %d: DropoutKeep disagrees with FillUniform01", j)
				}
				want := float32(0)
				if keep {
					want = float32(float64(x[j]) / (1 - float64(c.p.P)))
				}
				if y[j] != want {
					t.Fatalf("element %d: y = %v, want %v (u = %v)", j, y[j], want, u[j])
				}
			}
		})
	}
}

func TestDropoutKeepRate(t *testing.T) {
	const n = 200000
	for _, pr := range []float32{0.1, 0.5, 0.75} {
		p := DropoutParams{P: pr, Seed: 99, Counter: 3, Train: true}
		kept := 0
		for i := uint64(0); i < n; i++ {
			if DropoutKeep(p, i) {
				kept++
			}
		}
		// Binomial: standard error sqrt(p(1−p)/n) <= 1.2e-3; allow 5 of them.
		frac := float64(kept) / n
		se := math.Sqrt(float64(pr) * (1 - float64(pr)) / n)
		if math.Abs(frac-(1-float64(pr))) > 5*se {
			t.Errorf("P=%v: kept fraction %v, want %v ± %v", pr, frac, 1-pr, 5*se)
		}
	}
}

func TestDropoutIdentityCases(t *testing.T) {
	x := randn(kerneltest.NewRand(5), 50, 0, 1)
	for _, p := range []DropoutParams{
		{P: 0.5, Seed: 1, Train: false}, // eval mode
		{P: 0, Seed: 1, Train: true},    // nothing dropped, scale 1
	} {
		y, err := DropoutForward(p, x)
		mustNoErr(t, "forward", err)
		kerneltest.BitEqual(t, "identity forward", y, x)
		dx, err := DropoutBackward(p, x)
		mustNoErr(t, "backward", err)
		kerneltest.BitEqual(t, "identity backward", dx, x)
	}
}

func TestDropoutStreamDependsOnSeedAndCounter(t *testing.T) {
	x := make([]float32, 256)
	for i := range x {
		x[i] = 1
	}
	base := DropoutParams{P: 0.5, Seed: 10, Counter: 20, Train: true}
	y0, _ := DropoutForward(base, x)
	for _, p := range []DropoutParams{
		{P: 0.5, Seed: 11, Counter: 20, Train: true},
		{P: 0.5, Seed: 10, Counter: 21, Train: true},
	} {
		y, _ := DropoutForward(p, x)
		same := 0
		for i := range y {
			if y[i] == y0[i] {
				same++
			}
		}
		if same > 200 { // independent masks agree on ~128 of 256
			t.Errorf("%+v: mask agrees with the base mask on %d of 256 elements", p, same)
		}
	}
}

func TestDropoutBackwardFiniteDifferences(t *testing.T) {
	for i, p := range []DropoutParams{
		{P: 0.3, Seed: 5, Counter: 1, Train: true},
		{P: 0.5, Seed: 6, Counter: 2, Train: false},
	} {
		r := kerneltest.NewRand(int64(1500 + i))
		xs := randn(r, 97, 0, 1)
		dy := randn(r, 97, 0, 1)
		dx, err := DropoutBackward(p, dy)
		mustNoErr(t, "backward", err)
		x := widen(xs)
		fdCheck(t, "dropout", x, dx, func() float64 { return weightedSum(dy, dropoutApply(p, x)) }, r)
	}
}

func TestDropoutValidation(t *testing.T) {
	for _, c := range []struct {
		name string
		p    float32
	}{{"p_one", 1}, {"p_negative", -0.1}, {"p_nan", float32(math.NaN())}, {"p_large", 2}} {
		p := DropoutParams{P: c.p, Train: true}
		kerneltest.WantErr(t, c.name+"/Validate", p.Validate(), "dropout: P must be in [0, 1)")
		_, err := DropoutForward(p, []float32{1})
		kerneltest.WantErr(t, c.name+"/Forward", err, "dropout: P must be in [0, 1)")
		_, err = DropoutBackward(p, []float32{1})
		kerneltest.WantErr(t, c.name+"/Backward", err, "dropout: P must be in [0, 1)")
	}
}
