package serve

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // the formats /score takes
	_ "image/png"
	"net/http"
)

// imageLimits bound the images /score decodes.
type imageLimits struct {
	pixels int64 // width×height at most
	bytes  int64 // decoded pixels at most this many bytes
}

// limitsFor returns the limits for a model whose input is inputSize pixels
// square (0: unknown): maxPixels, raised to the model's input if smaller,
// and four bytes per pixel of it.
func limitsFor(maxPixels int64, inputSize int) imageLimits {
	p := max(maxPixels, int64(inputSize)*int64(inputSize))
	return imageLimits{pixels: p, bytes: 4 * p}
}

// checkHeader reads the image's header and refuses, before anything is
// decoded, a format other than PNG or JPEG (400) and an image over the
// limits (413). Errors are *requestError.
func checkHeader(encoded []byte, lim imageLimits) *requestError {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(encoded))
	if err != nil {
		return badRequest("%v: %v", ErrBadImage, err)
	}
	if format != "png" && format != "jpeg" {
		return badRequest("%v: %s image: send PNG or JPEG", ErrBadImage, format)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return badRequest("%v: empty image %dx%d", ErrBadImage, cfg.Width, cfg.Height)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	bpp := bytesPerPixel(cfg.ColorModel)
	if px > lim.pixels || px*bpp > lim.bytes {
		return &requestError{status: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf(
			"image is %dx%d at %d bytes per pixel: over this server's limit of %d pixels and %d decoded bytes",
			cfg.Width, cfg.Height, bpp, lim.pixels, lim.bytes)}
	}
	return nil
}

// bytesPerPixel is the size of one pixel decoded in colour model m.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		return 4
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}

// decodeImage decodes an image whose header checkHeader accepted.
func decodeImage(encoded []byte) (image.Image, *requestError) {
	img, _, err := image.Decode(bytes.NewReader(encoded))
	if err != nil {
		return nil, badRequest("%v: %v", ErrBadImage, err)
	}
	if b := img.Bounds(); b.Empty() {
		return nil, badRequest("%v: empty image %v", ErrBadImage, b)
	}
	return img, nil
}
