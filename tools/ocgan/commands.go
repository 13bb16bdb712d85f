package main

import (
	"io"

	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// command is one subcommand: its flags are added to fs, then it runs.
type command struct {
	summary string
	flags   func(fs *pflag.FlagSet)
	run     func(env *env) error
}

// env is what a command sees: parsed flags, output streams, device config.
type env struct {
	fs     *pflag.FlagSet
	stdout io.Writer
	stderr io.Writer
	cfg    device.Config
}

// takesArgs lists the commands that take positional arguments.
var takesArgs = map[string]bool{"score": true, "inspect": true, "bundle verify": true, "bundle inspect": true, "bundle install": true}

// commands is the command table, by name ("bundle build" for two words).
func commands() map[string]command {
	return map[string]command{
		"devices":         bound("list Vulkan devices and their compute capabilities", &devicesCmd{}),
		"version":         {"print version, Go version, commit, Vulkan loader and drivers", nil, runVersion},
		"bench":           bound("measure training and scoring throughput and batch-1 latency on the device", &benchCmd{}),
		"selftest":        bound("run a compute check (dispatch, read back, verify) on the device", &selftestCmd{}),
		"train":           bound("train an OCGAN detector for one class (Algorithm 1) and save it", &trainCmd{}),
		"eval":            bound("score a one-class test split with a trained model: AUC, F1", &evalCmd{}),
		"score":           bound("score image files with a trained model: score and verdict per file", &scoreCmd{}),
		"inspect":         bound("describe a checkpoint: geometry, training state, tensors", &inspectCmd{}),
		"bundle keygen":   bound("make an ed25519 key pair for signing bundles", &bundleKeygenCmd{}),
		"bundle build":    bound("package a trained model as a signed bundle for devices", &bundleBuildCmd{}),
		"bundle verify":   bound("check a bundle's signature, hashes and weights", &bundleFileCmd{keyHelp: "public key that must have signed the bundle"}),
		"bundle inspect":  bound("describe a bundle: parts, hashes, metadata (UNVERIFIED without --key)", &bundleFileCmd{keyHelp: "public key to verify the signature with; without one the report says UNVERIFIED", inspect: true}),
		"bundle install":  bound("verify a bundle and make it current under an install root (atomic; keeps the previous)", &bundleInstallCmd{}),
		"bundle rollback": bound("make the previous installed version current again", &bundleRootCmd{keyHelp: "public key that must have signed the previous bundle", rollback: true}),
		"bundle status":   bound("show the current and previous versions of an install root", &bundleRootCmd{keyHelp: "public key to verify the installed bundles with (optional)"}),
		"serve":           bound("serve POST /score, /healthz and /metrics over HTTP; reloads when a new bundle is installed", &serveCmd{}),
		"export":          bound("write a model's weights as safetensors under the PyTorch peer's names, or its scorer as ONNX", &exportCmd{}),
		"import":          bound("build a scoring checkpoint from safetensors weights (e.g. trained by the PyTorch peer)", &importCmd{}),
		"calibrate":       bound("recompute a trained model's novelty threshold (quantile, or F1-optimal with labelled novel images)", &calibrateCmd{}),
	}
}
