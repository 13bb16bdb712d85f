package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
	"github.com/spf13/pflag"
)

// bundleBuildCmd is `ocgan bundle build`.
type bundleBuildCmd struct {
	model, key, version, minRuntime, out string
	fp16                                 bool
}

func (c *bundleBuildCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.model, "model", "", "checkpoint written by ocgan train (its threshold and validation score statistics go into the bundle)")
	fs.StringVar(&c.key, "key", "", "private key file that signs the bundle (ocgan bundle keygen)")
	fs.StringVar(&c.version, "version", "", "the model's semantic version, e.g. 1.2.0 or 1.2.0+mnist-c1 (installs refuse to lower it)")
	fs.StringVar(&c.minRuntime, "min-runtime", version, "oldest ocgan runtime version that may load the bundle")
	fs.BoolVar(&c.fp16, "fp16", false, "store the weights as fp16 (about 42% of the fp32 size; scores change slightly)")
	fs.StringVar(&c.out, "out", "model.bundle", "bundle file to write")
}

func (c *bundleBuildCmd) run(e *env) error {
	if c.key == "" {
		return usageError{errors.New("--key (the private key that signs the bundle) is required")}
	}
	if c.version == "" {
		return usageError{errors.New("--version (the model's semantic version, e.g. 1.0.0) is required")}
	}
	if c.model == "" {
		return usageError{errors.New("--model is required")}
	}
	if err := checkOutputFile("--out", c.out); err != nil {
		return err
	}
	ck, err := loadModel(c.model)
	if err != nil {
		return err
	}
	if math.IsNaN(ck.Train.Threshold) {
		return fmt.Errorf("%s: training has not finished (no threshold yet: %s)", c.model, ck.Meta[metaStatus])
	}
	priv, err := firmware.LoadPrivateKey(c.key)
	if err != nil {
		return err
	}
	opts := firmware.BuildOptions{ModelVersion: c.version, MinRuntimeVersion: c.minRuntime, FP16: c.fp16}
	switch cal, err := ck.Calibration(); {
	case err == nil:
		opts.ScoreMean, opts.ScoreStd = cal.ValScoreMean, cal.ValScoreStd
	case !errors.Is(err, checkpoint.ErrNoCalibration):
		return fmt.Errorf("%s: %w", c.model, err)
	}
	data, err := firmware.Build(opts, ck, priv)
	if err != nil {
		return fmt.Errorf("%s: %w", c.model, err)
	}
	if err := atomicfile.Write(c.out, data, 0o644); err != nil {
		return err
	}
	b, err := firmware.Open(data, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: bundle %s, model %s, %s weights, %d bytes, signed by key %s\n",
		c.out, b.ID(), b.Meta().ModelVersion, b.Meta().Weights, len(data), b.KeyID())
	return nil
}

// bundleFileCmd is `ocgan bundle verify` or `ocgan bundle inspect`: a
// bundle file and --key.
type bundleFileCmd struct {
	key     keyFlag
	keyHelp string
	inspect bool
}

func (c *bundleFileCmd) flags(fs *pflag.FlagSet) { c.key.add(fs, c.keyHelp) }

func (c *bundleFileCmd) run(e *env) error {
	if e.fs.NArg() != 1 {
		return usageError{errors.New("give one bundle file")}
	}
	path := e.fs.Arg(0)
	if c.inspect {
		return c.runInspect(e, path)
	}
	pub, err := c.key.load()
	if err != nil {
		return err
	}
	b, err := firmware.OpenFile(path, pub)
	if err != nil {
		return err
	}
	if _, err := b.Checkpoint(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := b.Meta().CheckRuntime(version); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(e.stdout, "%s: OK: bundle %s, model %s, signed by key %s; signature, part hashes and weights verified\n",
		path, b.ID(), b.Meta().ModelVersion, b.KeyID())
	return nil
}

func (c *bundleFileCmd) runInspect(e *env, path string) error {
	pub, err := c.key.optional()
	if err != nil {
		return err
	}
	data, err := readBundleFile(path)
	if err != nil {
		return err
	}
	r, err := firmware.Inspect(data, pub)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	_, err = r.WriteTo(e.stdout)
	return err
}

// readBundleFile reads a bundle file, refusing one larger than any bundle
// and anything but a regular file.
func readBundleFile(path string) ([]byte, error) {
	data, err := boundedfile.Read(path, firmware.MaxBundleBytes)
	if errors.Is(err, boundedfile.ErrTooLarge) {
		return nil, fmt.Errorf("%w (no bundle is larger): %w", err, firmware.ErrTooLarge)
	}
	return data, err
}
