package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math"
	"os"
	"text/tabwriter"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/checkpoint"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
	"github.com/spf13/pflag"
)

// keyEnv names the public key file when --key is not given.
const keyEnv = "OCGAN_BUNDLE_KEY"

func addKeyFlag(fs *pflag.FlagSet, what string) {
	fs.String("key", "", what+" (default $"+keyEnv+")")
}

// publicKey loads the public key that --key (or $OCGAN_BUNDLE_KEY) names.
func publicKey(fs *pflag.FlagSet) (ed25519.PublicKey, error) {
	path, _ := fs.GetString("key")
	if path == "" {
		path = os.Getenv(keyEnv)
	}
	if path == "" {
		return nil, usageError{fmt.Errorf("bundles are verified before use: give the public key with --key FILE.pub (or $%s)", keyEnv)}
	}
	return firmware.LoadPublicKey(path)
}

// optionalPublicKey is publicKey, or nil when no key is named.
func optionalPublicKey(fs *pflag.FlagSet) (ed25519.PublicKey, error) {
	if k, _ := fs.GetString("key"); k == "" && os.Getenv(keyEnv) == "" {
		return nil, nil
	}
	return publicKey(fs)
}

func bundleKeygenFlags(fs *pflag.FlagSet) {
	fs.String("out", "ocgan-signing", "write the private key to OUT.key (mode 0600) and the public key to OUT.pub")
}

func runBundleKeygen(e *env) error {
	out, _ := e.fs.GetString("out")
	if out == "" {
		return usageError{errors.New("--out must name the key files (OUT.key and OUT.pub)")}
	}
	for _, path := range []string{out + ".key", out + ".pub"} {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("--out %s: %s exists, and key files are never overwritten", out, path)
		}
		if err := checkOutputFile("--out", path); err != nil {
			return err
		}
	}
	pub, priv, err := firmware.GenerateKey()
	if err != nil {
		return err
	}
	if err := firmware.SavePrivateKey(out+".key", priv); err != nil {
		return err
	}
	if err := firmware.SavePublicKey(out+".pub", pub); err != nil {
		os.Remove(out + ".key")
		return err
	}
	fmt.Fprintf(e.stdout, "private key %s.key (keep it secret: it signs bundles)\npublic key  %s.pub (ship it to the devices)\nkey id      %s\n",
		out, out, firmware.KeyID(pub))
	return nil
}

func bundleBuildFlags(fs *pflag.FlagSet) {
	fs.String("model", "", "checkpoint written by ocgan train (its threshold and validation score statistics go into the bundle)")
	fs.String("key", "", "private key file that signs the bundle (ocgan bundle keygen)")
	fs.String("version", "", "the model's semantic version, e.g. 1.2.0 or 1.2.0+mnist-c1 (installs refuse to lower it)")
	fs.String("min-runtime", version, "oldest ocgan runtime version that may load the bundle")
	fs.Bool("fp16", false, "store the weights as fp16 (about 42% of the fp32 size; scores change slightly)")
	fs.String("out", "model.bundle", "bundle file to write")
}

func runBundleBuild(e *env) error {
	modelPath, _ := e.fs.GetString("model")
	keyPath, _ := e.fs.GetString("key")
	modelVersion, _ := e.fs.GetString("version")
	minRuntime, _ := e.fs.GetString("min-runtime")
	fp16, _ := e.fs.GetBool("fp16")
	out, _ := e.fs.GetString("out")
	if keyPath == "" {
		return usageError{errors.New("--key (the private key that signs the bundle) is required")}
	}
	if modelVersion == "" {
		return usageError{errors.New("--version (the model's semantic version, e.g. 1.0.0) is required")}
	}
	if modelPath == "" {
		return usageError{errors.New("--model is required")}
	}
	if err := checkOutputFile("--out", out); err != nil {
		return err
	}
	ck, err := loadModel(modelPath)
	if err != nil {
		return err
	}
	if math.IsNaN(ck.Train.Threshold) {
		return fmt.Errorf("%s: training has not finished (no threshold yet: %s)", modelPath, ck.Meta[metaStatus])
	}
	priv, err := firmware.LoadPrivateKey(keyPath)
	if err != nil {
		return err
	}
	opts := firmware.BuildOptions{ModelVersion: modelVersion, MinRuntimeVersion: minRuntime, FP16: fp16}
	switch cal, err := ck.Calibration(); {
	case err == nil:
		opts.ScoreMean, opts.ScoreStd = cal.ValScoreMean, cal.ValScoreStd
	case !errors.Is(err, checkpoint.ErrNoCalibration):
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	data, err := firmware.Build(opts, ck, priv)
	if err != nil {
		return fmt.Errorf("%s: %w", modelPath, err)
	}
	if err := atomicfile.Write(out, data, 0o644); err != nil {
		return err
	}
	b, err := firmware.Open(data, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: bundle %s, model %s, %s weights, %d bytes, signed by key %s\n",
		out, b.ID(), b.Meta().ModelVersion, b.Meta().Weights, len(data), b.KeyID())
	return nil
}

func bundleVerifyFlags(fs *pflag.FlagSet) {
	addKeyFlag(fs, "public key that must have signed the bundle")
}

func runBundleVerify(e *env) error {
	if e.fs.NArg() != 1 {
		return usageError{errors.New("give one bundle file")}
	}
	pub, err := publicKey(e.fs)
	if err != nil {
		return err
	}
	path := e.fs.Arg(0)
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

func bundleInspectFlags(fs *pflag.FlagSet) {
	addKeyFlag(fs, "public key to verify the signature with; without one the report says UNVERIFIED")
}

func runBundleInspect(e *env) error {
	if e.fs.NArg() != 1 {
		return usageError{errors.New("give one bundle file")}
	}
	path := e.fs.Arg(0)
	pub, err := optionalPublicKey(e.fs)
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

func bundleInstallFlags(fs *pflag.FlagSet) {
	fs.String("root", "", "install root: versions/<id>, current and previous live there")
	addKeyFlag(fs, "public key that must have signed the bundle")
	fs.Bool("force", false, "install even if it lowers the model or format version")
	fs.Int("keep", firmware.DefaultKeep, "old versions to keep besides current and previous")
}

func runBundleInstall(e *env) error {
	if e.fs.NArg() != 1 {
		return usageError{errors.New("give one bundle file")}
	}
	root, _ := e.fs.GetString("root")
	if root == "" {
		return usageError{errors.New("--root is required")}
	}
	force, _ := e.fs.GetBool("force")
	if err := intFlagIn(e.fs, "keep", 0, maxKeep); err != nil {
		return err
	}
	keep, _ := e.fs.GetInt("keep")
	if keep == 0 {
		keep = -1 // firmware: 0 means its default; here 0 means none
	}
	pub, err := publicKey(e.fs)
	if err != nil {
		return err
	}
	res, err := firmware.Install(root, e.fs.Arg(0), pub, firmware.InstallOptions{Force: force, RuntimeVersion: version, Keep: keep})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if res.NoOp {
		fmt.Fprintf(e.stdout, "%s is already the current version under %s\n", res.ID, root)
		return nil
	}
	fmt.Fprintf(e.stdout, "installed %s as current under %s (previous: %s)\n", res.ID, root, orNone(res.Previous))
	return nil
}

func bundleRollbackFlags(fs *pflag.FlagSet) {
	fs.String("root", "", "install root")
	addKeyFlag(fs, "public key that must have signed the previous bundle")
}

func runBundleRollback(e *env) error {
	root, _ := e.fs.GetString("root")
	if root == "" {
		return usageError{errors.New("--root is required")}
	}
	pub, err := publicKey(e.fs)
	if err != nil {
		return err
	}
	res, err := firmware.Rollback(root, pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rolled back under %s: current %s, previous %s\n", root, res.ID, orNone(res.Previous))
	return nil
}

func bundleStatusFlags(fs *pflag.FlagSet) {
	fs.String("root", "", "install root")
	addKeyFlag(fs, "public key to verify the installed bundles with (optional)")
}

func runBundleStatus(e *env) error {
	root, _ := e.fs.GetString("root")
	if root == "" {
		return usageError{errors.New("--root is required")}
	}
	pub, err := optionalPublicKey(e.fs)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "link\tbundle\tmodel version\tcreated\tverified")
	for _, l := range []struct {
		name string
		get  func(string) (firmware.Installed, error)
	}{{"current", firmware.Current}, {"previous", firmware.Previous}} {
		in, err := l.get(root)
		if errors.Is(err, firmware.ErrNotInstalled) {
			fmt.Fprintf(w, "%s\t(none)\t\t\t\n", l.name)
			continue
		}
		if err != nil {
			return err
		}
		data, err := readBundleFile(in.BundlePath())
		if err != nil {
			return err
		}
		r, err := firmware.Inspect(data, pub)
		if err != nil {
			return fmt.Errorf("%s %s: %w", l.name, in.BundlePath(), err)
		}
		verified := "no key given"
		if pub != nil {
			verified = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.name, in.ID, r.Meta.ModelVersion, r.Meta.Created.Format("2006-01-02 15:04"), verified)
	}
	return w.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
