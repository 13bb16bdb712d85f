package main

import (
	"fmt"
	"math"
	"math/rand"
	"time"

	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/graph"
	"github.com/spf13/pflag"
)

// selftestCmd is `ocgan selftest`: its flags.
type selftestCmd struct {
	n, steps int
}

func (c *selftestCmd) flags(fs *pflag.FlagSet) {
	fs.IntVar(&c.n, "n", 1<<20, "elements per tensor")
	fs.IntVar(&c.steps, "steps", 100, "dependent scale+add nodes in the one program")
}

// run compiles a program of a chain of dependent scale+add nodes
// (y ← a·x + y, from y = x/2), runs it on the device, and checks every
// element against Go.
func (c *selftestCmd) run(e *env) error {
	n, steps := c.n, c.steps
	if err := intIn("n", n, 1, maxSelftestElems); err != nil {
		return err
	}
	if err := intIn("steps", steps, 1, maxSelftestSteps); err != nil {
		return err
	}
	start := time.Now()
	be, err := device.Open(e.cfg)
	if err != nil {
		return err
	}
	defer be.Close()
	d := be.Device()
	fmt.Fprintf(e.stdout, "device: %s [%s backend, %s]\n", d.Name, d.Backend, d.Detail)

	g := graph.New(graph.NewParamSet(), graph.Eval)
	x := g.Input("x", n)
	rng := rand.New(rand.NewSource(1))
	x0 := make([]float32, n)
	want := make([]float32, n)
	for i := range x0 {
		x0[i] = float32(rng.NormFloat64())
		want[i] = 0.5 * x0[i]
	}
	y := g.Scale(x, 0.5)
	for s := 0; s < steps; s++ {
		a := float32(s%5-2) * 0.125
		y = g.Add(g.Scale(x, a), y)
		for i := range want {
			want[i] += a * x0[i]
		}
	}
	p, err := be.Compile(g, backend.Options{Outputs: []*graph.Tensor{y}})
	if err != nil {
		return err
	}
	defer p.Free()
	setup := time.Since(start)
	out, st, err := p.StepTimed(map[*graph.Tensor][]float32{x: x0})
	if err != nil {
		return err
	}
	got := out[y]
	var worst float64
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if math.IsNaN(d) || d > 1e-4*(1+math.Abs(float64(want[i]))) {
			return fmt.Errorf("selftest FAILED: element %d is %v, want %v", i, got[i], want[i])
		}
		worst = math.Max(worst, d)
	}
	nodes := len(g.Nodes())
	fmt.Fprintf(e.stdout, "compiled %d dependent nodes into one program, %d floats each\n", nodes, n)
	fmt.Fprintf(e.stdout, "ran in %.1f ms (%.1f µs per node); setup %.0f ms\n",
		float64(st.Run.Microseconds())/1000, float64(st.Run.Microseconds())/float64(nodes), float64(setup.Milliseconds()))
	fmt.Fprintf(e.stdout, "verified %d values against Go: max |error| %.2g\n", n, worst)
	fmt.Fprintln(e.stdout, "selftest OK")
	return nil
}
