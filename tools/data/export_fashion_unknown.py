#!/usr/bin/python3
"""Export the image "unknown bucket" benchmark from Debian packages into trainer inputs.

Known classes (image folders ROOT/LABEL/*.png): four Fashion-MNIST classes chosen by a split
seed (split 0 = trouser, bag, sneaker, dress, the demo's classes; split N > 0 = a seeded random
draw of four of the ten) or named with --known. Unlabelled folders for OOD: near-ood (the other
six Fashion-MNIST classes), digits (opencv-doc digits.png), photos (python3-skimage sample photos, grayscale
28x28 crops), and letters (rendered from installed DejaVu fonts; the training outlier set,
disjoint from every evaluated OOD set). The far-OOD sets and the letters are the same for every
split, so that splits differ only in which classes are known. ROOT/split.json records the split
(seed, known, near_ood), for bench/ood-protocol.sh.

Deterministic: same arguments = same files. Usage:
  /usr/bin/python3 tools/data/export_fashion_unknown.py [--out examples/data/fashion-unknown]
      [--split-seed N | --known a,b,c,d]
Needs: dataset-fashion-mnist, python3-pil; optional: opencv-doc, python3-skimage, fonts-dejavu-core.
"""
import argparse, gzip, json, os, random, struct, sys, glob
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FASHION = "/usr/share/datasets/fashion-mnist"
NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
KNOWN = ["trouser", "bag", "sneaker", "dress"]  # split 0: the demo bundle's classes
KNOWN_COUNT = 4


def known_classes(split_seed, known_arg):
    """The split's known classes: --known as given, split 0 = KNOWN, else a seeded draw."""
    if known_arg:
        known = [k.strip() for k in known_arg.split(",") if k.strip()]
        bad = [k for k in known if k not in NAMES]
        if bad or len(set(known)) != len(known) or len(known) < 2 or len(known) > len(NAMES) - 1:
            sys.exit(f"--known: 2-9 distinct names of {NAMES}, got {known_arg!r}")
        return known
    if split_seed < 0:
        sys.exit(f"--split-seed: >= 0, got {split_seed}")
    if split_seed == 0:
        return list(KNOWN)
    return random.Random(split_seed).sample(NAMES, KNOWN_COUNT)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None,
                    help="default: examples/data/fashion-unknown (split 0), else ...-split-N")
    ap.add_argument("--split-seed", type=int, default=0,
                    help="0 = the demo's classes; N > 0 = a seeded random 4 of the 10")
    ap.add_argument("--known", default=None, help="explicit known classes, comma-separated")
    ap.add_argument("--train-per-class", type=int, default=1000)
    ap.add_argument("--val-per-class", type=int, default=300)
    ap.add_argument("--test-per-class", type=int, default=1000)
    ap.add_argument("--near-ood-per-class", type=int, default=300)
    ap.add_argument("--digits", type=int, default=1000)
    ap.add_argument("--letters", type=int, default=2000)
    ap.add_argument("--photo-crops", type=int, default=12, help="crops per photo")
    a = ap.parse_args()
    known = known_classes(a.split_seed, a.known)
    if a.out is None:  # every split its own folder
        a.out = ("examples/data/fashion-unknown-" + "-".join(known) if a.known
                 else "examples/data/fashion-unknown" + (f"-split-{a.split_seed}" if a.split_seed else ""))
    if os.path.exists(os.path.join(a.out, "split.json")):
        with open(os.path.join(a.out, "split.json")) as f:
            if json.load(f)["known"] != known:
                sys.exit(f"{a.out} holds another split: remove it or choose another --out")
    os.makedirs(a.out, exist_ok=True)
    near = [n for n in NAMES if n not in known]
    with open(os.path.join(a.out, "split.json"), "w") as f:
        json.dump({"split_seed": None if a.known else a.split_seed, "known": known,
                   "near_ood": near}, f, indent=1)
        f.write("\n")
    print(f"split: known {known}, near-OOD {near}", file=sys.stderr)
    rng = random.Random(7)
    xtr, ytr = idx(f"{FASHION}/train-images-idx3-ubyte.gz"), idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    xte, yte = idx(f"{FASHION}/t10k-images-idx3-ubyte.gz"), idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    for c, name in enumerate(NAMES):
        tr = np.flatnonzero(ytr == c)
        te = np.flatnonzero(yte == c)
        if name in known:
            for i in tr[: a.train_per_class]:
                save(xtr[i], f"{a.out}/train/{name}", f"tr{i:05d}")
            for i in tr[a.train_per_class : a.train_per_class + a.val_per_class]:
                save(xtr[i], f"{a.out}/val/{name}", f"tr{i:05d}")
            for i in te[: a.test_per_class]:
                save(xte[i], f"{a.out}/test/{name}", f"te{i:05d}")
        else:
            for i in te[: a.near_ood_per_class]:
                save(xte[i], f"{a.out}/near-ood", f"{name}-te{i:05d}")
    print("fashion: done", file=sys.stderr)

    digits = "/usr/share/doc/opencv-doc/examples/data/digits.png"
    if os.path.exists(digits):
        sheet = np.array(Image.open(digits).convert("L"))  # 50 rows x 100 cols of 20x20 cells
        cells = [sheet[r * 20:(r + 1) * 20, c * 20:(c + 1) * 20] for r in range(50) for c in range(100)]
        rng2 = random.Random(11)
        for n, k in enumerate(sorted(rng2.sample(range(len(cells)), min(a.digits, len(cells))))):
            pad = np.zeros((28, 28), np.uint8)
            pad[4:24, 4:24] = cells[k]
            save(pad, f"{a.out}/digits", f"d{k:04d}")
        print("digits: done", file=sys.stderr)
    else:
        print("digits: skipped (apt-get install opencv-doc)", file=sys.stderr)

    photos = sorted(glob.glob("/usr/lib/python3/dist-packages/skimage/data/*.png")
                    + glob.glob("/usr/lib/python3/dist-packages/skimage/data/*.jpg"))
    def usable(p):  # some skimage sample files are deliberately truncated or tiny
        try:
            with Image.open(p) as im:
                im.load()
                return min(im.size) >= 64
        except OSError:
            return False
    photos = [p for p in photos if usable(p)]
    if photos:
        for p in photos:
            im = Image.open(p).convert("L")
            base = os.path.splitext(os.path.basename(p))[0]
            w, h = im.size
            s = 84.0 / min(w, h)
            im = im.resize((max(28, round(w * s)), max(28, round(h * s))), Image.BILINEAR)
            arr = np.array(im)
            save(np.array(im.resize((28, 28), Image.BILINEAR)), f"{a.out}/photos", f"{base}-full")
            for j in range(a.photo_crops):
                y = rng.randrange(0, arr.shape[0] - 28 + 1)
                x = rng.randrange(0, arr.shape[1] - 28 + 1)
                save(arr[y:y + 28, x:x + 28], f"{a.out}/photos", f"{base}-c{j:02d}")
        print(f"photos: {len(photos)} photos", file=sys.stderr)
    else:
        print("photos: skipped (apt-get install python3-skimage)", file=sys.stderr)

    fonts = sorted(glob.glob("/usr/share/fonts/truetype/dejavu/*.ttf"))
    if not fonts:
        sys.exit("letters: no DejaVu fonts (apt-get install fonts-dejavu-core)")
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    rng3 = random.Random(13)
    for n in range(a.letters):
        f = ImageFont.truetype(fonts[n % len(fonts)], rng3.randint(16, 24))
        ch = chars[rng3.randrange(len(chars))]
        im = Image.new("L", (28, 28), 0)
        d = ImageDraw.Draw(im)
        d.text((14 + rng3.randint(-3, 3), 14 + rng3.randint(-3, 3)), ch, fill=rng3.randint(160, 255), font=f, anchor="mm")
        save(np.array(im), f"{a.out}/letters", f"l{n:05d}-{ord(ch)}")
    print("letters: done", file=sys.stderr)


if __name__ == "__main__":
    main()
