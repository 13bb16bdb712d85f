package dataset

// The sizes the readers accept, checked from headers and file sizes before
// anything of that size is allocated. A file beyond them is refused with an
// error wrapping ErrTooLarge that names the file and the limit.
const (
	// MaxIDXImagePixels bounds rows×columns of one IDX image (1024×1024).
	// It is smaller than MaxImagePixels because IDX stores every image
	// uncompressed and in full, one after the other, and is the format of
	// small-image collections (MNIST and Fashion-MNIST are 28×28): where
	// a PNG or JPEG of 8192×8192 is one photo to be resized, an IDX
	// "image" of that size is 64 MiB per record, and the largest model
	// input is 128×128, so 1024×1024 leaves eight times that per side.
	MaxIDXImagePixels = 1024 * 1024
	// MaxIDXBytes bounds the payload an IDX header may announce
	// (count×rows×columns bytes, 1 GiB; MNIST's training images are 47
	// MB). Reading stops one byte past the announced payload, gzip input
	// included, so a compressed file cannot expand beyond it.
	MaxIDXBytes = 1 << 30
	// MaxCIFARRecords bounds the records of one CIFAR-10 batch file: the
	// distribution's batches hold 10,000 each.
	MaxCIFARRecords = 10000
	// MaxCIFARImages bounds the records of one ReadCIFAR10 call: the
	// distribution holds 60,000 (five training batches and the test batch).
	MaxCIFARImages = 60000
	// MaxDatasetBytes bounds the float32 values one reader call produces
	// (images × channels × height × width × 4 bytes, 16 GiB): MNIST's
	// 60,000 training images take 188 MB at 28×28, 2.9 GB resized to
	// 64×64 RGB.
	MaxDatasetBytes = 16 << 30
)

// checkDatasetBytes refuses a data set of n images of per values each that
// would take more than MaxDatasetBytes; path names the file it comes from.
func checkDatasetBytes(path string, n, per int) error {
	if per > 0 && int64(n) > MaxDatasetBytes/4/int64(per) {
		return errFile(path, ErrTooLarge, "%d images of %d values would take %d bytes as float32, more than the %d accepted",
			n, per, 4*int64(n)*int64(per), int64(MaxDatasetBytes))
	}
	return nil
}
