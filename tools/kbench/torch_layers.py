# Times conv kernels in PyTorch on the CPU for kbench --compare-torch.
# Reads {"warmup": W, "runs": R, "device": "cpu"|"cuda", "cases": [{"name", "op", "params"}]}
# on stdin and prints {"name": median_ms} as JSON. On the CPU it uses two threads, as the
# project's peer does; on CUDA every timed call is followed by a synchronize.
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
sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)


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


out = {}
with torch.no_grad():
    for case in spec["cases"]:
        fn = make(case["params"], case["op"])
        for _ in range(spec["warmup"]):
            fn()
        sync()
        times = []
        for _ in range(spec["runs"]):
            t0 = time.perf_counter()
            fn()
            sync()
            times.append((time.perf_counter() - t0) * 1000)
        out[case["name"]] = statistics.median(times)
json.dump(out, sys.stdout)
