"""Fashion-MNIST idx reader shared by the demo tools (numpy + stdlib only).

Reads the Debian package `dataset-fashion-mnist` (/usr/share/datasets/fashion-mnist/*.gz).
"""
import gzip
import hashlib
import os
import struct

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"

# Fashion-MNIST label index -> kebab-case name (the dataset's official class names).
CLASS_NAMES = [
    "t-shirt-top",  # 0
    "trouser",      # 1
    "pullover",     # 2
    "dress",        # 3
    "coat",         # 4
    "sandal",       # 5
    "shirt",        # 6
    "sneaker",      # 7
    "bag",          # 8
    "ankle-boot",   # 9
]

FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def sha256_file(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims}, got {arr.size} bytes")
    return arr.reshape(dims)


def load(split, data_dir=DEFAULT_DIR):
    """Returns (images uint8 [N,28,28], labels int64 [N]) of 'train' or 'test'."""
    img_name, lbl_name = FILES[split]
    images = _read_idx(os.path.join(data_dir, img_name))
    labels = _read_idx(os.path.join(data_dir, lbl_name)).astype(np.int64)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(f"{split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


def file_hashes(data_dir=DEFAULT_DIR):
    """sha256 of the four .gz files, by file name."""
    out = {}
    for split in ("train", "test"):
        for name in FILES[split]:
            out[name] = sha256_file(os.path.join(data_dir, name))
    return out


def class_index(name):
    try:
        return CLASS_NAMES.index(name)
    except ValueError:
        raise SystemExit(f"unknown class {name!r}; known: {', '.join(CLASS_NAMES)}")
