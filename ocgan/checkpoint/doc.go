// Package checkpoint saves and loads OCGAN training checkpoints: the model
// geometry, every parameter and state tensor, the Adam moments and step
// counts, and the training state (epoch, iteration, RNG seed and counter,
// best validation MSE, threshold) and the preprocessing that turned images
// into model inputs, in one zstd-compressed, checksummed file.
//
// Save encodes a Checkpoint and writes it with runtime/atomicfile (temporary
// file in the same directory, sync, rename, directory sync), so a crash
// leaves the old file or the new one, never a part. Load and Decode refuse a
// truncated, corrupted, wrong-version or oversized file with an error that
// wraps one of ErrBadMagic, ErrVersion, ErrTruncated, ErrChecksum,
// ErrCorrupt or ErrTooLarge (test with errors.Is) and says what is wrong;
// Load's errors name the file. CheckArchitecture refuses a checkpoint of
// another geometry (ErrArchitecture), naming the first field that differs.
// FromParams fills a Checkpoint from a graph.ParamSet and the Adam state of a
// backend.Params; Restore puts them back.
//
// # File layout (format versions 1 and 2)
//
// All integers are little-endian.
//
//	offset  size  field
//	0       8     magic "OCGANCKP"
//	8       4     format version, uint32 (1 or 2)
//	12      4     flags, uint32; no flags are defined, must be 0
//	16      8     U: length of the uncompressed payload, uint64
//	24      8     C: length of the compressed section, uint64
//	32      C     compressed section: one zstd frame holding the payload,
//	              optionally followed by one zstd skippable frame of zeros
//	              (padding, see below)
//	32+C    32    SHA-256 of bytes [0, 32+C): the header and the compressed
//	              section
//
// The file is exactly 64+C bytes; anything after the checksum is an error.
// The checksum is checked before anything is decompressed, so a damaged file
// never reaches the zstd decoder or the JSON parser. (The zstd frame also
// carries its own xxhash64 content checksum, which the decoder checks.)
//
// The payload (U bytes, after decompression):
//
//	offset  size  field
//	0       4     M: manifest length, uint32
//	4       M     manifest: UTF-8 JSON, see below
//	4+M     U-4-M tensor data: the float32 values (IEEE 754 bits,
//	              little-endian, row-major) of every tensor of the manifest,
//	              in manifest order, back to back
//
// The manifest is one JSON object; unknown fields are an error:
//
//	{
//	  "geometry":   {"name": "MNIST28", "image_size": 28, "channels": 1,
//	                 "latent": 16, "depth": 3, "kernel": 5, "stride": 2,
//	                 "encoder_width": 64, "visual_width": 12,
//	                 "classifier_width": 64, "latent_widths": [128, 64, 32, 16],
//	                 "sizes": [28, 14, 7, 4, 1], "conv_pad": [2, 2, 2, 1],
//	                 "transposed_pad": [[1, 1], [2, 0], [2, 1], [2, 1]],
//	                 "dropout_p": 0.5, "dropout_block": 3,
//	                 "bn_momentum": 0.9, "bn_eps": 0.00001, "leaky_slope": 0.2},
//	  "preprocess": {"image_size": 28, "channels": 1, "resize": "crop",
//	                 "interpolation": "bilinear", "grayscale": "bt601-luma",
//	                 "range": [-1, 1]},                  (version 2 only)
//	  "train":      {"epoch": 3, "iteration": 2811, "seed": 1,
//	                 "rng_counter": 90000, "best_val_mse": 0.0123,
//	                 "best_epoch": 2, "threshold": "NaN"},
//	  "meta":       {"dataset": "mnist", "class": "3", ...},  (omitted if empty)
//	  "tensors":    [{"name": "En.conv1.weight", "role": "param",
//	                  "shape": [64, 1, 5, 5], "offset": 0}, ...],
//	  "adam_steps": {"En.conv1.weight": 2811, ...}
//	}
//
// A tensor's role is "param" or "state" (a ParamSet entry), or "adam_m" or
// "adam_v" (the Adam moments of the param of the same name, with its shape).
// Its offset is its byte offset in the tensor data, which must equal the sum
// of the sizes of the tensors before it. Param and state tensors come first
// in Checkpoint.Tensors order, then adam_m and adam_v of each
// Checkpoint.Adam entry. A param with Adam moments has both moments and an
// adam_steps entry, and adam_steps names no other. The train floats are JSON
// numbers, or the strings "NaN", "+Inf" and "-Inf"; float32 tensor values
// are stored bit for bit.
//
// Format version 2 added "preprocess" (Checkpoint.Preprocess): the input
// size and channels (equal to the geometry's), the resize policy ("fit":
// the whole image resized; "crop": the centred square, then resized), and,
// named so that a build applying anything else refuses the file, the
// bilinear interpolation, the BT.601 luma of colour images and the [-1, 1]
// value range every reader applies. A version-1 file has no "preprocess"
// and means the geometry's size and channels with "fit" (what every
// checkpoint before version 2 was trained with); a version-2 file must have
// it. Encode writes version 1 when the preprocessing is that default, so
// such files stay readable by builds that know only version 1, and version
// 2 otherwise.
//
// # Bounds against hostile input
//
// Decode(r, maxBytes) allocates in proportion to the bytes it is given, never
// to a size field:
//
//   - C and U must each be at most maxBytes (Load: DefaultMaxBytes, 4 GiB).
//   - U must be at most MaxRatio (64) times C. Save pads the compressed
//     section with a skippable frame when the payload compresses better than
//     that (zeroed tensors), so every file Save writes loads; a small file
//     claiming a huge payload (a "zip bomb") is refused before decompression.
//   - The compressed section is read incrementally, so a header that claims
//     more bytes than the file has costs nothing but the bytes present.
//   - The zstd decoder writes into a buffer of capacity U and may not grow it
//     (zstd.WithDecodeAllCapLimit, zstd.WithDecoderMaxMemory), with a window
//     of at most 8 MiB; a frame that decodes to anything but exactly U bytes
//     is refused.
//   - Every manifest size is checked against the payload actually decoded
//     before a tensor is allocated: ranks are at most 8, every dimension at
//     least 1, and the element counts (computed without overflow) must add up
//     to exactly the tensor data present. A manifest declaring a 100 GB
//     tensor is refused after allocating nothing of it.
//
// Nothing here keeps global mutable state; a Checkpoint is plain data and not
// safe for concurrent mutation.
package checkpoint
