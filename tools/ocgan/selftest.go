package main

import (
	"fmt"
	"math"
	"math/rand"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/spf13/pflag"
)

func selftestFlags(fs *pflag.FlagSet) {
	fs.Int("n", 1<<20, "elements per buffer")
	fs.Int("steps", 100, "dependent dispatches recorded into the one command buffer")
}

// runSelftest records fill, copy and a chain of dependent axpy dispatches into one
// command buffer, runs it on the device, and checks every element against Go.
func runSelftest(e *env) error {
	n, _ := e.fs.GetInt("n")
	steps, _ := e.fs.GetInt("steps")
	if n < 1 || steps < 1 {
		return usageError{fmt.Errorf("--n and --steps must be positive (got %d, %d)", n, steps)}
	}
	start := time.Now()
	ctx, err := vk.Open(e.cfg)
	if err != nil {
		return err
	}
	defer ctx.Close()
	info := ctx.Info()
	fmt.Fprintf(e.stdout, "device: %s\n", info.Summary())
	lib := vulkan.NewLibrary(ctx)

	rng := rand.New(rand.NewSource(1))
	x0 := make([]float32, n)
	for i := range x0 {
		x0[i] = float32(rng.NormFloat64())
	}
	x, err := ctx.NewBufferFloat32(n, x0)
	if err != nil {
		return err
	}
	defer x.Free()
	y, err := ctx.NewBufferFloat32(n, nil)
	if err != nil {
		return err
	}
	defer y.Free()
	seq, err := ctx.NewSequence(vk.SequenceOptions{})
	if err != nil {
		return err
	}
	defer seq.Free()
	// y = 0.5; then y += a_i·x, x = copy of ... : each dispatch depends on the previous.
	if err := lib.Fill(seq, y, 0.5); err != nil {
		return err
	}
	want := make([]float32, n)
	for i := range want {
		want[i] = 0.5
	}
	for s := 0; s < steps; s++ {
		a := float32(s%5-2) * 0.125
		if err := lib.Axpy(seq, a, x, y); err != nil {
			return err
		}
		for i := range want {
			want[i] = a*x0[i] + want[i]
		}
	}
	if err := lib.Copy(seq, y, x); err != nil {
		return err
	}
	setup := time.Since(start)
	t0 := time.Now()
	if err := seq.Run(); err != nil {
		return err
	}
	elapsed := time.Since(t0)
	got, err := x.Float32s()
	if err != nil {
		return err
	}
	var worst float64
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) || d > 1e-4*(1+math.Abs(float64(want[i]))) {
			return fmt.Errorf("selftest FAILED: element %d is %v, want %v", i, got[i], want[i])
		}
		worst = math.Max(worst, d)
	}
	st := seq.Stats()
	fmt.Fprintf(e.stdout, "recorded %d dispatches (%d barriers) into one command buffer, %d floats each\n", st.Dispatches, st.Barriers, n)
	fmt.Fprintf(e.stdout, "ran in %.1f ms (%.1f µs per dispatch); setup %.0f ms\n",
		float64(elapsed.Microseconds())/1000, float64(elapsed.Microseconds())/float64(st.Dispatches), float64(setup.Milliseconds()))
	fmt.Fprintf(e.stdout, "verified %d values against Go: max |error| %.2g\n", n, worst)
	fmt.Fprintln(e.stdout, "selftest OK")
	return nil
}
