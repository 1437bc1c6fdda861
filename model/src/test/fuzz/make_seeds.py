#!/usr/bin/python3
"""Writes the starting corpus of the model module's fuzz targets (small valid inputs the fuzzer
mutates). Run from the repository root: /usr/bin/python3 model/src/test/fuzz/make_seeds.py
Needs Debian's python3-pil and python3-numpy. The outputs are committed; rerunning rewrites them."""
import io
import os

import numpy as np
from PIL import Image

ROOT = "model/src/test/resources/dev/cerberus/model/fuzz"


def out(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def encode(img, fmt, **kw):
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def images():
    t = "ImageFuzzTestInputs/decodeAndResize"
    rng = np.random.default_rng(15)
    rgb = Image.fromarray(rng.integers(0, 255, (6, 9, 3), dtype=np.uint8), "RGB")
    out(t, "rgb.png", encode(rgb, "PNG"))
    out(t, "gray.png", encode(rgb.convert("L"), "PNG"))
    out(t, "palette.png", encode(rgb.convert("P"), "PNG"))
    out(t, "rgba.png", encode(rgb.convert("RGBA"), "PNG"))
    out(t, "gray16.png", encode(Image.fromarray((rng.integers(0, 65535, (5, 7))).astype(np.uint16)), "PNG"))
    out(t, "interlaced.png", encode(rgb, "PNG", interlace=1))
    out(t, "rgb.jpg", encode(rgb, "JPEG", quality=80))
    out(t, "gray.jpg", encode(rgb.convert("L"), "JPEG"))
    out(t, "progressive.jpg", encode(rgb, "JPEG", progressive=True))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 clockwise to view
    out(t, "exif6.jpg", encode(rgb, "JPEG", exif=exif.tobytes()))
    out(t, "exif6.png", encode(rgb, "PNG", exif=exif.tobytes()))


def npy(name, arr):
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def arrays():
    t = "NpyFuzzTestInputs/parse"
    out(t, "matrix.npy", npy("m", np.arange(6, dtype="<f4").reshape(2, 3)))
    out(t, "vector.npy", npy("v", np.array([1.5, -2.0], dtype="<f4")))
    out(t, "scalar.npy", npy("s", np.float32(3.0)))
    out(t, "empty.npy", npy("e", np.zeros((0, 4), dtype="<f4")))
    out(t, "float64.npy", npy("d", np.zeros(2, dtype="<f8")))
    out(t, "fortran.npy", npy("f", np.asfortranarray(np.ones((2, 2), dtype="<f4"))))


if __name__ == "__main__":
    images()
    arrays()
