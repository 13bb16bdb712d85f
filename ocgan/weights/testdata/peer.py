"""Runs the PyTorch peer (ocgan.py) on safetensors weights for the Go tests.

  peer.py score PEER_DIR WEIGHTS IMAGES SIZE CHANNELS LATENT OUT
      load En and De from WEIGHTS (peer names), score the raw float32 images
      (N, CHANNELS, SIZE, SIZE) in eval mode, write the scores as JSON to OUT.
  peer.py train PEER_DIR SEED WEIGHTS IMAGES SIZE CHANNELS LATENT OUT
      seed torch, build the peer's En/De, take a few auto-encoder training
      steps on the images, write En and De to WEIGHTS (no metadata; the
      num_batches_tracked buffers as I64) and their scores to OUT.

Safetensors is read and written with struct and json only.
"""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, h in header.items():
        b, e = h["data_offsets"]
        t = torch.frombuffer(bytearray(buf[8 + n + b:8 + n + e]), dtype=DTYPES[h["dtype"]])
        out[name] = t.reshape(h["shape"])
    return out


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def build(peer_dir, size, channels, latent):
    sys.path.insert(0, peer_dir)
    import ocgan
    return ocgan.OCGAN(img_size=size, nc=channels, latent=latent, mode="ae")


def load(model, tensors):
    for key in ("En", "De"):
        net = model.nets[key]
        sd = {n[len(key) + 1:]: t for n, t in tensors.items() if n.startswith(key + ".")}
        missing, unexpected = net.load_state_dict(sd, strict=False)
        missing = [m for m in missing if not m.endswith("num_batches_tracked")]
        if missing or unexpected:
            raise SystemExit("%s: missing %s, unexpected %s" % (key, missing, unexpected))


def images(path, size, channels):
    x = np.fromfile(path, dtype="<f4").reshape(-1, channels, size, size)
    return torch.from_numpy(x.astype(np.float32))


def main(argv):
    torch.set_num_threads(2)
    if argv[0] == "score":
        peer_dir, weights, imgs, size, channels, latent, out = argv[1:]
        size, channels, latent = int(size), int(channels), int(latent)
        model = build(peer_dir, size, channels, latent)
        load(model, read_safetensors(weights))
    elif argv[0] == "train":
        peer_dir, seed, weights, imgs, size, channels, latent, out = argv[1:]
        size, channels, latent = int(size), int(channels), int(latent)
        torch.manual_seed(int(seed))
        model = build(peer_dir, size, channels, latent)
        x = images(imgs, size, channels)
        model.train_mode(True)
        for i in range(0, min(len(x), 64), 64):
            model._ae_step(x[i:i + 64])
        model.train_mode(False)
        write_safetensors(weights, {"%s.%s" % (k, n): t for k in ("En", "De")
                                    for n, t in model.nets[k].state_dict().items()})
    else:
        raise SystemExit("unknown mode %r" % argv[0])
    scores = model.score(images(imgs, size, channels))
    with open(out, "w") as f:
        json.dump([float(s) for s in scores], f)


if __name__ == "__main__":
    main(sys.argv[1:])
