package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/spf13/pflag"
)

// bundleInstallCmd is `ocgan bundle install`.
type bundleInstallCmd struct {
	root  string
	key   keyFlag
	force bool
	keep  int
}

func (c *bundleInstallCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.root, "root", "", "install root: versions/<id>, current and previous live there")
	c.key.add(fs, "public key that must have signed the bundle")
	fs.BoolVar(&c.force, "force", false, "install even if it lowers the model or format version")
	fs.IntVar(&c.keep, "keep", firmware.DefaultKeep, "old versions to keep besides current and previous")
}

func (c *bundleInstallCmd) run(e *env) error {
	if e.fs.NArg() != 1 {
		return usageError{errors.New("give one bundle file")}
	}
	root, force := c.root, c.force
	if root == "" {
		return usageError{errors.New("--root is required")}
	}
	if err := intIn("keep", c.keep, 0, maxKeep); err != nil {
		return err
	}
	keep := c.keep
	if keep == 0 {
		keep = -1 // firmware: 0 means its default; here 0 means none
	}
	pub, err := c.key.load()
	if err != nil {
		return err
	}
	res, err := firmware.Install(root, e.fs.Arg(0), pub, firmware.InstallOptions{Force: force, RuntimeVersion: version, Keep: keep})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if res.NoOp {
		fmt.Fprintf(e.stdout, "%s is already the current version under %s\n", res.ID, root)
		return nil
	}
	fmt.Fprintf(e.stdout, "installed %s as current under %s (previous: %s)\n", res.ID, root, orNone(res.Previous))
	return nil
}

// bundleRootCmd is `ocgan bundle rollback` or `ocgan bundle status`: an
// install root and --key (required to roll back).
type bundleRootCmd struct {
	root     string
	key      keyFlag
	keyHelp  string
	rollback bool
}

func (c *bundleRootCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.root, "root", "", "install root")
	c.key.add(fs, c.keyHelp)
}

func (c *bundleRootCmd) run(e *env) error {
	root := c.root
	if root == "" {
		return usageError{errors.New("--root is required")}
	}
	if !c.rollback {
		return c.runStatus(e)
	}
	pub, err := c.key.load()
	if err != nil {
		return err
	}
	res, err := firmware.Rollback(root, pub)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rolled back under %s: current %s, previous %s\n", root, res.ID, orNone(res.Previous))
	return nil
}

func (c *bundleRootCmd) runStatus(e *env) error {
	root := c.root
	pub, err := c.key.optional()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "link\tbundle\tmodel version\tcreated\tverified")
	for _, l := range []struct {
		name string
		get  func(string) (firmware.Installed, error)
	}{{"current", firmware.Current}, {"previous", firmware.Previous}} {
		in, err := l.get(root)
		if errors.Is(err, firmware.ErrNotInstalled) {
			fmt.Fprintf(w, "%s\t(none)\t\t\t\n", l.name)
			continue
		}
		if err != nil {
			return err
		}
		data, err := readBundleFile(in.BundlePath())
		if err != nil {
			return err
		}
		r, err := firmware.Inspect(data, pub)
		if err != nil {
			return fmt.Errorf("%s %s: %w", l.name, in.BundlePath(), err)
		}
		verified := "no key given"
		if pub != nil {
			verified = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.name, in.ID, r.Meta.ModelVersion, r.Meta.Created.Format("2006-01-02 15:04"), verified)
	}
	return w.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
