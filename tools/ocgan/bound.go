package main

import "github.com/spf13/pflag"

// runner is a command whose flags are bound to its fields.
type runner interface {
	flags(fs *pflag.FlagSet)
	run(e *env) error
}

// bound is the command of r (a fresh value for each run of the program).
func bound(summary string, r runner) command { return command{summary, r.flags, r.run} }
