package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ocgan-vk/ocgan/ocgan/jobs"
	"github.com/spf13/pflag"
)

// jobFlags are the flags that pick one job of a job file.
type jobFlags struct {
	path   string
	index  int
	dryRun bool
}

func (j *jobFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&j.path, "jobs", "", "job file: one training run per line of KEY=VALUE fields (README \"Deploy to a fleet\"); the job of --job-index sets those flags, and writes its out field, else --out with -jobI before the extension")
	fs.IntVar(&j.index, "job-index", 0, "the job of --jobs to run, from 0 (default $"+jobs.EnvKubernetes+", else $"+jobs.EnvSlurm+")")
	fs.BoolVar(&j.dryRun, "dry-run", false, "print the settings and output of the run, then stop before loading the data set or training")
}

// pickedJob is the job of a job file that a run does.
type pickedJob struct {
	job   jobs.Job
	file  string
	count int
	// from says where the index came from: --job-index or an environment
	// variable.
	from string
}

// apply sets the flags of fs from the job of --jobs that --job-index
// (or the batch system's environment) picks: a job's field sets the flag
// of its name, and a flag given on the command line with another value is
// a usage error; --out (given as out) becomes the job's own output (its out field, else
// --out with -jobI, see jobs.File.Outputs). Without --jobs it returns nil.
func (j *jobFlags) apply(fs *pflag.FlagSet, out string) (*pickedJob, error) {
	path := j.path
	if path == "" {
		if fs.Changed("job-index") {
			return nil, usageError{errors.New("--job-index picks a job of --jobs FILE: give --jobs")}
		}
		return nil, nil
	}
	f, err := jobs.Read(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--jobs: %w", err)}
	}
	index, from := 0, "--job-index"
	if fs.Changed("job-index") {
		index = j.index
	} else if index, from, err = jobs.IndexFromEnv(os.Getenv); err != nil {
		if errors.Is(err, jobs.ErrNoIndex) {
			return nil, usageError{fmt.Errorf("--jobs %s: which job? give --job-index N (%w)", path, err)}
		}
		return nil, usageError{err}
	}
	job, err := f.Pick(index)
	if err != nil {
		return nil, usageError{fmt.Errorf("--jobs: %w (from %s)", err, from)}
	}
	outs, err := f.Outputs(out)
	if err != nil {
		return nil, usageError{fmt.Errorf("--jobs: %w", err)}
	}
	// --out names the files of all the jobs (model.ocgan: model-job0.ocgan,
	// model-job1.ocgan, ...) but those whose out field names their own.
	if err := fs.Set("out", outs[index]); err != nil {
		return nil, err
	}
	picked := &pickedJob{job: job, file: path, count: len(f.Jobs), from: from}
	where := picked.where()
	ref := pflag.NewFlagSet("job", pflag.ContinueOnError)
	ref.SetOutput(io.Discard)
	(&trainCmd{}).flags(ref)
	for _, field := range job.Fields {
		if field.Key == "out" {
			continue
		}
		if err := ref.Set(field.Key, field.Value); err != nil {
			return nil, usageError{fmt.Errorf("%s: %s=%s: %w", where, field.Key, field.Value, err)}
		}
		want := ref.Lookup(field.Key).Value.String()
		if fs.Changed(field.Key) {
			if given := fs.Lookup(field.Key).Value.String(); given != want {
				return nil, usageError{fmt.Errorf("--%s %s conflicts with %s=%s of %s: give it in one place", field.Key, given, field.Key, field.Value, where)}
			}
			continue
		}
		if err := fs.Set(field.Key, field.Value); err != nil {
			return nil, usageError{fmt.Errorf("%s: %s=%s: %w", where, field.Key, field.Value, err)}
		}
	}
	return picked, nil
}

// where names the job and its line.
func (p *pickedJob) where() string {
	return fmt.Sprintf("job %d (%s line %d)", p.job.Index, p.file, p.job.Line)
}

// wrap prefixes err with the job it arose in (none when p is nil), keeping
// a usage error one.
func (p *pickedJob) wrap(err error) error {
	if p == nil {
		return err
	}
	var ue usageError
	if errors.As(err, &ue) {
		return usageError{fmt.Errorf("%s: %w", p.where(), ue.error)}
	}
	return fmt.Errorf("%s: %w", p.where(), err)
}

// printTrainPlan writes what a training run would do (--dry-run): the job
// it is, when one was picked, then its settings as KEY=VALUE fields.
func printTrainPlan(w io.Writer, picked *pickedJob, j *trainJob) error {
	if picked != nil {
		fmt.Fprintf(w, "%s of %d, index from %s: %s\n", picked.where(), picked.count, picked.from, picked.job)
	}
	d := j.data
	fields := []jobs.Field{{Key: "dataset", Value: d.name}}
	if d.path != "" {
		fields = append(fields, jobs.Field{Key: "data", Value: d.path})
	}
	if d.name != datasetImages {
		class := fmt.Sprint(d.class)
		if d.className != "" {
			class = d.className
		}
		fields = append(fields, jobs.Field{Key: "class", Value: class}, jobs.Field{Key: "protocol", Value: fmt.Sprint(d.protocol)})
	}
	fields = append(fields,
		jobs.Field{Key: "seed", Value: fmt.Sprint(j.cfg.Seed)},
		jobs.Field{Key: "epochs", Value: fmt.Sprint(j.cfg.Epochs)},
		jobs.Field{Key: "budget", Value: j.cfg.Budget.String()},
		jobs.Field{Key: "batch", Value: fmt.Sprint(j.cfg.Batch)},
		jobs.Field{Key: "mode", Value: j.cfg.Mode.String()},
		jobs.Field{Key: "latent", Value: fmt.Sprint(j.cfg.Geometry.Latent)},
		jobs.Field{Key: "out", Value: j.out})
	_, err := fmt.Fprintf(w, "would train: %s\n", jobs.Job{Fields: fields})
	return err
}
