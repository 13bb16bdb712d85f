package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/metrics"
	"github.com/ocgan-vk/ocgan/ocgan/results"
)

const notRun = "not run yet"

// cells are an experiment's records by column (mode) and class label, each
// list sorted by seed.
type cells map[string][][]*results.Record

// collect picks the records of ex from recs; the second result lists them
// all (in recs' order).
func collect(ex experiment, recs []*results.Record) (cells, []*results.Record) {
	c := cells{}
	for _, col := range ex.columns {
		c[col.mode] = make([][]*results.Record, len(ex.classes))
	}
	var used []*results.Record
	for _, r := range recs {
		byClass, ok := c[r.Mode]
		if !ok || r.Dataset != ex.dataset || r.Protocol != ex.protocol || r.Class >= len(ex.classes) {
			continue
		}
		byClass[r.Class] = append(byClass[r.Class], r)
		used = append(used, r)
	}
	for _, byClass := range c {
		for _, rs := range byClass {
			sort.Slice(rs, func(i, j int) bool { return rs[i].Seed < rs[j].Seed })
		}
	}
	return c, used
}

// aucs returns the AUC of each record.
func aucs(rs []*results.Record) []float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = r.AUC
	}
	return v
}

func f4(v float64) string     { return strconv.FormatFloat(v, 'f', 4, 64) }
func signed(v float64) string { return fmt.Sprintf("%+.4f", v) }
func num(v float64) string    { return strconv.FormatFloat(v, 'f', -1, 64) }

// meanPM formats the mean of values, ± their sample standard deviation and
// their count when there are several.
func meanPM(values []float64) string {
	m, s := metrics.MeanStd(values)
	if len(values) == 1 {
		return f4(m)
	}
	return fmt.Sprintf("%s ± %s (%d seeds)", f4(m), f4(s), len(values))
}

// columnMean is a column's mean row: our mean over the classes run, the
// paper's mean to compare it with, and the difference.
func columnMean(col column, byClass [][]*results.Record) (ours, paper, diff string) {
	var done []int
	var classMeans []float64
	for class, rs := range byClass {
		if len(rs) > 0 {
			done = append(done, class)
			m, _ := metrics.MeanStd(aucs(rs))
			classMeans = append(classMeans, m)
		}
	}
	p := col.paper
	if len(done) == 0 {
		return notRun, p.meanText(), "—"
	}
	mean, _ := metrics.MeanStd(classMeans)
	if len(done) < len(byClass) {
		ours = fmt.Sprintf("%s (%d of %d classes)", f4(mean), len(done), len(byClass))
		if p.perClass == nil {
			return ours, p.meanText(), "—"
		}
		var same []float64
		for _, c := range done {
			same = append(same, p.perClass[c])
		}
		pm, _ := metrics.MeanStd(same)
		return ours, f4(pm) + " (the same classes)", signed(mean - pm)
	}
	ours = f4(mean)
	if perSeed := perSeedMeans(byClass); len(perSeed) > 1 {
		_, s := metrics.MeanStd(perSeed)
		ours = fmt.Sprintf("%s ± %s (%d seeds)", f4(mean), f4(s), len(perSeed))
	}
	return ours, p.meanText(), signed(mean - p.mean)
}

// commonClasses lists the classes that have records in every column of ex
// that has any, and how many columns have any.
func commonClasses(ex experiment, c cells) (common []int, columns int) {
	var run []string
	for _, col := range ex.columns {
		for _, rs := range c[col.mode] {
			if len(rs) > 0 {
				run = append(run, col.mode)
				break
			}
		}
	}
	for class := range ex.classes {
		every := len(run) > 0
		for _, mode := range run {
			every = every && len(c[mode][class]) > 0
		}
		if every {
			common = append(common, class)
		}
	}
	return common, len(run)
}

// commonMean is the row of each column's mean over the classes common to
// the columns run (with the paper's over the same classes where it gives
// them), so that columns run on different classes compare like with like.
func commonMean(ex experiment, c cells, common []int) []string {
	names := make([]string, len(common))
	for i, class := range common {
		names[i] = strconv.Itoa(class)
	}
	line := []string{fmt.Sprintf("mean over classes %s (common to the columns run)", strings.Join(names, ", "))}
	for _, col := range ex.columns {
		var ours, paper []float64
		for _, class := range common {
			rs := c[col.mode][class]
			if len(rs) == 0 {
				break
			}
			m, _ := metrics.MeanStd(aucs(rs))
			ours = append(ours, m)
			if col.paper.perClass != nil {
				paper = append(paper, col.paper.perClass[class])
			}
		}
		if len(ours) < len(common) {
			line = append(line, notRun)
			if col.paper.perClass != nil {
				line = append(line, "", "—")
			}
			continue
		}
		mean, _ := metrics.MeanStd(ours)
		line = append(line, f4(mean))
		if col.paper.perClass != nil {
			pm, _ := metrics.MeanStd(paper)
			line = append(line, f4(pm), signed(mean-pm))
		}
	}
	return line
}

// perSeedMeans returns, when every class was run with the same seeds, the
// mean over classes of each seed's AUCs (nil otherwise).
func perSeedMeans(byClass [][]*results.Record) []float64 {
	seeds := func(rs []*results.Record) []uint64 {
		s := make([]uint64, len(rs))
		for i, r := range rs {
			s[i] = r.Seed
		}
		return s
	}
	first := seeds(byClass[0])
	means := make([]float64, len(first))
	for _, rs := range byClass {
		if !slices.Equal(seeds(rs), first) {
			return nil
		}
		for i, r := range rs {
			means[i] += r.AUC / float64(len(byClass))
		}
	}
	return means
}

// render returns the generated block of ex: its table and the runs'
// details, from recs.
func render(ex experiment, recs []*results.Record) string {
	c, used := collect(ex, recs)
	var b strings.Builder
	row := func(cells ...string) { fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | ")) }
	header := []string{"class"}
	for _, col := range ex.columns {
		if col.paper.perClass != nil {
			header = append(header, col.label, "paper", "ours − paper")
		} else {
			header = append(header, col.label)
		}
	}
	fmt.Fprintf(&b, "**%s** (AUC; %s)\n\n", ex.title, strings.Join(paperSources(ex), "; "))
	row(header...)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = "---"
	}
	row(sep...)
	for class, name := range ex.classes {
		line := []string{name}
		for _, col := range ex.columns {
			rs := c[col.mode][class]
			ours := notRun
			if len(rs) > 0 {
				ours = meanPM(aucs(rs))
			}
			line = append(line, ours)
			if p := col.paper.perClass; p != nil {
				diff := "—"
				if len(rs) > 0 {
					m, _ := metrics.MeanStd(aucs(rs))
					diff = signed(m - p[class])
				}
				line = append(line, strconv.FormatFloat(p[class], 'f', 3, 64), diff)
			}
		}
		row(line...)
	}
	meanLine, paperLine, diffLine := []string{"**mean**"}, []string{"paper"}, []string{"ours − paper"}
	meanOnly := false
	for _, col := range ex.columns {
		ours, paper, diff := columnMean(col, c[col.mode])
		if col.paper.perClass != nil {
			meanLine = append(meanLine, ours, paper, diff)
			paperLine = append(paperLine, "", "", "")
			diffLine = append(diffLine, "", "", "")
			continue
		}
		meanOnly = true
		meanLine = append(meanLine, ours)
		paperLine = append(paperLine, paper)
		diffLine = append(diffLine, diff)
	}
	row(meanLine...)
	if common, run := commonClasses(ex, c); run > 1 && len(common) > 0 && len(common) < len(ex.classes) {
		row(commonMean(ex, c, common)...)
	}
	if meanOnly {
		row(paperLine...)
		row(diffLine...)
	}
	b.WriteString("\n")
	cmd, notes := command(ex, used)
	if notes != "" {
		cmd += " (every other setting: ocgan's defaults; " + notes + ")"
	} else {
		cmd += " (every other setting: ocgan's defaults)"
	}
	for _, d := range details(cmd, used) {
		fmt.Fprintf(&b, "- %s\n", d)
	}
	return strings.TrimRight(b.String(), "\n")
}

// meanText is the paper's mean as the paper prints it.
func (p published) meanText() string { return strconv.FormatFloat(p.mean, 'f', p.meanDigits, 64) }

// paperSources names the paper's table behind each column.
func paperSources(ex experiment) []string {
	var s []string
	for _, col := range ex.columns {
		if len(ex.columns) == 1 {
			s = append(s, "paper: "+col.paper.table)
		} else {
			s = append(s, col.label+": "+col.paper.table)
		}
	}
	return s
}

// distinct returns the distinct values of f over rs, sorted.
func distinct(rs []*results.Record, f func(*results.Record) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if v := f(r); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// settingsOf lists the distinct settings of rs; when they differ between
// the records' modes, each is led by the modes that have it ("ae+dl,
// ae+dl+dv: ...").
func settingsOf(rs []*results.Record) string {
	all := distinct(rs, settings)
	modes := distinct(rs, func(r *results.Record) string { return r.Mode })
	if len(all) == 1 || len(modes) == 1 {
		return strings.Join(all, "; ")
	}
	var parts []string
	for _, set := range all {
		var of []*results.Record
		for _, r := range rs {
			if settings(r) == set {
				of = append(of, r)
			}
		}
		parts = append(parts, strings.Join(distinct(of, func(r *results.Record) string { return r.Mode }), ", ")+": "+set)
	}
	return strings.Join(parts, "; ")
}

// intRange formats the smallest and largest of f over rs ("7" or "7–25").
func intRange(rs []*results.Record, f func(*results.Record) int) string {
	lo, hi := math.MaxInt, math.MinInt
	for _, r := range rs {
		lo, hi = min(lo, f(r)), max(hi, f(r))
	}
	return spread(strconv.Itoa(lo), strconv.Itoa(hi))
}

// spread formats a range of values: "lo–hi", or one value when they are
// the same.
func spread(lo, hi string) string {
	if lo == hi {
		return lo
	}
	return lo + "–" + hi
}

// command is the tools/paper-tables.sh command line that runs ex with the
// seeds, epochs and budget of its records (the script's defaults when there
// are none); the second result notes settings one command cannot repeat.
func command(ex experiment, rs []*results.Record) (string, string) {
	cmd := "tools/paper-tables.sh --table " + ex.id
	if seeds := seedList(rs); len(seeds) > 0 {
		cmd += " --seeds " + strings.Join(seeds, ",")
	}
	var notes []string
	flag := func(name string, values []string) {
		switch len(values) {
		case 0:
		case 1:
			if values[0] != "" {
				cmd += " --" + name + " " + values[0]
			}
		default:
			notes = append(notes, fmt.Sprintf("the runs differ in --%s: %s", name, strings.Join(values, ", ")))
		}
	}
	flag("epochs", distinct(rs, func(r *results.Record) string { return strconv.Itoa(r.Training.Epochs) }))
	flag("budget", distinct(rs, func(r *results.Record) string {
		if r.Training.BudgetSeconds == 0 {
			return ""
		}
		return num(r.Training.BudgetSeconds) + "s"
	}))
	return "`" + cmd + "`", strings.Join(notes, "; ")
}

// details lists what records say about their runs, after how to reproduce
// them (a command and what it leaves to defaults).
func details(cmd string, rs []*results.Record) []string {
	reproduce := "Reproduce: " + cmd + "."
	if len(rs) == 0 {
		return []string{reproduce, "No run recorded yet."}
	}
	tr := func(r *results.Record) *results.Training { return &r.Training }
	stopped := 0
	var wall []float64
	for _, r := range rs {
		if r.Training.StoppedByBudget {
			stopped++
		}
		wall = append(wall, r.Training.WallSeconds)
	}
	total := 0.0
	for _, w := range wall {
		total += w
	}
	out := []string{
		reproduce,
		fmt.Sprintf("Runs: %d recorded, seeds %s.", len(rs), strings.Join(seedList(rs), ", ")),
		fmt.Sprintf("Training: %s epochs asked, %s trained, %s iterations at batch %s; selected epoch (lowest validation MSE) %s; %d run(s) stopped by their budget.",
			strings.Join(distinct(rs, func(r *results.Record) string { return strconv.Itoa(tr(r).Epochs) }), ", "),
			intRange(rs, func(r *results.Record) int { return tr(r).EpochsTrained }),
			intRange(rs, func(r *results.Record) int { return tr(r).Iterations }),
			strings.Join(distinct(rs, func(r *results.Record) string { return strconv.Itoa(tr(r).Batch) }), ", "),
			intRange(rs, func(r *results.Record) int { return tr(r).SelectedEpoch }), stopped),
		"Settings: " + settingsOf(rs) + ".",
		"Training time: " + duration(total) + " in all, " + spread(duration(slices.Min(wall)), duration(slices.Max(wall))) + " per run.",
		"Trained on: " + strings.Join(distinct(rs, func(r *results.Record) string { return r.Training.Device }), "; ") +
			"; evaluated on: " + strings.Join(distinct(rs, func(r *results.Record) string { return r.Eval.Device }), "; ") + ".",
		"Dates: trained " + dateRange(rs, func(r *results.Record) string { return r.Training.Date }) +
			", evaluated " + dateRange(rs, func(r *results.Record) string { return r.Eval.Date }) + ".",
		"Program: trained by " + strings.Join(distinct(rs, func(r *results.Record) string { return program(r.Training.Run) }), ", ") +
			"; evaluated by " + strings.Join(distinct(rs, func(r *results.Record) string { return program(r.Eval) }), ", ") + ".",
	}
	return out
}

// seedList lists the records' seeds in increasing order.
func seedList(rs []*results.Record) []string {
	var s []uint64
	for _, r := range rs {
		if !slices.Contains(s, r.Seed) {
			s = append(s, r.Seed)
		}
	}
	slices.Sort(s)
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strconv.FormatUint(v, 10)
	}
	return out
}

// settings describes the Algorithm-1 settings of a record's training (the
// latent adversarial weight, and whether the latent discriminator's sigmoid
// was applied twice, only in modes with the latent discriminator,
// mining only in the full model's), its visual discriminator's width where
// that is not the authors' 12, and its model input where that is not the
// dataset's own.
func settings(r *results.Record) string {
	t := r.Training
	s := fmt.Sprintf("latent %d, λ %s", t.Latent, num(t.Lambda))
	if results.LatentDiscriminator(r.Mode) {
		s += ", latent adversarial weight " + num(t.LatentAdvWeight())
		if t.LatentDoubleSigmoid {
			s += ", the latent discriminator's sigmoid applied twice (the authors' code)"
		}
	}
	s += ", noise σ " + num(t.Noise)
	if r.Mode == "full" {
		s += fmt.Sprintf(", %d mining steps of size %s from %s%% of training", t.MineSteps, num(t.MiningStepSize()), num(t.MineStart*100))
	} else {
		s += ", no mining"
	}
	s += fmt.Sprintf(", Adam lr %s, decoder dropout %s", num(t.LR), num(t.DecoderDropout()))
	if w := t.DiscriminatorWidth(); w != results.EarlierVisualWidth {
		s += fmt.Sprintf(", visual discriminator width %d", w)
	}
	if size := t.ImageSize; size != 0 {
		if ns, nc, ok := results.NativeInput(r.Dataset); !ok || size != ns || t.Channels != nc {
			s += fmt.Sprintf(", input %dx%[1]dx%d", size, t.Channels)
		}
	}
	if f := t.SelectFrom; f > 0 {
		s += fmt.Sprintf(", model selection over the epochs after the first %s%%", num(f*100))
	}
	if r.ScoreNoise > 0 {
		s += ", scored on input with noise σ " + num(r.ScoreNoise)
	}
	return s
}

// program names the program of a run.
func program(r results.Run) string { return "ocgan " + r.Version + " (" + r.Commit + ")" }

// dateRange gives the first and last day of f over rs (RFC 3339 dates).
func dateRange(rs []*results.Record, f func(*results.Record) string) string {
	days := distinct(rs, func(r *results.Record) string {
		t, _ := time.Parse(time.RFC3339, f(r)) // validated by results.Read
		return t.UTC().Format(time.DateOnly)
	})
	if len(days) == 1 {
		return days[0]
	}
	return days[0] + " to " + days[len(days)-1]
}

// duration formats seconds as 2h05m, 41m20s or 12.3s.
func duration(s float64) string {
	d := time.Duration(s * float64(time.Second)).Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return strconv.FormatFloat(s, 'f', 1, 64) + "s"
}
