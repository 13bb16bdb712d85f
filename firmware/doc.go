// Package firmware makes, verifies and installs signed model bundles: the
// weights an OCGAN scorer needs (encoder and decoder), its threshold,
// score normalisation and input preprocessing, in one file signed with
// ed25519, installed under a root directory with atomic switching and
// rollback.
//
// # Bundle layout (format version 1)
//
// All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "OCGANBDL"
//	8       4     format version, uint32 (1)
//	12      4     M: manifest length, uint32, at most MaxManifestBytes
//	16      8     T: total file length, uint64, at most MaxBundleBytes
//	24      8     key id: first 8 bytes of the SHA-256 of the signing
//	              ed25519 public key
//	32      M     manifest, UTF-8 JSON (below)
//	32+M    ...   the parts, back to back in manifest order
//	T-64    64    ed25519 signature over bytes [0, T-64)
//
// The manifest lists every part, each exactly once, with its size in
// bytes and SHA-256 in hex; unknown fields are an error:
//
//	{"parts": [{"name": "meta.json", "size": 612, "sha256": "9f2c…"},
//	           {"name": "model", "size": 1048210, "sha256": "41aa…"}]}
//
// The part names are exactly PartModel ("model") and PartMeta
// ("meta.json"); a name that is not one plain file name ("/", "\", "..",
// NUL or another control character, empty) is refused with ErrUnsafePath
// before it is compared with the known names, so no entry can ever name a
// path outside an install directory. The part sizes must add up to
// T-32-M-64 exactly.
//
// The bundle id is the hex of the first 16 bytes of the SHA-256 of the
// manifest bytes. As the manifest pins every part's hash, the id names the
// content; it is the install directory's name. It is not stored in
// meta.json (meta.json's hash is in the manifest); Bundle.Meta fills it in.
//
// meta.json (type Meta) holds the format version (equal to the header's),
// the model version and minimum runtime version (both semantic versions),
// the creation time, the geometry name, the weight encoding, the novelty
// threshold, the score normalisation (mean and standard deviation of the
// in-class validation scores, zero if unknown), the input geometry and
// preprocessing (image size, channels, value range [-1, 1], bilinear
// resize, BT.601 luma grayscale, and "resize_policy": "crop" when a
// non-square image's centred square is resized rather than the whole
// image, absent for the whole image) and the source (dataset, class). The
// preprocessing is the training checkpoint's (ocgan/checkpoint); an fp32
// model part records it too and must agree.
//
// The model part is one of two encodings, named by meta.json's "weights":
//
//   - "fp32": a checkpoint file (ocgan/checkpoint, format version 1, or 2
//     for the crop policy) of the encoder and decoder parameters and
//     batch-norm state, float32 bit for bit, no Adam state, no
//     discriminators or classifier.
//   - "fp16": the same tensors as IEEE 754 binary16 (round to nearest, ties
//     to even; ±Inf, NaN and subnormals kept; a finite value beyond ±65504
//     is refused at build time), decoded back to float32.
//
// The fp16 encoding:
//
//	offset  size  field
//	0       8     magic "OCGANF16"
//	8       4     version, uint32 (1)
//	12      8     U: payload length, uint64, at most 1 GiB
//	20      ...   one zstd frame (window at most 8 MiB) of the payload
//
// Its payload is a uint32 H, H bytes of JSON {"geometry": model.Geometry,
// "train": {...}, "meta": {...}, "tensors": [{"name", "role", "shape"}]},
// then the N low bytes and then the N high bytes of the N binary16 values
// of the tensors in order (the split compresses better). The decoder's
// memory grows with the bytes it actually decodes, capped at 1 GiB, never
// with U or a shape.
//
// # Trust model
//
// Open and OpenFile check, in this order: the size cap and header (magic,
// version, lengths: a length field that does not match the bytes present
// is refused before anything is allocated for it), the key id against the
// given public key (a mismatch says "signed by key X, verifying with key
// Y"), the ed25519 signature, and only then parse the manifest, check
// every part's hash and parse meta.json. The model is decoded only on
// Bundle.Checkpoint, from bytes that passed all of that. Inspect without a
// key does everything but the signature and marks its report unverified.
// Every error wraps one of the sentinel errors (ErrBadMagic, ErrVersion,
// ErrTruncated, ErrTooLarge, ErrSignature, ErrWrongKey, ErrHash,
// ErrUnsafePath, ErrCorrupt, ...): test with errors.Is.
//
// Keys are PEM files: the private key PKCS #8 (mode 0600), the public key
// PKIX, both as openssl writes them for ed25519.
//
// # Install layout
//
//	ROOT/versions/<id>/bundle.ocgan    the verified bundle
//	ROOT/versions/<id>/installed.json  marker: id, model version, install time
//	ROOT/current  -> versions/<id>      symlink to the version in use
//	ROOT/previous -> versions/<id>      symlink to the one before
//	ROOT/.lock                          flock held by Install and Rollback
//
// Install verifies the bundle, refuses it if it needs a newer runtime or
// would lower the model or format version (unless forced), then writes it
// and its marker into ROOT/versions/.staging-*, syncs them and the
// directory, verifies the written copy, renames the staging directory to
// versions/<id> and syncs versions/. It then points previous at the old
// current and current at the new version, each by making a symlink under
// a temporary name, renaming it over the link and syncing ROOT. Finally it
// removes all but DefaultKeep (or InstallOptions.Keep) old versions
// besides current and previous.
//
// Crash guarantees: a process killed at any point leaves current pointing
// to a complete, verified version, the old one or the new one; a power
// loss does too, as far as the file system honours fsync and rename. The
// next Install or Rollback removes leftover staging directories and
// temporary links. A version directory exists only once complete, so a
// later Install of the same bundle reuses it after verifying it again.
// Current tells a server which version is current (poll it and compare
// ids) and Installed.Open verifies the bundle again when it is loaded.
//
// Nothing here keeps global mutable state.
package firmware
