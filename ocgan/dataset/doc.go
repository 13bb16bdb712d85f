// Package dataset reads the image data sets OCGAN trains on (MNIST and
// Fashion-MNIST IDX files, CIFAR-10 binary batches, image folders such as
// COIL-100, and folders of normal images alone) into float32 CHW images in
// [-1, 1] with integer class labels, tells their layouts apart, and builds
// the seeded one-class splits of the paper's two protocols and the
// validation hold-out of normal images alone. It also writes images back as
// PNG files (WritePNGs), the inverse of its folder readers.
//
// Conventions, shared by every reader:
//
//   - Normalisation: a byte value x becomes x/127.5 − 1, so 0 → −1 and 255 → 1
//     (the authors' scaling). Images are stored channel-major (CHW), rows top
//     to bottom, pixels left to right.
//   - Grayscale: RGB is reduced to ITU-R BT.601 luma,
//     Y = 0.299 R + 0.587 G + 0.114 B, computed in floating point without
//     rounding to 8 bits. Gray sources asked for RGB are copied into three
//     equal channels. Alpha is composited over black (Go's premultiplied
//     colours).
//   - Resize: bilinear with align-corners false (pixel centres), no
//     antialiasing, like torch.nn.functional.interpolate(mode="bilinear",
//     align_corners=False) and PIL/OpenCV's INTER_LINEAR when upsampling:
//     output pixel i samples source coordinate (i+0.5)·in/out − 0.5, clamped
//     to [0, in−1], and interpolates its two neighbours. See ResizeBilinear.
//     The result is clamped to [−1, 1].
//   - Aspect ratio: Options.Resize is ResizeFit (the zero value: the whole
//     image is resized, its aspect ratio not kept) or ResizeCrop (the
//     largest centred region of the target's aspect ratio is kept, then
//     resized).
//   - The project default (DefaultOptions) is 28x28 grayscale, like the peer
//     PyTorch implementation; zero Options keep each source's own shape.
//
// Readers never panic on corrupt input: they return errors that name the file
// and the problem and wrap one of the package's Err* values, so callers can
// test them with errors.Is.
package dataset
