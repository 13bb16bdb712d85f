package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckWritable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o444); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		want error // nil: writable
	}{
		{filepath.Join(dir, "new"), nil},
		{filepath.Join(dir, "a", "b", "new"), nil}, // Write makes the folders
		{file, nil}, // replaced by rename, whatever its mode
		{dir, ErrIsDir},
		{filepath.Join(file, "new"), ErrNotDir},
		{filepath.Join(file, "a", "new"), ErrNotDir},
		{os.DevNull, ErrNotRegular},
	} {
		err := CheckWritable(tc.path)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("CheckWritable(%s) = %v, want %v", tc.path, err, tc.want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the checks left files behind: %v", entries)
	}
	if got, _ := os.ReadFile(file); string(got) != "x" {
		t.Errorf("the checks changed the file: %q", got)
	}
}

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckDir(dir); err != nil {
		t.Errorf("CheckDir(%s): %v", dir, err)
	}
	if err := CheckDir(filepath.Join(dir, "new", "sub")); err != nil {
		t.Errorf("a folder Write would make: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "new")); err == nil {
		t.Errorf("CheckDir made the folder")
	}
	if err := CheckDir(filepath.Join(file, "sub")); !errors.Is(err, ErrNotDir) || !strings.Contains(err.Error(), file) {
		t.Errorf("under a file: %v, want %v naming %s", err, ErrNotDir, file)
	}
}

func TestCheckWritableReadOnlyDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("the superuser writes into read-only folders")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{CheckWritable(filepath.Join(dir, "x")), CheckDir(dir), CheckDir(filepath.Join(dir, "sub"))} {
		if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), dir) {
			t.Errorf("read-only folder: %v, want a permission error naming %s", err, dir)
		}
	}
}
