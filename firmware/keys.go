package firmware

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// The PEM block types of key files (PKCS #8 and PKIX, as openssl writes
// them).
const (
	pemPrivate = "PRIVATE KEY"
	pemPublic  = "PUBLIC KEY"
	maxKeyFile = 16 << 10
)

// GenerateKey returns a new ed25519 key pair from crypto/rand.
func GenerateKey() (ed25519.PublicKey, ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("firmware: generate key: %w", err)
	}
	return pub, priv, nil
}

// SavePrivateKey writes key as a PKCS #8 PEM file of mode 0600. It refuses
// to overwrite an existing file, which would lose a signing key.
func SavePrivateKey(path string, key ed25519.PrivateKey) error {
	return saveKey(path, key, "private", ed25519.PrivateKeySize, x509.MarshalPKCS8PrivateKey, pemPrivate, 0o600)
}

// SavePublicKey writes pub as a PKIX PEM file of mode 0644, refusing to
// overwrite an existing file.
func SavePublicKey(path string, pub ed25519.PublicKey) error {
	return saveKey(path, pub, "public", ed25519.PublicKeySize, x509.MarshalPKIXPublicKey, pemPublic, 0o644)
}

// saveKey writes the which ("private", "public") key of size bytes to the
// new file path (mode perm) as a PEM block of type pemType holding the DER
// that marshal gives.
func saveKey[K ~[]byte](path string, key K, which string, size int, marshal func(key any) ([]byte, error), pemType string, perm os.FileMode) error {
	if len(key) != size {
		return fmt.Errorf("firmware: save %s key %s: %w: %d bytes, want %d", which, path, ErrKey, len(key), size)
	}
	der, err := marshal(key)
	if err != nil {
		return fmt.Errorf("firmware: save %s key %s: %w", which, path, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("firmware: save %s key %s: %w", which, path, fs.ErrExist)
	}
	if err := atomicfile.Write(path, pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), perm); err != nil {
		return fmt.Errorf("firmware: save %s key %s: %w", which, path, err)
	}
	return nil
}

// LoadPrivateKey reads a file written by SavePrivateKey (any PKCS #8 PEM
// ed25519 key). Another key type, a damaged file or trailing data is
// refused with an error wrapping ErrKey.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	return loadKey[ed25519.PrivateKey](path, pemPrivate, "private", ed25519.PrivateKeySize,
		x509.ParsePKCS8PrivateKey, x509.MarshalPKCS8PrivateKey)
}

// LoadPublicKey reads a file written by SavePublicKey (any PKIX PEM
// ed25519 key), refusing anything else with an error wrapping ErrKey.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	return loadKey[ed25519.PublicKey](path, pemPublic, "public", ed25519.PublicKeySize,
		x509.ParsePKIXPublicKey, x509.MarshalPKIXPublicKey)
}

// loadKey reads the which ("private", "public") key in path: the DER of its
// PEM block of type pemType, parsed by parse, must be a K of size bytes
// that marshal encodes back to the same DER. Errors wrap ErrKey.
func loadKey[K ~[]byte](path, pemType, which string, size int,
	parse func(der []byte) (any, error), marshal func(key any) ([]byte, error)) (K, error) {
	der, err := readPEM(path, pemType)
	if err != nil {
		return nil, err
	}
	k, err := parse(der)
	if err != nil {
		return nil, fmt.Errorf("firmware: %s key %s: %w: %v", which, path, ErrKey, err)
	}
	key, ok := k.(K)
	if !ok || len(key) != size {
		return nil, fmt.Errorf("firmware: %s key %s: %w: a %T, want an ed25519 key", which, path, ErrKey, k)
	}
	if again, err := marshal(key); err != nil || !bytes.Equal(again, der) {
		return nil, fmt.Errorf("firmware: %s key %s: %w: not the canonical %d-byte encoding (trailing or extra data)", which, path, ErrKey, len(again))
	}
	return key, nil
}

// readPEM returns the DER bytes of the one PEM block of type typ in path.
func readPEM(path, typ string) ([]byte, error) {
	buf, err := boundedfile.Read(path, maxKeyFile)
	if errors.Is(err, boundedfile.ErrTooLarge) {
		return nil, fmt.Errorf("firmware: key %s: %w: larger than %d bytes", path, ErrKey, maxKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("firmware: key: %w", err)
	}
	blk, rest := pem.Decode(buf)
	if blk == nil {
		return nil, fmt.Errorf("firmware: key %s: %w: no PEM block", path, ErrKey)
	}
	if blk.Type != typ {
		return nil, fmt.Errorf("firmware: key %s: %w: PEM block %q, want %q", path, ErrKey, blk.Type, typ)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, fmt.Errorf("firmware: key %s: %w: data after the PEM block", path, ErrKey)
	}
	return blk.Bytes, nil
}
