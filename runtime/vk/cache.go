package vk

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/ocgan-vk/ocgan/runtime/atomicfile"
	"github.com/vulkan-go/vulkan"
)

// The pipeline cache file: magic, sha256 of the payload, then the driver's
// VkPipelineCache data. A file that fails any check is ignored and rebuilt.
var cacheMagic = []byte("OCGANPC1")

// pipelineCache is a VkPipelineCache persisted under the user's cache directory,
// one file per device UUID and driver version.
type pipelineCache struct {
	ctx    *Context
	cache  vulkan.PipelineCache
	dir    string // CacheDir; "" when persistence is off
	path   string // "" when persistence is off
	loaded []byte // payload read at open, to skip rewriting an unchanged cache
	// Status says what happened at open: "off", "new", "loaded", or "ignored: <why>".
	Status string
}

// CacheDirEnv overrides the pipeline cache directory ("off" disables it).
const CacheDirEnv = "OCGAN_VK_PIPELINE_CACHE"

// CacheDir is the directory of the on-disk caches for a Config.PipelineCacheDir
// value: cfgDir itself when set, else $OCGAN_VK_PIPELINE_CACHE, else
// <user cache dir>/ocgan; "off" when caching is disabled or there is no user
// cache directory.
func CacheDir(cfgDir string) string {
	if cfgDir != "" {
		return cfgDir
	}
	if env := os.Getenv(CacheDirEnv); env != "" {
		return env
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "off"
	}
	return filepath.Join(base, "ocgan")
}

// openPipelineCache creates the VkPipelineCache, seeded from disk when a valid file
// for this device and driver exists. It never fails: a cache is an optimisation.
func openPipelineCache(c *Context, cfgDir string) *pipelineCache {
	pc := &pipelineCache{ctx: c, Status: "off"}
	dir := CacheDir(cfgDir)
	var seed []byte
	if dir != "off" {
		pc.dir = dir
		pc.path = filepath.Join(dir, "pipelines-"+c.info.CacheKey()+".bin")
		seed, pc.Status = readCacheFile(pc.path, c)
	}
	if pc.create(seed) != nil && seed != nil {
		pc.Status = "ignored: the driver rejected the data"
		if pc.create(nil) != nil {
			pc.cache = nil
		}
	}
	pc.loaded = seed
	return pc
}

func (pc *pipelineCache) create(seed []byte) error {
	info := vulkan.PipelineCacheCreateInfo{SType: vulkan.StructureTypePipelineCacheCreateInfo}
	if len(seed) > 0 {
		info.InitialDataSize = uint(len(seed))
		info.PInitialData = unsafe.Pointer(&seed[0])
	}
	var h vulkan.PipelineCache
	r := vulkan.CreatePipelineCache(pc.ctx.device, &info, nil, &h)
	info.Free()
	if r != vulkan.Success {
		return check(r, "vkCreatePipelineCache")
	}
	pc.cache = h
	return nil
}

// CacheKey names a device and driver in cache file names: the device UUID and
// the driver version, in hexadecimal. Files of other devices or drivers never
// share a name.
func (d DeviceInfo) CacheKey() string {
	return fmt.Sprintf("%x-%08x", d.uuid, d.driverVersion)
}

// readCacheFile returns the payload of a valid cache file, or nil and why not.
func readCacheFile(path string, c *Context) ([]byte, string) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, "new"
	}
	if err != nil {
		return nil, "ignored: " + err.Error()
	}
	if len(data) < len(cacheMagic)+sha256.Size || !bytes.Equal(data[:len(cacheMagic)], cacheMagic) {
		return nil, "ignored: not an ocgan pipeline cache"
	}
	sum := data[len(cacheMagic) : len(cacheMagic)+sha256.Size]
	payload := data[len(cacheMagic)+sha256.Size:]
	if got := sha256.Sum256(payload); !bytes.Equal(got[:], sum) {
		return nil, "ignored: checksum mismatch (corrupt file)"
	}
	// VkPipelineCacheHeaderVersionOne: length, version, vendorID, deviceID, pipelineCacheUUID.
	if len(payload) < 32 {
		return nil, "ignored: truncated Vulkan header"
	}
	le := binary.LittleEndian
	hdrLen, version := le.Uint32(payload[0:]), le.Uint32(payload[4:])
	vendor, device := le.Uint32(payload[8:]), le.Uint32(payload[12:])
	if hdrLen < 32 || version != 1 || vendor != c.info.VendorID || device != c.info.DeviceID ||
		!bytes.Equal(payload[16:32], c.phys.cacheUUID[:]) {
		return nil, "ignored: made by another device or driver"
	}
	return payload, "loaded"
}

func (pc *pipelineCache) handle() vulkan.PipelineCache { return pc.cache }

// save writes the cache atomically (temporary file, sync, rename) when it changed.
func (pc *pipelineCache) save() error {
	if pc.path == "" || pc.cache == nil {
		return nil
	}
	d := pc.ctx.device
	var n uint
	if err := check(vulkan.GetPipelineCacheData(d, pc.cache, &n, nil), "vkGetPipelineCacheData"); err != nil {
		return fmt.Errorf("saving pipeline cache: %w", err)
	}
	if n == 0 {
		return nil
	}
	payload := make([]byte, n)
	if err := check(vulkan.GetPipelineCacheData(d, pc.cache, &n, unsafe.Pointer(&payload[0])), "vkGetPipelineCacheData"); err != nil {
		return fmt.Errorf("saving pipeline cache: %w", err)
	}
	payload = payload[:n]
	if bytes.Equal(payload, pc.loaded) {
		return nil
	}
	sum := sha256.Sum256(payload)
	data := append(append(append([]byte{}, cacheMagic...), sum[:]...), payload...)
	if err := atomicfile.Write(pc.path, data, 0o644); err != nil {
		return fmt.Errorf("saving pipeline cache: %w", err)
	}
	return nil
}

func (pc *pipelineCache) destroy() {
	if pc.cache != nil {
		vulkan.DestroyPipelineCache(pc.ctx.device, pc.cache, nil)
		pc.cache = nil
	}
}

// PipelineCacheStatus says what the context did with its pipeline cache file at open
// ("off", "new", "loaded", or "ignored: <why>") and where the file is.
func (c *Context) PipelineCacheStatus() (status, path string) {
	return c.cache.Status, c.cache.path
}

// CacheDir is the directory of the context's pipeline cache file, beside which
// other per-device caches live; "" when the pipeline cache is off.
func (c *Context) CacheDir() string { return c.cache.dir }
