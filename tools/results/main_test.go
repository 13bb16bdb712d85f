package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocgan-vk/ocgan/ocgan/results"
)

// record is a valid record of the run (dataset, protocol, mode, class, seed)
// with the given AUC.
func record(dataset string, protocol int, mode string, class int, seed uint64, auc float64) *results.Record {
	run := results.Run{Device: "cpu: test (onednn, 2 threads)", Date: "2025-03-04T05:06:07Z", Version: "0.1.0-dev", Commit: "abc1234"}
	return &results.Record{
		Format: results.Format,
		Key:    results.Key{Dataset: dataset, Protocol: protocol, Mode: mode, Class: class, Seed: seed},
		AUC:    auc, TestImages: 10000, Model: "models/m.ocgan",
		Training: results.Training{Epochs: 25, EpochsTrained: 25, Iterations: 2100, Batch: 64, SelectedEpoch: 20,
			SelectedValMSE: 0.01, Latent: 16, Lambda: 10, Noise: 0.2, MineSteps: 5, MineStart: 0.75, LR: 0.0002,
			WallSeconds: 2400, Run: run},
		Eval: run,
	}
}

// containsAll reports each string of want that text lacks.
func containsAll(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in\n%s", w, text)
		}
	}
}

// cli runs the command and returns its exit status and output.
func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestRepositoryRecordsMatchResultsMD: every record in results/ is valid and
// the tables of RESULTS.md and README.md are what they give.
func TestRepositoryRecordsMatchResultsMD(t *testing.T) {
	if code, _, stderr := cli("-results", "../../results", "-doc", "../../RESULTS.md", "-readme", "../../README.md", "-check"); code != 0 {
		t.Fatalf("results -check on the repository: exit %d\n%s", code, stderr)
	}
}

// TestCheckFailsWhenRecordsAndDocDisagree: -check fails when a record is
// added, changed or removed without -write, or is not valid; -write makes
// the document agree again and keeps its hand-written text.
func TestCheckFailsWhenRecordsAndDocDisagree(t *testing.T) {
	dir := t.TempDir()
	resDir := filepath.Join(dir, "results")
	doc := filepath.Join(dir, "RESULTS.md")
	var skeleton strings.Builder
	skeleton.WriteString("# Results\n\nHand-written.\n")
	for _, id := range ids() {
		skeleton.WriteString("\n" + beginPrefix + id + " " + beginSuffix + "\n" + endMarker + "\n")
	}
	skeleton.WriteString("\n## Experiments\n")
	if err := os.WriteFile(doc, []byte(skeleton.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(resDir, 0o755); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(dir, "README.md")
	if err := os.WriteFile(readme, []byte("# Tool\n\n"+beginPrefix+summaryID+" "+beginSuffix+"\n"+endMarker+"\n\nMore.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := func(mode string) []string { return []string{"-results", resDir, "-doc", doc, "-readme", readme, mode} }
	check := func(want int, msg string) {
		t.Helper()
		code, _, stderr := cli(args("-check")...)
		if code != want || !strings.Contains(stderr, msg) {
			t.Fatalf("-check: exit %d, want %d with %q\n%s", code, want, msg, stderr)
		}
	}
	write := func() {
		t.Helper()
		if code, _, stderr := cli(args("-write")...); code != 0 {
			t.Fatalf("-write: exit %d\n%s", code, stderr)
		}
	}
	check(1, strings.Join(ids(), ", ")+" do not match")
	write()
	check(0, "")
	text, _ := os.ReadFile(doc)
	variants := 0
	for _, st := range studies {
		variants += len(st.variants)
	}
	if !strings.HasPrefix(string(text), "# Results\n\nHand-written.\n") || !strings.HasSuffix(string(text), "\n## Experiments\n") ||
		strings.Count(string(text), notRun) != 68+variants { // 10 + 1 (mean), 10 + 1, 4 × (10 + 1), one per study variant, 2 in the summary
		t.Fatalf("the document after -write:\n%s", text)
	}

	// A record lands: only its table changes.
	rec := record("mnist", 2, "full", 3, 1, 0.9612)
	if _, err := results.Write(resDir, rec); err != nil {
		t.Fatal(err)
	}
	check(1, "the tables mnist-p2-full, mnist-p2-ablation, summary do not match")
	check(1, readme+": the tables summary do not match")
	write()
	check(0, "")
	if text, _ := os.ReadFile(doc); !strings.Contains(string(text), "| 3 | 0.9612 | 0.963 | -0.0018 |") {
		t.Fatalf("the record is not in the table:\n%s", text)
	}
	summary := "| MNIST, protocol 2, OCGAN (the paper's Table 2) | 0.9612 (1 of 10 classes) | 0.9630 (the same classes) | -0.0018 |"
	if text, _ := os.ReadFile(readme); !strings.HasPrefix(string(text), "# Tool\n\n") || !strings.HasSuffix(string(text), "\n\nMore.\n") ||
		!strings.Contains(string(text), summary) || strings.Contains(string(text), "| 3 |") {
		t.Fatalf("README after -write:\n%s", text)
	}
	// It changes, it is removed, it is damaged.
	rec.AUC = 0.97
	if _, err := results.Write(resDir, rec); err != nil {
		t.Fatal(err)
	}
	check(1, "mnist-p2-full")
	write()
	path := filepath.Join(resDir, rec.FileName())
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	check(1, "mnist-p2-full")
	if err := os.WriteFile(path, []byte(`{"format": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	check(1, path)
	if code, _, stderr := cli(args("-write")...); code != 1 || !strings.Contains(stderr, path) {
		t.Errorf("-write with a bad record: exit %d\n%s", code, stderr)
	}
	// A README without the summary block is an error naming it; -readme ""
	// leaves README alone.
	if err := os.Remove(path); err != nil { // the damaged record
		t.Fatal(err)
	}
	write()
	if err := os.WriteFile(readme, []byte("# Tool\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check(1, readme)
	if code, _, stderr := cli("-results", resDir, "-doc", doc, "-readme", "", "-check"); code != 0 {
		t.Errorf("-readme \"\": exit %d\n%s", code, stderr)
	}
	if code, out, _ := cli("-results", t.TempDir()); code != 0 || !strings.Contains(out, "MNIST, protocol 2, ablation") {
		t.Errorf("printing the tables: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"-write", "-check"}, {"extra"}, {"-nosuchflag"}} {
		if code, _, _ := cli(bad...); code != 2 {
			t.Errorf("results %v: exit %d, want 2", bad, code)
		}
	}
}

// TestRenderPartialTable: classes not run, several seeds, a mean over the
// classes run against the paper's over the same classes, records of other
// tables left out.
func TestRenderPartialTable(t *testing.T) {
	recs := []*results.Record{
		record("mnist", 2, "full", 0, 2, 0.97),
		record("mnist", 2, "full", 0, 1, 0.99),
		record("mnist", 2, "full", 2, 1, 0.95),
		record("mnist", 2, "ae", 0, 1, 0.9),
		record("mnist", 1, "full", 1, 1, 0.5),  // another protocol
		record("fmnist", 2, "full", 1, 1, 0.5), // another dataset
	}
	recs[1].Training.WallSeconds = 600
	got := render(experiments[0], recs)
	containsAll(t, got,
		"| 0 | 0.9800 ± 0.0141 (2 seeds) | 0.998 | -0.0180 |",
		"| 1 | not run yet | 0.999 | — |",
		"| 2 | 0.9500 | 0.942 | +0.0080 |",
		"| **mean** | 0.9650 (2 of 10 classes) | 0.9700 (the same classes) | -0.0050 |",
		"Reproduce: `tools/paper-tables.sh --table mnist-p2-full --seeds 1,2 --epochs 25`",
		"Runs: 3 recorded, seeds 1, 2.",
		"Training time: 1h30m in all, 10m00s–40m00s per run.",
	)
	abl := render(experiments[2], recs)
	containsAll(t, abl,
		"| 0 | 0.9000 | not run yet | not run yet | 0.9800 ± 0.0141 (2 seeds) |",
		"| **mean** | 0.9000 (1 of 10 classes) | not run yet | not run yet | 0.9650 (2 of 10 classes) |",
		"| mean over classes 0 (common to the columns run) | 0.9000 | not run yet | not run yet | 0.9800 |",
		"| paper | 0.957 | 0.959 | 0.971 | 0.975 |",
		"| ours − paper | — | — | — | — |",
		"Runs: 4 recorded",
	)
}

// TestRenderCompleteTable: the mean over all classes, ± over seeds when
// every class ran the same seeds, runs that differ in their epochs.
func TestRenderCompleteTable(t *testing.T) {
	ex := experiments[0]
	var recs []*results.Record
	for c, p := range ex.columns[0].paper.perClass {
		recs = append(recs, record("mnist", 2, "full", c, 1, p+0.001), record("mnist", 2, "full", c, 2, p-0.003))
	}
	recs[5].Training.Epochs = 30
	got := render(ex, recs)
	// Per seed the mean over classes is 0.9749+0.001 and 0.9749-0.003.
	containsAll(t, got,
		"| **mean** | 0.9739 ± 0.0028 (2 seeds) | 0.9750 | -0.0011 |",
		"`tools/paper-tables.sh --table mnist-p2-full --seeds 1,2` (every other setting: ocgan's defaults; the runs differ in --epochs: 25, 30).",
		"Training: 25, 30 epochs asked",
	)
	// Seeds that differ between classes: no ± on the mean.
	got = render(ex, recs[:len(recs)-1])
	if !strings.Contains(got, "| **mean** | 0.9741 | 0.9750 | -0.0009 |") {
		t.Errorf("mean with unequal seeds:\n%s", got)
	}
}

// TestRefreshRefusesMalformedDocuments: blocks are replaced, and a missing,
// doubled, unknown or unterminated block is an error naming its line.
func TestRefreshRefusesMalformedDocuments(t *testing.T) {
	gen := map[string]string{"a": "A", "b": "B"}
	saved := experiments
	experiments = []experiment{{id: "a"}, {id: "b"}}
	defer func() { experiments = saved }()
	good := "x\n<!-- results:a -->\nold\n<!-- end -->\ny\n<!-- results:b -->\n<!-- end -->\n"
	out, changed, err := refresh(good, gen)
	if err != nil || out != "x\n<!-- results:a -->\n\nA\n\n<!-- end -->\ny\n<!-- results:b -->\n\nB\n\n<!-- end -->\n" || !slices.Equal(changed, []string{"a", "b"}) {
		t.Fatalf("refresh = %q, %v, %v", out, changed, err)
	}
	if again, changed, err := refresh(out, gen); err != nil || again != out || len(changed) != 0 {
		t.Errorf("refresh of a fresh document: changed %v, %v", changed, err)
	}
	for _, c := range []struct{ doc, want string }{
		{"<!-- results:a -->\n<!-- end -->\n", "no block for <!-- results:b -->"},
		{good + "<!-- results:a -->\n<!-- end -->\n", `line 8: a second block of "a"`},
		{"<!-- results:a -->\n<!-- results:b -->\n<!-- end -->\n", `the block of "a" has no <!-- end --> before the next block`},
		{good + "<!-- results:c -->\n<!-- end -->\n", `line 8: no table "c"`},
		{"<!-- results:a -->\n<!-- end -->\n<!-- results:b -->\n", `the block of "b" has no <!-- end -->`},
		{good + "<!-- end -->\n", "line 8: <!-- end --> without a block"},
		{good + "<!-- results:b\n", "does not end with -->"},
	} {
		if _, _, err := refresh(c.doc, gen); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("refresh(%q) = %v, want an error with %q", c.doc, err, c.want)
		}
	}
}

// TestPaperValues: the per-class values average to the mean the paper
// prints (to its rounding), and every column is a mode records can name.
func TestPaperValues(t *testing.T) {
	for _, ex := range experiments {
		if len(ex.classes) != 10 {
			t.Errorf("%s: %d classes", ex.id, len(ex.classes))
		}
		for _, col := range ex.columns {
			if !slices.Contains(results.Modes, col.mode) {
				t.Errorf("%s: mode %q", ex.id, col.mode)
			}
			p := col.paper.perClass
			if p == nil {
				continue
			}
			sum := 0.0
			for _, v := range p {
				sum += v
			}
			if len(p) != len(ex.classes) || math.Abs(sum/float64(len(p))-col.paper.mean) > 0.0005 {
				t.Errorf("%s %s: %d per-class values averaging %v, the paper's mean %v", ex.id, col.mode, len(p), sum/float64(len(p)), col.paper.mean)
			}
		}
	}
}

// TestPaperTablesScript runs tools/paper-tables.sh --dry-run: each table
// runs every class of each of its modes (the experiment's columns) with the
// settings given, once, and skips the runs already recorded.
func TestPaperTablesScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	resDir := t.TempDir()
	recorded := record("mnist", 2, "full", 3, 2, 0.96)
	if _, err := results.Write(resDir, recorded); err != nil {
		t.Fatal(err)
	}
	script := func(args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{"../../tools/paper-tables.sh", "--dry-run", "--results", resDir}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	line := regexp.MustCompile(`^run (\S+): bin/ocgan eval --train --dataset (\S+) --protocol (\d) --mode (\S+) --class (\d+) --seed (\d+) --model models/(\S+)\.ocgan --results (\S+)( .*)?$`)
	for _, ex := range experiments {
		out, err := script("--table", ex.id, "--seeds", "2", "--classes", "3,0-9")
		if err != nil {
			t.Fatalf("%s: %v\n%s", ex.id, err, out)
		}
		var want, got []string
		for _, col := range ex.columns {
			for c := range ex.classes {
				want = append(want, strings.TrimSuffix(results.Key{Dataset: ex.dataset, Protocol: ex.protocol, Mode: col.mode, Class: c, Seed: 2}.FileName(), ".json"))
			}
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if name, ok := strings.CutPrefix(l, "skip "); ok {
				name, _, _ = strings.Cut(name, ":")
				got = append(got, name)
				if name+".json" != recorded.FileName() {
					t.Errorf("%s: skipped %s, which has no record", ex.id, name)
				}
				continue
			}
			m := line.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("%s: unexpected line %q", ex.id, l)
			}
			key := strings.Join([]string{m[2], "p" + m[3], m[4], "c" + m[5], "s" + m[6]}, "-")
			if m[1] != key || m[7] != key || m[8] != resDir || m[9] != "" {
				t.Errorf("%s: %q", ex.id, l)
			}
			got = append(got, m[1])
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: runs\n%v\nwant\n%v", ex.id, got, want)
		}
	}
	out, err := script("--table", "mnist-p2-full", "--classes", "1", "--epochs", "30", "--budget", "2h", "--device", "cpu",
		"--mine-step-size", "8", "--batch", "512", "--mine-start", "0.5", "--latent", "32", "--lambda", "5", "--latent-weight", "10", "--dropout", "0", "--image-size", "61", "--visual-width", "32", "--select-from", "0.5", "--latent-double-sigmoid", "--epoch-auc")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "--results "+resDir+
		" --epochs 30 --budget 2h --mine-step-size 8 --batch 512 --mine-start 0.5 --latent 32 --lambda 5 --latent-weight 10 --dropout 0 --image-size 61 --visual-width 32 --select-from 0.5 --latent-double-sigmoid --epoch-auc --device cpu") {
		t.Errorf("settings: %v\n%s", err, out)
	}
	// --mode runs a table's dataset in the modes given instead of its own.
	out, err = script("--table", "fmnist-p1-full", "--classes", "2", "--mode", "ae+dv,ae")
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			names = append(names, m[1])
		}
	}
	if err != nil || !slices.Equal(names, []string{"fmnist-p1-ae+dv-c2-s1", "fmnist-p1-ae-c2-s1"}) {
		t.Errorf("--mode ae+dv,ae: %v, runs %v\n%s", err, names, out)
	}
	// --help prints the header comment, and nothing of the code after it.
	help, err := exec.Command("bash", "../../tools/paper-tables.sh", "--help").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(help), "paper-tables.sh: trains") ||
		!strings.HasSuffix(string(help), "does not reach the run in progress.\n") || strings.Contains(string(help), "\n#") {
		t.Errorf("--help: %v\n%s", err, help)
	}
	for _, bad := range [][]string{{"--table", "nope"}, {"--classes", "10"}, {"--seeds", "x"}, {"--epochs", "0"}, {"--bogus"}, {"--mine-start"}, {"--latent"}, {"--image-size"}, {"--latent-weight"}, {"--mode", "gan"}, {"--visual-width"}, {"--select-from"}} {
		if out, err := script(bad...); err == nil {
			t.Errorf("paper-tables.sh %v: no error\n%s", bad, out)
		}
	}
}

// needScriptTools skips a test of paper-tables.sh's real runs where bash or
// flock is missing.
func needScriptTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "flock"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip("no " + tool)
		}
	}
}

// TestPaperTablesROC runs tools/paper-tables.sh with a stand-in for ocgan
// over runs already recorded: a table mode gets its ROC figure from `ocgan
// eval --roc` over the models of its ten classes once every class has its
// record and model, and none (saying which classes are missing) before.
func TestPaperTablesROC(t *testing.T) {
	needScriptTools(t)
	dir := t.TempDir()
	resDir, modelDir, logDir := filepath.Join(dir, "results"), filepath.Join(dir, "models"), filepath.Join(dir, "logs")
	calls := filepath.Join(dir, "calls")
	fake := filepath.Join(dir, "ocgan")
	stub := "#!/usr/bin/env bash\n[ \"$1\" = version ] && { echo ocgan stand-in; exit 0; }\necho \"$*\" >>" + calls + "\n"
	if err := os.WriteFile(fake, []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(modelDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for c := range 10 {
		if _, err := results.Write(resDir, record("fmnist", 1, "full", c, 1, 0.9)); err != nil {
			t.Fatal(err)
		}
		if c != 7 {
			if err := os.WriteFile(filepath.Join(modelDir, fmt.Sprintf("fmnist-p1-full-c%d-s1.ocgan", c)), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	run := func(extra ...string) string {
		t.Helper()
		cmd := exec.Command("bash", append([]string{"../../tools/paper-tables.sh", "--table", "fmnist-p1-full", "--ocgan", fake,
			"--results", resDir, "--models", modelDir, "--logs", logDir}, extra...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("paper-tables.sh: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run()
	if !strings.Contains(out, "roc fmnist-p1-full: no figure, classes 7 of seed 1 not recorded with their model") {
		t.Errorf("class 7's model missing:\n%s", out)
	}
	if _, err := os.Stat(calls); !os.IsNotExist(err) {
		t.Errorf("ocgan was run with a model missing (%v)", err)
	}
	if err := os.WriteFile(filepath.Join(modelDir, "fmnist-p1-full-c7-s1.ocgan"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(resDir, "fmnist-p1-full-roc.png")
	if out := run(); !strings.Contains(out, "roc fmnist-p1-full: "+png) {
		t.Errorf("all ten classes:\n%s", out)
	}
	got, err := os.ReadFile(calls)
	want := "eval --dataset fmnist --protocol 1 --class 0-9 --seed 1 --model " + filepath.Join(modelDir, "fmnist-p1-full-c{class}-s{seed}.ocgan") +
		" --roc " + png + "\n"
	if err != nil || string(got) != want {
		t.Errorf("ocgan calls %q (%v), want %q", got, err, want)
	}
	// Scored on noisy input, the figure is too.
	if err := os.Remove(calls); err != nil {
		t.Fatal(err)
	}
	run("--score-noise", "0.2")
	got, err = os.ReadFile(calls)
	if want := strings.Replace(want, "\n", " --score-noise 0.2\n", 1); err != nil || string(got) != want {
		t.Errorf("with --score-noise: ocgan calls %q (%v), want %q", got, err, want)
	}
}

// TestStudies: a study shows the classes its variants ran, beside the
// paper and the table's run of the class; its variants' records come from
// their own folders, and a record of another run there is an error naming
// the folder. Each variant's command runs tools/paper-tables.sh into that
// folder.
func TestStudies(t *testing.T) {
	dir := t.TempDir()
	st := studies[0]
	ex := tableByID(st.table)
	varDir := filepath.Join(dir, filepath.FromSlash(st.variants[0].dir))
	if err := os.MkdirAll(varDir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := record(ex.dataset, ex.protocol, st.mode, 8, 1, 0.9146)
	base.Training.SelectedEpoch = 25
	if _, err := results.Write(dir, base); err != nil {
		t.Fatal(err)
	}
	byDir, err := readStudies(dir)
	if err != nil || len(byDir[st.variants[0].dir]) != 0 {
		t.Fatalf("readStudies with an empty variant folder: %v, %v", byDir, err)
	}
	recs, _ := results.ReadDir(dir)
	empty := renderStudy(st, recs, byDir)
	containsAll(t, empty, "No run recorded yet.", "- 50 epochs: not run yet; run with `"+st.variants[0].command+"`.")

	long := record(ex.dataset, ex.protocol, st.mode, 8, 1, 0.9321)
	long.Training.Epochs, long.Training.EpochsTrained, long.Training.SelectedEpoch = 50, 50, 41
	for e := 1; e <= 50; e++ {
		p := results.Epoch{Epoch: e, ValMSE: 0.1 / float64(e)}
		if e%10 == 1 {
			auc := 0.9 + float64(e)/1000
			p.TestAUC = &auc
		}
		long.Training.Curve = append(long.Training.Curve, p)
	}
	if _, err := results.Write(varDir, long); err != nil {
		t.Fatal(err)
	}
	if byDir, err = readStudies(dir); err != nil {
		t.Fatal(err)
	}
	got := renderStudy(st, recs, byDir)
	containsAll(t, got,
		"| class | paper | 25 epochs (the table's runs) | 50 epochs |",
		"| 8 | 0.939 | 0.9146 (epoch 25 of 25) | 0.9321 (epoch 41 of 50) |",
		"- 50 epochs: Reproduce: `"+st.variants[0].command+"`.",
		"Training: 50 epochs asked, 50 trained",
		"50 epochs, class 8, seed 1, per epoch (the epoch model selection kept in bold):",
		"| 2 | 0.05000 | — |",
		"| 11 | 0.00909 | 0.9110 |",
		"| **41** | **0.00244** | **0.9410** |",
	)
	if strings.Contains(got, "| 0 |") {
		t.Errorf("a class no variant ran is shown:\n%s", got)
	}

	// A variant that changes the model input says so in its settings; the
	// table's runs, at the dataset's own input, do not.
	for _, st := range studies {
		if st.id != "mnist-p2-input" {
			continue
		}
		inDir := filepath.Join(dir, filepath.FromSlash(st.variants[0].dir))
		if err := os.MkdirAll(inDir, 0o755); err != nil {
			t.Fatal(err)
		}
		big := record(ex.dataset, ex.protocol, st.mode, 8, 1, 0.93)
		big.Training.ImageSize, big.Training.Channels = 61, 1
		if _, err := results.Write(inDir, big); err != nil {
			t.Fatal(err)
		}
		if byDir, err = readStudies(dir); err != nil {
			t.Fatal(err)
		}
		got := renderStudy(st, recs, byDir)
		containsAll(t, got, "| 8 | 0.939 | 0.9146 (epoch 25 of 25) | 0.9300 (epoch", "decoder dropout 0.5, input 61x61x1.")
		if strings.Count(got, "input 61x61x1") != 1 {
			t.Errorf("the input is not named once, for the variant only:\n%s", got)
		}
	}
	// A variant of another mode (ae+dv against the full model) is shown
	// beside the table's column, with a mean row once it has several
	// classes; its settings name the visual discriminator's width.
	for _, st := range studies {
		if st.id != "fmnist-p1-script" {
			continue
		}
		v := st.variants[0]
		fex := tableByID(st.table)
		vDir := filepath.Join(dir, filepath.FromSlash(v.dir))
		if err := os.MkdirAll(vDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for class, auc := range map[int]float64{1: 0.98, 6: 0.80} {
			r := record(fex.dataset, fex.protocol, v.modeIn(st), class, 1, auc)
			r.Training.VisualWidth, r.Training.Lambda = 32, 0.5
			if class == 6 {
				for e := 1; e <= r.Training.EpochsTrained; e++ {
					auc := 0.8
					r.Training.Curve = append(r.Training.Curve, results.Epoch{Epoch: e, ValMSE: 0.1, TestAUC: &auc})
				}
			}
			if _, err := results.Write(vDir, r); err != nil {
				t.Fatal(err)
			}
		}
		byDir, err := readStudies(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := renderStudy(st, nil, byDir)
		containsAll(t, got, "| class | paper | OCGAN (the table's runs) | AE + Dv (width 32), λ 0.5 |",
			"| 1 Trouser | — | not run yet | 0.9800 (epoch", "| 6 Shirt | — | not run yet | 0.8000 (epoch",
			"| mean | 0.924 | not run yet | 0.8900 (2 of 10 classes) |", "visual discriminator width 32",
			"λ 0.5, noise σ 0.2, no mining, Adam",
			// The next variant's line after the curve is a list item of
			// its own, not the paragraph's last line.
			".\n\n- "+st.variants[1].label+": not run yet")
		if strings.Contains(got, "| 0 T-shirt") {
			t.Errorf("a class no variant ran is shown:\n%s", got)
		}
		// A variant that scores the same models again says how it scored,
		// and leaves their curves to the variant that trained them.
		rv := st.variants[2]
		rDir := filepath.Join(dir, filepath.FromSlash(rv.dir))
		r := record(fex.dataset, fex.protocol, rv.modeIn(st), 6, 1, 0.81)
		r.Training.VisualWidth, r.Training.Lambda, r.ScoreNoise = 32, 0.5, 0.2
		for e := 1; e <= r.Training.EpochsTrained; e++ {
			auc := 0.8
			r.Training.Curve = append(r.Training.Curve, results.Epoch{Epoch: e, ValMSE: 0.1, TestAUC: &auc})
		}
		if _, err := results.Write(rDir, r); err != nil {
			t.Fatal(err)
		}
		if byDir, err = readStudies(dir); err != nil {
			t.Fatal(err)
		}
		got = renderStudy(st, nil, byDir)
		containsAll(t, got, "| 6 Shirt | — | not run yet | 0.8000 (epoch 20 of 25) | not run yet | 0.8100 (epoch 20 of 25) |",
			"visual discriminator width 32, scored on input with noise σ 0.2.",
			"- Per-epoch curves: those of "+rv.rescores+" (the same models).")
		if n := strings.Count(got, "class 6 Shirt, seed 1, per epoch"); n != 1 {
			t.Errorf("class 6's curve shown %d times, want once (by the variant that trained it):\n%s", n, got)
		}
		if st.variants[0].label != rv.rescores {
			t.Errorf("%s rescores %q, not a variant of the study", rv.label, rv.rescores)
		}
		// With the whole table run, the baseline's mean is over the classes
		// shown too (0.95 and 0.85, not the 0.74 of all ten).
		var table []*results.Record
		for class := range 10 {
			auc := map[int]float64{1: 0.95, 6: 0.85}[class]
			if auc == 0 {
				auc = 0.7
			}
			table = append(table, record(fex.dataset, fex.protocol, "full", class, 1, auc))
		}
		containsAll(t, renderStudy(st, table, byDir), "| mean | 0.924 | 0.9000 (2 of 10 classes) | 0.8900 (2 of 10 classes) |")
		if _, err := results.Write(vDir, record(fex.dataset, fex.protocol, "full", 3, 1, 0.9)); err != nil {
			t.Fatal(err)
		}
		if _, err := readStudies(dir); err == nil || !strings.Contains(err.Error(), "ae+dv") {
			t.Errorf("a full-model record in the ae+dv variant's folder: %v", err)
		}
		if err := os.Remove(filepath.Join(vDir, results.Key{Dataset: fex.dataset, Protocol: fex.protocol, Mode: "full", Class: 3, Seed: 1}.FileName())); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := results.Write(varDir, record(ex.dataset, ex.protocol, "ae", 2, 1, 0.9)); err != nil {
		t.Fatal(err)
	}
	if _, err := readStudies(dir); err == nil || !strings.Contains(err.Error(), varDir) || !strings.Contains(err.Error(), st.id) {
		t.Errorf("a record of another mode in a study folder: %v", err)
	}
	if code, _, stderr := cli("-results", dir); code != 1 || !strings.Contains(stderr, varDir) {
		t.Errorf("results with a foreign record in a study folder: exit %d\n%s", code, stderr)
	}

	for _, st := range studies {
		tableByID(st.table) // panics on an unknown table
		for _, v := range st.variants {
			args := strings.Fields(v.command)
			if args[0] != "tools/paper-tables.sh" {
				t.Fatalf("%s %s: command %q", st.id, v.label, v.command)
			}
			cmd := exec.Command("bash", append([]string{"../../tools/paper-tables.sh", "--dry-run"}, args[1:]...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", v.command, err, out)
			}
			for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				// A run already recorded is skipped; its record must be in the folder.
				skipped := strings.HasPrefix(l, "skip ") && strings.Contains(l, ": results/"+v.dir+"/") && strings.HasSuffix(l, " exists")
				if !skipped && (!strings.Contains(l, "--mode "+v.modeIn(st)+" ") || !strings.Contains(l, "--results results/"+v.dir)) {
					t.Errorf("%s %s: %q does not record a run of the study in its folder", st.id, v.label, l)
				}
			}
		}
	}
}

// TestPlateau: a run's per-epoch test AUC is summarised over the epochs
// after the first four and before mining (the full model mines from its
// mine_start fraction of the epochs on), and over the epochs that mine; a
// mode without mining has one span; a curve without test AUCs none.
func TestPlateau(t *testing.T) {
	withCurve := func(mode string, epochs int, mineStart float64, auc func(e int) *float64) *results.Record {
		r := record("mnist", 2, mode, 8, 1, 0.9)
		r.Training.Epochs, r.Training.EpochsTrained, r.Training.MineStart = epochs, epochs, mineStart
		for e := 1; e <= epochs; e++ {
			r.Training.Curve = append(r.Training.Curve, results.Epoch{Epoch: e, ValMSE: 0.1, TestAUC: auc(e)})
		}
		return r
	}
	// 0.80 for the first four epochs, 0.90 and 0.92 alternating up to
	// epoch 18, 0.95 from 19 on.
	auc := func(e int) *float64 {
		v := 0.80
		switch {
		case e >= 19:
			v = 0.95
		case e > 4 && e%2 == 1:
			v = 0.90
		case e > 4:
			v = 0.92
		}
		return &v
	}
	for _, c := range []struct {
		name string
		r    *results.Record
		want string
	}{
		{"full, 25 epochs from 0.75", withCurve("full", 25, 0.75, auc),
			"Mean test AUC per epoch: before mining (epochs 5-18) 0.9100 (0.9000-0.9200); while mining (epochs 19-25) 0.9500 (0.9500-0.9500). Last epoch (25): 0.9500."},
		{"full, 20 epochs from 0.5", withCurve("full", 20, 0.5, auc),
			"Mean test AUC per epoch: before mining (epochs 5-10) 0.9100 (0.9000-0.9200); while mining (epochs 11-20) 0.9180 (0.9000-0.9500). Last epoch (20): 0.9500."},
		{"ae+dl+dv, no mining", withCurve("ae+dl+dv", 6, 0.75, auc),
			"Mean test AUC per epoch: after the first 4 epochs (epochs 5-6) 0.9100 (0.9000-0.9200). Last epoch (6): 0.9200."},
		{"ae, 3 epochs", withCurve("ae", 3, 0.75, auc), "Last epoch (3): 0.8000."},
		{"no test AUC", withCurve("full", 25, 0.75, func(int) *float64 { return nil }), ""},
		{"one epoch without", withCurve("full", 25, 0.75, func(e int) *float64 {
			if e == 7 {
				return nil
			}
			return auc(e)
		}), ""},
	} {
		if got := plateau(c.r); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSettingsOf checks that the settings of runs in several modes are led
// by their modes where they differ, and stand alone where they do not.
func TestSettingsOf(t *testing.T) {
	full, ae, dl := record("mnist", 2, "full", 2, 1, 0.9), record("mnist", 2, "ae", 2, 1, 0.9), record("mnist", 2, "ae+dl", 2, 1, 0.9)
	got := settingsOf([]*results.Record{ae, full, dl})
	for _, want := range []string{"full: latent 16, λ 10, latent adversarial weight 1, noise σ 0.2, 5 mining steps",
		"; ae+dl: latent 16, λ 10, latent adversarial weight 1, noise σ 0.2, no mining,", "; ae: latent 16, λ 10, noise σ 0.2, no mining,"} {
		if !strings.Contains(got, want) {
			t.Errorf("settings %q lack %q", got, want)
		}
	}
	if got := settingsOf([]*results.Record{full, full}); strings.Contains(got, "full:") || !strings.HasPrefix(got, "latent 16") ||
		strings.Contains(got, "model selection") {
		t.Errorf("one mode's settings: %q", got)
	}
	windowed := record("mnist", 2, "full", 2, 1, 0.9)
	windowed.Training.SelectFrom = 0.5
	if got := settings(windowed); !strings.HasSuffix(got, ", model selection over the epochs after the first 50%") {
		t.Errorf("settings of a run selecting over the second half: %q", got)
	}
	if strings.Contains(settings(full), "sigmoid") {
		t.Errorf("settings of a run with the paper's single sigmoid: %q", settings(full))
	}
	twice := record("mnist", 2, "full", 2, 1, 0.9)
	twice.Training.LatentDoubleSigmoid = true
	if got, want := settings(twice), "latent adversarial weight 1, the latent discriminator's sigmoid applied twice (the authors' code), noise σ 0.2"; !strings.Contains(got, want) {
		t.Errorf("settings of a run with the sigmoid twice: %q, want it to hold %q", got, want)
	}
}

// TestPaperTablesParallel runs tools/paper-tables.sh --parallel 2 with a
// stand-in for ocgan that takes a second per run: two runs at a time, never
// more, each with half the cores, and a failed run counted as failed.
func TestPaperTablesParallel(t *testing.T) {
	needScriptTools(t)
	dir := t.TempDir()
	resDir, tmplDir := filepath.Join(dir, "results"), templateRecords(t, dir, 3) // class 3 has no record: its run fails
	calls := filepath.Join(dir, "calls")
	fake := standIn(t, dir, `mkdir "`+dir+`/running.$class"
echo "$(ls -d `+dir+`/running.* | wc -l) $args" >>`+calls+`
sleep 1
rmdir "`+dir+`/running.$class"
mkdir -p `+resDir+`
cp "`+tmplDir+`/fmnist-p1-full-c$class-s1.json" `+resDir+`/
`)
	cmd := exec.Command("bash", "../../tools/paper-tables.sh", "--table", "fmnist-p1-full", "--classes", "0-3", "--parallel", "2",
		"--ocgan", fake, "--results", resDir, "--models", filepath.Join(dir, "models"), "--logs", filepath.Join(dir, "logs"), "--no-roc")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "3 run(s) recorded, 0 skipped (recorded before), 1 failed") ||
		!strings.Contains(string(out), "FAILED fmnist-p1-full-c3-s1") {
		t.Errorf("paper-tables.sh --parallel 2: %v\n%s", err, out)
	}
	data, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	threads := fmt.Sprintf("--threads %d", max(1, runtime.NumCPU()/2))
	most := 0
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, l := range lines {
		n, _ := strconv.Atoi(strings.Fields(l)[0])
		most = max(most, n)
		if !strings.HasSuffix(l, threads) {
			t.Errorf("a run without %q: %s", threads, l)
		}
	}
	if len(lines) != 4 || most != 2 {
		t.Errorf("%d runs, at most %d at a time; want 4 and 2:\n%s", len(lines), most, data)
	}
}

// TestPaperTablesInterrupted: a run whose ocgan was interrupted (exit
// status 130: stopped by a signal to it alone) stops the table; no run
// starts after it and the script exits with status 130.
func TestPaperTablesInterrupted(t *testing.T) {
	needScriptTools(t)
	dir := t.TempDir()
	resDir, tmplDir := filepath.Join(dir, "results"), templateRecords(t, dir, 4)
	calls := filepath.Join(dir, "calls")
	fake := standIn(t, dir, `echo "$class" >>`+calls+`
[ "$class" = 1 ] && exit 130
mkdir -p `+resDir+`
cp "`+tmplDir+`/fmnist-p1-full-c$class-s1.json" `+resDir+`/
`)
	out, err := exec.Command("bash", "../../tools/paper-tables.sh", "--table", "fmnist-p1-full", "--classes", "0-3",
		"--ocgan", fake, "--results", resDir, "--models", filepath.Join(dir, "models"), "--logs", filepath.Join(dir, "logs")).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Errorf("paper-tables.sh with an interrupted run: %v, want exit status 130\n%s", err, out)
	}
	containsAll(t, string(out), "done fmnist-p1-full-c0-s1", "interrupted fmnist-p1-full-c1-s1",
		"paper-tables: stopped: 1 run(s) interrupted, 1 recorded, 0 failed")
	if strings.Contains(string(out), "FAILED") || strings.Contains(string(out), "roc ") {
		t.Errorf("an interrupted run counted as failed, or ROC figures tried:\n%s", out)
	}
	if got, _ := os.ReadFile(calls); string(got) != "0\n1\n" {
		t.Errorf("classes run: %q, want 0 and 1 only", got)
	}
}

// templateRecords writes records of Fashion-MNIST protocol 1 classes 0 to
// n-1, seed 1, into DIR/records for a stand-in to copy, and returns that
// folder.
func templateRecords(t *testing.T, dir string, n int) string {
	t.Helper()
	tmplDir := filepath.Join(dir, "records")
	for c := range n {
		if _, err := results.Write(tmplDir, record("fmnist", 1, "full", c, 1, 0.9)); err != nil {
			t.Fatal(err)
		}
	}
	return tmplDir
}

// standIn writes DIR/ocgan, a stand-in for ocgan: `version` prints a line;
// any other command sets $args (its arguments) and $class (the value of
// --class) and runs body. It returns the stand-in's path.
func standIn(t *testing.T, dir, body string) string {
	t.Helper()
	fake := filepath.Join(dir, "ocgan")
	stub := `#!/usr/bin/env bash
[ "$1" = version ] && { echo ocgan stand-in; exit 0; }
args="$*"
class=${args#*--class }; class=${class%% *}
` + body
	if err := os.WriteFile(fake, []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	return fake
}

// copyScript copies tools/paper-tables.sh to DIR/tools/paper-tables.sh
// and returns that path.
func copyScript(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile("../../tools/paper-tables.sh")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "tools", "paper-tables.sh")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, src, 0o755); err != nil {
		t.Fatal(err)
	}
	return script
}

// TestPaperTablesEditedWhileRunning: the script is read whole before it runs,
// so a change to its file during a run (a checkout, an editor writing in
// place) cannot make the running script execute the new text.
func TestPaperTablesEditedWhileRunning(t *testing.T) {
	needScriptTools(t)
	dir := t.TempDir()
	script := copyScript(t, dir)
	resDir := filepath.Join(dir, "results")
	rec := filepath.Join(dir, "record.json")
	if _, err := results.Write(dir, record("fmnist", 1, "full", 0, 1, 0.9)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "fmnist-p1-full-c0-s1.json"), rec); err != nil {
		t.Fatal(err)
	}
	// The stand-in appends a command to the script's file, in place, while
	// the script waits for it.
	fake := filepath.Join(dir, "ocgan")
	stub := `#!/usr/bin/env bash
[ "$1" = version ] && { echo ocgan stand-in; exit 0; }
echo 'echo EDITED-TEXT-RAN' >>` + script + `
mkdir -p ` + resDir + `
cp ` + rec + ` ` + resDir + `/fmnist-p1-full-c0-s1.json
`
	if err := os.WriteFile(fake, []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", script, "--table", "fmnist-p1-full", "--classes", "0", "--ocgan", fake,
		"--results", resDir, "--models", filepath.Join(dir, "models"), "--logs", filepath.Join(dir, "logs"), "--no-roc").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "1 run(s) recorded") {
		t.Fatalf("paper-tables.sh: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "EDITED-TEXT-RAN") {
		t.Errorf("the running script executed text appended to its file:\n%s", out)
	}
	if now, _ := os.ReadFile(script); !strings.Contains(string(now), "EDITED-TEXT-RAN") {
		t.Errorf("the stand-in did not edit the script; the test proves nothing")
	}
}

// TestPaperTablesStop stops tools/paper-tables.sh the way `pkill -f` does,
// with a SIGTERM to every process whose command line holds the script's
// path (the script and the subshell that waits for the run): the stand-in
// for ocgan receives one SIGTERM, not two (ocgan takes a second signal as
// "stop at once, without saving"), and the script says once that it stopped
// during the run and exits with status 143.
func TestPaperTablesStop(t *testing.T) {
	needScriptTools(t)
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc")
	}
	// The stand-in stops at once (the script's run has ended when the
	// script passes the signal on) or 4 s after the first signal (its run
	// is still saving then).
	for _, after := range []int{0, 4} {
		t.Run(fmt.Sprintf("stops-after-%ds", after), func(t *testing.T) { stopPaperTables(t, after) })
	}
}

func stopPaperTables(t *testing.T, after int) {
	dir := t.TempDir()
	script := copyScript(t, dir)
	// The stand-in counts the signals it receives and, after the first,
	// goes on for after seconds (as ocgan finishes its iteration and saves).
	started, sigs := filepath.Join(dir, "started"), filepath.Join(dir, "signals")
	fake := filepath.Join(dir, "ocgan")
	stub := `#!/usr/bin/env bash
[ "$1" = version ] && { echo ocgan stand-in; exit 0; }
stop=
trap 'echo TERM >>` + sigs + `; stop=${stop:-$SECONDS}' TERM
trap 'echo INT >>` + sigs + `; stop=${stop:-$SECONDS}' INT
touch ` + started + `
for ((i = 0; i < 600; i++)); do
  if [ -n "$stop" ] && [ $((SECONDS - stop)) -ge ` + strconv.Itoa(after) + ` ]; then exit 130; fi
  sleep 0.1
done
exit 1
`
	if err := os.WriteFile(fake, []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", script, "--table", "fmnist-p1-full", "--classes", "0", "--ocgan", fake,
		"--results", filepath.Join(dir, "results"), "--models", filepath.Join(dir, "models"), "--logs", filepath.Join(dir, "logs"), "--no-roc")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if _, err := os.Stat(started); err == nil {
			break
		}
		if i == 300 {
			_ = cmd.Process.Kill()
			t.Fatalf("the stand-in did not start in 30 s:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // the subshell's trap is set right after the stand-in starts
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var hit []int
	for _, p := range procs {
		line, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(line, []byte(script)) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		hit = append(hit, pid)
	}
	if len(hit) < 2 {
		_ = cmd.Process.Kill()
		t.Fatalf("%d processes run the script (%v), want the script and its run's subshell", len(hit), hit)
	}
	for _, pid := range hit {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 143 {
		t.Errorf("paper-tables.sh after SIGTERM: %v, want exit status 143\n%s", err, out.String())
	}
	if n := strings.Count(out.String(), "stopped during fmnist-p1-full-c0-s1"); n != 1 {
		t.Errorf("the script said %d times that it stopped, want once:\n%s", n, out.String())
	}
	got, _ := os.ReadFile(sigs)
	if string(got) != "TERM\n" {
		t.Errorf("the stand-in for ocgan received %q, want one SIGTERM", got)
	}
}

// TestSelectionWindows: each window keeps the epoch of lowest validation MSE
// among those it holds; runs without a full curve and the rescoring
// variants' records are left out; the means and the count of runs whose
// epoch moved are those of the rows.
func TestSelectionWindows(t *testing.T) {
	// 10 epochs: validation MSE lowest at epoch 2, then at 4, then at 8;
	// test AUC 0.8 + epoch/100.
	curved := func(class int, seed uint64, mse []float64) *results.Record {
		r := record("mnist", 2, "full", class, seed, 0.9)
		r.Training.Epochs, r.Training.EpochsTrained = len(mse), len(mse)
		for i, m := range mse {
			auc := 0.8 + float64(i+1)/100
			r.Training.Curve = append(r.Training.Curve, results.Epoch{Epoch: i + 1, ValMSE: m, TestAUC: &auc})
		}
		return r
	}
	moving := curved(8, 1, []float64{0.5, 0.1, 0.4, 0.2, 0.4, 0.4, 0.4, 0.3, 0.4, 0.4})
	steady := curved(8, 2, []float64{0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.3, 0.4, 0.3})
	cases := []struct {
		from float64
		want int
	}{{0, 2}, {0.2, 4}, {0.5, 8}, {0.9, 10}}
	for _, c := range cases {
		if got := selectAfter(moving.Training.Curve, c.from).Epoch; got != c.want {
			t.Errorf("after %v of the epochs: epoch %d, want %d", c.from, got, c.want)
		}
	}
	if got := selectAfter(steady.Training.Curve, 0.5).Epoch; got != 8 {
		t.Errorf("equal validation MSE: epoch %d, want the earliest, 8", got)
	}
	partial := curved(8, 3, []float64{0.5, 0.4})
	partial.Training.Curve[1].TestAUC = nil
	windowed := curved(8, 5, []float64{0.5, 0.4})
	windowed.Training.SelectFrom = 0.5
	var st study
	for _, s := range studies {
		if s.id == "mnist-p2-latent" {
			st = s
		}
	}
	byDir := map[string][]*results.Record{st.variants[0].dir: {moving, steady, partial, windowed}}
	for _, s := range studies {
		for _, v := range s.variants {
			if v.rescores != "" {
				byDir[v.dir] = []*results.Record{curved(8, 4, []float64{0.5, 0.4})}
			}
		}
	}
	got := renderSelection(byDir)
	containsAll(t, got,
		"| MNIST, protocol 2, OCGAN: latent size | "+st.variants[0].label+" | 8 | 1 | 10 | 0.8200 (2) | 0.8400 (4) | 0.8800 (8) |",
		"| 8 | 2 | 10 | 0.8800 (8) | 0.8800 (8) | 0.8800 (8) |",
		"Mean over the 2 runs: every epoch (as run) 0.8500, after the first 20% 0.8600, the second half 0.8800. The window changed the epoch kept in 1 of them.")
	if strings.Contains(got, "| 8 | 3 |") || strings.Contains(got, "| 8 | 4 |") || strings.Contains(got, "| 8 | 5 |") {
		t.Errorf("a run without a full curve, one scored again, or one that selected over a window of its own is shown:\n%s", got)
	}
	if got := renderSelection(nil); !strings.Contains(got, "No run with a full curve recorded yet.") {
		t.Errorf("without records:\n%s", got)
	}
}
