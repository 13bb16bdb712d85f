package main

import (
	"fmt"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/calibrate"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/ocgan/train"
	"github.com/spf13/pflag"
)

// defaultQuantile is the default calibration: the 95th percentile of the
// validation (in-class) scores.
const defaultQuantile = calibrate.DefaultQuantile

// trainCmd is `ocgan train`.
type trainCmd struct {
	data           dataFlags
	progress       progressFlag
	training       trainingOptions
	jobs           jobFlags
	out            string
	resume, asJSON bool
}

func (c *trainCmd) flags(fs *pflag.FlagSet) {
	c.data.add(fs)
	c.data.addOwn(fs)
	c.training.add(fs, "images of anomalies (files, folders searched recursively, IDX image files), never trained on: with --dataset images the test anomalies of the end evaluation; they choose the F1-optimal threshold with --threshold f1 (the default for the other datasets)")
	fs.StringVar(&c.out, "out", "model.ocgan", "checkpoint to write (after every epoch, and at the end)")
	fs.BoolVar(&c.resume, "resume", false, "continue the training saved in --out (same dataset, class, protocol, seed, mode, batch, image size, channels and latent size) up to --epochs")
	fs.BoolVar(&c.asJSON, "json", false, "log progress as JSON lines on stdout (events iteration, epoch, progress and done)")
	c.progress.add(fs)
	c.jobs.add(fs)
}

// trainingOptions are the flags of Algorithm 1's settings and of the
// threshold calibration (train and eval --train).
type trainingOptions struct {
	epochs, batch, latent, mineSteps int
	visualWidth                      int
	budget                           time.Duration
	mode                             string
	mineStart, selectFrom            float64
	mineStepSize, lambda, noise, lr  float32
	latentWeight                     float32
	dropout                          float32
	epochAUC, latentDoubleSigmoid    bool
	cal                              calibration
	img                              imageFlags
}

// add adds the flags; novelHelp describes what the command does with
// --novel.
func (o *trainingOptions) add(fs *pflag.FlagSet, novelHelp string) {
	d := train.DefaultConfig(model.MNIST28())
	o.img.add(fs)
	fs.IntVar(&o.epochs, "epochs", d.Epochs, "training epochs")
	fs.DurationVar(&o.budget, "budget", 0, "wall-clock budget of training (e.g. 10m), counted from the first iteration: loading the data, compiling and the end evaluation come on top; stop at the end of the iteration that crosses it; 0 = none")
	fs.IntVar(&o.batch, "batch", d.Batch, "batch size")
	fs.StringVar(&o.mode, "mode", "full", "full, ae, ae+dl or ae+dl+dv (the paper's ablations), or ae+dv (the auto-encoder and the visual discriminator alone: the authors' Fashion-MNIST script)")
	fs.IntVar(&o.latent, "latent", 0, "latent size L (default: 16 for 1 channel, 512 for 3)")
	fs.IntVar(&o.mineSteps, "mine-steps", d.MineSteps, "K, gradient steps of informative-negative mining (0: no mining)")
	fs.Float32Var(&o.mineStepSize, "mine-step-size", d.MineStepSize, "step size of the plain gradient descent of mining, on each sample's classifier loss (the authors' code: 2)")
	fs.Float64Var(&o.mineStart, "mine-start", d.MineStart, "fraction of training (iterations, or of --budget) after which mining runs")
	fs.Float32Var(&o.lambda, "lambda", d.Lambda, "weight λ of the reconstruction MSE in the generator loss")
	fs.Float32Var(&o.latentWeight, "latent-weight", d.LatentWeight, "weight of the latent adversarial term in the generator loss (the paper: 1; the authors' code: 10, with its MSE term that of --lambda 5)")
	fs.BoolVar(&o.latentDoubleSigmoid, "latent-double-sigmoid", false, "pass the latent discriminator's output through a sigmoid before its BCE-with-logits losses, as the authors' code does (the sigmoid applied twice: a weaker latent discriminator); modes with the latent discriminator only")
	fs.Float32Var(&o.noise, "noise", d.NoiseStd, "σ of the input noise n ~ N(0, σ²)")
	fs.Float32Var(&o.lr, "lr", d.LR, "Adam learning rate of every network")
	fs.Float32Var(&o.dropout, "dropout", d.Geometry.DropoutP, "probability of the dropout after the batch norm of the decoder's last hidden block, in training (0: none; the authors' code: 0.5)")
	fs.IntVar(&o.visualWidth, "visual-width", d.Geometry.VisualWidth, "width of the visual discriminator's first convolution, doubled per block (the authors' code: 12; their Fashion-MNIST script: 32)")
	fs.Float64Var(&o.selectFrom, "select-from", d.SelectFrom, "model selection keeps the epoch of lowest validation MSE among those after this fraction of --epochs (0: every epoch, the paper; the authors' selection scripts: 0.2 or 0.5)")
	fs.BoolVar(&o.epochAUC, "epoch-auc", false, "after every epoch also measure the test AUC of that epoch's model, shown and kept in the checkpoint's history (the curve of test AUC over training; model selection still uses the validation MSE only)")
	o.cal.add(fs, novelHelp)
}

// job returns the training job of dataset d with these settings (their
// limits and the image flags checked).
func (o *trainingOptions) job(d dataFlags) (*trainJob, error) {
	if err := o.checkLimits(); err != nil {
		return nil, err
	}
	geo, pre, err := d.geometry(o.img, o.latent)
	if err != nil {
		return nil, err
	}
	geo.DropoutP, geo.VisualWidth = o.dropout, o.visualWidth
	cfg := train.DefaultConfig(geo)
	cfg.Epochs, cfg.Budget, cfg.Batch, cfg.MineSteps, cfg.MineStart = o.epochs, o.budget, o.batch, o.mineSteps, o.mineStart
	cfg.MineStepSize, cfg.Lambda, cfg.NoiseStd, cfg.LR, cfg.Seed = o.mineStepSize, o.lambda, o.noise, o.lr, d.seed
	cfg.LatentWeight, cfg.SelectFrom, cfg.LatentDoubleSigmoid = o.latentWeight, o.selectFrom, o.latentDoubleSigmoid
	if cfg.Mode, err = train.ParseMode(o.mode); err != nil {
		return nil, usageError{err}
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError{err}
	}
	if o.epochAUC && d.name == datasetImages {
		return nil, usageError{fmt.Errorf("--epoch-auc needs a dataset with a test split; --dataset images has none")}
	}
	j := &trainJob{data: d, pre: pre, cfg: cfg, cal: o.cal, epochTest: o.epochAUC}
	if err := j.cal.check(); err != nil {
		return nil, err
	}
	if err := j.cal.settle(d.name == datasetImages); err != nil {
		return nil, err
	}
	return j, nil
}

func (c *trainCmd) run(e *env) error {
	picked, err := c.jobs.apply(e.fs, c.out)
	if err != nil {
		return err
	}
	d := c.data
	if err := d.settle(e.fs.Changed); err != nil {
		return picked.wrap(err)
	}
	j, err := c.training.job(d)
	if err != nil {
		return picked.wrap(err)
	}
	j.out, j.resume = c.out, c.resume
	every, err := c.progress.check()
	if err != nil {
		return err
	}
	if err := checkOutputFile("--out", j.out); err != nil {
		return err
	}
	if c.jobs.dryRun {
		return printTrainPlan(e.stdout, picked, j)
	}
	j.progress = newTrainReporter(e, c.asJSON, every, "").report
	j.log = e.stderr
	ctx, stop := interruptContext(e.stderr)
	defer stop()
	j.ctx = ctx
	sum, err := j.run(e.cfg)
	if err != nil {
		return err
	}
	if c.asJSON {
		return writeJSON(e.stdout, map[string]any{"event": "done", "summary": sum.JSON()})
	}
	return sum.print(e.stdout, j)
}
