package model

import (
	"math"
	"math/rand"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// presets returns the three preset geometries.
func presets() []Geometry { return []Geometry{MNIST28(), CIFAR32(), Authors61()} }

func mustNew(t *testing.T, geo Geometry) *Model {
	t.Helper()
	m, err := New(geo)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// nets5 holds the five networks of one graph: inputs and outputs.
type nets5 struct {
	g           *graph.Graph
	x, u        *graph.Tensor // image batch, latent batch
	z, rec, gen *graph.Tensor // En(x), De(En(x)), De(u)
	dl, dv, cls *graph.Tensor // Dl(En(x)), Dv(x), C(De(En(x)))
}

// buildAll builds En, De (twice), Dl, Dv and C on one graph at batch n.
func buildAll(m *Model, ps *graph.ParamSet, mode graph.Mode, n int) *nets5 {
	g := graph.New(ps, mode)
	s := &nets5{g: g}
	s.x = g.Input("x", m.ImageShape(n)...)
	s.u = g.Input("u", m.LatentShape(n)...)
	s.z = m.Encoder(g, s.x)
	s.rec = m.Decoder(g, s.z)
	s.gen = m.Decoder(g, s.u)
	s.dl = m.LatentDiscriminator(g, s.z)
	s.dv = m.VisualDiscriminator(g, s.x)
	s.cls = m.Classifier(g, s.rec)
	return s
}

// uniform returns n values uniform in [-1, 1).
func uniform(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(2*rng.Float64() - 1)
	}
	return v
}

// finite reports whether every value is finite.
func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

func sqrt(x float64) float64 { return math.Sqrt(x) }
