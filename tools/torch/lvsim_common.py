"""Shared pieces of the lvsim PyTorch tools: Fashion-MNIST IDX loading, the reference CNN, and the
weight quantization schemes of docs/quantization.md in numpy (export; robust.py has the torch
version used for training)."""

import gzip
import math
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"
MEAN = 0.2860
STD = 0.3530


def read_idx(path):
    """Reads an IDX file (optionally gzip-compressed) into a numpy array of its element type."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size mismatch")
    return arr.reshape(dims)


def load_fmnist(split, data_dir=DATA_DIR):
    """Returns (images uint8 [N,28,28], labels uint8 [N]) of 'train' or 't10k'."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    return images, labels


def normalize(images_u8):
    """uint8 [N,H,W] -> float32 tensor [N,1,H,W] normalized as the network's preprocess."""
    x = torch.from_numpy(images_u8.astype(np.float32) / 255.0).unsqueeze(1)
    return (x - MEAN) / STD


class FmnistCnn(nn.Module):
    """The project's reference Fashion-MNIST CNN (11.47 M MAC per image)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.fc1 = nn.Linear(64 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x, weights=None):
        """weights: optional dict name -> tensor replacing the layers' weights (quantized training)."""
        w = weights or {}
        x = F.max_pool2d(F.relu(F.conv2d(x, w.get("conv1", self.conv1.weight), self.conv1.bias, padding=2)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, w.get("conv2", self.conv2.weight), self.conv2.bias, padding=2)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(F.linear(x, w.get("fc1", self.fc1.weight), self.fc1.bias))
        return F.linear(x, w.get("fc2", self.fc2.weight), self.fc2.bias)

    def weight_layers(self):
        return {"conv1": self.conv1, "conv2": self.conv2, "fc1": self.fc1, "fc2": self.fc2}


# ---------------------------------------------------------------------------------------------
# Rounding helpers (docs/quantization.md): round half away from zero; never Python's round().

def round_half_away(x):
    """Round half away from zero, elementwise on numpy arrays or on a Python float."""
    if isinstance(x, np.ndarray):
        return np.where(x >= 0, np.floor(x + 0.5), -np.floor(-x + 0.5)).astype(np.int64)
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


class Scheme:
    """Weight quantization scheme (docs/model-format.md 'Weight quantization scheme'; names as in the
    network file's weight_quantization)."""

    GRANULARITY = ("per_tensor", "per_channel")
    SYMMETRY = ("asymmetric", "symmetric")
    STORAGE = ("unsigned", "twos_complement")
    ROUNDING = ("round", "truncate")

    def __init__(self, bits=8, granularity="per_tensor", symmetry="asymmetric", storage="unsigned",
                 rounding="round", clip=0.0, epsilon=0.001):
        if not 2 <= int(bits) <= 8:
            raise ValueError("bits must be 2..8")
        for value, allowed in ((granularity, self.GRANULARITY), (symmetry, self.SYMMETRY),
                               (storage, self.STORAGE), (rounding, self.ROUNDING)):
            if value not in allowed:
                raise ValueError(f"{value!r}: expected one of {allowed}")
        self.bits, self.granularity, self.symmetry = int(bits), granularity, symmetry
        self.storage, self.rounding, self.clip, self.epsilon = storage, rounding, float(clip), epsilon

    @staticmethod
    def named(name, bits):
        """The two schemes the model zoo uses: 'robust' (Stutz et al.'s robust quantization) and
        'normal' (their baseline: symmetric, two's complement, truncation)."""
        if name == "robust":
            return Scheme(bits)
        if name == "normal":
            return Scheme(bits, symmetry="symmetric", storage="twos_complement", rounding="truncate")
        raise ValueError(f"unknown scheme {name!r} (robust, normal)")

    def import_args(self):
        """The matching `lvsim import` / export.py options."""
        a = ["--bits", str(self.bits), "--granularity", self.granularity, "--symmetry", self.symmetry,
             "--storage", self.storage, "--rounding", self.rounding]
        return a + (["--clip", repr(self.clip)] if self.clip > 0 else [])

    def to_json(self):
        d = {"bits": self.bits, "granularity": self.granularity, "symmetry": self.symmetry,
             "storage": self.storage, "rounding": self.rounding}
        if self.clip > 0:
            d["clip"] = self.clip
        return d


def _quantize_group(w, s):
    """One range group (float64 numpy, flat) -> (signed codes int64, scale, signed zero point)."""
    qc = (1 << (s.bits - 1)) - 1
    if s.clip > 0:
        w = np.clip(w, -s.clip, s.clip)

    def to_code(x):
        c = round_half_away(x) if s.rounding == "round" else np.trunc(x).astype(np.int64)
        return np.clip(c, -qc, qc)

    if s.symmetry == "symmetric":
        qmax = float(np.max(np.abs(w)))
        if s.clip > 0:
            qmax = min(qmax, s.clip)
        qmax += s.epsilon
        delta = qmax / qc
        return to_code(w / delta), delta, 0
    lo, hi = float(np.min(w)), float(np.max(w))
    half = (hi - lo) / 2.0
    if half <= 0:  # constant group (never in trained nets): same guard as the C++ importer
        half = max(abs(lo), 1e-8)
    mid = (hi + lo) / 2.0
    delta = (1.0 + s.epsilon) / qc
    codes = to_code(((w - mid) / half) / delta)
    scale = delta * half
    return codes, scale, -round_half_away(mid / scale)


def quantize_weights(w, s):
    """Float weights [O, ...] -> dict(stored int64 patterns as file codes, scale list, zero_point list,
    signed codes). File codes are unsigned 0..2^m-1 (unsigned storage) or signed (two's complement)."""
    w = np.asarray(w, dtype=np.float64)
    o = w.shape[0]
    flat = w.reshape(o, -1)
    if s.granularity == "per_channel":
        parts = [_quantize_group(flat[i], s) for i in range(o)]
        codes = np.stack([p[0] for p in parts])
        scales = [p[1] for p in parts]
        zps = [p[2] for p in parts]
    else:
        c, sc, zp = _quantize_group(flat.reshape(-1), s)
        codes, scales, zps = c.reshape(o, -1), [sc], [zp]
    offset = (1 << (s.bits - 1)) if s.storage == "unsigned" else 0
    return {"codes": (codes + offset).reshape(w.shape), "scale": scales,
            "zero_point": [int(z + offset) for z in zps]}


def dequantize(q, storage_bits_unused=None):
    """Real weights from quantize_weights' output (file codes are already decoded integers)."""
    codes = q["codes"].astype(np.float64)
    o = codes.shape[0]
    scale = np.asarray(q["scale"], dtype=np.float64)
    zp = np.asarray(q["zero_point"], dtype=np.float64)
    if scale.size == 1:
        scale, zp = np.full(o, scale[0]), np.full(o, zp[0])
    sh = (o,) + (1,) * (codes.ndim - 1)
    return scale.reshape(sh) * (codes - zp.reshape(sh))
