package checkpoint

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ocgan-vk/ocgan/ocgan/dataset"
	"github.com/ocgan-vk/ocgan/ocgan/model"
	"github.com/ocgan-vk/ocgan/runtime/graph"
)

// TestPreprocessingRoundTrip encodes checkpoints with every kind of
// preprocessing record and checks the format version written (1 unless the
// preprocessing differs from the geometry's default), and that decoding
// gives the same preprocessing back.
func TestPreprocessingRoundTrip(t *testing.T) {
	g64, err := model.ForImage(64, 3, 512)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		geo     model.Geometry
		pre     Preprocessing
		want    Preprocessing
		version uint32
	}{
		{"none recorded", model.MNIST28(), Preprocessing{}, Preprocessing{28, 1, dataset.ResizeFit}, 1},
		{"the default, recorded", model.MNIST28(), Preprocessing{28, 1, dataset.ResizeFit}, Preprocessing{28, 1, dataset.ResizeFit}, 1},
		{"crop", model.MNIST28(), Preprocessing{28, 1, dataset.ResizeCrop}, Preprocessing{28, 1, dataset.ResizeCrop}, 2},
		{"64x3 fit", g64, Preprocessing{64, 3, dataset.ResizeFit}, Preprocessing{64, 3, dataset.ResizeFit}, 1},
		{"64x3 crop", g64, Preprocessing{64, 3, dataset.ResizeCrop}, Preprocessing{64, 3, dataset.ResizeCrop}, 2},
	} {
		c := &Checkpoint{Geometry: tc.geo, Preprocess: tc.pre,
			Tensors: []Tensor{{Name: "En.conv1.weight", Role: graph.Param, Shape: []int{2}, Data: []float32{1, 2}}}}
		b := mustEncode(t, c)
		if v := binary.LittleEndian.Uint32(b[8:]); v != tc.version {
			t.Errorf("%s: written as format version %d, want %d", tc.name, v, tc.version)
		}
		d, err := Decode(bytes.NewReader(b), 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := d.Preprocessing(); got != tc.want {
			t.Errorf("%s: decoded preprocessing %v, want %v", tc.name, got, tc.want)
		}
		if got := d.Preprocessing().Options(); got != (dataset.Options{Height: tc.want.ImageSize, Width: tc.want.ImageSize,
			Channels: tc.want.Channels, Resize: tc.want.Resize}) {
			t.Errorf("%s: options %+v", tc.name, got)
		}
	}
}

// TestVersion1File decodes hand-made files: a format-version-1 manifest
// (no preprocess entry, as every file before version 2) means the
// geometry's image size and channels with the fit policy; preprocess
// entries that do not belong to the file's version, or that name
// preprocessing this build does not apply, are refused.
func TestVersion1File(t *testing.T) {
	geo := `"geometry":{"name":"MNIST28","image_size":28,"channels":1,"latent":16,"depth":3,"kernel":5,"stride":2,"encoder_width":64,"visual_width":12,"classifier_width":64,"latent_widths":[128,64,32,16],"sizes":[28,14,7,4,1],"conv_pad":[2,2,2,1],"transposed_pad":[[1,1],[2,0],[2,1],[2,1]],"dropout_p":0.5,"dropout_block":3,"bn_momentum":0.9,"bn_eps":1e-05,"leaky_slope":0.2}`
	train := `"train":{"epoch":0,"iteration":0,"seed":0,"rng_counter":0,"best_val_mse":0,"best_epoch":0,"threshold":0}`
	tensors := `"tensors":[{"name":"p","role":"param","shape":[2],"offset":0}]`
	pre := func(size, ch int, resize, interp, gray, rng string) string {
		return `"preprocess":{"image_size":` + strconv.Itoa(size) + `,"channels":` + strconv.Itoa(ch) + `,"resize":"` + resize +
			`","interpolation":"` + interp + `","grayscale":"` + gray + `","range":` + rng + `},`
	}
	good := pre(28, 1, "crop", "bilinear", "bt601-luma", "[-1,1]")
	for _, tc := range []struct {
		name     string
		version  uint32
		manifest string
		want     Preprocessing
		err      string
	}{
		{"version 1", 1, "{" + geo + "," + train + "," + tensors + "}", Preprocessing{28, 1, dataset.ResizeFit}, ""},
		{"version 2", 2, "{" + geo + "," + good + train + "," + tensors + "}", Preprocessing{28, 1, dataset.ResizeCrop}, ""},
		{"version 1 with a preprocess entry", 1, "{" + geo + "," + good + train + "," + tensors + "}", Preprocessing{}, "version-1 file"},
		{"version 2 without one", 2, "{" + geo + "," + train + "," + tensors + "}", Preprocessing{}, "no preprocess entry"},
		{"unknown resize", 2, "{" + geo + "," + pre(28, 1, "pad", "bilinear", "bt601-luma", "[-1,1]") + train + "," + tensors + "}", Preprocessing{}, `resize "pad"`},
		{"other interpolation", 2, "{" + geo + "," + pre(28, 1, "fit", "nearest", "bt601-luma", "[-1,1]") + train + "," + tensors + "}", Preprocessing{}, `interpolation "nearest"`},
		{"other grayscale", 2, "{" + geo + "," + pre(28, 1, "fit", "bilinear", "average", "[-1,1]") + train + "," + tensors + "}", Preprocessing{}, `grayscale "average"`},
		{"other range", 2, "{" + geo + "," + pre(28, 1, "fit", "bilinear", "bt601-luma", "[0,1]") + train + "," + tensors + "}", Preprocessing{}, "range [0 1]"},
		{"other size", 2, "{" + geo + "," + pre(64, 1, "fit", "bilinear", "bt601-luma", "[-1,1]") + train + "," + tensors + "}", Preprocessing{}, "preprocessing to 64x64x1 images"},
		{"other channels", 2, "{" + geo + "," + pre(28, 3, "crop", "bilinear", "bt601-luma", "[-1,1]") + train + "," + tensors + "}", Preprocessing{}, "takes 28x28x1"},
	} {
		c, err := Decode(bytes.NewReader(craftVersion(t, tc.version, tc.manifest, make([]byte, 8))), 0)
		if tc.err != "" {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want ErrCorrupt mentioning %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := c.Preprocessing(); got != tc.want {
			t.Errorf("%s: preprocessing %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestPreprocessingMustFitGeometry checks that Encode refuses a
// preprocessing for another input than the geometry's.
func TestPreprocessingMustFitGeometry(t *testing.T) {
	for _, tc := range []struct {
		pre  Preprocessing
		want string
	}{
		{Preprocessing{32, 1, dataset.ResizeFit}, "preprocessing to 32x32x1 images"},
		{Preprocessing{28, 3, dataset.ResizeCrop}, "preprocessing to 28x28x3 images"},
		{Preprocessing{28, 1, dataset.ResizePolicy(5)}, "resize policy ResizePolicy(5)"},
	} {
		c := small()
		c.Preprocess = tc.pre
		if err := Encode(&bytes.Buffer{}, c); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error mentioning %q", tc.pre, err, tc.want)
		}
	}
}
