#!/usr/bin/python3
"""Is a converted MiniLM folder current? Reads DIR/manifest.json (written last by convert.py)
and re-hashes every output it lists. Needs no torch, so build-minilm.sh can skip all work
(download, apt, conversion) when nothing changed.

Usage: /usr/bin/python3 tools/backbone/minilm/status.py DIR --split-layer N
Exit 0 and "current" when every file matches and the split is N; exit 1 with the reason otherwise.
"""
import argparse
import hashlib
import json
import os
import sys

OUTPUTS = ("backbone.pt", "trunk.pt", "top.pt", "tokenizer.json", "README.md", "LICENSE")
FORMAT = 1  # bump when convert.py changes what it writes, so old folders get rebuilt


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def stale_reason(folder, split_layer):
    """None when `folder` holds a complete conversion at `split_layer`, else why not."""
    path = os.path.join(folder, "manifest.json")
    if not os.path.exists(path):
        return f"{path} missing"
    try:
        m = json.load(open(path))
    except ValueError as e:
        return f"{path} unreadable ({e})"
    if m.get("format") != FORMAT:
        return f"written by another converter format ({m.get('format')}, now {FORMAT})"
    if m.get("split_layer") != split_layer:
        return f"split layer is {m.get('split_layer')}, asked for {split_layer}"
    for name in OUTPUTS:
        f = os.path.join(folder, name)
        if not os.path.exists(f):
            return f"{f} missing"
        if sha256_file(f) != m.get("sha256", {}).get(name):
            return f"{f} does not match its recorded sha256"
    return None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dir")
    p.add_argument("--split-layer", type=int, default=4)
    a = p.parse_args()
    why = stale_reason(a.dir, a.split_layer)
    print("current" if why is None else f"stale: {why}")
    sys.exit(0 if why is None else 1)


if __name__ == "__main__":
    main()
