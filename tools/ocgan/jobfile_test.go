package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/jobs"
	"github.com/spf13/pflag"
)

// TestTrainJobsDryRun: the job that --job-index or the batch system's
// index picks sets the class, seed and output; flags that conflict with it,
// indexes out of range and bad job files are usage errors naming the file.
func TestTrainJobsDryRun(t *testing.T) {
	dir := t.TempDir()
	classes := filepath.Join(dir, "classes")
	writePNGs(t, filepath.Join(classes, "good"), 0, 2)
	writePNGs(t, filepath.Join(classes, "scratched"), 1, 2)
	file := filepath.Join(dir, "jobs.txt")
	text := "# MNIST digits, then a folder of parts\n" +
		"dataset=mnist class=3 seed=1\n" +
		"dataset=mnist class=3 seed=2 epochs=2\n" +
		"\n" +
		"dataset=folder data=" + classes + " class=scratched out=" + filepath.Join(dir, "scratched.ocgan") + "\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("class=1\nclass=2 lr=3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badValues := filepath.Join(dir, "values.txt")
	if err := os.WriteFile(badValues, []byte("epochs=many\nepochs=0 class=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("# none yet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "runs", "m.ocgan")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want []string // in stdout (success) or stderr
	}{
		{"index flag", []string{"--job-index", "1", "--out", out}, nil, exitOK,
			[]string{"job 1 (" + file + " line 3) of 3, index from --job-index", "dataset=mnist class=3 protocol=2 seed=2 epochs=2 ", "out=" + filepath.Join(dir, "runs", "m-job1.ocgan")}},
		{"kubernetes index", []string{"--out", out}, map[string]string{jobs.EnvKubernetes: "0"}, exitOK,
			[]string{"index from JOB_COMPLETION_INDEX", "class=3 protocol=2 seed=1 epochs=25 ", "out=" + filepath.Join(dir, "runs", "m-job0.ocgan")}},
		{"slurm index", []string{"--out", out}, map[string]string{jobs.EnvSlurm: "1"}, exitOK,
			[]string{"index from SLURM_ARRAY_TASK_ID", "seed=2 epochs=2 "}},
		{"the flag before the environment", []string{"--job-index", "0", "--out", out}, map[string]string{jobs.EnvKubernetes: "1"}, exitOK,
			[]string{"index from --job-index", "seed=1 "}},
		{"class folder by name, out from the job", nil, map[string]string{jobs.EnvKubernetes: "2"}, exitOK,
			[]string{"dataset=folder data=" + classes + " class=scratched protocol=1 ", "out=" + filepath.Join(dir, "scratched.ocgan")}},
		{"a flag the job does not set", []string{"--job-index", "0", "--batch", "8", "--out", out}, nil, exitOK,
			[]string{"batch=8 "}},
		{"a flag equal to the job's", []string{"--job-index", "1", "--seed", "2", "--class", "3", "--out", out}, nil, exitOK,
			[]string{"class=3 protocol=2 seed=2 "}},
		{"a flag conflicting with the job", []string{"--job-index", "1", "--class", "4"}, nil, exitUsage,
			[]string{"--class 4 conflicts with class=3 of job 1 (" + file + " line 3)"}},
		{"the job's out before --out", []string{"--job-index", "2", "--out", out}, nil, exitOK,
			[]string{"out=" + filepath.Join(dir, "scratched.ocgan") + "\n"}},
		{"index out of range", []string{"--job-index", "3"}, nil, exitUsage,
			[]string{file + ": job index out of range: index 3, the file has 3 jobs (indexes 0 to 2) (from --job-index)"}},
		{"environment index out of range", nil, map[string]string{jobs.EnvSlurm: "7"}, exitUsage,
			[]string{"index 7", "(from SLURM_ARRAY_TASK_ID)"}},
		{"bad environment index", nil, map[string]string{jobs.EnvKubernetes: "x"}, exitUsage,
			[]string{`$JOB_COMPLETION_INDEX="x" is not a job index`}},
		{"no index", nil, nil, exitUsage,
			[]string{"--jobs " + file + ": which job? give --job-index N"}},
		{"index without jobs", []string{"--jobs", "", "--job-index", "1"}, nil, exitUsage,
			[]string{"--job-index picks a job of --jobs FILE"}},
		{"bad line", []string{"--jobs", bad, "--job-index", "0"}, nil, exitUsage,
			[]string{bad + `:2: unknown key "lr"`}},
		{"a value the flag refuses", []string{"--jobs", badValues, "--job-index", "0"}, nil, exitUsage,
			[]string{"job 0 (" + badValues + " line 1): epochs=many: "}},
		{"a value out of the flag's range", []string{"--jobs", badValues, "--job-index", "1"}, nil, exitUsage,
			[]string{"job 1 (" + badValues + " line 2): ", "--epochs"}},
		{"empty file", []string{"--jobs", empty, "--job-index", "0"}, nil, exitUsage,
			[]string{empty + ": no jobs"}},
		{"missing file", []string{"--jobs", filepath.Join(dir, "none.txt"), "--job-index", "0"}, nil, exitUsage,
			[]string{"none.txt"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(jobs.EnvKubernetes, "")
			t.Setenv(jobs.EnvSlurm, "")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			args := append([]string{"train", "--dry-run", "--jobs", file}, c.args...)
			code, stdout, stderr := runCLI(t, args...)
			got := stdout
			if c.code != exitOK {
				got = stderr
			}
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q\n%s", w, got)
				}
			}
		})
	}
}

// TestFleetExamples: the example job file parses and every job resolves,
// and the Kubernetes and Slurm examples run exactly its jobs.
func TestFleetExamples(t *testing.T) {
	dir := filepath.Join("..", "fleet")
	f, err := jobs.Read(filepath.Join(dir, "jobs.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(f.Jobs)
	if _, err := f.Outputs("models/mnist.ocgan"); err != nil {
		t.Error(err)
	}
	for i := range f.Jobs {
		t.Setenv(jobs.EnvKubernetes, fmt.Sprint(i))
		if code, _, stderr := runCLI(t, "train", "--dry-run", "--jobs", filepath.Join(dir, "jobs.txt"), "--out", filepath.Join(t.TempDir(), "m.ocgan")); code != exitOK {
			t.Errorf("job %d: exit %d\n%s", i, code, stderr)
		}
	}
	for file, want := range map[string]string{
		"train-indexed-job.yaml": fmt.Sprintf("\n  completions: %d\n", n),
		"train-array.sbatch":     fmt.Sprintf("\n#SBATCH --array=0-%d\n", n-1),
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s lacks %q for the %d jobs of jobs.txt", file, strings.TrimSpace(want), n)
		}
	}
}

// TestJobKeysAreTrainFlags: every key a job file may set is a flag of
// ocgan train, which jobFlags.apply sets.
func TestJobKeysAreTrainFlags(t *testing.T) {
	fs := pflag.NewFlagSet("train", pflag.ContinueOnError)
	(&trainCmd{}).flags(fs)
	for _, k := range jobs.Keys {
		if fs.Lookup(k) == nil {
			t.Errorf("job key %s is not an ocgan train flag", k)
		}
	}
}
