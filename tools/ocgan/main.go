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
// Flags of every command (after the command): --device cpu|NAME|INDEX, --threads N, --validate,
// --gpu-timeout D, --max-dispatches-per-submit N.
// Exit status: 0 success, 1 runtime error, 2 usage error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	// exitInterrupted: training stopped by SIGINT or SIGTERM (128 + SIGINT).
	exitInterrupted = 130
)

// version is the release; builds from a git checkout also report the commit.
const version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usageError marks errors that exit with status 2.
type usageError struct{ error }

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
	addDeviceFlags(fs, &e.cfg)
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
		var ie interruptedError
		switch {
		case errors.As(err, &ue):
			return exitUsage
		case errors.As(err, &ie):
			return exitInterrupted
		}
		return exitRuntime
	}
	return exitOK
}
