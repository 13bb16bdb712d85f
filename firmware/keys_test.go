package firmware

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestKeyFilesRoundTrip saves a generated key pair, checks the file modes,
// loads both back, and checks that saving over an existing file is
// refused.
func TestKeyFilesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	privPath, pubPath := filepath.Join(dir, "sign.key"), filepath.Join(dir, "sign.pub")
	if err := SavePrivateKey(privPath, priv); err != nil {
		t.Fatal(err)
	}
	if err := SavePublicKey(pubPath, pub); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{privPath: 0o600, pubPath: 0o644} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", path, st.Mode().Perm(), mode)
		}
	}
	priv2, err := LoadPrivateKey(privPath)
	if err != nil {
		t.Fatal(err)
	}
	pub2, err := LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.Equal(priv2) || !pub.Equal(pub2) {
		t.Fatal("keys differ after a round trip")
	}
	if err := SavePrivateKey(privPath, priv); !errors.Is(err, fs.ErrExist) {
		t.Errorf("saving over an existing private key: %v, want fs.ErrExist", err)
	}
}

// TestLoadKeyRejects feeds the loaders files that are not ed25519 keys of
// the right kind and checks each is refused with ErrKey.
func TestLoadKeyRejects(t *testing.T) {
	pub, priv := testKey(1)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	privDER, _ := x509.MarshalPKCS8PrivateKey(priv)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	ecPrivDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	ecPubDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	pemOf := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	big := make([]byte, maxKeyFile+1)
	for i := range big {
		big[i] = 'A'
	}
	for _, c := range []struct {
		name    string
		private bool
		content []byte
	}{
		{"empty private", true, nil},
		{"garbage private", true, []byte("not a key\n")},
		{"raw 64 bytes", true, []byte(priv)},
		{"public key as private", true, pemOf(pemPublic, pubDER)},
		{"ecdsa private", true, pemOf(pemPrivate, ecPrivDER)},
		{"truncated DER", true, pemOf(pemPrivate, privDER[:len(privDER)-1])},
		{"extra DER byte", true, pemOf(pemPrivate, append(append([]byte{}, privDER...), 0))},
		{"trailing data", true, append(pemOf(pemPrivate, privDER), "junk"...)},
		{"two blocks", true, append(pemOf(pemPrivate, privDER), pemOf(pemPrivate, privDER)...)},
		{"oversized", true, big},
		{"empty public", false, nil},
		{"private as public", false, pemOf(pemPrivate, privDER)},
		{"ecdsa public", false, pemOf(pemPublic, ecPubDER)},
		{"short public DER", false, pemOf(pemPublic, pubDER[:len(pubDER)-2])},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "key")
			if err := os.WriteFile(p, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			var err error
			if c.private {
				_, err = LoadPrivateKey(p)
			} else {
				_, err = LoadPublicKey(p)
			}
			if !errors.Is(err, ErrKey) {
				t.Fatalf("err = %v, want ErrKey", err)
			}
			t.Log(err)
		})
	}
}
