"""Writes `tasks/1`, the tiny bundle every client e2e serves to check per-head fields (run with
Debian's /usr/bin/python3, which has torch and numpy). Input kind tensor, shape [2]; two heads,
each with its own max_softmax unknown policy and no top-level policy, so an item is known when at
least one head accepts it ("none of these", docs/bundle.md "Overall decision").

The backbone is the identity and each head's logits are hand-set so the verdicts are known:
  color reads x[0]: |x[0]| large -> confident (accepted), x[0] = 0 -> 50/50 (rejected);
  size  reads x[1] the same way.
So [4, 0] is accepted by color only, [0, 4] by size only, [0, 0] by none (unknown overall,
reason threshold). The files are committed; this script documents them."""
import json
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FOLDER = os.path.join(HERE, "tasks", "1")


class Identity(torch.nn.Module):
    def forward(self, x):
        return x * 1.0


def head(name, labels, column):
    os.makedirs(os.path.join(FOLDER, "heads", name), exist_ok=True)
    w = np.zeros((2, 2), dtype="<f4")
    w[0, column], w[1, column] = 1.0, -1.0   # logits (x, -x): softmax confident when |x| large
    np.save(os.path.join(FOLDER, "heads", name, "0.weight.npy"), w)
    np.save(os.path.join(FOLDER, "heads", name, "0.bias.npy"), np.zeros(2, dtype="<f4"))
    return {"name": name, "kind": "multiclass", "labels": labels,
            "layers": [{"weight": f"heads/{name}/0.weight.npy", "bias": f"heads/{name}/0.bias.npy"}],
            # max_softmax score = 1 - max p: 0.5 at x = 0 (rejected), ~0 at |x| = 4 (accepted)
            "unknown": {"method": "max_softmax", "threshold": 0.2}}


os.makedirs(FOLDER, exist_ok=True)
torch.jit.trace(Identity().eval(), torch.zeros(2, 2)).save(os.path.join(FOLDER, "backbone.pt"))
manifest = {
    "schema_version": 1, "name": "tasks", "version": "1",
    "description": "client e2e fixture: two heads with their own unknown policies",
    "input": {"kind": "tensor", "tensor": {"shape": [2]}},
    "backbone": {"file": "backbone.pt", "output": "pooled", "feature_size": 2},
    "heads": [head("color", ["red", "blue"], 0), head("size", ["small", "big"], 1)],
    "unknown": {"method": "none"},
}
with open(os.path.join(FOLDER, "bundle.json"), "w") as f:
    json.dump(manifest, f, indent=2)
print("wrote", FOLDER)
