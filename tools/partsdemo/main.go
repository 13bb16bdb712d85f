// Command partsdemo writes a folder of example "camera photos" for trying
// `ocgan train --data` on images of one's own kind, made from Fashion-MNIST:
//
//	OUT/good/             sneakers (class 7) of the train split: the good parts
//	OUT/good-kept-aside/  sneakers of the test split: good parts kept out of training
//	OUT/defects/          other classes of the test split (sandals 5, ankle boots 9): the defects
//
// Each 28x28 gray image becomes a colour PNG frame (64x48 by default, wider
// than tall): scaled up bilinearly to the frame's height, centred on a
// background of its own, tinted by a fixed warm colour ramp and given a
// little noise. The images chosen and the noise depend only on --seed.
//
// Usage:
//
//	partsdemo --out DIR [--good 3000] [--kept-aside 500] [--defects 300]
//	          [--normal-class 7] [--defect-classes 5,9] [--width 64] [--height 48]
//	          [--seed 1] [--fmnist DIR] [--force]
//
// Fashion-MNIST is read from --fmnist, else $OCGAN_FMNIST_DIR, else Debian's
// /usr/share/datasets/fashion-mnist (package dataset-fashion-mnist). OUT must
// be empty or missing unless --force. Exit status: 0 success, 1 runtime
// error, 2 usage error.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, writes the folder and prints what it wrote; it returns
// the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("partsdemo", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	fs.StringVar(&cfg.out, "out", "", "the folder to write (required; empty or missing unless --force)")
	fs.IntVar(&cfg.good, "good", 3000, "good parts for training: normal-class images of the train split")
	fs.IntVar(&cfg.keptAside, "kept-aside", 500, "good parts kept aside: normal-class images of the test split")
	fs.IntVar(&cfg.defects, "defects", 300, "defects: images of the defect classes from the test split, shared evenly")
	fs.IntVar(&cfg.normalClass, "normal-class", 7, "the Fashion-MNIST class of the good parts (7: sneaker)")
	fs.IntSliceVar(&cfg.defectClasses, "defect-classes", []int{5, 9}, "the Fashion-MNIST classes of the defects (5: sandal, 9: ankle boot)")
	fs.IntVar(&cfg.width, "width", 64, "frame width in pixels")
	fs.IntVar(&cfg.height, "height", 48, "frame height in pixels")
	fs.Uint64Var(&cfg.seed, "seed", 1, "chooses the images and the noise")
	fs.StringVar(&cfg.fmnist, "fmnist", "", "the folder of Fashion-MNIST's IDX files (default $OCGAN_FMNIST_DIR, else Debian's)")
	fs.BoolVar(&cfg.force, "force", false, "write into a non-empty --out, first deleting its good/, good-kept-aside/ and defects/")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: partsdemo --out DIR [flags]\n\nWrites Fashion-MNIST images as colour camera frames: DIR/good, DIR/good-kept-aside, DIR/defects.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "partsdemo: %v (see --help)\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "partsdemo: takes no arguments, got %q\n", fs.Args())
		return exitUsage
	}
	if err := cfg.check(); err != nil {
		fmt.Fprintf(stderr, "partsdemo: %v\n", err)
		return exitUsage
	}
	rep, err := writeParts(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "partsdemo: %v\n", err)
		return exitRuntime
	}
	rep.print(stdout)
	return exitOK
}
