package results

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/strictjson"
)

// Marshal returns the record as indented JSON with a final newline, after
// validating it.
func Marshal(r *Record) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the result record: %w", err)
	}
	return append(b, '\n'), nil
}

// Unmarshal decodes and validates one record; unknown fields and anything
// after the record are errors.
func Unmarshal(data []byte) (*Record, error) {
	var r Record
	if err := strictjson.Decode(data, &r); err != nil {
		return nil, fmt.Errorf("not a result record: %w", err)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// Write writes the record into dir (created if needed) as
// dir/r.FileName(), atomically, and returns the file's path.
func Write(dir string, r *Record) (string, error) {
	b, err := Marshal(r)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.FileName())
	if err := atomicfile.Write(path, b, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// Read reads and validates the record at path, whose base name must be the
// record's FileName. Errors name the file.
func Read(path string) (*Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if base := filepath.Base(path); base != r.FileName() {
		return nil, fmt.Errorf("%s: the record is %s; its file must be named %s", path, r.Key.String(), r.FileName())
	}
	return r, nil
}

// ReadDir reads every *.json file of dir, sorted by file name. Other files
// (a README) are left alone; a file that is not a valid record is an error
// naming it.
func ReadDir(dir string) ([]*Record, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, err
	}
	var out []*Record
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		r, err := Read(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// String names the key as "mnist protocol 2 full class 3 seed 1".
func (k Key) String() string {
	return fmt.Sprintf("%s protocol %d %s class %d seed %d", k.Dataset, k.Protocol, k.Mode, k.Class, k.Seed)
}
