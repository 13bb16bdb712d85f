// Package weights moves trained OCGAN weights out of and into checkpoints:
// the safetensors format under the PyTorch peer's parameter names
// (shared/peers/torch_ocgan/ocgan.py), so that a model trained here runs in
// PyTorch and one trained there scores here, and the scorer as an ONNX
// model for ONNX Runtime and TensorRT.
//
// Export writes the encoder and decoder (or any of the five networks) of a
// checkpoint: every parameter and batch-norm running statistic as an F32
// tensor named as in the peer's OCGAN.state() ("En.net.0.weight",
// "De.net.1.running_var", ...), and the geometry, preprocessing and
// threshold as __metadata__ strings. The peer's num_batches_tracked buffers
// are not written: they only matter for a batch norm without momentum,
// which OCGAN does not use; load the file with strict=False.
//
// Import builds a scoring checkpoint (encoder and decoder) from such a
// file, whether this package or PyTorch wrote it. Decode reads a
// safetensors file of any origin with every size checked against the bytes
// present: the header length, each tensor's dtype, shape and data offsets
// (in bounds, of the size the dtype and shape imply, not overlapping).
// Errors wrap ErrFormat, ErrDType or ErrMissing and name the tensor.
//
// ExportONNX writes the scorer as an ONNX graph (opset 13): the input
// "image" [N, C, H, W] in the preprocessed range, the eval-mode encoder and
// decoder, and the outputs "reconstruction" [N, C, H, W] and "score" [N],
// the per-image mean squared error that ocgan score reports, with the
// geometry, preprocessing and threshold as metadata.
package weights
