"""Checks exported ONNX scorers and runs them node by node for the Go tests.

  onnx_run.py MODEL IMAGES OUT_RECON OUT_SCORES [MODEL IMAGES OUT_RECON OUT_SCORES ...]

Each MODEL is checked with onnx.checker (full_check) and onnx.shape_inference
(strict mode), which must infer the outputs reconstruction [N, C, H, W] and
score [N] from the input image [N, C, H, W]. The graph is then executed on
the raw float32 images in IMAGES (N, C, H, W) by the interpreter below,
written against the ONNX operator specification with torch.nn.functional;
the reconstructions and scores are written to OUT_RECON and OUT_SCORES as
raw little-endian float32. Any failure exits non-zero with a message.
"""
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import onnx.shape_inference
import torch
import torch.nn.functional as F


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def symmetric_pads(node, a, rank=2):
    """Conv pads are [x1_begin, x2_begin, ..., x1_end, x2_end]."""
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise ValueError(f"{node.name}: auto_pad {a['auto_pad']} is not handled")
    pads = list(a.get("pads", [0] * 2 * rank))
    begin, end = pads[:rank], pads[rank:]
    if begin != end:
        raise ValueError(f"{node.name}: asymmetric pads {pads} are not handled")
    return tuple(begin)


def check_kernel(node, a, w):
    ks = list(a.get("kernel_shape", w.shape[2:]))
    if ks != list(w.shape[2:]):
        raise ValueError(f"{node.name}: kernel_shape {ks}, weight {list(w.shape)}")


def conv(node, a, x, w, b=None):
    check_kernel(node, a, w)
    return F.conv2d(x, w, b, stride=tuple(a.get("strides", [1, 1])), padding=symmetric_pads(node, a),
                    dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))


def conv_transpose(node, a, x, w, b=None):
    check_kernel(node, a, w)
    if "output_shape" in a:
        raise ValueError(f"{node.name}: output_shape is not handled")
    return F.conv_transpose2d(x, w, b, stride=tuple(a.get("strides", [1, 1])), padding=symmetric_pads(node, a),
                              output_padding=tuple(a.get("output_padding", [0, 0])), groups=a.get("group", 1),
                              dilation=tuple(a.get("dilations", [1, 1])))


def batch_norm(node, a, x, scale, bias, mean, var):
    if a.get("training_mode", 0):
        raise ValueError(f"{node.name}: training_mode is not handled")
    return F.batch_norm(x, mean, var, weight=scale, bias=bias, training=False, eps=a.get("epsilon", 1e-5))


def reduce_mean(node, a, x):
    axes = a.get("axes", list(range(x.dim())))
    return torch.mean(x, dim=tuple(axes), keepdim=bool(a.get("keepdims", 1)))


OPS = {
    "Conv": conv,
    "ConvTranspose": conv_transpose,
    "BatchNormalization": batch_norm,
    "LeakyRelu": lambda n, a, x: F.leaky_relu(x, a.get("alpha", 0.01)),
    "Relu": lambda n, a, x: F.relu(x),
    "Tanh": lambda n, a, x: torch.tanh(x),
    "Sigmoid": lambda n, a, x: torch.sigmoid(x),
    "Add": lambda n, a, x, y: x + y,
    "Sub": lambda n, a, x, y: x - y,
    "Mul": lambda n, a, x, y: x * y,
    "ReduceMean": reduce_mean,
}


def run(model, feeds):
    values = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    values.update(feeds)
    for node in model.graph.node:
        if node.domain not in ("", "ai.onnx"):
            raise ValueError(f"{node.name}: domain {node.domain!r}")
        if node.op_type not in OPS:
            raise ValueError(f"{node.name}: op {node.op_type} is not in the interpreter")
        if len(node.output) != 1:
            raise ValueError(f"{node.name}: {len(node.output)} outputs, the interpreter handles one")
        values[node.output[0]] = OPS[node.op_type](node, attrs(node), *[values[i] for i in node.input])
    return [values[o.name] for o in model.graph.output]


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def main(model_path, images_path, recon_path, scores_path):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    [image] = model.graph.input
    shape = dims(image)
    if image.name != "image" or len(shape) != 4 or not isinstance(shape[0], str):
        raise ValueError(f"input {image.name} {shape}: want image [N, C, H, W] with a symbolic N")
    want = {"reconstruction": shape, "score": shape[:1]}
    # Infer the output shapes from the input alone: drop the declared ones.
    bare = onnx.ModelProto()
    bare.CopyFrom(model)
    for o in bare.graph.output:
        o.type.tensor_type.ClearField("shape")
    inferred = onnx.shape_inference.infer_shapes(bare, check_type=True, strict_mode=True)
    got = {o.name: dims(o) for o in inferred.graph.output}
    if got != want:
        raise ValueError(f"inferred outputs {got}, want {want}")
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)

    c, h, w = shape[1:]
    x = torch.from_numpy(np.fromfile(images_path, dtype="<f4").reshape(-1, c, h, w).copy())
    with torch.no_grad():
        recon, score = run(model, {"image": x})
        if list(recon.shape) != list(x.shape) or list(score.shape) != [x.shape[0]]:
            raise ValueError(f"outputs {list(recon.shape)}, {list(score.shape)} for input {list(x.shape)}")
        # The batch is dynamic: one image alone gives what it gives in the batch.
        r1, s1 = run(model, {"image": x[:1]})
        if not (torch.allclose(r1, recon[:1], atol=1e-5) and torch.allclose(s1, score[:1], rtol=1e-5)):
            raise ValueError("a batch of one image gives other outputs than the same image in a batch")
    recon.numpy().astype("<f4").tofile(recon_path)
    score.numpy().astype("<f4").tofile(scores_path)


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or len(args) % 4 != 0:
        sys.exit(__doc__)
    for i in range(0, len(args), 4):
        try:
            main(*args[i:i + 4])
        except Exception as e:  # noqa: BLE001 - report every failure the same way
            sys.exit(f"onnx_run.py: {args[i]}: {type(e).__name__}: {e}")
