package train

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/model"
)

// TestConfigValidate refuses each bad field with an error naming it, and
// NewTrainer refuses a bad config before touching the device.
func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig(model.MNIST28()).Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	cases := []struct {
		name string
		edit func(*Config)
	}{
		{"Batch", func(c *Config) { c.Batch = 1 }},
		{"ScoreBatch", func(c *Config) { c.ScoreBatch = 0 }},
		{"Epochs", func(c *Config) { c.Epochs = 0 }},
		{"NoiseStd", func(c *Config) { c.NoiseStd = -0.1 }},
		{"Lambda", func(c *Config) { c.Lambda = 0 }},
		{"LatentWeight", func(c *Config) { c.LatentWeight = 0 }},
		{"LatentWeight", func(c *Config) { c.LatentWeight = float32(math.Inf(1)) }},
		{"MineSteps", func(c *Config) { c.MineSteps = -1 }},
		{"MineStepSize", func(c *Config) { c.MineStepSize = 0 }},
		{"MineStart", func(c *Config) { c.MineStart = 1.5 }},
		{"LR", func(c *Config) { c.LR = 0 }},
		{"Beta1", func(c *Config) { c.Beta1 = 1 }},
		{"Beta2", func(c *Config) { c.Beta2 = -0.1 }},
		{"Eps", func(c *Config) { c.Eps = 0 }},
		{"Mode", func(c *Config) { c.Mode = Mode(9) }},
		{"Budget", func(c *Config) { c.Budget = -time.Second }},
		{"LatentDoubleSigmoid", func(c *Config) { c.LatentDoubleSigmoid, c.Mode = true, AutoEncoder }},
		{"LatentDoubleSigmoid", func(c *Config) { c.LatentDoubleSigmoid, c.Mode = true, VisualD }},
		{"geometry", func(c *Config) { c.Geometry.Latent = 0 }},
	}
	for _, m := range []Mode{Full, LatentD, BothD} {
		cfg := DefaultConfig(model.MNIST28())
		cfg.LatentDoubleSigmoid, cfg.Mode = true, m
		if err := cfg.Validate(); err != nil {
			t.Errorf("LatentDoubleSigmoid in mode %v: %v", m, err)
		}
	}
	for _, c := range cases {
		cfg := DefaultConfig(model.MNIST28())
		c.edit(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s: error %v, want one naming it", c.name, err)
		}
		if _, err := NewTrainer(nil, cfg); err == nil {
			t.Errorf("%s: NewTrainer accepted a bad config", c.name)
		}
	}
	if _, err := ParseMode("gan"); err == nil {
		t.Error("ParseMode accepted an unknown mode")
	}
	for _, m := range Modes() {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
}

// TestBadInputs: a batch or data set of the wrong size is refused with an
// error, not a crash.
func TestBadInputs(t *testing.T) {
	cfg := tinyConfig(t)
	tr := newTrainer(t, newBackend(t), cfg)
	if _, err := tr.Step(make([]float32, 3), false); err == nil {
		t.Error("Step accepted a short batch")
	}
	if _, err := tr.Epoch(nil); err == nil {
		t.Error("Epoch accepted no data")
	}
	split := syntheticSplit(t, 8, 2, 4)
	split.Val = nil
	if _, err := tr.Run(split, nil); err == nil {
		t.Error("Run accepted a split without validation images")
	}
}

// TestAblationsRunOneIteration builds every mode (Table 4's and ae+dv) and
// runs one iteration (with mining where the mode has it) and one epoch.
func TestAblationsRunOneIteration(t *testing.T) {
	lib := newBackend(t)
	want := map[Mode][]string{
		AutoEncoder: {"mse"},
		LatentD:     {"mse", "D_lat", "G_lat"},
		BothD:       {"mse", "D_lat", "G_lat", "D_vis", "G_vis"},
		VisualD:     {"mse", "D_vis", "G_vis"},
		Full:        {"mse", "D_lat", "G_lat", "D_vis", "G_vis", "C", "mine_before", "mine_last"},
	}
	data := synthetic(t, 0, 6, 0)
	for _, m := range Modes() {
		cfg := tinyConfig(t)
		cfg.Mode = m
		tr := newTrainer(t, lib, cfg)
		l, err := tr.Step(batchOf(t, data, cfg.Batch), true)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		if len(l) != len(want[m]) {
			t.Errorf("%v: losses %v, want %v", m, l, want[m])
		}
		for _, k := range want[m] {
			if _, ok := l[k]; !ok {
				t.Errorf("%v: no %s loss in %v", m, k, l)
			}
		}
		if _, err := tr.Epoch(data); err != nil {
			t.Fatalf("%v epoch: %v", m, err)
		}
		t.Logf("%v: %v", m, l)
	}
}
