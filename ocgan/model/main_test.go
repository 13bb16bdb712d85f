package model

import (
	"os"
	"testing"

	"github.com/ocgan-vk/ocgan/runtime/vk/vktest"
)

// TestMain closes the Vulkan context the tests share (vktest.Shared).
func TestMain(m *testing.M) { os.Exit(vktest.Main(m)) }
