#!/usr/bin/python3
"""Trains lvsim's reference Fashion-MNIST CNN (CPU, deterministic from --seed), optionally robustly.
docs/robust-training.md explains every option; docs/model-zoo.md lists the shipped models.

Float training:        train.py --epochs 3 --out net.pt
QAT (lvsim's scheme):  train.py --bits 8 --scheme robust --out net.pt     (or --scheme normal, or the
                       single options --symmetry/--storage/--rounding/--granularity)
Weight clipping:       ... --clip 0.1       (weights projected to [-w_max, w_max] after every step)
RandBET:               ... --clip 0.1 --randbet-p 0.01   (needs --bits)
SAQ (FlatENN):         ... --saq-rho 0.5                 (needs --bits)
Options combine. A checkpoint (state dict + metadata) is written after every epoch, with one
progress line per epoch.
"""

import argparse
import sys
import time

import numpy as np
import torch

import lvsim_common as lc
import robust


def evaluate(model, images, labels, scheme=None, batch=1000):
    """Accuracy of the float model, or with the weights quantized as lvsim quantizes them."""
    model.eval()
    correct = 0
    with torch.no_grad():
        qw = None if scheme is None else {n: robust.dequantized(layer.weight, scheme)
                                          for n, layer in model.weight_layers().items()}
        for i in range(0, len(images), batch):
            out = model(lc.normalize(images[i:i + batch]), qw)
            correct += int((out.argmax(1) == torch.from_numpy(labels[i:i + batch].astype(np.int64))).sum())
    return correct / len(images)


class OneLineParser(argparse.ArgumentParser):
    """Bad options: one line naming the option, exit 2 (no usage block)."""

    def error(self, message):
        self.exit(2, f"train.py: error: {message}\n")


def parse_args(argv=None):
    ap = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bits", type=int, default=0, help="QAT at this many weight bits (2..8); 0: float training")
    ap.add_argument("--scheme", default="robust", choices=["robust", "normal"],
                    help="base scheme for QAT: robust (per_tensor asymmetric unsigned round) or normal "
                         "(per_tensor symmetric twos_complement truncate); the options below override it")
    ap.add_argument("--granularity", choices=robust.Scheme.GRANULARITY)
    ap.add_argument("--symmetry", choices=robust.Scheme.SYMMETRY)
    ap.add_argument("--storage", choices=robust.Scheme.STORAGE)
    ap.add_argument("--rounding", choices=robust.Scheme.ROUNDING)
    ap.add_argument("--clip", type=float, default=0.0, help="w_max > 0: project weights to [-w_max, w_max] after each step")
    ap.add_argument("--randbet-p", type=float, default=0.0, help="RandBET bit error rate (0: off; needs --bits)")
    ap.add_argument("--saq-rho", type=float, default=0.0, help="SAQ/SAM radius rho (0: off; needs --bits)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (results are reproducible for a given seed and thread count)")
    ap.add_argument("--train-images", type=int, default=60000, help="use the first N training images")
    ap.add_argument("--test-images", type=int, default=10000, help="test images for the per-epoch accuracy")
    ap.add_argument("--data-dir", default=lc.DATA_DIR)
    ap.add_argument("--out", required=True, help="checkpoint file (state_dict + metadata)")
    a = ap.parse_args(argv)
    if a.bits and not 2 <= a.bits <= 8:
        ap.error("--bits: must be 2..8 (or 0 for float training)")
    if not a.bits and (a.randbet_p > 0 or a.saq_rho > 0):
        ap.error("--randbet-p and --saq-rho need --bits (they act on the quantized weights)")
    if not 0 <= a.randbet_p <= 1:
        ap.error("--randbet-p: must be in [0, 1]")
    if a.clip < 0 or a.saq_rho < 0 or a.epochs < 1 or a.batch < 1 or a.train_images < 1:
        ap.error("--clip, --saq-rho must be >= 0; --epochs, --batch, --train-images >= 1")
    return a


def scheme_of(a):
    if not a.bits:
        return None
    s = robust.Scheme.named(a.scheme, a.bits)
    for key in ("granularity", "symmetry", "storage", "rounding"):
        if getattr(a, key):
            setattr(s, key, getattr(a, key))
    return s


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(a.seed + 1000)  # bit-error patterns, one fresh pattern per step
    shuffle_rng = np.random.default_rng(a.seed)
    scheme = scheme_of(a)
    cfg = {"scheme": scheme, "randbet_p": a.randbet_p, "saq_rho": a.saq_rho, "clip": a.clip}

    try:
        tr_x, tr_y = lc.load_fmnist("train", a.data_dir)
        te_x, te_y = lc.load_fmnist("t10k", a.data_dir)
    except (OSError, ValueError) as e:
        print(f"train.py: error: --data-dir {a.data_dir}: {e}", file=sys.stderr)
        sys.exit(2)
    tr_x, tr_y = tr_x[:a.train_images], tr_y[:a.train_images]
    te_x, te_y = te_x[:a.test_images], te_y[:a.test_images]
    model = lc.FmnistCnn()
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = shuffle_rng.permutation(len(tr_x))
        running, seen = 0.0, 0
        for bi in range(0, len(order), a.batch):
            idx = order[bi:bi + a.batch]
            x = lc.normalize(tr_x[idx])
            y = torch.from_numpy(tr_y[idx].astype(np.int64))
            running += robust.train_step(model, opt, x, y, cfg, gen) * len(idx)
            seen += len(idx)
        acc_f = evaluate(model, te_x, te_y)
        acc_q = evaluate(model, te_x, te_y, scheme) if scheme else acc_f
        train_s = time.time() - t0
        torch.save({"state_dict": model.state_dict(),
                    "meta": {"epochs": epoch + 1, "seed": a.seed, "batch": a.batch, "lr": a.lr,
                             "scheme": scheme.to_json() if scheme else None, "clip": a.clip,
                             "randbet_p": a.randbet_p, "saq_rho": a.saq_rho, "train_images": a.train_images,
                             "float_test_accuracy": acc_f, "quantized_test_accuracy": acc_q,
                             "train_seconds": train_s, "torch": torch.__version__, "threads": a.threads,
                             "command": " ".join(sys.argv)}}, a.out)
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {running / seen:.4f}, test accuracy float {acc_f:.4f}"
              f" quantized {acc_q:.4f} ({train_s:.0f} s), checkpoint {a.out}", flush=True)
    return model


if __name__ == "__main__":
    main()
