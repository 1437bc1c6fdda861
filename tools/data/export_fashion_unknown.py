#!/usr/bin/python3
"""Export the image "unknown bucket" benchmark from Debian packages into trainer inputs.

Known classes (image folders ROOT/LABEL/*.png): trouser, bag, sneaker, dress from
dataset-fashion-mnist. Unlabelled folders for OOD: near-ood (the other six Fashion-MNIST
classes), digits (opencv-doc digits.png), photos (python3-skimage sample photos, grayscale
28x28 crops), and letters (rendered from installed DejaVu fonts; the training outlier set,
disjoint from every evaluated OOD set).

Deterministic: same arguments = same files. Usage:
  /usr/bin/python3 tools/data/export_fashion_unknown.py [--out examples/data/fashion-unknown]
Needs: dataset-fashion-mnist, python3-pil; optional: opencv-doc, python3-skimage, fonts-dejavu-core.
"""
import argparse, gzip, os, random, struct, sys, glob
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FASHION = "/usr/share/datasets/fashion-mnist"
NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]
KNOWN = ["trouser", "bag", "sneaker", "dress"]


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
    ap.add_argument("--out", default="examples/data/fashion-unknown")
    ap.add_argument("--train-per-class", type=int, default=1000)
    ap.add_argument("--val-per-class", type=int, default=300)
    ap.add_argument("--test-per-class", type=int, default=1000)
    ap.add_argument("--near-ood-per-class", type=int, default=300)
    ap.add_argument("--digits", type=int, default=1000)
    ap.add_argument("--letters", type=int, default=2000)
    ap.add_argument("--photo-crops", type=int, default=12, help="crops per photo")
    a = ap.parse_args()
    rng = random.Random(7)
    xtr, ytr = idx(f"{FASHION}/train-images-idx3-ubyte.gz"), idx(f"{FASHION}/train-labels-idx1-ubyte.gz")
    xte, yte = idx(f"{FASHION}/t10k-images-idx3-ubyte.gz"), idx(f"{FASHION}/t10k-labels-idx1-ubyte.gz")
    for c, name in enumerate(NAMES):
        tr = np.flatnonzero(ytr == c)
        te = np.flatnonzero(yte == c)
        if name in KNOWN:
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
