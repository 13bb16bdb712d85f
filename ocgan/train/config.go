package train

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// Mode selects the networks and losses trained: the ablations of the
// paper's Table 4.
type Mode int

const (
	// Full is OCGAN: auto-encoder, both discriminators, the classifier
	// and informative-negative mining.
	Full Mode = iota
	// AutoEncoder trains the denoising auto-encoder alone (λ·MSE).
	AutoEncoder
	// LatentD adds the latent discriminator Dl.
	LatentD
	// BothD adds the latent and the visual discriminators (no classifier,
	// no mining; the visual term uses the random latents).
	BothD
	// VisualD adds the visual discriminator Dv alone (no latent
	// discriminator, classifier or mining): the authors' Fashion-MNIST
	// script, not one of the paper's ablations.
	VisualD
)

// String returns the mode's name as the CLI spells it.
func (m Mode) String() string {
	switch m {
	case Full:
		return "full"
	case AutoEncoder:
		return "ae"
	case LatentD:
		return "ae+dl"
	case BothD:
		return "ae+dl+dv"
	case VisualD:
		return "ae+dv"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Modes lists every mode, in the order of their documentation.
func Modes() []Mode { return []Mode{Full, AutoEncoder, LatentD, BothD, VisualD} }

// modeNames is the list of the modes' names for messages.
func modeNames() string {
	var names []string
	for _, m := range Modes() {
		names = append(names, m.String())
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ParseMode returns the Mode named s ("full", "ae", "ae+dl", "ae+dl+dv",
// "ae+dv").
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("train: unknown mode %q (want %s)", s, modeNames())
}

// HasLatentDiscriminator reports whether the mode trains the latent
// discriminator Dl.
func (m Mode) HasLatentDiscriminator() bool { return m.latentD() }

func (m Mode) latentD() bool    { return m == LatentD || m == BothD || m == Full }
func (m Mode) visualD() bool    { return m == BothD || m == Full || m == VisualD }
func (m Mode) classifier() bool { return m == Full }

// adversarial reports whether the mode trains any discriminator (and so
// samples the latents' decodings and encodings before the generator step).
func (m Mode) adversarial() bool { return m.latentD() || m.visualD() }

// Config is everything Algorithm 1 needs besides the data.
type Config struct {
	// Geometry of the five networks (model.MNIST28(), ...).
	Geometry model.Geometry
	// Batch is the training batch size; ScoreBatch the batch of the
	// Eval-mode scoring program (validation and test), lowered to the
	// largest the device can bind when it cannot bind ScoreBatch's tensors.
	Batch, ScoreBatch int
	// Epochs is the number of passes over the training images.
	Epochs int
	// SelectFrom is the share of Epochs that model selection passes over:
	// the parameters kept are those of the epoch of lowest validation MSE
	// among the epochs after the first ⌊SelectFrom·Epochs⌋ (0, the paper:
	// every epoch; the authors' selection scripts: 0.2 or 0.5). A run
	// that stops before them keeps the best of the epochs it trained.
	SelectFrom float64
	// NoiseStd is σ of the input noise n ~ N(0, σ²), resampled every batch (0.2).
	NoiseStd float32
	// Lambda weighs the reconstruction MSE in the generator loss (10).
	Lambda float32
	// LatentWeight weighs the latent adversarial term BCE(Dl(En(xn)), 1)
	// of the generator loss: 1 in the paper's form, λ·MSE + l_latent +
	// l_visual; the authors' code weighs it 10 (against its ½·λ·MSE with
	// λ 10, which is Lambda 5 here).
	LatentWeight float32
	// LatentDoubleSigmoid passes the latent discriminator's logit through
	// a sigmoid before the BCE-with-logits losses that take it (the
	// discriminator's and the generator's latent term), as the authors'
	// code does (a network that ends in a sigmoid, and a loss that applies
	// its own): a weaker latent discriminator, each of its loss terms
	// bounded. false: the paper's single sigmoid. Only modes with the
	// latent discriminator take it.
	LatentDoubleSigmoid bool
	// MineSteps is K, the gradient steps of informative-negative mining (5);
	// 0 disables mining. MineStepSize is the plain gradient-descent step on
	// the tanh-parameterised latent (2.0, the peer's and the authors'
	// mine_lr). MineStart is the fraction of training (iterations, or of
	// the wall-clock budget when that is reached sooner) after which
	// mining runs (0.75: the last quarter, as the authors' epoch > 150 of 200).
	MineSteps    int
	MineStepSize float32
	MineStart    float64
	// LR, Beta1, Beta2 and Eps are Adam's hyper-parameters for every
	// network (2e-4, 0.5, 0.999, 1e-8).
	LR, Beta1, Beta2, Eps float32
	// Mode is the ablation (Full by default).
	Mode Mode
	// Seed drives the parameter init, the shuffles, the input noise, the
	// latents, the dropout masks and the validation noise.
	Seed uint64
	// Budget, when positive, stops training at the end of the iteration
	// that crosses this wall-clock time (then validates once more).
	Budget time.Duration
}

// DefaultConfig returns the paper's settings for geo: batch 64, scoring batch
// 256, 25 epochs, σ 0.2, λ 10, latent adversarial weight 1, K 5 mining steps of size 2.0 from 75% of
// training, Adam 2e-4 (0.5, 0.999), the full model, seed 0.
func DefaultConfig(geo model.Geometry) Config {
	return Config{
		Geometry: geo, Batch: 64, ScoreBatch: 256, Epochs: 25,
		NoiseStd: 0.2, Lambda: 10, LatentWeight: 1,
		MineSteps: 5, MineStepSize: 2.0, MineStart: 0.75,
		LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8,
		Mode: Full,
	}
}

// selects reports whether epoch e, of validation MSE val, replaces the
// epoch kept so far, best (0: none yet) of validation MSE bestVal: an epoch
// of the selection window (after the first ⌊SelectFrom·Epochs⌋) always
// replaces one before it, and one of the same side replaces it when its
// validation MSE is lower. An epoch whose MSE is NaN or infinite is never
// kept.
func (c Config) selects(e int, val float64, best int, bestVal float64) bool {
	if !(val < math.Inf(1)) {
		return false
	}
	if best == 0 {
		return true
	}
	skip := results.SelectionStart(c.SelectFrom, c.Epochs)
	if in, bestIn := e > skip, best > skip; in != bestIn {
		return in
	}
	return val < bestVal
}

// Validate checks every field; the error names the first bad one.
func (c Config) Validate() error {
	if err := c.Geometry.Validate(); err != nil {
		return fmt.Errorf("train: config geometry: %w", err)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	// Train-mode batch norm needs two samples (the latent discriminator's
	// dense batch norm normalises over the batch alone).
	check(c.Batch >= 2, "Batch is %d, want >= 2", c.Batch)
	check(c.ScoreBatch >= 1, "ScoreBatch is %d, want >= 1", c.ScoreBatch)
	check(c.Epochs >= 1, "Epochs is %d, want >= 1", c.Epochs)
	check(c.SelectFrom >= 0 && c.SelectFrom < 1, "SelectFrom is %v, want in [0, 1)", c.SelectFrom)
	check(finite(float64(c.NoiseStd)) && c.NoiseStd >= 0, "NoiseStd is %v, want finite and >= 0", c.NoiseStd)
	check(finite(float64(c.Lambda)) && c.Lambda > 0, "Lambda is %v, want finite and > 0", c.Lambda)
	check(finite(float64(c.LatentWeight)) && c.LatentWeight > 0, "LatentWeight is %v, want finite and > 0", c.LatentWeight)
	check(c.MineSteps >= 0 && c.MineSteps <= 1000, "MineSteps is %d, want in [0, 1000]", c.MineSteps)
	check(finite(float64(c.MineStepSize)) && c.MineStepSize > 0, "MineStepSize is %v, want finite and > 0", c.MineStepSize)
	check(finite(c.MineStart) && c.MineStart >= 0 && c.MineStart <= 1, "MineStart is %v, want in [0, 1]", c.MineStart)
	check(finite(float64(c.LR)) && c.LR > 0, "LR is %v, want finite and > 0", c.LR)
	check(c.Beta1 >= 0 && c.Beta1 < 1, "Beta1 is %v, want in [0, 1)", c.Beta1)
	check(c.Beta2 >= 0 && c.Beta2 < 1, "Beta2 is %v, want in [0, 1)", c.Beta2)
	check(finite(float64(c.Eps)) && c.Eps > 0, "Eps is %v, want finite and > 0", c.Eps)
	check(c.Mode >= Full && c.Mode <= VisualD, "Mode is %v, want %s", c.Mode, modeNames())
	check(c.Budget >= 0, "Budget is %v, want >= 0", c.Budget)
	check(!c.LatentDoubleSigmoid || c.Mode.latentD(), "LatentDoubleSigmoid is set, but mode %v has no latent discriminator", c.Mode)
	if len(errs) > 0 {
		return fmt.Errorf("train: bad config: %w", errors.Join(errs...))
	}
	return nil
}
