package serve

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
)

// pngBomb is a PNG whose header declares a w×h image of the given bit depth
// and PNG colour type (6: RGBA) followed by one small compressed chunk: a
// few hundred bytes that would decode to gigabytes.
func pngBomb(t testing.TB, w, h uint32, depth, colourType byte) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(kind string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(kind))
		crc.Write(data)
		b.WriteString(kind)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = depth, colourType
	chunk("IHDR", ihdr)
	// A zlib stream of a few thousand zero bytes: the start of the rows.
	chunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0xa3, 0x60, 0x14, 0x0c, 0x77, 0x00, 0x00, 0x0f, 0xa0, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// TestImageBombRefusedFromHeader posts PNGs that declare huge images and
// checks that they get 413 with a clear error, that the model never sees
// them, and that answering one allocates nowhere near its pixels.
func TestImageBombRefusedFromHeader(t *testing.T) {
	src := newFakeSource("v1")
	s, _ := startServer(t, src, Options{})
	h := s.Handler()
	for _, tc := range []struct {
		name          string
		w, h          uint32
		depth, colour byte
		pixelBytes    uint64
	}{
		{"8192x8192 16-bit RGBA", 8192, 8192, 16, 6, 8},
		{"30000x30000 8-bit gray", 30000, 30000, 8, 0, 1},
		{"2000x2000 16-bit RGBA, within the pixels but not the bytes", 2000, 2000, 16, 6, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bomb := pngBomb(t, tc.w, tc.h, tc.depth, tc.colour)
			if len(bomb) > 4096 {
				t.Fatalf("bomb of %d bytes, want a few hundred", len(bomb))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			req := httptest.NewRequest(http.MethodPost, pathScore, bytes.NewReader(bomb))
			req.Header.Set("Content-Type", "image/png")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			runtime.ReadMemStats(&after)
			if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "over this server's limit") {
				t.Errorf("status %d (%s), want 413 naming the limit", rec.Code, rec.Body)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			if pixels := uint64(tc.w) * uint64(tc.h) * tc.pixelBytes; alloc > pixels/100 || alloc > 1<<20 {
				t.Errorf("answering allocated %d bytes; the pixels would take %d", alloc, pixels)
			}
		})
	}
	if n := src.models()[0].calls.Load(); n != 0 {
		t.Errorf("the model scored %d bombs", n)
	}
}

// TestImageLimits checks the pixel and byte limits against images that
// decode: at the pixel limit passes, one pixel row over fails, 16-bit colour
// counts eight bytes a pixel, and the limit never falls below the model's
// input (28x28 for the fake model).
func TestImageLimits(t *testing.T) {
	rgba64 := func(w, h int) []byte {
		img := image.NewRGBA64(image.Rect(0, 0, w, h))
		img.Set(0, 0, color.RGBA64{1, 2, 3, 0xffff})
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	tests := []struct {
		name      string
		maxPixels int64
		img       []byte
		want      int
	}{
		{"gray at the limit", 40 * 50, grayPNG(t, 7, 40, 50), http.StatusOK},
		{"gray one row over", 40 * 50, grayPNG(t, 7, 40, 51), http.StatusRequestEntityTooLarge},
		{"JPEG over", 40 * 50, grayJPEG(t, 7, 41, 50), http.StatusRequestEntityTooLarge},
		{"16-bit RGBA within half the limit", 40 * 50, rgba64(25, 40), http.StatusOK},
		{"16-bit RGBA over half the limit", 40 * 50, rgba64(40, 40), http.StatusRequestEntityTooLarge},
		{"limit raised to the model's input", 100, grayPNG(t, 7, 28, 28), http.StatusOK},
		{"over the model's input", 100, grayPNG(t, 7, 28, 29), http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, ts := startServer(t, newFakeSource("v1"), Options{MaxImagePixels: tc.maxPixels})
			if r := postImage(t, ts, "", tc.img); r.status != tc.want {
				t.Errorf("status %d (%s), want %d", r.status, r.body, tc.want)
			}
		})
	}
}
