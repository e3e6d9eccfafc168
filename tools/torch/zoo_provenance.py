#!/usr/bin/python3
"""Provenance rows for docs/model-zoo.md from train.py checkpoints: one Markdown table row per
checkpoint (network, command, seed, epochs, training seconds, throughput, clean accuracies,
checkpoint sha256), plus the export check and biteval results when given.

  zoo_provenance.py CHECKPOINT...
  zoo_provenance.py --biteval RESULTS.json...     (biteval.py outputs -> a bit-error table)
"""

import argparse
import hashlib
import json
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
    ap.add_argument("--biteval", action="store_true", help="the arguments are biteval.py JSON files")
    a = ap.parse_args()
    if a.biteval:
        return biteval_table(a.checkpoints)
    print("| checkpoint | seed | epochs | training s | images/s (last epoch) | clean accuracy float / quantized (10,000 test images) | sha256 |")
    print("|---|---|---|---|---|---|---|")
    for path in a.checkpoints:
        m = torch.load(path, map_location="cpu")["meta"]
        h = m["history"][-1]
        print(f"| `{os.path.basename(path)}` | {m['seed']} | {m['epochs']} | {m['train_seconds']:.0f} | "
              f"{h['images_per_second']:.0f} | {m['float_test_accuracy'] * 100:.2f} / {m['quantized_test_accuracy'] * 100:.2f} % | "
              f"`{sha256(path)}` |")


def biteval_table(paths):
    rows = [r for p in paths for r in json.load(open(p))]
    ps = sorted({pt["p"] for r in rows for pt in r["points"]})
    print("| model | clean | " + " | ".join(f"p = {p * 100:g} %: accuracy / RErr" for p in ps) + " | chips |")
    print("|---|---|" + "---|" * len(ps) + "---|")
    for r in rows:
        name = os.path.basename(r["checkpoint"]).removesuffix(".pt")
        by_p = {pt["p"]: pt for pt in r["points"]}
        cells = [f"{by_p[p]['accuracy_mean'] * 100:.2f} / {by_p[p]['rerr_mean'] * 100:.2f} %" if p in by_p else "–"
                 for p in ps]
        print(f"| {name} | {r['clean_accuracy'] * 100:.2f} % | " + " | ".join(cells) + f" | {r['points'][0]['chips']} |")


if __name__ == "__main__":
    main()
