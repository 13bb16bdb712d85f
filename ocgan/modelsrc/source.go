package modelsrc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/ocgan-vk/ocgan/firmware"
	"github.com/ocgan-vk/ocgan/ocgan/serve"
	"github.com/ocgan-vk/ocgan/runtime/backend"
	"github.com/ocgan-vk/ocgan/runtime/program"
	"github.com/ocgan-vk/ocgan/runtime/vk"
)

// Source is the serve.Source of the model at a path: the current version of
// an install root (its id is the bundle id), or a checkpoint or bundle file
// (its id changes when the file does). Its models score on one device, one
// at a time.
type Source struct {
	path   string
	opener Opener
	dev    *sharedDevice
}

// sharedDevice is a backend shared by a Source's models: one queue, and the
// device loss that ended its work.
type sharedDevice struct {
	mu   sync.Mutex // serialises every model's device work
	be   backend.Backend
	name string
	lost atomic.Pointer[error] // set once a device loss or timeout is seen
}

// NewSource serves the model at path, opened by o, on the backend be, whose
// name (for /healthz and logs) is deviceName.
func NewSource(path string, o Opener, be backend.Backend, deviceName string) *Source {
	return &Source{path: path, opener: o, dev: &sharedDevice{be: be, name: deviceName}}
}

// Current returns the id of the model at the path now.
func (s *Source) Current() (string, error) {
	st, err := os.Stat(s.path)
	if err != nil {
		return "", err
	}
	if st.IsDir() {
		in, err := firmware.Current(s.path)
		if err != nil {
			return "", err
		}
		return in.ID, nil
	}
	return fmt.Sprintf("%s@%d/%d", filepath.Base(s.path), st.ModTime().UnixNano(), st.Size()), nil
}

// Load opens the model Current named id and builds its batch-1 scorer. For
// an install root it opens the version id names, even if current has moved
// on since. A checkpoint's id is its file's digest and its version
// "checkpoint NAME".
func (s *Source) Load(id string) (serve.Model, error) {
	if err := s.dev.check(); err != nil {
		return nil, err
	}
	m, err := s.open(id)
	if err != nil {
		return nil, err
	}
	return newServed(m, s.dev)
}

// open opens the model of id.
func (s *Source) open(id string) (*Model, error) {
	st, err := os.Stat(s.path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return s.opener.OpenVersion(s.path, id)
	}
	m, err := s.opener.Open(s.path)
	if err != nil {
		return nil, err
	}
	if m.ID == "" {
		if m.ID, err = FileDigest(s.path); err != nil {
			return nil, err
		}
	}
	if m.Version == "" {
		m.Version = "checkpoint " + filepath.Base(s.path)
	}
	return m, nil
}

// check returns nil while the device works, else an error wrapping
// serve.ErrUnavailable that says why not. It never waits for the device:
// while a model runs work, that work notes a loss itself.
func (d *sharedDevice) check() error {
	if d.lost.Load() == nil && d.mu.TryLock() {
		if pb, ok := d.be.(*program.Backend); ok {
			d.note(pb.Library().Context().Err())
		}
		d.mu.Unlock()
	}
	lost := d.lost.Load()
	if lost == nil {
		return nil
	}
	return fmt.Errorf("%w: device %s can no longer run work (restart the server): %w", serve.ErrUnavailable, d.name, *lost)
}

// note records err when it ends the device's work: a device loss or a
// timeout.
func (d *sharedDevice) note(err error) {
	var te *vk.TimeoutError
	if errors.Is(err, vk.ErrDeviceLost) || errors.As(err, &te) {
		d.lost.CompareAndSwap(nil, &err)
	}
}
