package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// tuneReport is the --tune --json document.
type tuneReport struct {
	Device string `json:"device"`
	Driver string `json:"driver"`
	Date   string `json:"date"`
	Batch  int    `json:"batch"`
	Warmup int    `json:"warmup"`
	Runs   int    `json:"runs"`
	// Confirm is --tune-confirm.
	Confirm int `json:"confirm"`
	// Table is the file written.
	Table string `json:"table"`
	*vulkan.ConvTuneReport
}

// runTune is kbench --tune: it tunes the conv shapes of the selected cases
// and writes the device's table. It returns the exit status.
func runTune(o options, cases []benchCase, stdout, stderr io.Writer) int {
	if o.onCPU || o.compareRef || o.compareTorch {
		fmt.Fprintln(stderr, "kbench: --tune tunes the Vulkan conv kernels; it takes neither --device cpu, --compare-ref nor --compare-torch")
		return 2
	}
	var shapes []vulkan.ConvShape
	seen := map[vulkan.ConvShape]bool{}
	for _, c := range cases {
		if c.conv != nil && !seen[*c.conv] {
			seen[*c.conv] = true
			shapes = append(shapes, *c.conv)
		}
	}
	if len(shapes) == 0 {
		fmt.Fprintf(stderr, "kbench: --tune: no conv or transposed-conv kernel matches %q\n", o.filter)
		return 2
	}
	rep, err := tuneVulkan(o, shapes, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kbench: %v\n", err)
		return 1
	}
	return writeReport(stdout, stderr, o.asJSON, rep, func(w io.Writer) { printTune(w, rep) })
}

// tuneVulkan tunes shapes on the device o selects and saves the table.
func tuneVulkan(o options, shapes []vulkan.ConvShape, progress io.Writer) (*tuneReport, error) {
	ctx, err := vk.Open(o.cfg)
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	info := ctx.Info()
	lib := vulkan.NewLibrary(ctx)
	path := vulkan.ConvTuningPath(ctx.CacheDir(), info)
	if path == "" {
		return nil, fmt.Errorf("--tune: the tuning table is off (%s=off, or the pipeline cache is off); set %s to a file", vulkan.TuningEnv, vulkan.TuningEnv)
	}
	if status, _ := lib.ConvTuningStatus(); status != "none" {
		fmt.Fprintf(progress, "tuning table %s: %s; updating it\n", path, status)
	}
	r, err := lib.TuneConvs(shapes, vulkan.ConvTuneOptions{Warmup: o.warmup, Runs: o.runs, HeuristicRegisterOnly: o.tuneQuick,
		Confirm: o.tuneConfirm,
		Progress: func(i, n int, r vulkan.ConvTuneResult) {
			fmt.Fprintf(progress, "[%d/%d] %v: %v %.3f ms (heuristic %v %.3f ms)%s\n", i, n, r.Shape, r.Best, r.BestMs, r.Heuristic, r.HeuristicMs,
				r.Confirmation.Note())
		}})
	if err != nil {
		return nil, err
	}
	if err := r.Table.Save(path); err != nil {
		return nil, err
	}
	return &tuneReport{Device: info.Name, Driver: info.Driver + " " + info.DriverInfo,
		Date: time.Now().UTC().Format(time.RFC3339), Batch: o.batch, Warmup: o.warmup, Runs: o.runs, Confirm: o.tuneConfirm,
		Table: path, ConvTuneReport: r}, nil
}

// printTune prints each shape's heuristic and tuned variants and times.
func printTune(w io.Writer, rep *tuneReport) {
	fmt.Fprintf(w, "device: %s (%s)\n", rep.Device, rep.Driver)
	fmt.Fprintf(w, "date: %s, conv tuning, median of %d timed runs per variant (%s); a fastest variant other than the heuristic's timed again against it %d times each\n",
		rep.Date, rep.Runs, rep.Clock, rep.Confirm)
	fmt.Fprintf(w, "table: %s\n\n", rep.Table)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "shape\tvariants\theuristic\tms\ttuned\tms\tspeedup\tconfirmation")
	var heur, tuned float64
	for _, r := range rep.Results {
		conf := "-"
		if c := r.Confirmation; c != nil && c.Kept {
			conf = "kept"
		} else if c != nil {
			conf = fmt.Sprintf("%v not kept (%.3f ms)", c.Candidate, c.CandidateMs)
		}
		fmt.Fprintf(tw, "%v\t%d\t%v\t%.3f\t%v\t%.3f\t%.2fx\t%s\n", r.Shape, len(r.Timings), r.Heuristic, r.HeuristicMs, r.Best, r.BestMs,
			r.HeuristicMs/r.BestMs, conf)
		heur += r.HeuristicMs
		tuned += r.BestMs
	}
	fmt.Fprintf(tw, "total\t\t\t%.3f\t\t%.3f\t%.2fx\t\n", heur, tuned, heur/tuned)
	tw.Flush()
}
