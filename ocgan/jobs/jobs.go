// Package jobs reads job files: lists of training runs, one per line, of
// which a batch system's array job (a Kubernetes Indexed Job, a Slurm job
// array) runs one per task, chosen by the task's index.
//
// The format: one job per line; blank lines and lines whose first
// non-blank character is '#' are skipped. A job is fields separated by
// blanks, each KEY=VALUE with KEY one of Keys (the `ocgan train` flag of
// that name). A value holding blanks is written as a double-quoted Go
// string (data="/srv/parts/line 2"). A key appears at most once per job,
// and no two jobs are the same set of fields. Jobs are numbered from 0 in
// file order, skipped lines not counted:
//
//	# dataset=mnist, classes 0 to 2, two seeds each
//	dataset=mnist class=0 seed=1
//	dataset=mnist class=0 seed=2
//	dataset=folder data=/srv/parts class=good out=parts-good.ocgan
package jobs

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// Keys are the fields a job may set.
var Keys = []string{"dataset", "data", "class", "protocol", "seed", "epochs", "budget", "batch", "mode", "latent", "out"}

// MaxFileBytes is the largest job file Read accepts.
const MaxFileBytes = 4 << 20

// The environment variables that hold a task's index, in the order
// IndexFromEnv reads them.
const (
	EnvKubernetes = "JOB_COMPLETION_INDEX" // Kubernetes Indexed Jobs
	EnvSlurm      = "SLURM_ARRAY_TASK_ID"  // Slurm job arrays
)

var (
	// ErrSyntax: a line is not a list of KEY=VALUE fields.
	ErrSyntax = errors.New("syntax error")
	// ErrUnknownKey: a field's key is not one of Keys.
	ErrUnknownKey = errors.New("unknown key")
	// ErrDuplicate: a key twice in one job, two identical jobs, or two
	// jobs with the same output.
	ErrDuplicate = errors.New("duplicate")
	// ErrNoJobs: the file holds no job.
	ErrNoJobs = errors.New("no jobs")
	// ErrIndexOutOfRange: the index names no job of the file.
	ErrIndexOutOfRange = errors.New("job index out of range")
	// ErrNoIndex: neither environment variable of IndexFromEnv is set.
	ErrNoIndex = errors.New("no job index")
)

// Field is one KEY=VALUE of a job.
type Field struct{ Key, Value string }

// Job is one line of a job file.
type Job struct {
	// Index is the job's number (from 0, in file order), Line its line
	// in the file (from 1).
	Index, Line int
	Fields      []Field
}

// Get returns the value of key and whether the job sets it.
func (j Job) Get(key string) (string, bool) {
	for _, f := range j.Fields {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// String is the job in the file format, its fields in file order.
func (j Job) String() string {
	parts := make([]string, len(j.Fields))
	for i, f := range j.Fields {
		parts[i] = f.Key + "=" + quote(f.Value)
	}
	return strings.Join(parts, " ")
}

// quote returns v as a job file writes it: bare, or quoted when it holds
// blanks, quotes or is empty.
func quote(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"") || strings.HasPrefix(v, "#") {
		return strconv.Quote(v)
	}
	return v
}

// File is a parsed job file.
type File struct {
	// Name is the file's path, as errors name it.
	Name string
	Jobs []Job
}

// Read reads and parses the job file at path.
func Read(path string) (*File, error) {
	data, err := boundedfile.Read(path, MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("job file: %w", err)
	}
	return Parse(path, data)
}

// Parse parses the job file data; name is its path, for errors. Errors
// name the file and line and wrap ErrSyntax, ErrUnknownKey, ErrDuplicate
// or ErrNoJobs.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Name: name}
	seen := map[string]int{} // a job's canonical form -> its line
	for i, line := range bytes.Split(data, []byte("\n")) {
		text := strings.TrimSpace(strings.TrimSuffix(string(line), "\r"))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields, err := parseLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		job := Job{Index: len(f.Jobs), Line: i + 1, Fields: fields}
		canon := canonical(fields)
		if first, ok := seen[canon]; ok {
			return nil, fmt.Errorf("%s:%d: %w job: the same as line %d", name, i+1, ErrDuplicate, first)
		}
		seen[canon] = i + 1
		f.Jobs = append(f.Jobs, job)
	}
	if len(f.Jobs) == 0 {
		return nil, fmt.Errorf("%s: %w: every line is blank or a comment", name, ErrNoJobs)
	}
	return f, nil
}

// parseLine splits one job line into its fields.
func parseLine(text string) ([]Field, error) {
	var fields []Field
	for rest := text; ; {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return fields, nil
		}
		eq := strings.IndexByte(rest, '=')
		blank := strings.IndexAny(rest, " \t")
		if eq <= 0 || (blank >= 0 && blank < eq) {
			return nil, fmt.Errorf("%w: want KEY=VALUE, got %q", ErrSyntax, strings.Fields(rest)[0])
		}
		key := rest[:eq]
		rest = rest[eq+1:]
		var value string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("%w: %s: unterminated or malformed quoted value", ErrSyntax, key)
			}
			value, _ = strconv.Unquote(q)
			rest = rest[len(q):]
			if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
				return nil, fmt.Errorf("%w: %s: text right after the closing quote", ErrSyntax, key)
			}
		} else {
			end := strings.IndexAny(rest, " \t")
			if end < 0 {
				end = len(rest)
			}
			value, rest = rest[:end], rest[end:]
		}
		if !slices.Contains(Keys, key) {
			return nil, fmt.Errorf("%w %q (keys: %s)", ErrUnknownKey, key, strings.Join(Keys, ", "))
		}
		if value == "" {
			return nil, fmt.Errorf("%w: %s has an empty value", ErrSyntax, key)
		}
		for _, f := range fields {
			if f.Key == key {
				return nil, fmt.Errorf("%w key %s in one job", ErrDuplicate, key)
			}
		}
		fields = append(fields, Field{key, value})
	}
}

// canonical is a job's fields in key order, so that the same job written
// in another order compares equal.
func canonical(fields []Field) string {
	s := slices.Clone(fields)
	slices.SortFunc(s, func(a, b Field) int { return strings.Compare(a.Key, b.Key) })
	return Job{Fields: s}.String()
}

// Pick returns the job of index i, or an error wrapping
// ErrIndexOutOfRange.
func (f *File) Pick(i int) (Job, error) {
	if i < 0 || i >= len(f.Jobs) {
		return Job{}, fmt.Errorf("%s: %w: index %d, the file has %d jobs (indexes 0 to %d)", f.Name, ErrIndexOutOfRange, i, len(f.Jobs), len(f.Jobs)-1)
	}
	return f.Jobs[i], nil
}

// Outputs returns each job's output file: its out field, else base with
// "-jobI" (I the job's index) before its extension (model.ocgan:
// model-job3.ocgan). It fails, wrapping ErrDuplicate, when two jobs would
// write the same file.
func (f *File) Outputs(base string) ([]string, error) {
	outs := make([]string, len(f.Jobs))
	first := map[string]Job{}
	for i, j := range f.Jobs {
		out, ok := j.Get("out")
		if !ok {
			out = DerivedOutput(base, j.Index)
		}
		key := filepath.Clean(out)
		if other, ok := first[key]; ok {
			return nil, fmt.Errorf("%s:%d: %w output: jobs %d (line %d) and %d both write %s", f.Name, j.Line, ErrDuplicate, other.Index, other.Line, j.Index, out)
		}
		first[key] = j
		outs[i] = out
	}
	return outs, nil
}

// DerivedOutput is base with "-jobI" before its extension.
func DerivedOutput(base string, i int) string {
	ext := filepath.Ext(base)
	if ext == base || strings.HasSuffix(base, "/"+ext) {
		ext = ""
	}
	return strings.TrimSuffix(base, ext) + "-job" + strconv.Itoa(i) + ext
}

// IndexFromEnv returns the task index that the batch system sets, from
// EnvKubernetes or else EnvSlurm (getenv is os.Getenv, or a test's
// stand-in), and the variable it came from. It fails wrapping ErrNoIndex
// when neither is set, and naming the variable when its value is not a
// number from 0 up.
func IndexFromEnv(getenv func(string) string) (int, string, error) {
	for _, name := range []string{EnvKubernetes, EnvSlurm} {
		v := getenv(name)
		if v == "" {
			continue
		}
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || strings.HasPrefix(v, "+") {
			return 0, name, fmt.Errorf("$%s=%q is not a job index (a whole number from 0 up)", name, v)
		}
		return i, name, nil
	}
	return 0, "", fmt.Errorf("%w: neither $%s nor $%s is set", ErrNoIndex, EnvKubernetes, EnvSlurm)
}
