package checkpoint

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// endless is a reader of zeros that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Hostile size fields are refused without allocating what they declare.
func TestHostileSizesDoNotAllocate(t *testing.T) {
	const gb100 = 100 << 30
	geo := `"geometry":{"name":"MNIST28","image_size":28,"channels":1,"latent":16,"depth":3,"kernel":5,"stride":2,"encoder_width":64,"visual_width":12,"classifier_width":64,"latent_widths":[128,64,32,16],"sizes":[28,14,7,4,1],"conv_pad":[2,2,2,1],"transposed_pad":[[1,1],[2,0],[2,1],[2,1]],"dropout_p":0.5,"dropout_block":3,"bn_momentum":0.9,"bn_eps":1e-05,"leaky_slope":0.2}`
	train := `"train":{"epoch":0,"iteration":0,"seed":0,"rng_counter":0,"best_val_mse":0,"best_epoch":0,"threshold":0}`
	tensor := func(shape string) string {
		return "{" + geo + "," + train + `,"tensors":[{"name":"big","role":"param","shape":` + shape + `,"offset":0}]}`
	}
	// Zeros compress to almost nothing: decompression bombs, with the
	// default window and with the smallest one (which the decoder accepts).
	bombOf := func(n int, opts ...zstd.EOption) []byte {
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		defer enc.Close()
		return enc.EncodeAll(make([]byte, n), nil)
	}
	bomb := bombOf(64 << 20)
	smallWindowBomb := bombOf(16<<20, zstd.WithWindowSize(zstd.MinWindowSize))
	small := mustEncode(t, small())
	comp := small[headerSize : len(small)-sumSize]

	for _, tc := range []struct {
		name     string
		r        func() io.Reader
		maxBytes int64
		kind     error
		want     string
	}{
		{"100 GB tensor in the manifest", func() io.Reader {
			return bytes.NewReader(craft(t, tensor("[25000000000]"), make([]byte, 8)))
		}, 0, ErrCorrupt, "holds more than 2 elements"},
		{"overflowing shape", func() io.Reader {
			return bytes.NewReader(craft(t, tensor("[4294967296,4294967296,4294967296]"), make([]byte, 8)))
		}, 0, ErrCorrupt, "holds more than 2 elements"},
		{"100 GB payload in the header", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, gb100, uint64(len(comp)), comp))
		}, 0, ErrTooLarge, "payload of 107374182400 bytes, the limit is 4294967296"},
		{"payload beyond the ratio", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, 1<<30, uint64(len(comp)), comp))
		}, 0, ErrTooLarge, "exceeds the ratio 64"},
		{"100 GB compressed section in the header", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, 1<<20, gb100, comp))
		}, 0, ErrTooLarge, "compressed section of 107374182400 bytes"},
		{"huge compressed section, short file, high limit", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, 1<<20, gb100, comp))
		}, 1 << 40, ErrTruncated, "there are 660"},
		{"huge compressed section, endless stream", func() io.Reader {
			h := rawFile(Version, 0, 1<<20, 1<<20, nil)[:headerSize]
			return io.MultiReader(bytes.NewReader(h), endless{})
		}, 0, ErrCorrupt, "data after the checksum"},
		{"decompression bomb", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, uint64(len(bomb))*MaxRatio, uint64(len(bomb)), bomb))
		}, 0, ErrCorrupt, "zstd: window size exceeded"},
		{"decompression bomb, small window", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, uint64(len(smallWindowBomb))*MaxRatio, uint64(len(smallWindowBomb)), smallWindowBomb))
		}, 0, ErrCorrupt, "decodes to more than"},
		{"max uint64 sizes", func() io.Reader {
			return bytes.NewReader(rawFile(Version, 0, 1<<64-1, 1<<64-1, comp))
		}, 1 << 62, ErrTooLarge, "bytes, the limit is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r()
			var err error
			n := allocated(func() { _, err = Decode(r, tc.maxBytes) })
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want %v mentioning %q", err, tc.kind, tc.want)
			}
			// The decoder's own state and the data given are all it may
			// allocate; 16 MiB is far below any declared size here (the
			// bomb's bound is MaxRatio times its compressed bytes).
			if limit := uint64(16 << 20); n > limit {
				t.Fatalf("allocated %d bytes, want <= %d", n, limit)
			}
			t.Logf("%v (allocated %d KiB)", err, n>>10)
		})
	}
}
