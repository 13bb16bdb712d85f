// Command kbench times the project's compute kernels at the OCGAN layer shapes (and
// any shape given by flags) on a Vulkan device, using GPU timestamps, or on the
// native CPU backend, using the wall clock.
//
// Usage:
//
//	kbench [--device NAME|INDEX|cpu] [--threads N] [--batch 64] [--image-size 28] [--channels 1]
//	       [--warmup 2] [--runs 7]
//	       [--filter REGEXP] [--conv N,C,H,W,K,KH,KW,S,P] [--convt N,C,H,W,K,KH,KW,S,P,OUTPAD]
//	       [--dense N,IN,OUT] [--json] [--compare-ref] [--compare-torch] [--tune]
//
// The OCGAN layer shapes are those of the networks of model.ForImage for
// --image-size and --channels (the latent length model.DefaultLatent), at
// --batch: by default MNIST28's.
//
// --device selects a Vulkan device by index or name substring (default
// $OCGAN_DEVICE, else the best), or "cpu" for the native CPU backend with
// --threads threads (default one per core). Every kernel runs on either.
//
// For each kernel it prints min, median and p90 time over the runs, and the
// GFLOP/s and GB/s at the median. On the CPU, the conv, transposed-conv and dense
// kernels are also compared with the raw SGEMM of the same library at the GEMM
// shapes they issue (the sum over their calls): its median time and GFLOP/s, and
// the kernel's rate as a fraction of it. --compare-ref also times the Go reference
// (float64 accumulation, one thread); --compare-torch times the same conv shapes
// in PyTorch (python3 with torch; --torch-device cpu or cuda) in the same run.
// The report's header names the device, the backend and, on the CPU, the SGEMM
// library and threads.
//
// --tune times, instead, every variant of the conv kernel (register tiles of
// 1, 2 or 4 rows and 4 or 8 columns per lane in workgroups of 32, 64 or 128
// lanes, or only the heuristic's with --tune-quick; shared-memory tiles with
// split-K) at each selected conv or transposed-conv
// case on the Vulkan device, picks the fastest per shape, times it against
// the heuristic's variant in turn --tune-confirm times each and keeps it only
// when it is still 3% faster, and writes the device's tuning table (beside
// the pipeline cache, or $OCGAN_VK_TUNING), which later runs on that device
// follow; it prints each shape's tuned variant and time against the
// heuristic's. Exit status: 0 ok, 1 error, 2 usage.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ocgan-vk/ocgan/kernels/cpu"
	"github.com/ocgan-vk/ocgan/kernels/vulkan"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/device"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/spf13/pflag"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	cfg          vk.Config // the Vulkan device; unused on the CPU
	onCPU        bool      // --device cpu: the native CPU backend
	threads      int       // CPU threads; 0: one per core
	batch        int
	imageSize    int
	channels     int
	warmup, runs int
	filter       string
	convs        []string
	convTs       []string
	denses       []string
	asJSON       bool
	compareRef   bool
	compareTorch bool
	python       string
	torchDevice  string
	tune         bool
	tuneQuick    bool
	tuneConfirm  int
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := pflag.NewFlagSet("kbench", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cfg.Device, "device", "", "Vulkan device by index or name substring, or \"cpu\" for the native CPU backend (default $OCGAN_DEVICE, else the best Vulkan device)")
	fs.IntVar(&o.threads, "threads", 0, "threads of the native CPU backend (default one per core; --device cpu only)")
	fs.BoolVar(&o.cfg.Validate, "validate", false, "enable the validation layer (slows everything; for debugging)")
	fs.IntVar(&o.batch, "batch", 64, "batch size of the OCGAN layer shapes")
	fs.IntVar(&o.imageSize, "image-size", 28, "image size of the OCGAN networks whose layer shapes are timed: 28, 32, 61 (the authors' unpadded geometry), 64 or 128")
	fs.IntVar(&o.channels, "channels", 1, "image channels of those networks: 1 or 3 (latent length 16 for 1, 512 for 3)")
	fs.IntVar(&o.warmup, "warmup", 2, "untimed runs before timing")
	fs.IntVar(&o.runs, "runs", 7, "timed runs per kernel")
	fs.StringVar(&o.filter, "filter", "", "only kernels whose name matches this regular expression")
	fs.StringArrayVar(&o.convs, "conv", nil, "extra conv2d shape N,C,H,W,K,KH,KW,S,P (repeatable)")
	fs.StringArrayVar(&o.convTs, "convt", nil, "extra conv_transpose2d shape N,C,H,W,K,KH,KW,S,P,OUTPAD (repeatable)")
	fs.StringArrayVar(&o.denses, "dense", nil, "extra dense shape N,IN,OUT (repeatable)")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
	fs.BoolVar(&o.compareRef, "compare-ref", false, "also time the Go reference of each kernel")
	fs.BoolVar(&o.compareTorch, "compare-torch", false, "also time the conv shapes in PyTorch on --torch-device (needs python3 with torch)")
	fs.StringVar(&o.python, "python", "python3", "python interpreter for --compare-torch")
	fs.StringVar(&o.torchDevice, "torch-device", "cpu", "PyTorch device for --compare-torch: cpu or cuda")
	fs.BoolVar(&o.tune, "tune", false, "time every conv kernel variant at the selected conv shapes and write the device's tuning table")
	fs.BoolVar(&o.tuneQuick, "tune-quick", false, "with --tune, time only the heuristic's register tiles (and the shared-memory tiles): fewer pipelines to build")
	fs.IntVar(&o.tuneConfirm, "tune-confirm", 3, "with --tune, time a shape's fastest variant and the heuristic's again in turn, this many times each, and keep it only when the median of its times is still 3% below the heuristic's (0: keep the fastest of the first timing)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "kbench: %v\n", err)
		return 2
	}
	if fs.NArg() > 0 || o.batch < 1 || o.runs < 1 || o.warmup < 0 || o.threads < 0 || o.tuneConfirm < 0 {
		fmt.Fprintln(stderr, "kbench: takes no arguments; --batch and --runs must be positive, --warmup, --threads and --tune-confirm non-negative")
		return 2
	}
	if o.torchDevice != "cpu" && o.torchDevice != "cuda" {
		fmt.Fprintf(stderr, "kbench: --torch-device %q: want cpu or cuda\n", o.torchDevice)
		return 2
	}
	sel := o.cfg.Device
	if sel == "" {
		sel = os.Getenv("OCGAN_DEVICE")
	}
	o.onCPU = strings.EqualFold(strings.TrimSpace(sel), device.CPUSelector)
	if fs.Changed("threads") && !o.onCPU {
		fmt.Fprintln(stderr, "kbench: --threads applies to --device cpu only")
		return 2
	}
	re, err := regexp.Compile(o.filter)
	if err != nil {
		fmt.Fprintf(stderr, "kbench: --filter: %v\n", err)
		return 2
	}
	geo, err := model.ForImage(o.imageSize, o.channels, model.DefaultLatent(o.channels))
	if err != nil {
		fmt.Fprintf(stderr, "kbench: --image-size %d --channels %d: %v\n", o.imageSize, o.channels, err)
		return 2
	}
	cases, err := catalog(o.batch, geo, extraShapes{o.convs, o.convTs, o.denses})
	if err != nil {
		fmt.Fprintf(stderr, "kbench: %v\n", err)
		return 2
	}
	var selected []benchCase
	for _, c := range cases {
		if re.MatchString(c.name) {
			selected = append(selected, c)
		}
	}
	if len(selected) == 0 {
		fmt.Fprintf(stderr, "kbench: no kernel matches %q\n", o.filter)
		return 2
	}
	if o.tune {
		return runTune(o, selected, stdout, stderr)
	}
	measure := measureVulkan
	if o.onCPU {
		measure = measureCPU
	}
	rep, err := measure(o, selected, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kbench: %v\n", err)
		return 1
	}
	return writeReport(stdout, stderr, o.asJSON, rep, func(w io.Writer) { printTable(w, rep) })
}

// writeReport prints rep as indented JSON when asJSON, else with table, and
// returns the exit status.
func writeReport(stdout, stderr io.Writer, asJSON bool, rep any, table func(io.Writer)) int {
	if !asJSON {
		table(stdout)
		return 0
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		fmt.Fprintf(stderr, "kbench: %v\n", err)
		return 1
	}
	return 0
}

// report is the whole result, also the --json document.
type report struct {
	// Device is the GPU's name, or the CPU's model name.
	Device string `json:"device"`
	// Backend is "vulkan" or "cpu".
	Backend string `json:"backend"`
	// Driver is the Vulkan driver (Vulkan only).
	Driver string `json:"driver,omitempty"`
	// BLAS is the SGEMM library and Threads the threads of the CPU backend (CPU only).
	BLAS    string `json:"blas,omitempty"`
	Threads int    `json:"threads,omitempty"`
	Date    string `json:"date"`
	Batch   int    `json:"batch"`
	// ImageSize and Channels are the OCGAN networks' images.
	ImageSize int `json:"image_size"`
	Channels  int `json:"channels"`
	Runs      int `json:"runs"`
	// TorchDevice is where --compare-torch timed PyTorch ("" when it did not),
	// TorchVersion its version, TorchGPU the CUDA device, TorchClock how it timed
	// ("wall" or "cuda-events", medians either way) and TorchTF32Default
	// PyTorch's own TF32 setting (CUDA only; the results have both settings).
	TorchDevice      string     `json:"torch_device,omitempty"`
	TorchVersion     string     `json:"torch_version,omitempty"`
	TorchGPU         string     `json:"torch_gpu,omitempty"`
	TorchClock       string     `json:"torch_clock,omitempty"`
	TorchTF32Default *tf32State `json:"torch_tf32_default,omitempty"`
	Results          []result   `json:"results"`
}

// result is one kernel's timing. Times are in milliseconds.
type result struct {
	Name  string  `json:"name"`
	Op    string  `json:"op"`
	GFLOP float64 `json:"gflop"`
	MB    float64 `json:"mb"`
	// Dispatches is the number of compute dispatches of one run (Vulkan only).
	Dispatches int     `json:"dispatches,omitempty"`
	MinMs      float64 `json:"min_ms"`
	MedianMs   float64 `json:"median_ms"`
	P90Ms      float64 `json:"p90_ms"`
	GFLOPs     float64 `json:"gflop_per_s"`
	GBs        float64 `json:"gb_per_s"`
	// SgemmMs is the median time of the raw SGEMM calls at the kernel's GEMM
	// shapes, SgemmGFLOPs their rate, and OfSgemm the kernel's rate as a
	// fraction of it (CPU GEMM-shaped kernels only).
	SgemmMs     float64 `json:"sgemm_ms,omitempty"`
	SgemmGFLOPs float64 `json:"sgemm_gflop_per_s,omitempty"`
	OfSgemm     float64 `json:"of_sgemm,omitempty"`
	RefMs       float64 `json:"ref_ms,omitempty"`
	// TorchMs is PyTorch's median in strict float32 (TF32 off), TorchTF32Ms
	// with TF32 on (CUDA only).
	TorchMs         float64 `json:"torch_ms,omitempty"`
	TorchGFLOPs     float64 `json:"torch_gflop_per_s,omitempty"`
	TorchTF32Ms     float64 `json:"torch_tf32_ms,omitempty"`
	TorchTF32GFLOPs float64 `json:"torch_tf32_gflop_per_s,omitempty"`
}

// measureVulkan times the cases on the Vulkan device o selects.
func measureVulkan(o options, cases []benchCase, progress io.Writer) (*report, error) {
	ctx, err := vk.Open(o.cfg)
	if err != nil {
		return nil, err
	}
	defer ctx.Close()
	info := ctx.Info()
	if !info.Timestamps {
		return nil, fmt.Errorf("%s has no compute timestamps; kbench needs them", info.Name)
	}
	lib := vulkan.NewLibrary(ctx)
	rep := &report{Device: info.Name, Backend: "vulkan", Driver: info.Driver + " " + info.DriverInfo}
	return runCases(o, rep, cases, progress, func(c benchCase) (result, error) { return timeCase(ctx, lib, o, c) })
}

// runCases fills rep with the timing of every case (and PyTorch's, with
// --compare-torch), printing progress.
func runCases(o options, rep *report, cases []benchCase, progress io.Writer, time1 func(benchCase) (result, error)) (*report, error) {
	rep.Date, rep.Batch, rep.Runs = time.Now().UTC().Format(time.RFC3339), o.batch, o.runs
	rep.ImageSize, rep.Channels = o.imageSize, o.channels
	var torch *torchTimes
	if o.compareTorch {
		var err error
		if torch, err = timeTorch(o, cases, progress); err != nil {
			return nil, err
		}
		rep.TorchDevice = o.torchDevice
		if torch != nil {
			rep.TorchVersion, rep.TorchGPU, rep.TorchClock, rep.TorchTF32Default = torch.Version, torch.GPU, torch.Clock, torch.TF32Default
		}
	}
	for i, c := range cases {
		fmt.Fprintf(progress, "[%d/%d] %s\n", i+1, len(cases), c.name)
		r, err := time1(c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if torch != nil {
			if ms := torch.FP32[c.name]; ms > 0 {
				r.TorchMs, r.TorchGFLOPs = ms, c.flops/ms/1e6
			}
			if ms := torch.TF32[c.name]; ms > 0 {
				r.TorchTF32Ms, r.TorchTF32GFLOPs = ms, c.flops/ms/1e6
			}
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

// timeCase sets up one kernel, runs it warmup+runs times and summarises the
// per-run device time (the sum of its dispatches' timestamps).
func timeCase(ctx *vk.Context, lib *vulkan.Library, o options, c benchCase) (result, error) {
	inst, err := c.setup(ctx, lib)
	if err != nil {
		return result{}, err
	}
	defer inst.free()
	seq, err := ctx.NewSequence(vk.SequenceOptions{Timestamps: true})
	if err != nil {
		return result{}, err
	}
	defer seq.Free()
	if err := inst.record(seq); err != nil {
		return result{}, err
	}
	var times []float64
	for i := 0; i < o.warmup+o.runs; i++ {
		if err := seq.Run(); err != nil {
			return result{}, err
		}
		if i < o.warmup {
			continue
		}
		var total time.Duration
		for _, t := range seq.Timings() {
			total += t.Duration
		}
		times = append(times, float64(total.Nanoseconds())/1e6)
	}
	r := summarize(c, times)
	r.Dispatches = seq.Stats().Dispatches
	if o.compareRef {
		if r.RefMs, err = timeRef(inst.ref); err != nil {
			return result{}, err
		}
	}
	return r, nil
}

// summarize is the result of a case whose runs took times (milliseconds).
func summarize(c benchCase, times []float64) result {
	sort.Float64s(times)
	med := percentile(times, 0.5)
	r := result{Name: c.name, Op: c.op, GFLOP: c.flops / 1e9, MB: c.bytes / 1e6,
		MinMs: times[0], MedianMs: med, P90Ms: percentile(times, 0.9)}
	if med > 0 {
		r.GFLOPs = c.flops / med / 1e6
		r.GBs = c.bytes / med / 1e6
	}
	return r
}

// timeRef returns the median wall-clock milliseconds of three runs of the Go reference.
func timeRef(ref func() error) (float64, error) {
	var times []float64
	for i := 0; i < 3; i++ {
		t0 := time.Now()
		if err := ref(); err != nil {
			return 0, fmt.Errorf("reference: %w", err)
		}
		times = append(times, msSince(t0))
	}
	sort.Float64s(times)
	return percentile(times, 0.5), nil
}

// msSince is the wall-clock time since t0 in milliseconds.
func msSince(t0 time.Time) float64 { return float64(time.Since(t0).Nanoseconds()) / 1e6 }

// percentile of sorted values, nearest-rank.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func printTable(w io.Writer, rep *report) {
	clock := "GPU timestamps"
	if rep.Backend == "cpu" {
		fmt.Fprintf(w, "device: %s (backend cpu, SGEMM %s, %s)\n", rep.Device, rep.BLAS, cpu.ThreadCount(rep.Threads))
		clock = "wall clock"
	} else {
		fmt.Fprintf(w, "device: %s (backend %s, %s)\n", rep.Device, rep.Backend, rep.Driver)
	}
	fmt.Fprintf(w, "date: %s, batch %d, OCGAN layers of %dx%dx%d images, %d timed runs each (%s)\n", rep.Date, rep.Batch,
		rep.ImageSize, rep.ImageSize, rep.Channels, rep.Runs, clock)
	if rep.TorchDevice != "" {
		fmt.Fprintln(w, torchHeader(rep))
	}
	fmt.Fprintln(w)
	width := len("kernel")
	for _, r := range rep.Results {
		if len(r.Name) > width {
			width = len(r.Name)
		}
	}
	sgemm := rep.Backend == "cpu"
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tGFLOP\tMB\tmin ms\tmedian ms\tp90 ms\tGFLOP/s\tGB/s\t", width, "kernel")
	if sgemm {
		fmt.Fprint(tw, "sgemm ms\tsgemm GFLOP/s\tof sgemm\t")
	}
	tf32 := rep.TorchTF32Default != nil
	fmt.Fprint(tw, "ref ms\ttorch ms\tvs torch\t")
	if tf32 {
		fmt.Fprint(tw, "torch tf32 ms\t")
	}
	fmt.Fprintln(tw)
	for _, r := range rep.Results {
		ref, torch, ratio := "", "", ""
		if r.RefMs > 0 {
			ref = fmt.Sprintf("%.1f", r.RefMs)
		}
		if r.TorchMs > 0 {
			torch = fmt.Sprintf("%.2f", r.TorchMs)
			ratio = fmt.Sprintf("%.1fx slower", r.MedianMs/r.TorchMs)
			if r.MedianMs < r.TorchMs {
				ratio = fmt.Sprintf("%.1fx faster", r.TorchMs/r.MedianMs)
			}
		}
		fmt.Fprintf(tw, "%-*s\t%.4f\t%.2f\t%.3f\t%.3f\t%.3f\t%.2f\t%.2f\t",
			width, r.Name, r.GFLOP, r.MB, r.MinMs, r.MedianMs, r.P90Ms, r.GFLOPs, r.GBs)
		if sgemm {
			if r.SgemmMs > 0 {
				fmt.Fprintf(tw, "%.3f\t%.2f\t%.0f%%\t", r.SgemmMs, r.SgemmGFLOPs, 100*r.OfSgemm)
			} else {
				fmt.Fprint(tw, "\t\t\t")
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t", ref, torch, ratio)
		if tf32 {
			if r.TorchTF32Ms > 0 {
				fmt.Fprintf(tw, "%.2f\t", r.TorchTF32Ms)
			} else {
				fmt.Fprint(tw, "\t")
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}

// torchHeader describes how --compare-torch timed PyTorch.
func torchHeader(rep *report) string {
	h := fmt.Sprintf("torch: PyTorch %s on %s", rep.TorchVersion, rep.TorchDevice)
	if rep.TorchGPU != "" {
		h += " (" + rep.TorchGPU + ")"
	}
	h += ", same shapes, same run, medians by " + map[string]string{"wall": "the wall clock", "cuda-events": "CUDA events"}[rep.TorchClock]
	if d := rep.TorchTF32Default; d != nil {
		h += fmt.Sprintf("; torch ms with TF32 off (strict float32, as here), torch tf32 ms with TF32 on (PyTorch's default: matmul %s, cuDNN %s)",
			onOff(d.Matmul), onOff(d.CuDNN))
	}
	return h
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
