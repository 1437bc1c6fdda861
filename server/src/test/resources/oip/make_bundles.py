"""Writes the two tiny bundles the OIP tests serve (run with Debian's /usr/bin/python3, which has
torch and numpy): `vectors/1` (input kind tensor, shape [4]) and `pictures/1` (input kind image,
16x16 rgb). Weights are fixed by a seed; the files are committed, this script documents them."""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(7)
rng = np.random.default_rng(7)


def dense(folder, head, layer, out_dim, in_dim):
    os.makedirs(os.path.join(folder, "heads", head), exist_ok=True)
    w = rng.normal(0, 1, (out_dim, in_dim)).astype("<f4")
    b = rng.normal(0, 0.1, (out_dim,)).astype("<f4")
    np.save(os.path.join(folder, "heads", head, f"{layer}.weight.npy"), w)
    np.save(os.path.join(folder, "heads", head, f"{layer}.bias.npy"), b)
    return {"weight": f"heads/{head}/{layer}.weight.npy", "bias": f"heads/{head}/{layer}.bias.npy"}


class VectorBackbone(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 6)

    def forward(self, x):
        return torch.tanh(self.fc(x))


class PictureBackbone(torch.nn.Module):
    def forward(self, x):
        # [B,3,16,16] -> per-channel mean and max: 6 features
        return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)


def write(name, backbone, example, input_spec, feature_size, heads, unknown):
    folder = os.path.join(HERE, name, "1")
    os.makedirs(folder, exist_ok=True)
    torch.jit.trace(backbone.eval(), example).save(os.path.join(folder, "backbone.pt"))
    manifest = {
        "schema_version": 1, "name": name, "version": "1",
        "description": f"OIP test fixture ({input_spec['kind']} input)",
        "input": input_spec,
        "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": feature_size},
        "heads": [{"name": h, "kind": kind, "labels": labels,
                   "layers": [dense(folder, h, 0, 1 if kind == "binary" else len(labels), feature_size)]}
                  for h, kind, labels in heads],
        "unknown": unknown,
    }
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump(manifest, f, indent=2)


write("vectors", VectorBackbone(), torch.zeros(2, 4), {"kind": "tensor", "tensor": {"shape": [4]}}, 6,
      [("color", "multiclass", ["red", "green", "blue"]), ("is-big", "binary", ["small", "big"])],
      {"method": "max_softmax", "head": "color", "threshold": 0.6})
write("pictures", PictureBackbone(), torch.zeros(2, 3, 16, 16),
      {"kind": "image", "image": {"width": 16, "height": 16, "channels": "rgb"}}, 6,
      [("shade", "multiclass", ["dark", "mid", "light"])],
      {"method": "max_softmax", "head": "shade", "threshold": 0.6})
