#!/usr/bin/python3
"""Classifies PNG files with an image bundle in Python (torch 1.13), following docs/bundle.md,
so the Java server's answers can be compared with a reference implementation.

  /usr/bin/python3 tools/demo/check_bundle.py models/fashion/1 examples/images/fashion

Prints one line per image (file, decision, max probability, ood score) and a summary per folder.
Supports 8-bit grayscale / RGB / RGBA non-interlaced PNGs (what export_images.py writes),
linear heads and the max_softmax / none unknown methods (what make_demo_bundle.py writes).
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F


def read_png(path):
    d = open(path, "rb").read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    p, idat, hdr = 8, b"", None
    while p < len(d):
        n, = struct.unpack(">I", d[p:p + 4])
        tag, body = d[p + 4:p + 8], d[p + 8:p + 8 + n]
        if tag == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat += body
        p += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    ch = {0: 1, 2: 3, 6: 4}.get(ctype)
    if depth != 8 or ch is None or interlace:
        raise ValueError(f"{path}: only 8-bit gray/RGB/RGBA non-interlaced PNGs are supported")
    raw = zlib.decompress(idat)
    stride = w * ch
    out = np.zeros((h, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        cur = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = cur[x - ch] if x >= ch else 0
            b = prev[x]
            c = prev[x - ch] if x >= ch else 0
            if f == 0:
                pr = 0
            elif f == 1:
                pr = a
            elif f == 2:
                pr = b
            elif f == 3:
                pr = (a + b) // 2
            else:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[x] = (line[x] + pr) & 0xFF
        out[y] = cur
        prev = cur
    img = out.reshape(h, w, ch).astype(np.float32)
    if ch == 1:
        img = np.repeat(img, 3, axis=2)
    return img[:, :, :3].transpose(2, 0, 1)  # CHW, 0..255


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    bundle, folder = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    m = json.load(open(os.path.join(bundle, "bundle.json")))
    spec = m["input"]["image"]
    if spec["channels"] != "rgb":
        raise SystemExit("only channels=rgb is supported here")
    net = torch.jit.load(os.path.join(bundle, m["backbone"]["file"])).eval()
    unk = m.get("unknown", {"method": "none"})
    dec_head = next(h for h in m["heads"] if h["name"] == unk.get("head", m["heads"][0]["name"]))
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(folder) for f in fs if f.endswith(".png"))
    x = torch.stack([torch.from_numpy(read_png(f)) for f in files])
    x = F.interpolate(x, size=(spec["height"], spec["width"]), mode="bilinear", align_corners=False)
    mean = torch.tensor(spec.get("mean", [0, 0, 0])).view(1, 3, 1, 1)
    std = torch.tensor(spec.get("std", [1, 1, 1])).view(1, 3, 1, 1)
    x = (x / spec.get("scale", 255.0) - mean) / std
    with torch.jit.optimized_execution(False), torch.inference_mode():
        feats = net(x).numpy()
    z = feats
    for i, layer in enumerate(dec_head["layers"]):
        W = np.load(os.path.join(bundle, layer["weight"]))
        b = np.load(os.path.join(bundle, layer["bias"]))
        z = z @ W.T + b
        if layer.get("activation", "none") == "relu":
            z = np.maximum(z, 0)
    z = z - z.max(1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    score = 1 - p.max(1) if unk["method"] == "max_softmax" else np.zeros(len(files))
    thr = unk.get("threshold", 0.0)
    summary = {}
    for f, pi, s in zip(files, p, score):
        label = os.path.basename(os.path.dirname(f))
        decision = "unknown" if s > thr else dec_head["labels"][int(pi.argmax())]
        print(f"{os.path.relpath(f, folder):28s} {decision:8s} p={pi.max():.6f} ood={s:.6f}")
        st = summary.setdefault(label, {"n": 0, "right": 0, "unknown": 0})
        st["n"] += 1
        st["unknown"] += decision == "unknown"
        st["right"] += decision == label
    known = set(dec_head["labels"])
    print(f"\nthreshold {thr} ({unk['method']})")
    tot = {"known": [0, 0, 0], "other": [0, 0, 0]}
    for label, st in sorted(summary.items()):
        k = "known" if label in known else "other"
        tot[k][0] += st["n"]
        tot[k][1] += st["right"]
        tot[k][2] += st["unknown"]
        print(f"  {label:12s} {k:5s} n={st['n']:3d} right={st['right']:3d} unknown={st['unknown']:3d}")
    for k, (n, r, u) in tot.items():
        if n:
            print(f"{k}: {n} images, right decision {r / n:.3f}, unknown {u / n:.3f}")


if __name__ == "__main__":
    main()
