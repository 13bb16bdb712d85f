# Times conv kernels in PyTorch for kbench --compare-torch.
# Reads {"warmup": W, "runs": R, "device": "cpu"|"cuda", "cases": [{"name", "op", "params"}]}
# on stdin and prints one JSON object:
#   {"torch": version, "device": "cpu"|"cuda", "gpu": name or null,
#    "clock": "wall" | "cuda-events",
#    "tf32_default": {"matmul": bool, "cudnn": bool} or null,
#    "fp32": {name: median_ms}, "tf32": {name: median_ms} (CUDA only)}
# On the CPU it uses two threads, as the project's peer does, and times each call with
# the wall clock. On CUDA each call is timed with a pair of CUDA events after warm-up
# and a synchronize, once with TF32 off ("fp32": strict float32, like the project's
# kernels) and once with TF32 on ("tf32"), for both matmul and cuDNN; "tf32_default"
# is PyTorch's own setting, restored at the end.
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight

torch.set_num_threads(2)
torch.manual_seed(0)
spec = json.load(sys.stdin)
dev = torch.device(spec.get("device", "cpu"))
cuda = dev.type == "cuda"


def make(p, op):
    n, c, h, w, k = p["N"], p["C"], p["H"], p["W"], p["K"]
    kh, kw, s, pad = p["KH"], p["KW"], p["S"], p["P"]
    op_pad = p.get("OP", 0)
    if op.startswith("conv2d"):
        x = torch.randn(n, c, h, w, device=dev)
        wt = torch.randn(k, c, kh, kw, device=dev)
        y = F.conv2d(x, wt, stride=s, padding=pad)
        dy = torch.randn_like(y)
        return {
            "conv2d_fwd": lambda: F.conv2d(x, wt, stride=s, padding=pad),
            "conv2d_bwd_data": lambda: conv2d_input(x.shape, wt, dy, stride=s, padding=pad),
            "conv2d_bwd_filter": lambda: conv2d_weight(x, wt.shape, dy, stride=s, padding=pad),
        }[op]
    # transposed conv: weight [C_in, K_out, KH, KW]
    x = torch.randn(n, c, h, w, device=dev)
    wt = torch.randn(c, k, kh, kw, device=dev)
    y = F.conv_transpose2d(x, wt, stride=s, padding=pad, output_padding=op_pad)
    dy = torch.randn_like(y)
    return {
        "conv_transpose2d_fwd": lambda: F.conv_transpose2d(x, wt, stride=s, padding=pad, output_padding=op_pad),
        # d/dx of conv_transpose2d is conv2d of dy with the same weight
        "conv_transpose2d_bwd_data": lambda: F.conv2d(dy, wt, stride=s, padding=pad),
        # d/dw: conv2d_weight with the roles of input and grad-output swapped
        "conv_transpose2d_bwd_filter": lambda: conv2d_weight(dy, wt.shape, x, stride=s, padding=pad),
    }[op]


def time_wall(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def time_cuda(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize(dev)
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(runs)]
    for start, end in events:
        start.record()
        fn()
        end.record()
    torch.cuda.synchronize(dev)
    return statistics.median(start.elapsed_time(end) for start, end in events)


def time_all(timer):
    res = {}
    with torch.no_grad():
        for case in spec["cases"]:
            res[case["name"]] = timer(make(case["params"], case["op"]), spec["warmup"], spec["runs"])
    return res


def set_tf32(on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


out = {"torch": torch.__version__, "device": dev.type, "gpu": None, "clock": "wall", "tf32_default": None}
if cuda:
    default = {"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}
    out.update(gpu=torch.cuda.get_device_name(dev), clock="cuda-events", tf32_default=default)
    try:
        for mode, on in (("fp32", False), ("tf32", True)):
            set_tf32(on)
            out[mode] = time_all(time_cuda)
    finally:
        torch.backends.cuda.matmul.allow_tf32 = default["matmul"]
        torch.backends.cudnn.allow_tf32 = default["cudnn"]
else:
    out["fp32"] = time_all(time_wall)
json.dump(out, sys.stdout)
