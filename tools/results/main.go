// Command results turns the result records of results/ (one JSON file per
// trained and evaluated model, written by `ocgan eval --results`) into the
// tables of RESULTS.md: per class our AUC (mean ± std over seeds), the
// paper's value beside it and the difference, the mean over classes, and how
// the runs were made (the command that repeats them, epochs, devices, time,
// dates, program).
//
// Usage:
//
//	go run ./tools/results           print the generated tables
//	go run ./tools/results -write    refresh the generated blocks of RESULTS.md and README.md
//	go run ./tools/results -check    fail unless those blocks match results/
//
// RESULTS.md is hand-written around its generated blocks: each lies between
// a line "<!-- results:ID -->" and the next "<!-- end -->", one per table
// (mnist-p2-full, fmnist-p1-full, mnist-p2-ablation) and one per study of
// the Experiments section (mnist-p2-epochs), whose runs change one setting
// of a table's: their records lie in a folder per variant below the results
// folder (experiments/NAME/), and one (selection-window) for what model
// selection over later epochs would have kept in the studies' runs, read
// from their per-epoch curves; and one (summary) for the means of the
// paper's two main tables against the paper's, which README.md (-readme)
// shows too, as its only generated block. Every record must be valid; a bad one is an
// error naming its file. Exit status: 0 success, 1
// error or a stale RESULTS.md, 2 usage error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ocgan-vk/ocgan/ocgan/results"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("results", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("results", "results", "the folder of result records (*.json)")
	doc := fs.String("doc", "RESULTS.md", "the document whose generated blocks hold the tables")
	readme := fs.String("readme", "README.md", "a second document, whose one generated block is the summary of the tables' means (empty: none)")
	write := fs.Bool("write", false, "refresh the generated blocks of -doc from -results")
	check := fs.Bool("check", false, "exit 1 unless the generated blocks of -doc are what -results gives")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 || (*write && *check) {
		fmt.Fprintln(stderr, "results: takes no arguments, and -write or -check (not both)")
		fs.Usage()
		return 2
	}
	recs, err := results.ReadDir(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "results: %v\n", err)
		return 1
	}
	byDir, err := readStudies(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "results: %v\n", err)
		return 1
	}
	if !*write && !*check {
		gen := blocks(recs, byDir)
		for i, id := range ids() {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintln(stdout, gen[id])
		}
		return 0
	}
	gen := blocks(recs, byDir)
	docs := []document{{*doc, gen}}
	if *readme != "" {
		docs = append(docs, document{*readme, map[string]string{summaryID: gen[summaryID]}})
	}
	status := 0
	for _, d := range docs {
		changed, err := update(d.path, d.gen, *write)
		if err != nil {
			fmt.Fprintf(stderr, "results: %v\n", err)
			status = 1
			continue
		}
		if *write {
			fmt.Fprintf(stdout, "%s: %d record(s), %d table(s) changed\n", d.path, len(recs), len(changed))
		}
	}
	return status
}

// document is a file with generated blocks and their contents by id.
type document struct {
	path string
	gen  map[string]string
}

// update compares the generated blocks of the document at path with gen
// and returns the ids of the blocks that differ. With write it
// rewrites the document (atomically) when any differs; without, a
// difference is an error.
func update(path string, gen map[string]string, write bool) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fresh, changed, err := refresh(string(data), gen)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(changed) == 0 {
		return nil, nil
	}
	if !write {
		return changed, fmt.Errorf("%s: the tables %s do not match the result records (refresh them with `go run ./tools/results -write`)",
			path, strings.Join(changed, ", "))
	}
	if err := atomicfile.Write(path, []byte(fresh), 0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return changed, nil
}
