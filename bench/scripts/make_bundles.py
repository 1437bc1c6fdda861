#!/usr/bin/python3
"""Benchmark bundles (bundle format v1, docs/bundle.md), written with numpy (+ torch for the
tiny fixture backbone only). Head weights are random with a fixed seed: these bundles measure
speed, not accuracy. Run with Debian's interpreter:

  /usr/bin/python3 bench/scripts/make_bundles.py image  --backbone models/fashion/1/backbone.pt --heads 16 --out DIR/heads16/1
  /usr/bin/python3 bench/scripts/make_bundles.py separate --backbone models/fashion/1/backbone.pt --count 16 --out DIR/separate16
  /usr/bin/python3 bench/scripts/make_bundles.py text   --minilm ../shared/models/minilm --buckets 16,32,64,128 --out DIR/text/1
  /usr/bin/python3 bench/scripts/make_bundles.py tiny   --out bench/src/test/resources/bundles/tiny/1

Image bundles: 96x96 RGB input (the size models/fashion uses), MobileNetV2 pooled 1280-d
features, heads alternate multiclass (4 labels) and binary; unknown = max_softmax of head 0.
"""
import argparse
import json
import os
import shutil

import numpy as np

SEED = 20240611


def dense(folder, head, layer, out_dim, in_dim, rng, activation=None):
    os.makedirs(os.path.join(folder, "heads", head), exist_ok=True)
    w = (rng.standard_normal((out_dim, in_dim)) / np.sqrt(in_dim)).astype("<f4")
    b = (rng.standard_normal((out_dim,)) * 0.1).astype("<f4")
    np.save(os.path.join(folder, "heads", head, f"{layer}.weight.npy"), w)
    np.save(os.path.join(folder, "heads", head, f"{layer}.bias.npy"), b)
    spec = {"weight": f"heads/{head}/{layer}.weight.npy", "bias": f"heads/{head}/{layer}.bias.npy"}
    if activation:
        spec["activation"] = activation
    return spec


def heads_spec(folder, n, feature_size, rng, first=0):
    heads = []
    for i in range(first, first + n):
        if i % 2 == 0:
            name, kind, labels = f"category-{i}", "multiclass", ["trouser", "bag", "sneaker", "dress"]
            out = 4
        else:
            name, kind, labels = f"is-x{i}", "binary", ["base", f"x{i}"]
            out = 1
        heads.append({"name": name, "kind": kind, "labels": labels,
                      "layers": [dense(folder, name, 0, out, feature_size, rng)]})
    return heads


def write_manifest(folder, manifest):
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=2)


def image_bundle(out, backbone, n_heads, name, first_head=0, size=96):
    os.makedirs(out, exist_ok=True)
    shutil.copyfile(backbone, os.path.join(out, "backbone.pt"))
    rng = np.random.default_rng(SEED + first_head)
    heads = heads_spec(out, n_heads, 1280, rng, first_head)
    write_manifest(out, {
        "schema_version": 1, "name": name, "version": "1",
        "description": f"bench: MobileNetV2 96x96 with {n_heads} random head(s)",
        "input": {"kind": "image", "image": {"width": size, "height": size, "resize": "bilinear",
                                             "channels": "rgb", "scale": 255.0,
                                             "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0]}},
        "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": 1280},
        "heads": heads,
        "unknown": {"method": "max_softmax", "head": heads[0]["name"], "threshold": 0.5},
        "provenance": {"trainer": "bench/scripts/make_bundles.py", "seed": SEED},
    })


def text_bundle(out, minilm, n_heads, buckets, max_tokens=128):
    os.makedirs(out, exist_ok=True)
    for f in ("backbone.pt", "tokenizer.json"):
        shutil.copyfile(os.path.join(minilm, f), os.path.join(out, f))
    rng = np.random.default_rng(SEED)
    heads = heads_spec(out, n_heads, 384, rng)
    write_manifest(out, {
        "schema_version": 1, "name": os.path.basename(os.path.dirname(os.path.abspath(out))),
        "version": "1", "description": f"bench: MiniLM, buckets {buckets}",
        "input": {"kind": "text", "text": {"tokenizer": "tokenizer.json", "max_tokens": max_tokens,
                                           "pooling": "mean", "buckets": buckets}},
        "backbone": {"file": "backbone.pt", "output": "tokens", "feature_size": 384},
        "heads": heads,
        "unknown": {"method": "max_softmax", "head": heads[0]["name"], "threshold": 0.5},
    })


def tiny_bundle(out):
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(16, 32)

        def forward(self, x):
            return torch.tanh(self.fc(x))

    torch.manual_seed(SEED)
    os.makedirs(out, exist_ok=True)
    torch.jit.trace(Tiny().eval(), torch.zeros(2, 16)).save(os.path.join(out, "backbone.pt"))
    rng = np.random.default_rng(SEED)
    heads = heads_spec(out, 2, 32, rng)
    write_manifest(out, {
        "schema_version": 1, "name": "tiny", "version": "1",
        "description": "bench fixture: tensor [16] -> Linear(16,32)+tanh, 2 heads",
        "input": {"kind": "tensor", "tensor": {"shape": [16]}},
        "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": 32},
        "heads": heads,
        "unknown": {"method": "max_softmax", "head": heads[0]["name"], "threshold": 0.5},
    })


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["image", "separate", "text", "tiny"])
    p.add_argument("--out", required=True)
    p.add_argument("--backbone", default="models/fashion/1/backbone.pt")
    p.add_argument("--heads", type=int, default=1)
    p.add_argument("--count", type=int, default=16)
    p.add_argument("--name", default=None)
    p.add_argument("--minilm", default="../shared/models/minilm")
    p.add_argument("--buckets", default="16,32,64,128")
    a = p.parse_args()
    if a.kind == "image":
        name = a.name or os.path.basename(os.path.dirname(os.path.abspath(a.out)))
        image_bundle(a.out, a.backbone, a.heads, name)
    elif a.kind == "separate":
        # the naive deployment: head i of the 16-head bundle as its own bundle sep-i/1
        for i in range(a.count):
            rng_first = i
            image_bundle(os.path.join(a.out, f"sep-{i:02d}", "1"), a.backbone, 1, f"sep-{i:02d}", rng_first)
    elif a.kind == "text":
        text_bundle(a.out, a.minilm, 4, [int(b) for b in a.buckets.split(",")])
    else:
        tiny_bundle(a.out)


if __name__ == "__main__":
    main()
