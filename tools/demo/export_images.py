#!/usr/bin/python3
"""Write Fashion-MNIST images as 8-bit grayscale PNG files: <out>/<label>/<index>.png.

<index> is the image's position in the chosen split (zero-padded to 5 digits), so a file
name says exactly which dataset image it is. Only numpy and the standard library (zlib).

  /usr/bin/python3 tools/demo/export_images.py --out /tmp/fashion-png --per-class 100
  /usr/bin/python3 tools/demo/export_images.py --out examples/images/fashion --per-class 5
  /usr/bin/python3 tools/demo/export_images.py --out /tmp/x --classes bag,sneaker --per-class 0  # all
"""
import argparse
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fashion_mnist as fm  # noqa: E402


def png_gray8(img):
    """Encodes a uint8 [H,W] array as an 8-bit grayscale PNG (filter 0 on every row)."""
    h, w = img.shape

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)  # 8-bit, grayscale, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--data", default=fm.DEFAULT_DIR, help="Fashion-MNIST idx .gz folder")
    p.add_argument("--split", choices=["test", "train"], default="test")
    p.add_argument("--classes", default="all",
                   help="comma-separated kebab names or label numbers, or 'all' (default)")
    p.add_argument("--per-class", type=int, default=5, help="images per class; 0 = all")
    p.add_argument("--skip", type=int, default=0, help="skip the first K images of each class")
    a = p.parse_args(argv)

    if a.classes == "all":
        classes = list(range(10))
    else:
        classes = [int(c) if c.isdigit() else fm.class_index(c) for c in a.classes.split(",") if c]
    images, labels = fm.load(a.split, a.data)
    total = 0
    for c in classes:
        idx = [int(i) for i in (labels == c).nonzero()[0]][a.skip:]
        if a.per_class > 0:
            idx = idx[:a.per_class]
        d = os.path.join(a.out, fm.CLASS_NAMES[c])
        os.makedirs(d, exist_ok=True)
        for i in idx:
            with open(os.path.join(d, f"{i:05d}.png"), "wb") as f:
                f.write(png_gray8(images[i]))
        total += len(idx)
        print(f"{fm.CLASS_NAMES[c]:12s} {len(idx):6d} images -> {d}", file=sys.stderr)
    print(f"wrote {total} PNG files from the {a.split} split into {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
