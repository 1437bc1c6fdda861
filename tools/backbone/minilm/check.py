#!/usr/bin/python3
"""Checks a converted MiniLM folder (backbone.pt, trunk.pt, top.pt, tokenizer.json) as saved:

  split     top(trunk(x), mask) == backbone(x) within 1e-5, at every bucket length 16/32/64/128,
            unpadded (all tokens real) and padded (ragged right padding), on seeded random ids
  padding   each sentence's embed() in one padded batch == embed() of the sentence alone
  reference token ids (WordPiece over tokenizer.json), first values, norms and cosines against
            a reference.json at its own tolerances (abs 1e-4 values, rel 1e-5 norms, 1e-5 cosines)

Usage: /usr/bin/python3 tools/backbone/minilm/check.py DIR [--reference FILE] [--split-layer N]
Prints the measured differences; exits 1 with a one-line reason when a check fails.
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from wordpiece import WordPiece  # noqa: E402

BUCKETS = [16, 32, 64, 128]
SPLIT_TOL = 1e-5
VOCAB = 30522


class CheckFailed(Exception):
    pass


def _expect(ok, what):
    if not ok:
        raise CheckFailed(what)


def _batch(gen, b, t, padded):
    ids = torch.randint(1000, VOCAB, (b, t), generator=gen)
    ids[:, 0], mask = 101, torch.ones(b, t, dtype=torch.long)
    lengths = [t] * b
    if padded:
        # ragged: one full row, the rest cut at random lengths (at least [CLS] x [SEP])
        lengths = [t] + torch.randint(3, t, (b - 1,), generator=gen).tolist()
    for r, n in enumerate(lengths):
        ids[r, n - 1] = 102
        ids[r, n:] = 0
        mask[r, n:] = 0
    return ids, mask, torch.zeros_like(ids)


def split_equality(m, seed=0):
    """{"T=16 unpadded": max abs diff, ...} of top(trunk(x)) against backbone(x), all positions."""
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for t in BUCKETS:
        for padded in (False, True):
            ids, mask, tt = _batch(gen, 4, t, padded)
            whole = m["backbone"](ids, mask, tt)
            split = m["top"](m["trunk"](ids, mask, tt), mask)
            _expect(tuple(split.shape) == (4, t, 384), f"top output shape {tuple(split.shape)} at T={t}")
            d = (whole - split).abs().max().item()
            key = f"T={t} {'padded' if padded else 'unpadded'}"
            _expect(d <= SPLIT_TOL, f"top(trunk(x)) differs from backbone(x) by {d:.3g} at {key} (limit {SPLIT_TOL})")
            out[key] = d
    return out


def padding_invariance(m, tok, texts):
    """Max abs diff of embed() between one right-padded batch and each text alone."""
    enc = [tok.encode(s) for s in texts]
    t = max(len(e) for e in enc)
    ids = torch.zeros(len(enc), t, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for r, e in enumerate(enc):
        ids[r, :len(e)], mask[r, :len(e)] = torch.tensor(e), 1
    batch = m["backbone"].embed(ids, mask, torch.zeros_like(ids))
    worst = 0.0
    for r, e in enumerate(enc):
        one = torch.tensor([e])
        alone = m["backbone"].embed(one, torch.ones_like(one), torch.zeros_like(one))
        worst = max(worst, (batch[r] - alone[0]).abs().max().item())
    _expect(worst <= SPLIT_TOL, f"padding changes embeddings by {worst:.3g}")
    return worst


def against_reference(m, tok, ref, split_layer):
    """Max differences against reference.json; the trunk values only at the reference's split."""
    tol_abs, tol_cos = ref["tolerance"]["abs"], ref["tolerance"]["cosine_abs"]
    worst = {"values": 0.0, "norms_rel": 0.0, "cosines": 0.0}
    embs = []
    for s in ref["sentences"]:
        ids = tok.encode(s["text"])
        _expect(ids == s["input_ids"], f"token ids of {s['text']!r}: {ids} != {s['input_ids']}")
        x = torch.tensor([ids])
        mask, tt = torch.ones_like(x), torch.zeros_like(x)
        h = m["backbone"](x, mask, tt)
        e = m["backbone"].embed(x, mask, tt)[0]
        pairs = [(e[:8], s["embedding_first8"]), (h[0, 0, :8], s["last_hidden_token0_first8"])]
        if split_layer == 4:  # reference.json recorded the trunk of layers 0-3
            pairs.append((m["trunk"](x, mask, tt)[0, 0, :8], s["trunk_token0_first8"]))
        for got, want in pairs:
            worst["values"] = max(worst["values"], (got - torch.tensor(want)).abs().max().item())
        for got, want in ((h.norm().item(), s["last_hidden_l2norm"]),
                          (h[0].mean(0).norm().item(), s["mean_pooled_l2norm_before_normalization"])):
            worst["norms_rel"] = max(worst["norms_rel"], abs(got - want) / want)
        embs.append(e)
    cos = torch.stack(embs) @ torch.stack(embs).T
    worst["cosines"] = (cos - torch.tensor(ref["cosine_matrix"])).abs().max().item()
    _expect(worst["values"] <= tol_abs, f"values differ from reference by {worst['values']:.3g} (limit {tol_abs})")
    _expect(worst["norms_rel"] <= 1e-5, f"norms differ from reference by {worst['norms_rel']:.3g} relative (limit 1e-5)")
    _expect(worst["cosines"] <= tol_cos, f"cosines differ from reference by {worst['cosines']:.3g} (limit {tol_cos})")
    return worst


def run(folder, reference, split_layer):
    """All checks on the files in `folder`; returns the measured numbers or raises CheckFailed."""
    torch.set_num_threads(1)
    m = {n: torch.jit.load(os.path.join(folder, f"{n}.pt")).eval() for n in ("backbone", "trunk", "top")}
    tok = WordPiece(os.path.join(folder, "tokenizer.json"))
    ref = json.load(open(reference))
    with torch.inference_mode():
        return {"split_max_abs_diff": split_equality(m),
                "padding_max_abs_diff": padding_invariance(m, tok, [s["text"] for s in ref["sentences"]]),
                "reference": against_reference(m, tok, ref, split_layer),
                "reference_file": _shown(reference)}


def _shown(path):
    """A reference path as the card and manifest show it: relative to the repository root."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
    return os.path.relpath(os.path.abspath(path), repo)


def default_reference(repo):
    """The shared models' reference.json where present, else the copy kept in the repository."""
    shared = os.path.join(repo, "..", "shared", "models", "minilm", "reference.json")
    return shared if os.path.exists(shared) else os.path.join(HERE, "reference.json")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--reference", default=None, help="reference.json (default: ../shared copy, else the repo's)")
    p.add_argument("--split-layer", type=int, default=4)
    a = p.parse_args()
    ref = a.reference or default_reference(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
    try:
        print(json.dumps(run(a.dir, ref, a.split_layer), indent=2))
    except CheckFailed as e:
        sys.exit(f"check failed: {a.dir}: {e}")


if __name__ == "__main__":
    main()
