// Package results defines the record of one accuracy measurement — one
// trained model of one (dataset, protocol, mode, class, seed), its test AUC
// and how it was trained — and reads and writes it as a JSON file.
//
// `ocgan eval --results DIR` writes one file per evaluated (class, seed),
// named by Key.FileName (for example mnist-p2-full-c3-s1.json), with
// runtime/atomicfile, so a reader sees a whole file or none. tools/results
// reads a folder of them and writes the tables of RESULTS.md.
//
// Read refuses a file that is not a valid record: unknown or missing fields,
// values out of range, or a file name other than its record's key. Every
// error names the file.
package results

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
)

// Format is the version of the record layout written by this package.
const Format = 1

// Modes are the training modes a record may name: OCGAN, the ablations of
// the paper's Table 4 and ae+dv (the authors' Fashion-MNIST script), spelled
// as `ocgan train --mode` spells them.
var Modes = []string{"full", "ae", "ae+dl", "ae+dl+dv", "ae+dv"}

// Key identifies a measurement: the dataset, the one-class protocol, the
// training mode, the normal class and the seed.
type Key struct {
	Dataset  string `json:"dataset"`
	Protocol int    `json:"protocol"`
	Mode     string `json:"mode"`
	Class    int    `json:"class"`
	Seed     uint64 `json:"seed"`
}

// FileName is the record's file name: dataset-pP-mode-cC-sS.json.
func (k Key) FileName() string {
	return fmt.Sprintf("%s-p%d-%s-c%d-s%d.json", k.Dataset, k.Protocol, k.Mode, k.Class, k.Seed)
}

// Record is one measurement: a model trained for Key, evaluated on its
// test split.
type Record struct {
	// Format is the layout version (Format).
	Format int `json:"format"`
	Key
	// AUC is the ROC AUC on the test split (novel = positive, the
	// reconstruction MSE as the score) of TestImages images.
	AUC        float64 `json:"auc"`
	TestImages int     `json:"test_images"`
	// ScoreNoise is the standard deviation of the Gaussian noise added to
	// each test image's input before scoring it (the target staying the
	// clean image), as the authors' test code scores; 0 or absent: the
	// clean input, the paper's score. The per-epoch test AUCs of the
	// training curve are always on the clean input.
	ScoreNoise float64 `json:"score_noise,omitempty"`
	// Model is the checkpoint that was evaluated, as given to ocgan eval.
	Model string `json:"model"`
	// Training describes how the model was trained.
	Training Training `json:"training"`
	// Eval describes the evaluation run.
	Eval Run `json:"eval"`
}

// Training is what a checkpoint records about its training.
type Training struct {
	// Epochs is the number of epochs asked for; EpochsTrained the number
	// completed (fewer when a wall-clock budget stopped training, which
	// StoppedByBudget says; BudgetSeconds is 0 without a budget).
	Epochs          int     `json:"epochs"`
	EpochsTrained   int     `json:"epochs_trained"`
	StoppedByBudget bool    `json:"stopped_by_budget"`
	BudgetSeconds   float64 `json:"budget_seconds"`
	// Iterations is the number of Algorithm-1 iterations (generator
	// updates), each on a batch of Batch images.
	Iterations int `json:"iterations"`
	Batch      int `json:"batch"`
	// SelectedEpoch is the epoch whose parameters were kept: the lowest
	// validation MSE, SelectedValMSE, among the epochs after the first
	// ⌊SelectFrom·Epochs⌋ (SelectFrom 0, or absent: every epoch).
	SelectedEpoch  int     `json:"selected_epoch"`
	SelectedValMSE float64 `json:"selected_val_mse"`
	SelectFrom     float64 `json:"select_from,omitempty"`
	// The settings of Algorithm 1: latent size, λ, input noise σ, mining
	// steps K, their gradient-descent step size and the fraction of
	// training after which mining runs, and Adam's learning rate.
	// MineStepSize is 0 in records of earlier builds, which all mined with
	// step EarlierMineStepSize (MiningStepSize reads either).
	Latent       int     `json:"latent"`
	Lambda       float64 `json:"lambda"`
	Noise        float64 `json:"noise"`
	MineSteps    int     `json:"mine_steps"`
	MineStepSize float64 `json:"mine_step_size,omitempty"`
	MineStart    float64 `json:"mine_start"`
	LR           float64 `json:"lr"`
	// Dropout is the probability of the decoder's dropout; absent in
	// records of earlier builds, which all used EarlierDropout
	// (DecoderDropout reads either).
	Dropout *float64 `json:"dropout,omitempty"`
	// LatentWeight is the weight of the latent adversarial term of the
	// generator loss; absent in records of earlier builds, which all used
	// EarlierLatentWeight (LatentAdvWeight reads either).
	LatentWeight *float64 `json:"latent_weight,omitempty"`
	// LatentDoubleSigmoid says that the latent discriminator's output went
	// through a sigmoid before its BCE-with-logits losses, as in the
	// authors' code (ocgan --latent-double-sigmoid); absent: the paper's
	// single sigmoid.
	LatentDoubleSigmoid bool `json:"latent_double_sigmoid,omitempty"`
	// VisualWidth is the width of the visual discriminator's first
	// convolution; absent in records of earlier builds, which all used
	// EarlierVisualWidth (DiscriminatorWidth reads either).
	VisualWidth int `json:"visual_width,omitempty"`
	// ImageSize and Channels are the model input's; absent in records of
	// earlier builds, which all trained at their dataset's own input
	// (Input reads either).
	ImageSize int `json:"image_size,omitempty"`
	Channels  int `json:"channels,omitempty"`
	// WallSeconds is the wall-clock time of the training loop (summed
	// over resumed runs).
	WallSeconds float64 `json:"wall_seconds"`
	// Curve is the run's history, one entry per epoch trained, in order
	// (absent in records of earlier builds).
	Curve []Epoch `json:"curve,omitempty"`
	// Run is where, when and by which program the model was trained
	// (Date: when training ended).
	Run
}

// EarlierMineStepSize is the mining step size of every run recorded before
// records held it.
const EarlierMineStepSize = 2.0

// MiningStepSize is the gradient-descent step size of the run's mining.
func (t Training) MiningStepSize() float64 {
	if t.MineStepSize == 0 {
		return EarlierMineStepSize
	}
	return t.MineStepSize
}

// SelectionStart returns the number of epochs, of epochs trained or asked
// for, that model selection from share from leaves out: ⌊from·epochs⌋, the
// product taken as the decimal share means it (0.29 of 100 epochs is 29,
// where the float product is 28.999…). Selection keeps an epoch after them
// (select_from, ocgan --select-from).
func SelectionStart(from float64, epochs int) int {
	return int(math.Floor(from*float64(epochs) + 1e-9))
}

// EarlierDropout is the decoder dropout of every run recorded before records
// held it.
const EarlierDropout = 0.5

// DecoderDropout is the probability of the run's decoder dropout.
func (t Training) DecoderDropout() float64 {
	if t.Dropout == nil {
		return EarlierDropout
	}
	return *t.Dropout
}

// EarlierLatentWeight is the latent adversarial weight of every run
// recorded, and every training checkpointed, before records and
// checkpoints held it.
const EarlierLatentWeight = 1.0

// LatentAdvWeight is the weight of the run's latent adversarial term.
func (t Training) LatentAdvWeight() float64 {
	if t.LatentWeight == nil {
		return EarlierLatentWeight
	}
	return *t.LatentWeight
}

// EarlierVisualWidth is the visual discriminator's width of every run
// recorded before records held it.
const EarlierVisualWidth = 12

// DiscriminatorWidth is the width of the run's visual discriminator's first
// convolution.
func (t Training) DiscriminatorWidth() int {
	if t.VisualWidth == 0 {
		return EarlierVisualWidth
	}
	return t.VisualWidth
}

// NativeInput is the model input (image size, channels) that ocgan gives a
// dataset unless told otherwise: its images' own for the built-in datasets
// (dataset.FixedImage: 28x28x1 for mnist and fmnist, 32x32x3 for cifar10,
// each a model size); ok is false for any other dataset (an image folder's
// input depends on its images).
func NativeInput(name string) (size, channels int, ok bool) {
	info, ok := dataset.FixedImage(name)
	if !ok {
		return 0, 0, false
	}
	return min(info.Height, info.Width), info.Channels(), true
}

// Input is the model input (image size, channels) of the record's run:
// the recorded one, or for records of earlier builds the dataset's
// NativeInput (ok false when neither says).
func (r *Record) Input() (size, channels int, ok bool) {
	if t := r.Training; t.ImageSize != 0 {
		return t.ImageSize, t.Channels, true
	}
	return NativeInput(r.Dataset)
}

// Epoch is one epoch of a training run's curve.
type Epoch struct {
	Epoch int `json:"epoch"`
	// ValMSE is the validation MSE of the epoch's parameters, on which
	// model selection decides.
	ValMSE float64 `json:"val_mse"`
	// TestAUC is the test AUC of the epoch's parameters, where it was
	// measured (ocgan eval --train --epoch-auc).
	TestAUC *float64 `json:"test_auc,omitempty"`
}

// Run is where, when and by which program something ran.
type Run struct {
	// Device is the device and backend, as `ocgan devices` names them.
	Device string `json:"device"`
	// Date is the time in RFC 3339 (UTC).
	Date string `json:"date"`
	// Version is the program's version and Commit the VCS revision it was
	// built from ("unknown" when the build does not say).
	Version string `json:"version"`
	Commit  string `json:"commit"`
}

var datasetName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Validate checks every field and returns an error naming the first bad
// one.
func (r *Record) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	check(r.Format == Format, "format is %d, want %d", r.Format, Format)
	check(datasetName.MatchString(r.Dataset), "dataset %q: want a lowercase name such as mnist", r.Dataset)
	check(r.Protocol == 1 || r.Protocol == 2, "protocol is %d, want 1 or 2", r.Protocol)
	check(knownMode(r.Mode), "mode %q: want one of %v", r.Mode, Modes)
	check(r.Class >= 0, "class is %d, want >= 0", r.Class)
	check(finite(r.AUC) && r.AUC >= 0 && r.AUC <= 1, "auc is %v, want in [0, 1]", r.AUC)
	check(r.TestImages >= 2, "test_images is %d, want >= 2", r.TestImages)
	check(finite(r.ScoreNoise) && r.ScoreNoise >= 0, "score_noise is %v, want >= 0", r.ScoreNoise)
	check(r.Model != "", "model is empty")
	t := r.Training
	check(t.Epochs >= 1, "training.epochs is %d, want >= 1", t.Epochs)
	check(t.EpochsTrained >= 1, "training.epochs_trained is %d, want >= 1", t.EpochsTrained)
	check(finite(t.BudgetSeconds) && t.BudgetSeconds >= 0, "training.budget_seconds is %v, want >= 0", t.BudgetSeconds)
	check(!t.StoppedByBudget || t.BudgetSeconds > 0, "training.stopped_by_budget without a budget")
	check(t.Iterations >= 1, "training.iterations is %d, want >= 1", t.Iterations)
	check(t.Batch >= 2, "training.batch is %d, want >= 2", t.Batch)
	check(t.SelectedEpoch >= 1 && t.SelectedEpoch <= t.EpochsTrained, "training.selected_epoch is %d, want in [1, epochs_trained %d]", t.SelectedEpoch, t.EpochsTrained)
	check(finite(t.SelectedValMSE) && t.SelectedValMSE >= 0, "training.selected_val_mse is %v, want finite and >= 0", t.SelectedValMSE)
	check(t.SelectFrom >= 0 && t.SelectFrom < 1, "training.select_from is %v, want in [0, 1)", t.SelectFrom)
	check(t.Latent >= 1, "training.latent is %d, want >= 1", t.Latent)
	check(finite(t.Lambda) && t.Lambda > 0, "training.lambda is %v, want > 0", t.Lambda)
	check(finite(t.Noise) && t.Noise >= 0, "training.noise is %v, want >= 0", t.Noise)
	check(t.MineSteps >= 0, "training.mine_steps is %d, want >= 0", t.MineSteps)
	check(finite(t.MineStepSize) && t.MineStepSize >= 0, "training.mine_step_size is %v, want >= 0", t.MineStepSize)
	check(finite(t.MineStart) && t.MineStart >= 0 && t.MineStart <= 1, "training.mine_start is %v, want in [0, 1]", t.MineStart)
	check(finite(t.LR) && t.LR > 0, "training.lr is %v, want > 0", t.LR)
	check(t.LatentWeight == nil || finite(*t.LatentWeight) && *t.LatentWeight > 0, "training.latent_weight is %v, want > 0", t.LatentAdvWeight())
	check(!t.LatentDoubleSigmoid || LatentDiscriminator(r.Mode), "training.latent_double_sigmoid in mode %q, which has no latent discriminator", r.Mode)
	check(t.Dropout == nil || *t.Dropout >= 0 && *t.Dropout < 1, "training.dropout is %v, want in [0, 1)", t.DecoderDropout())
	check(t.VisualWidth >= 0, "training.visual_width is %d, want >= 1 (or absent)", t.VisualWidth)
	check(t.ImageSize >= 0, "training.image_size is %d, want >= 1 (or absent)", t.ImageSize)
	check((t.ImageSize == 0) == (t.Channels == 0), "training.image_size %d and channels %d: want both or neither", t.ImageSize, t.Channels)
	check(t.Channels == 0 || t.Channels == 1 || t.Channels == 3, "training.channels is %d, want 1 or 3", t.Channels)
	check(finite(t.WallSeconds) && t.WallSeconds >= 0, "training.wall_seconds is %v, want >= 0", t.WallSeconds)
	check(t.Curve == nil || len(t.Curve) == t.EpochsTrained, "training.curve has %d epochs, want epochs_trained %d", len(t.Curve), t.EpochsTrained)
	for i, e := range t.Curve {
		check(e.Epoch == i+1, "training.curve[%d].epoch is %d, want %d", i, e.Epoch, i+1)
		check(finite(e.ValMSE) && e.ValMSE >= 0, "training.curve[%d].val_mse is %v, want finite and >= 0", i, e.ValMSE)
		check(e.TestAUC == nil || finite(*e.TestAUC) && *e.TestAUC >= 0 && *e.TestAUC <= 1, "training.curve[%d].test_auc is not in [0, 1]", i)
	}
	errs = append(errs, t.Run.validate("training"), r.Eval.validate("eval"))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bad result record: %w", err)
	}
	return nil
}

// validate checks a Run; what names it in the errors.
func (r Run) validate(what string) error {
	var errs []error
	if r.Device == "" {
		errs = append(errs, fmt.Errorf("%s.device is empty", what))
	}
	if _, err := time.Parse(time.RFC3339, r.Date); err != nil {
		errs = append(errs, fmt.Errorf("%s.date %q is not an RFC 3339 time", what, r.Date))
	}
	if r.Version == "" {
		errs = append(errs, fmt.Errorf("%s.version is empty", what))
	}
	if r.Commit == "" {
		errs = append(errs, fmt.Errorf("%s.commit is empty (\"unknown\" when the build does not say)", what))
	}
	return errors.Join(errs...)
}

// LatentDiscriminator reports whether a mode, as records name it, trains
// the latent discriminator.
func LatentDiscriminator(mode string) bool {
	return mode == "full" || mode == "ae+dl" || mode == "ae+dl+dv"
}

func knownMode(m string) bool {
	for _, k := range Modes {
		if m == k {
			return true
		}
	}
	return false
}
