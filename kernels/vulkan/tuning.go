package vulkan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ocgan-vk/ocgan/kernels"
	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/ocgan-vk/ocgan/runtime/vk"
	"github.com/ocgan-vk/ocgan/shaders"
)

// TuningEnv chooses the conv tuning table: unset, the file beside the pipeline
// cache (none when that cache is off); "off", no table; anything else, the
// path of the table file.
const TuningEnv = "OCGAN_VK_TUNING"

// convTuningVersion is the format version of tuning files (2: with the
// subgroup size).
const convTuningVersion = 2

// Conv directions, as ConvShape.Dir (the convDir values).
const (
	ConvForward        = string(convFwd)
	ConvBackwardData   = string(convBwdData)
	ConvBackwardFilter = string(convBwdFilter)
)

// ConvShape is one conv kernel call: a direction and the geometry of the
// cross-correlation x [N,C,H,W] (*) w [K,C,KH,KW] -> y [N,K,OH,OW] it runs (a
// transposed convolution runs as the adjoint of such a correlation).
type ConvShape struct {
	Dir string `json:"dir"`
	N   int    `json:"n"`
	C   int    `json:"c"`
	H   int    `json:"h"`
	W   int    `json:"w"`
	K   int    `json:"k"`
	OH  int    `json:"oh"`
	OW  int    `json:"ow"`
	KH  int    `json:"kh"`
	KW  int    `json:"kw"`
	SH  int    `json:"sh"`
	SW  int    `json:"sw"`
	PH  int    `json:"ph"`
	PW  int    `json:"pw"`
}

func shapeOf(dir convDir, g convGeom) ConvShape {
	return ConvShape{Dir: string(dir), N: g.N, C: g.C, H: g.H, W: g.W, K: g.K, OH: g.OH, OW: g.OW,
		KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW}
}

func (s ConvShape) geom() convGeom {
	return convGeom{N: s.N, C: s.C, H: s.H, W: s.W, K: s.K, OH: s.OH, OW: s.OW,
		KH: s.KH, KW: s.KW, SH: s.SH, SW: s.SW, PH: s.PH, PW: s.PW}
}

// String is a short label: "fwd 64x1x28x28 k5x5 s2 p2 -> 64x14x14".
func (s ConvShape) String() string {
	st, pd := fmt.Sprint(s.SH), fmt.Sprint(s.PH)
	if s.SW != s.SH {
		st = fmt.Sprintf("%dx%d", s.SH, s.SW)
	}
	if s.PW != s.PH {
		pd = fmt.Sprintf("%dx%d", s.PH, s.PW)
	}
	return fmt.Sprintf("%s %dx%dx%dx%d k%dx%d s%s p%s -> %dx%dx%d", s.Dir, s.N, s.C, s.H, s.W, s.KH, s.KW, st, pd, s.K, s.OH, s.OW)
}

// check reports what about the shape no conv kernel can run.
func (s ConvShape) check() error {
	switch s.Dir {
	case ConvForward, ConvBackwardData, ConvBackwardFilter:
	default:
		return fmt.Errorf("conv shape %v: direction %q, want %s, %s or %s", s, s.Dir, ConvForward, ConvBackwardData, ConvBackwardFilter)
	}
	for _, v := range []int{s.N, s.C, s.H, s.W, s.K, s.OH, s.OW, s.KH, s.KW, s.SH, s.SW} {
		if v < 1 {
			return fmt.Errorf("conv shape %v: sizes and strides must be positive", s)
		}
	}
	if s.PH < 0 || s.PW < 0 {
		return fmt.Errorf("conv shape %v: negative padding", s)
	}
	return nil
}

// Conv2DShapes are the conv kernel calls of a conv2d layer: forward,
// backward input and backward weight, in that order.
func Conv2DShapes(p kernels.Conv2DParams) []ConvShape {
	g := conv2DGeom(p)
	return []ConvShape{shapeOf(convFwd, g), shapeOf(convBwdData, g), shapeOf(convBwdFilter, g)}
}

// ConvTranspose2DShapes are the conv kernel calls of a transposed-conv layer:
// forward (the adjoint, bwd_data), backward input (fwd) and backward weight,
// in that order.
func ConvTranspose2DShapes(p kernels.ConvTranspose2DParams) []ConvShape {
	g := convTranspose2DGeom(p)
	return []ConvShape{shapeOf(convBwdData, g), shapeOf(convFwd, g), shapeOf(convBwdFilter, g)}
}

// ConvVariant is a conv kernel variant: register tiles (Kind "register":
// Local lanes per workgroup, PPL rows per lane load, TC columns per lane, SG
// the subgroup mode) or shared-memory tiles (Kind "tiled": BM x BN outputs per
// workgroup staging BK reduction indices, TM x TN per lane, Split split-K
// slices).
type ConvVariant struct {
	Kind  string `json:"kind"`
	Local uint32 `json:"local,omitempty"`
	PPL   uint32 `json:"ppl,omitempty"`
	TC    uint32 `json:"tc,omitempty"`
	SG    uint32 `json:"sg,omitempty"`
	BM    uint32 `json:"bm,omitempty"`
	BN    uint32 `json:"bn,omitempty"`
	BK    uint32 `json:"bk,omitempty"`
	TM    uint32 `json:"tm,omitempty"`
	TN    uint32 `json:"tn,omitempty"`
	Split uint32 `json:"split,omitempty"`
}

func variantOf(t convTune) ConvVariant {
	if c := t.tiled; c != nil {
		return ConvVariant{Kind: convTiled, BM: c.bm, BN: c.bn, BK: c.bk, TM: c.tm, TN: c.tn, Split: uint32(t.splits())}
	}
	return ConvVariant{Kind: convRegister, Local: t.local, PPL: t.ppl, TC: t.tc, SG: uint32(t.sg)}
}

// tune is the kernel specialization of v.
func (v ConvVariant) tune() (convTune, error) {
	switch v.Kind {
	case convTiled:
		return convTune{tiled: &convTile{bm: v.BM, bn: v.BN, bk: v.BK, tm: v.TM, tn: v.TN, split: v.Split}}, nil
	case convRegister:
		return convTune{local: v.Local, ppl: v.PPL, tc: v.TC, sg: convShare(v.SG)}, nil
	default:
		return convTune{}, fmt.Errorf("conv variant kind %q, want %s or %s", v.Kind, convRegister, convTiled)
	}
}

// String is a short label: "register 16x8 sg1 local 64" (rows x columns per
// lane) or "tiled 64x64x16 4x4 split 2".
func (v ConvVariant) String() string {
	if v.Kind == convTiled {
		split := v.Split
		if split < 1 {
			split = 1
		}
		return fmt.Sprintf("tiled %dx%dx%d %dx%d split %d", v.BM, v.BN, v.BK, v.TM, v.TN, split)
	}
	return fmt.Sprintf("%s %dx%d sg%d local %d", v.Kind, 8*v.PPL, v.TC, v.SG, v.Local)
}

// ConvTuningEntry is the variant measured fastest for one shape, with its
// median time and the heuristic's, in milliseconds.
type ConvTuningEntry struct {
	Shape       ConvShape   `json:"shape"`
	Variant     ConvVariant `json:"variant"`
	Ms          float64     `json:"ms,omitempty"`
	HeuristicMs float64     `json:"heuristic_ms,omitempty"`
}

// ConvTuning is a tuning table: the conv variant to run per shape on one
// device, driver, subgroup size and build of the conv shaders. Key
// (vk.DeviceInfo.CacheKey), SubgroupSize and ShaderHash make a table of
// another device, driver, subgroup size (lavapipe's depends on
// LP_NATIVE_VECTOR_WIDTH) or shader build invalid.
type ConvTuning struct {
	Version      int               `json:"version"`
	Device       string            `json:"device"`
	Key          string            `json:"key"`
	SubgroupSize uint32            `json:"subgroup_size"`
	ShaderHash   string            `json:"conv_shader_sha256"`
	Entries      []ConvTuningEntry `json:"entries"`
}

// NewConvTuning returns an empty table for the device.
func NewConvTuning(info vk.DeviceInfo) (*ConvTuning, error) {
	h, err := ConvShaderHash()
	if err != nil {
		return nil, err
	}
	return &ConvTuning{Version: convTuningVersion, Device: info.Name, Key: info.CacheKey(),
		SubgroupSize: info.Subgroup.Size, ShaderHash: h}, nil
}

// Lookup returns the entry for shape s.
func (t *ConvTuning) Lookup(s ConvShape) (ConvTuningEntry, bool) {
	if t == nil {
		return ConvTuningEntry{}, false
	}
	for _, e := range t.Entries {
		if e.Shape == s {
			return e, true
		}
	}
	return ConvTuningEntry{}, false
}

// Set adds or replaces the entry of e.Shape, keeping entries sorted by shape.
func (t *ConvTuning) Set(e ConvTuningEntry) {
	for i := range t.Entries {
		if t.Entries[i].Shape == e.Shape {
			t.Entries[i] = e
			return
		}
	}
	t.Entries = append(t.Entries, e)
	sort.SliceStable(t.Entries, func(i, j int) bool { return t.Entries[i].Shape.String() < t.Entries[j].Shape.String() })
}

// clone returns a copy of t that shares nothing with it.
func (t *ConvTuning) clone() *ConvTuning {
	c := *t
	c.Entries = append([]ConvTuningEntry(nil), t.Entries...)
	return &c
}

// Save writes the table to path atomically.
func (t *ConvTuning) Save(path string) error {
	data, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("saving conv tuning %s: %w", path, err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("saving conv tuning: %w", err)
	}
	return nil
}

// TuningIgnoredError says why a tuning file was not used.
type TuningIgnoredError struct {
	Path   string
	Reason string
}

func (e *TuningIgnoredError) Error() string {
	return fmt.Sprintf("conv tuning %s ignored: %s", e.Path, e.Reason)
}

// ReadConvTuning reads the table at path for the device. A missing file
// returns an error wrapping os.ErrNotExist; a file that is not a valid table
// of this version, device, driver, subgroup size and conv shader build returns a
// *TuningIgnoredError saying why.
func ReadConvTuning(path string, info vk.DeviceInfo) (*ConvTuning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, &TuningIgnoredError{path, err.Error()}
	}
	ignored := func(format string, a ...any) error { return &TuningIgnoredError{path, fmt.Sprintf(format, a...)} }
	var t ConvTuning
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, ignored("not a conv tuning table (corrupt or truncated): %v", err)
	}
	if t.Version != convTuningVersion {
		return nil, ignored("format version %d, want %d", t.Version, convTuningVersion)
	}
	if t.Key != info.CacheKey() {
		return nil, ignored("made for another device or driver (key %s, this device %s)", t.Key, info.CacheKey())
	}
	if t.SubgroupSize != info.Subgroup.Size {
		return nil, ignored("made with %d-lane subgroups, this device runs %d", t.SubgroupSize, info.Subgroup.Size)
	}
	h, err := ConvShaderHash()
	if err != nil {
		return nil, err
	}
	if t.ShaderHash != h {
		return nil, ignored("made with other conv shaders (SPIR-V sha256 %.12s, these %.12s)", t.ShaderHash, h)
	}
	seen := map[ConvShape]bool{}
	for i, e := range t.Entries {
		if err := e.Shape.check(); err != nil {
			return nil, ignored("entry %d: %v", i, err)
		}
		if _, err := e.Variant.tune(); err != nil {
			return nil, ignored("entry %d (%v): %v", i, e.Shape, err)
		}
		if seen[e.Shape] {
			return nil, ignored("entry %d: shape %v listed twice", i, e.Shape)
		}
		seen[e.Shape] = true
	}
	return &t, nil
}

// ConvShaderHash is the hex sha256 of the SPIR-V of every conv shader
// variant (the conv2d_* shaders), in name order.
func ConvShaderHash() (string, error) {
	var names []string
	for _, n := range shaders.Names() {
		if strings.HasPrefix(n, "conv2d_") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		code, err := shaders.Load(n)
		if err != nil {
			return "", fmt.Errorf("hashing the conv shaders: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", n, len(code))
		h.Write(code)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ConvTuningPath is where the conv tuning table of a device is read and
// written: $OCGAN_VK_TUNING when it names a file, else
// conv-tuning-<key>-sg<subgroup size>.json in cacheDir (vk.CacheDir, Context.CacheDir); "" when $OCGAN_VK_TUNING is
// "off" or cacheDir is "" or "off".
func ConvTuningPath(cacheDir string, info vk.DeviceInfo) string {
	switch env := os.Getenv(TuningEnv); env {
	case "off":
		return ""
	case "":
		if cacheDir == "" || cacheDir == "off" {
			return ""
		}
		return filepath.Join(cacheDir, fmt.Sprintf("conv-tuning-%s-sg%d.json", info.CacheKey(), info.Subgroup.Size))
	default:
		return env
	}
}

// OpenConvTuning reads the device's table from ConvTuningPath(cacheDir, info)
// and says what it found: "off" (no path), "none" (no file), "N entries", or
// "ignored: <why>" (the table is then nil). It never fails: a table is an
// optimisation.
func OpenConvTuning(cacheDir string, info vk.DeviceInfo) (t *ConvTuning, status, path string) {
	path = ConvTuningPath(cacheDir, info)
	if path == "" {
		return nil, "off", ""
	}
	t, err := ReadConvTuning(path, info)
	var ig *TuningIgnoredError
	switch {
	case err == nil:
		if len(t.Entries) == 1 {
			return t, "1 entry", path
		}
		return t, fmt.Sprintf("%d entries", len(t.Entries)), path
	case errors.Is(err, os.ErrNotExist):
		return nil, "none", path
	case errors.As(err, &ig):
		return nil, "ignored: " + ig.Reason, path
	default:
		return nil, "ignored: " + err.Error(), path
	}
}

// ConvTuningStatus says what the library did with its tuning table at open
// (see OpenConvTuning) and where the file is ("" when off).
func (l *Library) ConvTuningStatus() (status, path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tuningStatus, l.tuningPath
}

// ConvTuning returns the table the library consults (nil: none).
func (l *Library) ConvTuning() *ConvTuning {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tuning
}

// SetConvTuning makes the library consult t (nil: none) for the convs it
// records from now on.
func (l *Library) SetConvTuning(t *ConvTuning) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tuning = t
}

// convTuneFromTable returns the table's variant for a direction and geometry
// when there is one that the device can run.
func (l *Library) convTuneFromTable(dir convDir, g convGeom) (convTune, bool) {
	e, ok := l.ConvTuning().Lookup(shapeOf(dir, g))
	if !ok {
		return convTune{}, false
	}
	t, err := e.Variant.tune()
	if err != nil || l.convTuneValid(t) != nil {
		return convTune{}, false
	}
	return t, true
}

// convTuneValid reports what about t the device or the shaders cannot run:
// the checks every variant the heuristic picks passes.
func (l *Library) convTuneValid(t convTune) error {
	if c := t.tiled; c != nil {
		if err := c.check(); err != nil {
			return err
		}
		if !l.convTileFits(*c) {
			return fmt.Errorf("conv tile %+v: over the device's workgroup or shared memory limits", *c)
		}
		return nil
	}
	switch {
	case t.ppl < 1 || t.ppl > 4 || (t.tc != 4 && t.tc != 8) || t.sg > 2:
		return fmt.Errorf("conv register tile %+v: ppl must be 1..4, tc 4 or 8, sg 0..2", t)
	case t.sg == 1 && !l.convSubgroups():
		return fmt.Errorf("conv register tile %+v: the device has no full 8-lane subgroups with broadcast", t)
	}
	lim := l.ctx.Info().Compute
	if t.local == 0 || t.local%uint32(t.teamSize()) != 0 || t.local > lim.MaxWorkGroupInvocations || t.local > lim.MaxWorkGroupSize[0] {
		return fmt.Errorf("conv register tile %+v: workgroup size %d over the device's limits or not a multiple of the team", t, t.local)
	}
	return nil
}
