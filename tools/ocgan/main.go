// Command ocgan trains, scores and ships OCGAN novelty detectors on Vulkan devices
// and on the native CPU backend.
//
// Usage:
//
//	ocgan train --dataset mnist --class K [--epochs N] [--budget 10m] --out model.ocgan [--resume]
//	ocgan train --data DIR [--novel DIR] [--test DIR] [--threshold f1] --out model.ocgan
//	ocgan train --jobs FILE [--job-index I] [--dry-run] --out model.ocgan   (one line of FILE; I from $JOB_COMPLETION_INDEX or $SLURM_ARRAY_TASK_ID)
//	ocgan eval --model model.ocgan --dataset mnist --class K --protocol 1|2 [--json]
//	ocgan eval --model model.ocgan --normal DIR --novel DIR [--worst K] [--roc F] [--scores F] [--json]
//	ocgan score --model model.ocgan FILE|FOLDER|IDX...
//	ocgan serve --model ROOT|BUNDLE|CHECKPOINT [--key K.pub] [--addr 127.0.0.1:8080]
//	ocgan bundle keygen|build|verify|inspect|install|rollback|status ...
//	ocgan calibrate --model model.ocgan [--quantile 0.95 | --novel PATH...] [--threshold quantile|f1]
//	ocgan inspect model.ocgan
//	ocgan export --model model.ocgan --format safetensors [--all] --out F.safetensors
//	ocgan export --model model.ocgan --format onnx --out F.onnx
//	ocgan import --format safetensors --in F.safetensors [--image-size 28 --channels 1 --latent 16] [--threshold T] [--data DIR] --out model.ocgan
//	ocgan devices [--json]     list the devices: Vulkan GPUs and drivers, the native CPU
//	ocgan version              version, Go version, commit, loader and driver
//	ocgan selftest             run a compute check on the selected device
//	ocgan bench [--json]       training and scoring throughput, batch-1 latency, peak RSS
//
// Global flags (before or after the command): --device cpu|NAME|INDEX, --threads N, --validate,
// --gpu-timeout D, --max-dispatches-per-submit N.
// Exit status: 0 success, 1 runtime error, 2 usage error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

// version is the release; builds from a git checkout also report the commit.
const version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

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

// usageError marks errors that exit with status 2.
type usageError struct{ error }

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

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	name := args[0]
	// Two-word commands: "bundle build", ...
	if _, ok := cmds[name]; !ok && len(args) > 1 && !strings.HasPrefix(args[1], "-") {
		if _, ok := cmds[name+" "+args[1]]; ok {
			name, args = name+" "+args[1], args[1:]
		}
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(stderr, "ocgan: unknown command %q\n", name)
		printUsage(stderr, cmds)
		return exitUsage
	}
	fs := pflag.NewFlagSet("ocgan "+name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	e := &env{fs: fs, stdout: stdout, stderr: stderr}
	fs.StringVar(&e.cfg.Device, "device", "", "device: cpu (native), an index from `ocgan devices`, or a Vulkan device name substring such as llvmpipe (default $OCGAN_DEVICE, else the best: discrete GPU > integrated GPU > native CPU > Vulkan CPU driver)")
	fs.IntVar(&e.cfg.Threads, "threads", 0, "threads of the native CPU backend (default: one per core)")
	fs.BoolVar(&e.cfg.Vulkan.Validate, "validate", false, "enable the Khronos validation layer on Vulkan devices (also $OCGAN_VK_VALIDATE=1)")
	fs.DurationVar(&e.cfg.Vulkan.Timeout, "gpu-timeout", 0, "fail when a Vulkan submission has not finished after this long: a hung or lost GPU (default $OCGAN_VK_TIMEOUT, else 1m)")
	fs.IntVar(&e.cfg.Vulkan.MaxDispatchesPerSubmit, "max-dispatches-per-submit", 0, "split each Vulkan step into submissions of at most N dispatches, for drivers whose watchdog kills long submissions (default $OCGAN_VK_MAX_DISPATCHES, else one submission per step)")
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "ocgan %s: %v\n%s", name, err, fs.FlagUsages())
		return exitUsage
	}
	if err := checkDeviceFlags(e.cfg); err != nil {
		fmt.Fprintf(stderr, "ocgan %s: %v\n", name, err)
		return exitUsage
	}
	if fs.NArg() > 0 && !takesArgs[name] {
		fmt.Fprintf(stderr, "ocgan %s: unexpected argument %q\n", name, fs.Arg(0))
		return exitUsage
	}
	if err := e.cfg.Vulkan.CheckLimits(); err != nil {
		fmt.Fprintf(stderr, "ocgan %s: %v\n", name, err)
		return exitUsage
	}
	if err := cmd.run(e); err != nil {
		fmt.Fprintf(stderr, "ocgan %s: %v\n", name, err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitRuntime
	}
	return exitOK
}
