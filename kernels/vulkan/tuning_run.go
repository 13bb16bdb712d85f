package vulkan

import (
	"fmt"
	"sort"
	"time"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// ConvTuneOptions are the repetitions of TuneConvs and its progress report.
type ConvTuneOptions struct {
	// Warmup untimed and Runs timed runs of each variant (Runs at least 1);
	// the first run builds the pipeline.
	Warmup, Runs int
	// Progress, when set, is called with each shape's result as it is
	// measured: done of total shapes.
	Progress func(done, total int, r ConvTuneResult)
	// HeuristicRegisterOnly times only the heuristic's register tiles
	// instead of every register tile (rows per lane 1, 2, 4 x columns 4, 8 x
	// workgroups of 32, 64, 128 lanes): fewer pipelines to build.
	HeuristicRegisterOnly bool
	// Confirm, when above 0 and the fastest variant of a shape is not the
	// heuristic's, times the two again in turn, Confirm times each (each
	// time the median of Runs runs), and keeps the fastest only when the
	// median of its times is ConfirmMargin or more below the heuristic's.
	// Among many variants timed once on a busy machine, one is fastest by
	// luck; the heuristic is not replaced on such evidence.
	Confirm int
}

// ConfirmMargin is how much faster than the heuristic a variant must be in
// the confirmation (ConvTuneOptions.Confirm) to replace it: 3%.
const ConfirmMargin = 0.03

// ConvConfirmation is the confirmation of one shape's fastest variant: the
// medians of the times of it and of the heuristic's, taken in turn, and
// whether it stood.
type ConvConfirmation struct {
	Candidate   ConvVariant `json:"candidate"`
	CandidateMs float64     `json:"candidate_ms"`
	HeuristicMs float64     `json:"heuristic_ms"`
	Kept        bool        `json:"kept"`
}

// ConvTiming is the median time of one variant, in milliseconds.
type ConvTiming struct {
	Variant ConvVariant `json:"variant"`
	Ms      float64     `json:"ms"`
}

// ConvTuneResult is what TuneConvs measured for one shape: the variant the
// heuristic picks and the fastest, with their median times, and every
// variant's time.
//
// With a confirmation, HeuristicMs and BestMs are its medians, and Best the
// heuristic's variant when the candidate did not stand.
type ConvTuneResult struct {
	Shape       ConvShape    `json:"shape"`
	Heuristic   ConvVariant  `json:"heuristic"`
	HeuristicMs float64      `json:"heuristic_ms"`
	Best        ConvVariant  `json:"best"`
	BestMs      float64      `json:"best_ms"`
	Timings     []ConvTiming `json:"timings"`
	// Confirmation is set when ConvTuneOptions.Confirm re-timed the fastest.
	Confirmation *ConvConfirmation `json:"confirmation,omitempty"`
}

// ConvTuneReport is the outcome of TuneConvs: Clock is how it timed ("gpu
// timestamps", or "wall clock" on devices without timestamps), Table the
// library's table (or a new one) with the fastest variant of every shape set.
type ConvTuneReport struct {
	Clock   string           `json:"clock"`
	Results []ConvTuneResult `json:"results"`
	Table   *ConvTuning      `json:"-"`
}

// TuneConvs times every variant the device can run for each shape (register
// tiles; each shared-memory tile that fits, with 1, 2, 4 and 8 split-K slices
// where the reduction is long enough; the heuristic's choice), each the median
// of o.Runs runs, and returns the fastest per shape in a copy of the library's
// table. It leaves the library's own table as it was; save the report's table
// and SetConvTuning it to use it.
func (l *Library) TuneConvs(shapes []ConvShape, o ConvTuneOptions) (*ConvTuneReport, error) {
	if o.Runs < 1 || o.Warmup < 0 || o.Confirm < 0 {
		return nil, fmt.Errorf("conv tuning: %d warmup runs, %d timed runs and %d confirmations; want at least 0, 1 and 0", o.Warmup, o.Runs, o.Confirm)
	}
	variant, err := convVariantFromEnv()
	if err != nil {
		return nil, err
	}
	if variant != convAuto {
		return nil, fmt.Errorf("conv tuning: %s=%s forces one variant; unset it to tune", convVariantEnv, variant)
	}
	info := l.ctx.Info()
	table := l.ConvTuning()
	if table == nil {
		if table, err = NewConvTuning(info); err != nil {
			return nil, err
		}
	} else {
		table = table.clone()
	}
	defer l.SetConvTuning(l.ConvTuning()) // timeConv swaps in one-entry tables
	rep := &ConvTuneReport{Clock: "gpu timestamps", Table: table}
	if !info.Timestamps {
		rep.Clock = "wall clock"
	}
	for i, s := range shapes {
		if err := s.check(); err != nil {
			return nil, err
		}
		r, err := l.tuneShape(s, o, info.Timestamps)
		if err != nil {
			return nil, fmt.Errorf("conv tuning %v: %w", s, err)
		}
		if o.Progress != nil {
			o.Progress(i+1, len(shapes), r)
		}
		rep.Results = append(rep.Results, r)
		table.Set(ConvTuningEntry{Shape: s, Variant: r.Best, Ms: r.BestMs, HeuristicMs: r.HeuristicMs})
	}
	return rep, nil
}

// convCandidates are the variants TuneConvs times for a direction and
// geometry, the heuristic's first: its register tiles, then (unless
// heuristicOnly) every other register tile the device can run with the
// heuristic's lane sharing (1, 2 or 4 rows and 4 or 8 columns per lane,
// workgroups of 32, 64 or 128 lanes), then the shared-memory tiles with their
// split-K counts.
func (l *Library) convCandidates(dir convDir, g convGeom, heuristicOnly bool) []convTune {
	reg := l.convHeuristic(convRegister, dir, g)
	out := []convTune{l.convHeuristic(convAuto, dir, g), reg}
	if !heuristicOnly {
		for _, ppl := range []uint32{1, 2, 4} {
			for _, tc := range []uint32{4, 8} {
				for _, local := range []uint32{32, 64, 128} {
					t := convTune{local: local, ppl: ppl, tc: tc, sg: reg.sg}
					if t != reg && l.convTuneValid(t) == nil {
						out = append(out, t)
					}
				}
			}
		}
	}
	_, _, red, _ := convGemmOf(dir, g)
	for _, c := range convTiles(dir, g) {
		if !l.convTileFits(c) {
			continue
		}
		for _, s := range []uint32{1, 2, 4, 8} {
			if s > 1 && int(s) > red/(int(c.bk)*convMinSteps) {
				break
			}
			c := c
			c.split = s
			out = append(out, convTune{tiled: &c})
		}
	}
	return out
}

// tuneShape times the candidates of one shape on buffers of its sizes.
func (l *Library) tuneShape(s ConvShape, o ConvTuneOptions, stamps bool) (ConvTuneResult, error) {
	g := s.geom()
	in, w, out := convBufLens(convDir(s.Dir), g)
	var bufs []*vk.Buffer
	defer func() {
		for _, b := range bufs {
			b.Free()
		}
	}()
	for _, n := range []int{in, w, out} {
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i%7)*0.25 - 0.75
		}
		b, err := l.ctx.NewBufferFloat32(n, data)
		if err != nil {
			return ConvTuneResult{}, err
		}
		bufs = append(bufs, b)
	}
	r := ConvTuneResult{Shape: s}
	seen := map[ConvVariant]bool{}
	for i, t := range l.convCandidates(convDir(s.Dir), g, o.HeuristicRegisterOnly) {
		v := variantOf(t)
		if seen[v] || l.convTuneValid(t) != nil {
			continue
		}
		seen[v] = true
		ms, err := l.timeConv(s, v, o, stamps, bufs)
		if err != nil {
			return ConvTuneResult{}, fmt.Errorf("%v: %w", v, err)
		}
		r.Timings = append(r.Timings, ConvTiming{Variant: v, Ms: ms})
		if i == 0 {
			r.Heuristic, r.HeuristicMs = v, ms
		}
	}
	if len(r.Timings) == 0 {
		return ConvTuneResult{}, fmt.Errorf("no conv variant fits the device's limits")
	}
	best := r.Timings[0]
	for _, c := range r.Timings[1:] {
		if c.Ms < best.Ms {
			best = c
		}
	}
	r.Best, r.BestMs = best.Variant, best.Ms
	if o.Confirm > 0 && r.Best != r.Heuristic {
		c, err := l.confirmConv(s, r.Heuristic, r.Best, o, stamps, bufs)
		if err != nil {
			return ConvTuneResult{}, fmt.Errorf("confirming %v: %w", r.Best, err)
		}
		r.Confirmation = &c
		r.HeuristicMs, r.BestMs = c.HeuristicMs, c.CandidateMs
		if !c.Kept {
			r.Best, r.BestMs = r.Heuristic, c.HeuristicMs
		}
	}
	return r, nil
}

// confirmConv times the heuristic's variant and the candidate in turn,
// o.Confirm times each, and keeps the candidate when the median of its times
// is at least ConfirmMargin below the heuristic's.
func (l *Library) confirmConv(s ConvShape, heuristic, candidate ConvVariant, o ConvTuneOptions, stamps bool, bufs []*vk.Buffer) (ConvConfirmation, error) {
	var h, c []float64
	for i := 0; i < o.Confirm; i++ {
		hm, err := l.timeConv(s, heuristic, o, stamps, bufs)
		if err != nil {
			return ConvConfirmation{}, err
		}
		cm, err := l.timeConv(s, candidate, o, stamps, bufs)
		if err != nil {
			return ConvConfirmation{}, err
		}
		h, c = append(h, hm), append(c, cm)
	}
	return confirmation(candidate, h, c), nil
}

// Note says, for a progress line, how the confirmation ended ("" for none).
func (c *ConvConfirmation) Note() string {
	switch {
	case c == nil:
		return ""
	case c.Kept:
		return "; confirmed against the heuristic"
	}
	return fmt.Sprintf("; %v (%.3f ms when timed again, heuristic %.3f ms) not confirmed: heuristic kept", c.Candidate, c.CandidateMs, c.HeuristicMs)
}

// confirmation judges a candidate from the times of the heuristic's variant
// h and of the candidate c, taken in turn.
func confirmation(candidate ConvVariant, h, c []float64) ConvConfirmation {
	hm, cm := median(h), median(c)
	return ConvConfirmation{Candidate: candidate, CandidateMs: cm, HeuristicMs: hm, Kept: cm <= hm*(1-ConfirmMargin)}
}

// median returns the median of v (the lower middle value of an even count);
// v is sorted in place.
func median(v []float64) float64 {
	sort.Float64s(v)
	return v[(len(v)-1)/2]
}

// convBufLens are the float counts of a direction's input, weight-side
// operand and output.
func convBufLens(dir convDir, g convGeom) (in, w, out int) {
	x, wt, y := g.N*g.C*g.H*g.W, g.K*g.C*g.KH*g.KW, g.N*g.K*g.OH*g.OW
	switch dir {
	case convBwdData:
		return y, wt, x
	case convBwdFilter:
		return x, y, wt
	default:
		return x, wt, y
	}
}

// timeConv records shape s with variant v (through a one-entry tuning table,
// so the conv runs the path every op takes) and returns the median of o.Runs
// runs after o.Warmup: device time from timestamps, else the wall clock.
func (l *Library) timeConv(s ConvShape, v ConvVariant, o ConvTuneOptions, stamps bool, bufs []*vk.Buffer) (float64, error) {
	l.SetConvTuning(&ConvTuning{Entries: []ConvTuningEntry{{Shape: s, Variant: v}}})
	seq, err := l.ctx.NewSequence(vk.SequenceOptions{Name: "conv tuning", Timestamps: stamps})
	if err != nil {
		return 0, err
	}
	defer seq.Free()
	g := s.geom()
	switch dir := convDir(s.Dir); dir {
	case convBwdFilter:
		err = l.convBackwardFilter(seq, g, bufs[0], bufs[1], bufs[2])
	default:
		err = l.convData(seq, dir, g, kernels.Epilogue{}, bufs[0], bufs[1], nil, bufs[2])
	}
	if err != nil {
		return 0, err
	}
	var times []float64
	for i := 0; i < o.Warmup+o.Runs; i++ {
		t0 := time.Now()
		if err := seq.Run(); err != nil {
			return 0, err
		}
		wall := time.Since(t0)
		if i < o.Warmup {
			continue
		}
		if stamps {
			wall = 0
			for _, t := range seq.Timings() {
				wall += t.Duration
			}
		}
		times = append(times, float64(wall.Nanoseconds())/1e6)
	}
	return median(times), nil
}
