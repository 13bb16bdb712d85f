package cpu

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

func TestTmpCompare(t *testing.T) {
	d := openGemmDevices(t)[0]
	v := d.BatchInvariant()
	rng := rand.New(rand.NewSource(3))
	med := func(f func() error) float64 {
		var ts []float64
		for range 15 {
			t0 := time.Now()
			if err := f(); err != nil {
				t.Fatal(err)
			}
			ts = append(ts, float64(time.Since(t0).Microseconds())/1000)
		}
		sort.Float64s(ts)
		return ts[len(ts)/2]
	}
	for _, l := range benchDecoder[1:3] {
		p := l.p(64)
		o := p.OutputShape()
		x, w := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.C*p.K*p.KH*p.KW)
		y := make([]float32, o[0]*o[1]*o[2]*o[3])
		for r := 0; r < 3; r++ {
			a := med(func() error { return d.ConvTranspose2DForward(p, x, w, nil, y) })
			b := med(func() error { return v.ConvTranspose2DForward(p, x, w, nil, y) })
			fmt.Printf("%s fwd b64: batch %.2f ms  chunked %.2f ms\n", l.name, a, b)
		}
	}
	for _, l := range benchEncoder[1:3] {
		p := l.p(64)
		o := p.OutputShape()
		x, w := kerneltest.RandVec(rng, p.N*p.C*p.H*p.W), kerneltest.RandVec(rng, p.K*p.C*p.KH*p.KW)
		y := make([]float32, o[0]*o[1]*o[2]*o[3])
		for r := 0; r < 3; r++ {
			a := med(func() error { return d.Conv2DForward(p, x, w, nil, y) })
			b := med(func() error { return v.Conv2DForward(p, x, w, nil, y) })
			fmt.Printf("%s fwd b64: batch %.2f ms  chunked %.2f ms\n", l.name, a, b)
		}
	}
}
