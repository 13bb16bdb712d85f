package jobs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       [][]Field // the jobs' fields
		lines      []int     // the jobs' lines
		err        error     // wrapped by the error, when one is wanted
		msg        string    // in the error
	}{
		{name: "one per line, comments and blanks skipped",
			text:  "# classes\n\ndataset=mnist class=3 seed=1\n  \t\n  # more\ndataset=mnist  class=4\tseed=1\r\n",
			want:  [][]Field{{{"dataset", "mnist"}, {"class", "3"}, {"seed", "1"}}, {{"dataset", "mnist"}, {"class", "4"}, {"seed", "1"}}},
			lines: []int{3, 6}},
		{name: "quoted value with blanks and escapes",
			text:  `data="/srv/parts/line 2" class=good out="a \"b\".ocgan"` + "\n",
			want:  [][]Field{{{"data", "/srv/parts/line 2"}, {"class", "good"}, {"out", `a "b".ocgan`}}},
			lines: []int{1}},
		{name: "no trailing newline", text: "class=1", want: [][]Field{{{"class", "1"}}}, lines: []int{1}},
		{name: "empty file", text: "", err: ErrNoJobs, msg: "jobs.txt: no jobs"},
		{name: "only comments", text: "# nothing\n\n", err: ErrNoJobs},
		{name: "bare word", text: "class=1\nclass=2 mnist\n", err: ErrSyntax, msg: `jobs.txt:2: syntax error: want KEY=VALUE, got "mnist"`},
		{name: "no key", text: "=3\n", err: ErrSyntax, msg: "jobs.txt:1:"},
		{name: "empty value", text: "class= seed=1\n", err: ErrSyntax, msg: "class has an empty value"},
		{name: "empty quoted value", text: `data="" class=1`, err: ErrSyntax, msg: "data has an empty value"},
		{name: "unterminated quote", text: `data="/srv class=1`, err: ErrSyntax, msg: "malformed quoted value"},
		{name: "text after a quote", text: `data="/srv"x class=1`, err: ErrSyntax, msg: "after the closing quote"},
		{name: "unknown key", text: "class=1 lr=0.1\n", err: ErrUnknownKey, msg: `jobs.txt:1: unknown key "lr" (keys: dataset,`},
		{name: "a key twice", text: "class=1 seed=1 class=2\n", err: ErrDuplicate, msg: "duplicate key class in one job"},
		{name: "the same job twice", text: "class=1 seed=2\nclass=2\nseed=2 class=1\n", err: ErrDuplicate, msg: "jobs.txt:3: duplicate job: the same as line 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("jobs.txt", []byte(c.text))
			if c.err != nil {
				if !errors.Is(err, c.err) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("error %v, want one wrapping %v with %q", err, c.err, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got [][]Field
			var lines []int
			for i, j := range f.Jobs {
				if j.Index != i {
					t.Errorf("job %d has index %d", i, j.Index)
				}
				got, lines = append(got, j.Fields), append(lines, j.Line)
			}
			if !reflect.DeepEqual(got, c.want) || !reflect.DeepEqual(lines, c.lines) {
				t.Errorf("jobs %v on lines %v, want %v on %v", got, lines, c.want, c.lines)
			}
		})
	}
}

// TestStringRoundTrips: a job written with String parses back to itself.
func TestStringRoundTrips(t *testing.T) {
	j := Job{Fields: []Field{{"data", "/srv/a b"}, {"class", "#1"}, {"out", `x"y`}, {"seed", "7"}}}
	f, err := Parse("j", []byte(j.String()))
	if err != nil {
		t.Fatalf("%s: %v", j, err)
	}
	if !reflect.DeepEqual(f.Jobs[0].Fields, j.Fields) {
		t.Errorf("%s parsed as %v", j, f.Jobs[0].Fields)
	}
}

func TestPick(t *testing.T) {
	f, err := Parse("jobs.txt", []byte("class=0\n# c\nclass=1\nclass=2\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		i     int
		class string
		line  int
	}{{0, "0", 1}, {1, "1", 3}, {2, "2", 4}, {3, "", 0}, {-1, "", 0}, {100, "", 0}} {
		j, err := f.Pick(c.i)
		if c.class == "" {
			if !errors.Is(err, ErrIndexOutOfRange) || !strings.Contains(err.Error(), "the file has 3 jobs (indexes 0 to 2)") {
				t.Errorf("Pick(%d): %v, want ErrIndexOutOfRange", c.i, err)
			}
			continue
		}
		if got, _ := j.Get("class"); err != nil || got != c.class || j.Line != c.line {
			t.Errorf("Pick(%d): class %q line %d (%v), want %q line %d", c.i, got, j.Line, err, c.class, c.line)
		}
	}
}

func TestOutputs(t *testing.T) {
	for _, c := range []struct {
		name, text, base string
		want             []string
		msg              string // of the error, when one is wanted
	}{
		{"derived from the index", "class=0\nclass=1\n", "model.ocgan", []string{"model-job0.ocgan", "model-job1.ocgan"}, ""},
		{"in a folder, no extension", "class=0\nclass=1\n", "runs.v2/model", []string{"runs.v2/model-job0", "runs.v2/model-job1"}, ""},
		{"dot file", "class=0\n", "out/.ocgan", []string{"out/.ocgan-job0"}, ""},
		{"given by a job", "class=0 out=zero.ocgan\nclass=1\n", "m.ocgan", []string{"zero.ocgan", "m-job1.ocgan"}, ""},
		{"two jobs, one out", "class=0 out=a.ocgan\nclass=1 out=./a.ocgan\n", "m.ocgan", nil, "jobs.txt:2: duplicate output: jobs 0 (line 1) and 1 both write ./a.ocgan"},
		{"a given out that another job derives", "class=0\nclass=1 out=m-job0.ocgan\n", "m.ocgan", nil, "jobs 0 (line 1) and 1 both write m-job0.ocgan"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("jobs.txt", []byte(c.text))
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.Outputs(c.base)
			if c.msg != "" {
				if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("error %v, want ErrDuplicate with %q", err, c.msg)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("outputs %v (%v), want %v", got, err, c.want)
			}
		})
	}
}

func TestIndexFromEnv(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		want int
		from string
		err  error
		msg  string
	}{
		{"kubernetes", map[string]string{EnvKubernetes: "4"}, 4, EnvKubernetes, nil, ""},
		{"slurm", map[string]string{EnvSlurm: "0"}, 0, EnvSlurm, nil, ""},
		{"kubernetes first", map[string]string{EnvKubernetes: "2", EnvSlurm: "7"}, 2, EnvKubernetes, nil, ""},
		{"empty is unset", map[string]string{EnvKubernetes: "", EnvSlurm: "5"}, 5, EnvSlurm, nil, ""},
		{"none", map[string]string{}, 0, "", ErrNoIndex, "neither $JOB_COMPLETION_INDEX nor $SLURM_ARRAY_TASK_ID is set"},
		{"negative", map[string]string{EnvSlurm: "-1"}, 0, "", nil, `$SLURM_ARRAY_TASK_ID="-1" is not a job index`},
		{"not a number", map[string]string{EnvKubernetes: "3a"}, 0, "", nil, `$JOB_COMPLETION_INDEX="3a" is not a job index`},
		{"plus sign", map[string]string{EnvKubernetes: "+3"}, 0, "", nil, "is not a job index"},
	} {
		t.Run(c.name, func(t *testing.T) {
			i, from, err := IndexFromEnv(func(k string) string { return c.env[k] })
			if c.msg != "" {
				if err == nil || !strings.Contains(err.Error(), c.msg) || (c.err != nil && !errors.Is(err, c.err)) {
					t.Fatalf("error %v, want %q", err, c.msg)
				}
				return
			}
			if err != nil || i != c.want || from != c.from {
				t.Errorf("%d from %s (%v), want %d from %s", i, from, err, c.want, c.from)
			}
		})
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "jobs.txt")
	if err := os.WriteFile(path, []byte("class=5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil || f.Name != path || len(f.Jobs) != 1 {
		t.Fatalf("Read: %+v %v", f, err)
	}
	if _, err := Read(filepath.Join(dir, "none.txt")); err == nil || !strings.Contains(err.Error(), "none.txt") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Read(dir); err == nil {
		t.Error("a folder read as a job file")
	}
}
