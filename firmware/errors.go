package firmware

import "errors"

// The kinds of error this package returns, wrapped with the details (which
// file, which part, which field); test with errors.Is.
var (
	// ErrBadMagic: the data does not start with Magic.
	ErrBadMagic = errors.New("not an OCGAN bundle (bad magic)")
	// ErrVersion: a bundle format version this build does not read.
	ErrVersion = errors.New("unsupported bundle format version")
	// ErrTruncated: the data ends before the header says it should.
	ErrTruncated = errors.New("truncated bundle")
	// ErrTooLarge: a length field or the whole bundle exceeds a fixed cap.
	ErrTooLarge = errors.New("bundle too large")
	// ErrSignature: the ed25519 signature does not verify.
	ErrSignature = errors.New("bundle signature invalid")
	// ErrWrongKey: the bundle names another signing key than the one given;
	// such errors wrap ErrSignature too.
	ErrWrongKey = errors.New("bundle signed by another key")
	// ErrHash: a part's SHA-256 differs from the manifest's.
	ErrHash = errors.New("bundle part hash mismatch")
	// ErrUnsafePath: a part name that is not a plain file name (a "/",
	// "..", a NUL, ...), which could escape the install directory.
	ErrUnsafePath = errors.New("unsafe part name in bundle")
	// ErrCorrupt: the signature verifies but the content is inconsistent
	// (manifest, part list, sizes, meta.json, model encoding), or there is
	// data after the signature.
	ErrCorrupt = errors.New("corrupt bundle")
	// ErrDowngrade: installing would lower the model or format version.
	ErrDowngrade = errors.New("bundle would downgrade the installed model")
	// ErrRuntime: the bundle needs a newer runtime than the one installing
	// or loading it.
	ErrRuntime = errors.New("bundle needs a newer runtime")
	// ErrNotInstalled: the install root has no current (or previous)
	// version.
	ErrNotInstalled = errors.New("no installed bundle")
	// ErrBrokenLink: current or previous exists but is not a link to an
	// installed version: it dangles, points elsewhere than
	// versions/<bundle id>, or is not a symbolic link. Install replaces
	// it only with Force.
	ErrBrokenLink = errors.New("broken install link")
	// ErrKey: a key file of the wrong format, type or length.
	ErrKey = errors.New("invalid key file")
)
