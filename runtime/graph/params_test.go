package graph

import (
	"math"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/kernels/kerneltest"
)

func TestParamSetInit(t *testing.T) {
	declare := func(order []string) *ParamSet {
		ps := NewParamSet()
		g := New(ps, Train)
		for _, name := range order {
			switch name {
			case "w":
				g.Param("net.conv.weight", []int{64, 32, 4, 4}, InitNormal(0, 0.02))
			case "gamma":
				g.Param("net.bn.gamma", []int{4096}, InitNormal(1, 0.02))
			case "beta":
				g.Param("net.bn.beta", []int{64}, InitZeros())
			case "rm":
				g.State("net.bn.running_mean", []int{64}, InitZeros())
			case "rv":
				g.State("net.bn.running_var", []int{64}, InitOnes())
			case "c":
				g.Param("net.c", []int{5}, InitConst(0.25))
			}
		}
		if err := g.Err(); err != nil {
			t.Fatal(err)
		}
		if err := ps.Init(42); err != nil {
			t.Fatal(err)
		}
		return ps
	}
	ps := declare([]string{"w", "gamma", "beta", "rm", "rv", "c"})
	if got := strings.Join(ps.Names(), ","); got != "net.conv.weight,net.bn.gamma,net.bn.beta,net.bn.running_mean,net.bn.running_var,net.c" {
		t.Errorf("Names() = %s, want creation order", got)
	}

	// Normal inits have the asked mean and deviation (32768 and 4096 samples:
	// the sample mean is within 4 standard errors, the deviation within 5%).
	for _, c := range []struct {
		name      string
		mean, std float64
	}{{"net.conv.weight", 0, 0.02}, {"net.bn.gamma", 1, 0.02}} {
		v := ps.Get(c.name)
		m, s := meanStd(v)
		if math.Abs(m-c.mean) > 4*c.std/math.Sqrt(float64(len(v))) || math.Abs(s-c.std) > 0.05*c.std {
			t.Errorf("%s: mean %.5f std %.5f, want %v, %v", c.name, m, s, c.mean, c.std)
		}
	}
	for name, want := range map[string]float32{"net.bn.beta": 0, "net.bn.running_mean": 0, "net.bn.running_var": 1, "net.c": 0.25} {
		for _, v := range ps.Get(name) {
			if v != want {
				t.Fatalf("%s holds %v, want all %v", name, v, want)
			}
		}
	}

	// Values depend on (seed, name) only: not on declaration order.
	other := declare([]string{"c", "rv", "beta", "gamma", "w"})
	for _, name := range other.Names() {
		if !kerneltest.SameBits(ps.Get(name), other.Get(name)) {
			t.Errorf("%s differs when declared in another order", name)
		}
	}
	// Each parameter has its own stream, and the seed matters.
	w := ps.Get("net.conv.weight")
	g2 := ps.Get("net.bn.gamma")
	same := 0
	for i := range g2 {
		if float64(g2[i])-1 == float64(w[i]) {
			same++
		}
	}
	if same > 4 {
		t.Errorf("gamma and weight share %d draws: counters not distinct", same)
	}
	if err := other.Init(43); err != nil {
		t.Fatal(err)
	}
	if kerneltest.SameBits(other.Get("net.conv.weight"), w) {
		t.Error("seeds 42 and 43 give the same weights")
	}
	if c1, c2 := InitCounter("a"), InitCounter("b"); c1 == c2 {
		t.Error("InitCounter collides for a and b")
	}
}

func TestParamSetGetSet(t *testing.T) {
	ps := NewParamSet()
	g := New(ps, Train)
	g.Param("p", []int{2, 2}, InitZeros())
	if err := ps.Set("p", []float32{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	v := ps.Get("p")
	v[0] = 99
	if ps.Get("p")[0] != 1 {
		t.Error("Get returned the live storage")
	}
	for _, c := range []struct {
		name string
		data []float32
		want string
	}{
		{"p", []float32{1, 2, 3}, `"p" [2 2]: got 3 values, want 4`},
		{"q", []float32{1}, `"q": no such parameter`},
	} {
		if err := ps.Set(c.name, c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Set(%q, %d values) = %v, want %q", c.name, len(c.data), err, c.want)
		}
	}
	if ps.Get("q") != nil || ps.Shape("q") != nil || ps.Role("q") != 0 {
		t.Error("an unknown name has values, a shape or a role")
	}
	if !sameShape(ps.Shape("p"), []int{2, 2}) || ps.Role("p") != Param {
		t.Errorf("p: shape %v role %v", ps.Shape("p"), ps.Role("p"))
	}
	// The same name as state and as parameter is refused.
	g.State("p", []int{2, 2}, InitZeros())
	if err := g.Err(); err == nil || !strings.Contains(err.Error(), `state "p": the parameter set holds it as param`) {
		t.Errorf("state over a param: %v", err)
	}
}

func meanStd(v []float32) (mean, std float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		d := float64(x) - mean
		std += d * d
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

// TestNamesIn checks that NamesIn keeps the ParamSet's order and only the
// names held.
func TestNamesIn(t *testing.T) {
	ps := NewParamSet()
	g := New(ps, Train)
	for _, n := range []string{"c", "a", "b"} {
		g.Param(n, []int{1}, InitZeros())
	}
	got := NamesIn(ps, map[string]bool{"b": true, "c": false, "zz": true})
	if strings.Join(got, ",") != "c,b" {
		t.Errorf("NamesIn = %v, want [c b]", got)
	}
	if got := NamesIn(ps, map[string]int(nil)); len(got) != 0 {
		t.Errorf("NamesIn of nothing = %v", got)
	}
}
