#!/usr/bin/env python3
"""make-mini.py - build gglab's bundled Fashion-MNIST subset.

Takes the first 200 images of each class from the training set and the first 100 of each
class from the test set (in file order, so no randomness is involved and the result is
the same on every machine) and writes them as the four usual IDX files, gzip-compressed
with a zero timestamp and no file name so that rerunning the script gives identical bytes.

usage: make-mini.py [SOURCE_DIR [DEST_DIR]]
  SOURCE_DIR  full Fashion-MNIST, default /usr/share/datasets/fashion-mnist
              (Debian's dataset-fashion-mnist package)
  DEST_DIR    default: the directory this script is in
Standard library only.
"""
import gzip
import os
import struct
import sys

CLASSES = 10
SIDE = 28
PER_CLASS = {"train": 200, "t10k": 100}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08 or ndim not in (1, 3):
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    size = 1
    for d in dims:
        size *= d
    if len(body) != size:
        sys.exit(f"{path}: expected {size} bytes of data, got {len(body)}")
    return dims, body


def find(src, base):
    for name in (base + ".gz", base):
        path = os.path.join(src, name)
        if os.path.exists(path):
            return path
    sys.exit(f"{os.path.join(src, base)}[.gz]: not found")


def write_idx(path, dims, body):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + body)


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    for split, per_class in PER_CLASS.items():
        idims, images = read_idx(find(src, f"{split}-images-idx3-ubyte"))
        ldims, labels = read_idx(find(src, f"{split}-labels-idx1-ubyte"))
        if idims[1:] != (SIDE, SIDE) or idims[0] != ldims[0]:
            sys.exit(f"{src}: {split} images {idims} do not match labels {ldims}")
        taken = [0] * CLASSES
        keep = []
        for i, label in enumerate(labels):
            if taken[label] < per_class:
                taken[label] += 1
                keep.append(i)
        if taken != [per_class] * CLASSES:
            sys.exit(f"{src}: {split} set has too few images of some class: {taken}")
        px = SIDE * SIDE
        out_images = b"".join(images[i * px:(i + 1) * px] for i in keep)
        out_labels = bytes(labels[i] for i in keep)
        n = len(keep)
        write_idx(os.path.join(dst, f"{split}-images-idx3-ubyte.gz"), (n, SIDE, SIDE), out_images)
        write_idx(os.path.join(dst, f"{split}-labels-idx1-ubyte.gz"), (n,), out_labels)
        print(f"{split}: {n} images, {per_class} per class")


if __name__ == "__main__":
    main()
