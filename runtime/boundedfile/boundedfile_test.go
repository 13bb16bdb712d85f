package boundedfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestReadRegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	want := []byte("hello")
	if err := os.WriteFile(p, want, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{5, 100} {
		got, err := Read(p, limit)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("limit %d: %q, %v", limit, got, err)
		}
	}
	if _, err := Read(p, 4); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit 4: %v, want ErrTooLarge", err)
	}
}

// TestReadHugeSparseFileRefusedBeforeReading refuses a 40 GB file from its
// size: nothing is allocated for it.
func TestReadHugeSparseFileRefusedBeforeReading(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(40 << 30); err != nil {
		f.Close()
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	if _, err := Read(p, 1<<20); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("%v, want ErrTooLarge", err)
	}
}

func TestNonRegularFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, link, dir, "/dev/zero", "/dev/null"} {
		if _, err := os.Stat(p); err != nil {
			continue
		}
		done := make(chan error, 1)
		go func() {
			_, err := Read(p, 1<<20)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ErrNotRegular) {
				t.Errorf("%s: %v, want ErrNotRegular", p, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Read blocked", p)
		}
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := Read(filepath.Join(t.TempDir(), "nope"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%v, want ErrNotExist", err)
	}
}
