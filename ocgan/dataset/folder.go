package dataset

import (
	"cmp"
	"fmt"
	"image"
	_ "image/jpeg" // register JPEG for image.Decode
	_ "image/png"  // register PNG for image.Decode
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ocgan-vk/ocgan/runtime/boundedfile"
)

// imageFile is one image to decode and its class.
type imageFile struct {
	path  string
	label int
}

// IsImageName reports whether a file name has a PNG or JPEG extension.
func IsImageName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// ReadImageFolder reads root/<class>/*.png|*.jpg|*.jpeg: one folder per
// class, class ids 0, 1, … in sorted folder-name order (byte order; names
// starting with "." are skipped), images in sorted file-name order. It
// returns the class names, indexed by class id. Files without an image
// extension are ignored; a class folder without images is an error. Images
// are shaped by opts (zero fields: the first image's size, and 1 channel if
// it is gray, else 3).
func ReadImageFolder(root string, opts Options) (*Dataset, []string, error) {
	if err := opts.check(); err != nil {
		return nil, nil, err
	}
	classes, files, err := listImageFolder(root)
	if err != nil {
		return nil, nil, err
	}
	d, err := decodeFiles(files, opts)
	if err != nil {
		return nil, nil, err
	}
	return d, classes, nil
}

// listImageFolder lists the classes (ClassFolders) and image files of root
// in the order ReadImageFolder reads them; a class folder without images is
// an error.
func listImageFolder(root string) ([]string, []imageFile, error) {
	classes, err := ClassFolders(root)
	if err != nil {
		return nil, nil, err
	}
	var files []imageFile
	for label, name := range classes {
		dir := filepath.Join(root, name)
		inner, err := directImages(dir)
		if err != nil {
			return nil, nil, err
		}
		if len(inner) == 0 {
			return nil, nil, errFile(dir, ErrEmptyClass, "no .png, .jpg or .jpeg files for class %d %q", label, name)
		}
		for _, f := range inner {
			files = append(files, imageFile{path: f, label: label})
		}
	}
	return classes, files, nil
}

// ImageInfo is the size and colour of an image, read from its header.
type ImageInfo struct {
	Height, Width int
	// Gray is true for a gray PNG or JPEG (readers give it 1 channel
	// unless told otherwise), false for colour (3).
	Gray bool
}

// Channels is 1 for a gray image and 3 otherwise: the channels a reader
// gives the image when Options leave them zero.
func (i ImageInfo) Channels() int {
	if i.Gray {
		return 1
	}
	return 3
}

// ReadImageInfo reads the header of a PNG or JPEG file.
func ReadImageInfo(path string) (ImageInfo, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return ImageInfo{}, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return ImageInfo{}, errFileCause(path, ErrDecode, err, "")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageInfo{}, errFile(path, ErrDecode, "empty image %dx%d", cfg.Width, cfg.Height)
	}
	return ImageInfo{Height: cfg.Height, Width: cfg.Width, Gray: isGrayModel(cfg.ColorModel)}, nil
}

// ImageFolderInfo returns the ImageInfo of the first image ReadImageFolder
// reads from root: the one whose size and colour fill zero Options.
func ImageFolderInfo(root string) (ImageInfo, error) {
	_, files, err := listImageFolder(root)
	if err != nil {
		return ImageInfo{}, err
	}
	return ReadImageInfo(files[0].path)
}

// ClassFolders returns the class names of an image folder as ReadImageFolder
// numbers them: root's sub-folders (symbolic links to folders included,
// names starting with "." skipped) in sorted name order, so class id i is
// the folder ClassFolders(root)[i]. A root without sub-folders is an error
// wrapping ErrNoClasses.
func ClassFolders(root string) ([]string, error) {
	entries, err := visibleEntries(root)
	if err != nil {
		return nil, err
	}
	var classes []string
	for _, e := range entries {
		if st, err := os.Stat(filepath.Join(root, e.Name())); err != nil || !st.IsDir() {
			continue
		}
		classes = append(classes, e.Name())
	}
	if len(classes) == 0 {
		return nil, errFile(root, ErrNoClasses, "no class folders (want %s/<class>/*.png|*.jpg)", root)
	}
	return classes, nil
}

// directImages returns the PNG and JPEG files directly in dir (not in its
// sub-folders; names starting with "." skipped), in sorted name order.
func directImages(dir string) ([]string, error) {
	entries, err := visibleEntries(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range entries {
		if !f.IsDir() && IsImageName(f.Name()) {
			files = append(files, filepath.Join(dir, f.Name()))
		}
	}
	return files, nil
}

// visibleEntries returns the entries of dir, in sorted name order, but for
// those whose names start with ".".
func visibleEntries(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return slices.DeleteFunc(entries, func(e os.DirEntry) bool { return strings.HasPrefix(e.Name(), ".") }), nil
}

// ReadCOIL100 reads COIL-100's flat folder: files named obj<N>__<angle>.png
// (also .jpg, .jpeg) are object N, class N−1, taken in (N, angle) order;
// other files are ignored. Images are shaped by opts as in ReadImageFolder
// (COIL-100 itself is 128x128 RGB).
func ReadCOIL100(dir string, opts Options) (*Dataset, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	type coilFile struct {
		imageFile
		angle int
	}
	var files []coilFile
	for _, e := range entries {
		obj, angle, ok := parseCOILName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		if obj < 1 {
			return nil, errFile(filepath.Join(dir, e.Name()), ErrBadLabel, "object number %d, COIL-100 counts from 1", obj)
		}
		files = append(files, coilFile{imageFile{path: filepath.Join(dir, e.Name()), label: obj - 1}, angle})
	}
	if len(files) == 0 {
		return nil, errFile(dir, ErrNoClasses, "no COIL-100 files named obj<N>__<angle>.png")
	}
	slices.SortFunc(files, func(a, b coilFile) int {
		return cmp.Or(cmp.Compare(a.label, b.label), cmp.Compare(a.angle, b.angle), cmp.Compare(a.path, b.path))
	})
	plain := make([]imageFile, len(files))
	for i, f := range files {
		plain[i] = f.imageFile
	}
	return decodeFiles(plain, opts)
}

// parseCOILName splits "obj<N>__<angle>.<png|jpg|jpeg>" into N and angle.
func parseCOILName(name string) (obj, angle int, ok bool) {
	if !IsImageName(name) {
		return 0, 0, false
	}
	rest, ok := strings.CutPrefix(name, "obj")
	if !ok {
		return 0, 0, false
	}
	n, a, ok := strings.Cut(strings.TrimSuffix(rest, filepath.Ext(rest)), "__")
	if !ok {
		return 0, 0, false
	}
	obj, err1 := strconv.Atoi(n)
	angle, err2 := strconv.Atoi(a)
	if err1 != nil || err2 != nil || strings.HasPrefix(n, "-") || strings.HasPrefix(a, "-") || strings.HasPrefix(n, "+") || strings.HasPrefix(a, "+") {
		return 0, 0, false
	}
	return obj, angle, true
}

// decodeImage opens and decodes one PNG or JPEG file.
func decodeImage(path string) (image.Image, error) {
	f, _, err := boundedfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	return DecodeImage(f, path)
}

// DecodeImage decodes one PNG or JPEG image from r; name (a file name, or
// e.g. "request body") is what errors call it. The size the header declares
// is checked against MaxImagePixels before decoding, so a hostile header
// cannot make the decoder allocate gigabytes.
func DecodeImage(r io.ReadSeeker, name string) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, errFileCause(name, ErrDecode, err, "")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errFile(name, ErrDecode, "empty image %dx%d", cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxImagePixels {
		return nil, errFile(name, ErrDecode, "image is %dx%d, more than the %d pixels ocgan decodes", cfg.Width, cfg.Height, MaxImagePixels)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", name, err)
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, errFileCause(name, ErrDecode, err, "")
	}
	if b := img.Bounds(); b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, errFile(name, ErrDecode, "empty image %v", b)
	}
	return img, nil
}

// Preprocess converts a decoded image into one model input as the readers
// do: BT.601 luma or RGB planes (a gray image asked for 3 channels is
// replicated, a colour image asked for 1 becomes luma), a centre crop when
// opts.Resize is ResizeCrop, bilinear resize to opts' size, values in
// [-1, 1], channels first. Zero fields of opts keep the image's own.
func Preprocess(img image.Image, opts Options) ([]float32, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	b := img.Bounds()
	ch := 3
	if isGray(img) {
		ch = 1
	}
	return encode(imageSource(img), opts.resolve(ch, b.Dy(), b.Dx())), nil
}

// MaxImagePixels bounds the images the folder readers decode (8192 x 8192).
const MaxImagePixels = 8192 * 8192

// decodeFiles decodes files in parallel into a Dataset, in files' order. The
// first file fixes the zero fields of opts. The error reported is that of
// the first failing file in order, so it does not depend on scheduling.
func decodeFiles(files []imageFile, opts Options) (*Dataset, error) {
	first, err := decodeImage(files[0].path)
	if err != nil {
		return nil, err
	}
	b := first.Bounds()
	ch := 3
	if isGray(first) {
		ch = 1
	}
	opts = opts.resolve(ch, b.Dy(), b.Dx())
	per := opts.Channels * opts.Height * opts.Width
	if err := checkDatasetBytes(files[0].path, len(files), per); err != nil {
		return nil, err
	}
	pix := make([]float32, len(files)*per)
	labels := make([]int, len(files))
	errs := make([]error, len(files))
	copy(pix[:per], encode(imageSource(first), opts))
	labels[0] = files[0].label

	workers := max(1, min(runtime.GOMAXPROCS(0), len(files)-1))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				img, err := decodeImage(files[i].path)
				if err != nil {
					errs[i] = err
					continue
				}
				copy(pix[i*per:(i+1)*per], encode(imageSource(img), opts))
				labels[i] = files[i].label
			}
		}()
	}
	for i := 1; i < len(files); i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return New(opts.Channels, opts.Height, opts.Width, pix, labels)
}

// ReadImages decodes the given PNG or JPEG files, in order, into a Dataset with
// label 0 each, converted and resized as opts asks (for scoring single files).
func ReadImages(paths []string, opts Options) (*Dataset, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no image files given", ErrNotFound)
	}
	files := make([]imageFile, len(paths))
	for i, p := range paths {
		files[i] = imageFile{path: p}
	}
	return decodeFiles(files, opts)
}
