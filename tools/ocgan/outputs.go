package main

import (
	"fmt"
	"path/filepath"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/spf13/pflag"
)

// probeOutputs checks, before any work, that the files the given flags name
// can be written (atomicfile.Probe), so that a long run does not end
// unable to save what it made. Unset flags are skipped.
func probeOutputs(fs *pflag.FlagSet, flags ...string) error {
	for _, name := range flags {
		p, _ := fs.GetString(name)
		if p == "" {
			continue
		}
		if err := atomicfile.Probe(p); err != nil {
			return fmt.Errorf("--%s: %w", name, err)
		}
	}
	return nil
}

// probeOutputDir checks that files can be written in the folder a flag
// names (created if needed).
func probeOutputDir(fs *pflag.FlagSet, flag string) error {
	dir, _ := fs.GetString(flag)
	if dir == "" {
		return nil
	}
	if err := atomicfile.Probe(filepath.Join(dir, "probe")); err != nil {
		return fmt.Errorf("--%s: %w", flag, err)
	}
	return nil
}
