#!/usr/bin/python3
"""Bundles for the `bench text-tops` scenario (issue 13 item 4, throughput), bundle format v1
(docs/bundle.md). Needs torch: Debian's `python3-torch` under /usr/bin/python3.

Writes into the model repository --out:
  text-tops-s<N>/1   (b) one bundle: the MiniLM trunk (layers 0..N-1) once + --heads heads,
                     each with its own fine-tuned copy of the top (layers N..5, heads[].top)
  text-full-<i>/1    (c) --heads separate bundles: the whole backbone, whose top layers are
                     head i's top, + head i alone (i = 0 .. heads-1)
So head i computes the same function in (b) and (c); only the deployment differs.

Throughput does not depend on trained values, so "fine-tuned" is simulated: every own top is
the pretrained top plus small Gaussian noise (1 % of each tensor's std), saved as its own
TorchScript file, so nothing can be shared or cached between heads or bundles. Heads are
random linear binary heads (384 -> 1).

Split points: --split-layer 4 uses the shipped trunk.pt / top.pt as they are. Any other N
re-splits backbone.pt: its state dict is loaded (strictly) into the plain modules below, which
mirror the shipped TorchScript code op for op (tools/backbone/build-minilm.sh --split-layer N
is the project's own converter for that; any trunk.pt/top.pt pair it writes works here too,
pass its folder as --minilm with --split-layer N). Every written pair is checked:
top_i(trunk(x)) must equal full_i(x) on a ragged batch.

--tiny DIR writes a tiny MiniLM-shaped folder (hidden 8, 6 layers, random weights, the
tokenizer of model/src/test/resources/bundles/text) for the bench smoke test's fixture.
"""
import argparse
import copy
import json
import math
import os
import shutil

import numpy as np
import torch
from torch import nn

SEED = 20261207
LAYERS = 6


def additive_mask(mask, dtype: torch.dtype):
    # as the shipped files (and Hugging Face BERT): padded keys get float32's most negative value
    m = mask.to(dtype)[:, None, None, :]
    return (1.0 - m) * -3.4028234663852886e38


class SelfAttn(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads, self.dh = heads, hidden // heads
        self.query, self.key, self.value = (nn.Linear(hidden, hidden) for _ in range(3))

    def forward(self, x, mask_add):
        b, t, h = x.size(0), x.size(1), x.size(2)
        q = self.query(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        k = self.key(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        v = self.value(x).view(b, t, self.heads, self.dh).transpose(1, 2)
        p = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh) + mask_add, -1)
        return (p @ v).transpose(1, 2).reshape(b, t, h)


class Dense(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.dense, self.LayerNorm = nn.Linear(n_in, n_out), nn.LayerNorm(n_out, eps=1e-12)

    def forward(self, x, res):
        return self.LayerNorm(self.dense(x) + res)


class Attention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.self, self.output = SelfAttn(hidden, heads), Dense(hidden, hidden)

    def forward(self, x, mask_add):
        return self.output(self.self(x, mask_add), x)


class Intermediate(nn.Module):
    def __init__(self, hidden, ffn):
        super().__init__()
        self.dense = nn.Linear(hidden, ffn)

    def forward(self, x):
        return torch.nn.functional.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attention = Attention(hidden, heads)
        self.intermediate, self.output = Intermediate(hidden, ffn), Dense(ffn, hidden)

    def forward(self, x, mask_add):
        a = self.attention(x, mask_add)
        return self.output(self.intermediate(a), a)


class Encoder(nn.Module):
    """Layers first..last-1, named by their index in the whole network (encoder.layer.<i>)."""

    def __init__(self, first, last, hidden, heads, ffn):
        super().__init__()
        self.layer = nn.ModuleDict({str(i): Layer(hidden, heads, ffn) for i in range(first, last)})

    def forward(self, x, mask_add):
        for layer in self.layer.values():
            x = layer(x, mask_add)
        return x


class Embeddings(nn.Module):
    def __init__(self, vocab, hidden, positions=512):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(positions, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, input_ids, token_type_ids):
        pos = torch.arange(input_ids.size(1), dtype=torch.long, device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos)
        return self.LayerNorm(x + self.token_type_embeddings(token_type_ids))


class Trunk(nn.Module):
    """forward(input_ids, attention_mask, token_type_ids) -> hidden state after layer last-1."""

    def __init__(self, last, cfg):
        super().__init__()
        self.embeddings = Embeddings(cfg["vocab"], cfg["hidden"])
        self.encoder = Encoder(0, last, cfg["hidden"], cfg["heads"], cfg["ffn"])

    def forward(self, input_ids, attention_mask, token_type_ids):
        x = self.embeddings(input_ids, token_type_ids)
        return self.encoder(x, additive_mask(attention_mask, x.dtype))


class Top(nn.Module):
    """forward(hidden, attention_mask) -> last hidden state (layers first..5)."""

    def __init__(self, first, cfg):
        super().__init__()
        self.encoder = Encoder(first, LAYERS, cfg["hidden"], cfg["heads"], cfg["ffn"])

    def forward(self, hidden, attention_mask):
        if self.training:
            hidden = hidden.clone()  # trunk outputs may be inference tensors (see models/README.md)
        return self.encoder(hidden, additive_mask(attention_mask, hidden.dtype))


def config_of(backbone):
    state = backbone.state_dict()
    vocab, hidden = state["embeddings.word_embeddings.weight"].shape
    ffn = state["encoder.layer.0.intermediate.dense.weight"].shape[0]
    heads = getattr(getattr(backbone.encoder.layer, "0").attention, "self").heads
    return {"vocab": vocab, "hidden": hidden, "ffn": ffn, "heads": heads}


def part(module_cls, at, cfg, state):
    m = module_cls(at, cfg)
    own = m.state_dict().keys()
    m.load_state_dict({k: v for k, v in state.items() if k in own}, strict=True)
    return torch.jit.script(m.eval())


def trunk_and_top(minilm, split):
    """The trunk and the pretrained top for `split` (shipped files at 4, re-split otherwise)."""
    if split == 4 and os.path.exists(os.path.join(minilm, "trunk.pt")):
        return torch.jit.load(os.path.join(minilm, "trunk.pt")), torch.jit.load(os.path.join(minilm, "top.pt"))
    backbone = torch.jit.load(os.path.join(minilm, "backbone.pt"))
    cfg, state = config_of(backbone), backbone.state_dict()
    return part(Trunk, split, cfg, state), part(Top, split, cfg, state)


def perturbed(module, seed):
    """A deep copy with every parameter moved by 1 % of its own std (a stand-in fine-tune)."""
    m = copy.deepcopy(module)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.01 * float(p.std()))
    return m


def full_with_top(backbone_file, top):
    """The whole backbone whose layers >= split carry `top`'s (perturbed) weights."""
    full = torch.jit.load(backbone_file)
    own = top.state_dict()
    with torch.no_grad():
        for name, p in full.named_parameters():
            if name in own:
                p.copy_(own[name])
    return full


def check(trunk, top, full, vocab):
    """top(trunk(x)) == full(x) on a ragged batch (pad positions masked)."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1000 if vocab > 1000 else 1, vocab, (3, 20), generator=g)
    mask = torch.ones(3, 20, dtype=torch.long)
    mask[1, 12:] = 0
    mask[2, 5:] = 0
    types = torch.zeros_like(ids)
    with torch.no_grad():
        a = top(trunk(ids, mask, types), mask)
        b = full(ids, mask, types)
    diff = float((a - b).abs().max())
    if diff > 1e-4:
        raise SystemExit(f"split check failed: top(trunk(x)) vs full(x) differ by {diff}")
    return diff


def binary_head(folder, name, hidden, rng):
    d = os.path.join(folder, "heads", name)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "0.weight.npy"), (rng.standard_normal((1, hidden)) / np.sqrt(hidden)).astype("<f4"))
    np.save(os.path.join(d, "0.bias.npy"), (rng.standard_normal((1,)) * 0.1).astype("<f4"))
    return {"name": name, "kind": "binary", "labels": ["base", name],
            "layers": [{"weight": f"heads/{name}/0.weight.npy", "bias": f"heads/{name}/0.bias.npy"}]}


def manifest(name, backbone, heads, hidden, a, description):
    buckets = [int(b) for b in a.buckets.split(",")]
    return {"schema_version": 1, "name": name, "version": "1", "description": description,
            "input": {"kind": "text", "text": {"tokenizer": "tokenizer.json", "max_tokens": buckets[-1],
                                               "pooling": "mean", "buckets": buckets}},
            "backbone": dict(backbone, output="tokens", feature_size=hidden),
            "heads": heads, "unknown": {"method": "max_softmax", "head": heads[0]["name"], "threshold": 0.5},
            "provenance": {"trainer": "bench/scripts/make_text_tops_bundles.py", "seed": SEED,
                           "split_layer": a.split_layer, "minilm": os.path.abspath(a.minilm)}}


def write(folder, m):
    with open(os.path.join(folder, "bundle.json"), "w") as f:
        json.dump(m, f, indent=2)


def build(a):
    trunk, top = trunk_and_top(a.minilm, a.split_layer)
    backbone_file = os.path.join(a.minilm, "backbone.pt")
    cfg = config_of(torch.jit.load(backbone_file))
    hidden, vocab = cfg["hidden"], cfg["vocab"]
    b_dir = os.path.join(a.out, f"text-tops-s{a.split_layer}", "1")
    os.makedirs(b_dir, exist_ok=True)
    trunk.save(os.path.join(b_dir, "trunk.pt"))
    top.save(os.path.join(b_dir, "top.pt"))  # required by the format; no head reads it
    shutil.copyfile(os.path.join(a.minilm, "tokenizer.json"), os.path.join(b_dir, "tokenizer.json"))
    heads = []
    own = LAYERS - a.split_layer
    for i in range(a.heads):
        name = f"task-{i}"
        # the same seeds give head i the same top and weights in (b) and in (c)
        top_i = perturbed(top, SEED + i)
        h = binary_head(b_dir, name, hidden, np.random.default_rng(SEED + i))
        top_i.save(os.path.join(b_dir, "heads", name, "top.pt"))
        heads.append(dict(h, top=f"heads/{name}/top.pt"))
        c_dir = os.path.join(a.out, f"text-full-{i}", "1")
        if a.separate and not os.path.exists(os.path.join(c_dir, "bundle.json")):
            os.makedirs(c_dir, exist_ok=True)
            full_i = full_with_top(backbone_file, top_i)
            diff = check(trunk, top_i, full_i, vocab)
            full_i.save(os.path.join(c_dir, "backbone.pt"))
            shutil.copyfile(os.path.join(a.minilm, "tokenizer.json"), os.path.join(c_dir, "tokenizer.json"))
            hc = binary_head(c_dir, name, hidden, np.random.default_rng(SEED + i))
            write(c_dir, manifest(f"text-full-{i}", {"file": "backbone.pt"}, [hc], hidden, a,
                                  f"bench (c): whole MiniLM, own copy of layers 4-5 (noise seed {SEED + i}), head {name}"))
            print(f"{c_dir}: top(trunk(x)) vs full(x) max diff {diff:.2e}")
        else:
            print(f"{b_dir}: head {name}: top(trunk(x)) vs whole backbone max diff "
                  f"{check(trunk, top_i, full_with_top(backbone_file, top_i), vocab):.2e}")
    write(b_dir, manifest(f"text-tops-s{a.split_layer}", {"split": {"trunk": "trunk.pt", "top": "top.pt"}}, heads,
                          hidden, a, f"bench (b): MiniLM trunk of layers 0-{a.split_layer - 1} once, "
                          f"{a.heads} heads with own tops of {own} layers"))


def tiny_minilm(out, tokenizer):
    """A MiniLM-shaped folder with random weights (hidden 16, 2 attention heads, 6 layers)."""
    torch.manual_seed(SEED)
    vocab = len(json.load(open(tokenizer))["model"]["vocab"])
    cfg = {"vocab": vocab, "hidden": 16, "ffn": 32, "heads": 2}
    full = Trunk(LAYERS, cfg).eval()
    os.makedirs(out, exist_ok=True)
    torch.jit.script(full).save(os.path.join(out, "backbone.pt"))
    state = full.state_dict()
    part(Trunk, 4, cfg, state).save(os.path.join(out, "trunk.pt"))
    part(Top, 4, cfg, state).save(os.path.join(out, "top.pt"))
    shutil.copyfile(tokenizer, os.path.join(out, "tokenizer.json"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_minilm = "build/minilm" if os.path.exists("build/minilm/backbone.pt") else "../shared/models/minilm"
    p.add_argument("--minilm", default=default_minilm, help="backbone.pt (+ trunk.pt, top.pt), tokenizer.json")
    p.add_argument("--split-layer", type=int, default=4, help="first layer of the top (own per head): 1..5")
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--buckets", default="16,32,48,64", help="token buckets; the last is max_tokens")
    p.add_argument("--out", required=True, help="model repository to write into")
    p.add_argument("--no-separate", dest="separate", action="store_false", help="skip the (c) bundles")
    p.add_argument("--tiny", metavar="DIR", help="first write a tiny MiniLM-shaped folder to DIR and use it")
    p.add_argument("--tiny-tokenizer", default="model/src/test/resources/bundles/text/tokenizer.json")
    a = p.parse_args()
    if not 1 <= a.split_layer < LAYERS:
        raise SystemExit(f"--split-layer must be 1..{LAYERS - 1}")
    if a.tiny:
        tiny_minilm(a.tiny, a.tiny_tokenizer)
        a.minilm = a.tiny
    build(a)


if __name__ == "__main__":
    main()
