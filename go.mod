module github.com/ocgan-vk/ocgan

go 1.25.0

require (
	github.com/klauspost/compress v1.20.4
	github.com/spf13/pflag v1.0.6
	github.com/vulkan-go/vulkan v0.0.0-20221209234627-c0a353ae26c8
)
