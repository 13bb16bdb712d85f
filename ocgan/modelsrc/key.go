package modelsrc

import (
	"crypto/ed25519"
	"errors"
	"os"

	"github.com/ocgan-vk/ocgan/firmware"
)

// KeyEnv names the public key file used when none is given.
const KeyEnv = "OCGAN_BUNDLE_KEY"

// ErrNoKey is returned by LoadKey when neither a key file nor $KeyEnv is
// given.
var ErrNoKey = errors.New("modelsrc: no public key to verify bundles with")

// KeyFunc returns the public key that verifies bundles. Opener calls it only
// when it opens a bundle, so that checkpoints need no key.
type KeyFunc func() (ed25519.PublicKey, error)

// LoadKey loads the ed25519 public key in the file at path, or, when path is
// empty, in the file $KeyEnv names; ErrNoKey when both are empty.
func LoadKey(path string) (ed25519.PublicKey, error) {
	if path == "" {
		path = os.Getenv(KeyEnv)
	}
	if path == "" {
		return nil, ErrNoKey
	}
	return firmware.LoadPublicKey(path)
}
