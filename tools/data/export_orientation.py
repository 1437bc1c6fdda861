#!/usr/bin/python3
"""Export the footwear orientation task (issue 14 item 5) from Debian dataset-fashion-mnist.

Fashion-MNIST footwear (sandal, sneaker, ankle boot) is photographed with the toe on one side.
Class "as_is" is an image as stored, class "mirrored" is a horizontally mirrored image. Every
source image is used at most once in the whole export: the two classes and the three splits
(train/val/test) have DISJOINT source images, so a head cannot learn "which shoe" and must learn
"which way it faces". Train and val draw from the Fashion-MNIST training file, test from the
test file; each split is balanced over the three footwear types and the two classes.

Deterministic (fixed seed): same arguments = same files. Usage:
  /usr/bin/python3 tools/data/export_orientation.py [--out examples/data/orientation]
Needs: dataset-fashion-mnist, python3-pil, python3-numpy.
"""
import argparse, gzip, os, random, struct, sys
import numpy as np
from PIL import Image

FASHION = "/usr/share/datasets/fashion-mnist"
FOOTWEAR = {5: "sandal", 7: "sneaker", 9: "ankle-boot"}
CLASSES = ["as_is", "mirrored"]


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        if magic == 2051:
            rows, cols = struct.unpack(">II", f.read(8))
            return np.frombuffer(f.read(), np.uint8).reshape(n, rows, cols)
        return np.frombuffer(f.read(), np.uint8)


def save(arr, folder, name):
    os.makedirs(folder, exist_ok=True)
    Image.fromarray(arr).save(os.path.join(folder, name + ".png"), optimize=False)


def export(x, y, rng, splits, prefix, out):
    """splits: [(split name, images per class per footwear type)], drawn without replacement in
    this order (a later entry never changes the sources of an earlier one)."""
    for label, kind in FOOTWEAR.items():
        pool = [int(i) for i in np.flatnonzero(y == label)]
        rng.shuffle(pool)
        need = sum(n for _, n in splits) * len(CLASSES)
        if need > len(pool):
            sys.exit(f"{kind}: {need} source images needed, {len(pool)} available")
        at = 0
        for split, n in splits:
            for cls in CLASSES:
                for i in pool[at:at + n]:
                    img = x[i] if cls == "as_is" else np.ascontiguousarray(x[i][:, ::-1])
                    save(img, f"{out}/{split}/{cls}", f"{kind}-{prefix}{i:05d}")
                at += n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="examples/data/orientation")
    ap.add_argument("--train", type=int, default=120, help="per class per footwear type")
    ap.add_argument("--val", type=int, default=40, help="per class per footwear type")
    ap.add_argument("--test", type=int, default=120, help="per class per footwear type")
    ap.add_argument("--more-train", type=int, default=200,
                    help="per class per footwear type, also into train/, drawn after val's sources"
                         " (so growing the training set keeps train, val and test as they were)")
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    xtr, ytr = idx(f"{FASHION}/train-images-idx3-ubyte.gz"), idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    xte, yte = idx(f"{FASHION}/t10k-images-idx3-ubyte.gz"), idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    export(xtr, ytr, rng, [("train", a.train), ("val", a.val), ("train", a.more_train)], "tr", a.out)
    export(xte, yte, rng, [("test", a.test)], "te", a.out)
    n = 2 * len(FOOTWEAR)
    print(f"orientation: {a.out}: train {n * (a.train + a.more_train)}, val {n * a.val}, test {n * a.test} images,"
          " every source image used once", file=sys.stderr)


if __name__ == "__main__":
    main()
