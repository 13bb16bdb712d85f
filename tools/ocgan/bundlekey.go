package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/modelsrc"
	"github.com/spf13/pflag"
)

// keyEnv names the public key file when --key is not given.
const keyEnv = modelsrc.KeyEnv

// keyFlag is --key: the public key file that verifies bundles.
type keyFlag struct{ path string }

func (k *keyFlag) add(fs *pflag.FlagSet, what string) {
	fs.StringVar(&k.path, "key", "", what+" (default $"+keyEnv+")")
}

// load loads the public key that --key (or $OCGAN_BUNDLE_KEY) names (see
// modelsrc.LoadKey); naming none is a usage error.
func (k *keyFlag) load() (ed25519.PublicKey, error) {
	pub, err := modelsrc.LoadKey(k.path)
	if errors.Is(err, modelsrc.ErrNoKey) {
		return nil, usageError{fmt.Errorf("bundles are verified before use: give the public key with --key FILE.pub (or $%s)", keyEnv)}
	}
	return pub, err
}

// optional is load, or nil when no key is named.
func (k *keyFlag) optional() (ed25519.PublicKey, error) {
	pub, err := modelsrc.LoadKey(k.path)
	if errors.Is(err, modelsrc.ErrNoKey) {
		return nil, nil
	}
	return pub, err
}

// bundleKeygenCmd is `ocgan bundle keygen`.
type bundleKeygenCmd struct{ out string }

func (c *bundleKeygenCmd) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.out, "out", "ocgan-signing", "write the private key to OUT.key (mode 0600) and the public key to OUT.pub")
}

func (c *bundleKeygenCmd) run(e *env) error {
	out := c.out
	if out == "" {
		return usageError{errors.New("--out must name the key files (OUT.key and OUT.pub)")}
	}
	for _, path := range []string{out + ".key", out + ".pub"} {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("--out %s: %s exists, and key files are never overwritten", out, path)
		}
		if err := checkOutputFile("--out", path); err != nil {
			return err
		}
	}
	pub, priv, err := firmware.GenerateKey()
	if err != nil {
		return err
	}
	if err := firmware.SavePrivateKey(out+".key", priv); err != nil {
		return err
	}
	if err := firmware.SavePublicKey(out+".pub", pub); err != nil {
		os.Remove(out + ".key")
		return err
	}
	fmt.Fprintf(e.stdout, "private key %s.key (keep it secret: it signs bundles)\npublic key  %s.pub (ship it to the devices)\nkey id      %s\n",
		out, out, firmware.KeyID(pub))
	return nil
}
