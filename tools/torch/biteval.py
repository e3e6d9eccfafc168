#!/usr/bin/python3
"""Float evaluation of a trained SimpleNet checkpoint under uniform random bit errors, before lvsim
runs it: the parameters quantized exactly as lvsim quantizes them (binary64, the training's scheme),
every stored bit of every weight and GroupNorm parameter flipped independently with probability p
(lvsim's --ber bit_flip model: one uniform draw per bit, flip iff u < p; biases are int32 outside the
weight memory in lvsim and are not flipped), activations in float32.

  biteval.py CHECKPOINT... [--p 0.001,0.005,0.01,0.02] [--chips 5] [--images 10000] [--json out.json]

Chip c (1..chips) draws its uniform numbers from torch.Generator seeded with c, tensor by tensor in
parameter order, the same draws for every p (errors nested in p, as lvsim's chips). Per checkpoint
and p: mean accuracy over chips, and the mean robust error RErr (Stutz et al.: the fraction of test
images misclassified either without or with the bit errors), both with their min-max over chips, and
the fraction of zero post-ReLU activations per ReLU layer of the clean run.
"""

import argparse
import json
import sys

import numpy as np
import torch

import lvsim_common as lc
import robust
import simplenet


def load(path):
    ck = torch.load(path, map_location="cpu")
    meta = ck["meta"]
    model = simplenet.SimpleNet(meta["model"].split("-", 1)[1])
    model.load_state_dict(ck["state_dict"])
    return model.eval(), meta


def predictions(model, params, x, batch=1000, sparsity=None):
    """Predicted classes; with sparsity (a list), also the fraction of zero post-ReLU activations per
    ReLU layer (float activations) appended to it."""
    out, zeros, total = [], None, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            acts = [] if sparsity is not None else None
            out.append(model(x[i:i + batch], params, activations=acts).argmax(1))
            if acts is not None:
                z = [int((a == 0).sum()) for a in acts]
                zeros = z if zeros is None else [u + v for u, v in zip(zeros, z)]
                total += len(x[i:i + batch])
    if sparsity is not None:
        sizes = [a[0].numel() for a in acts]
        sparsity.extend(zc / (total * n) for zc, n in zip(zeros, sizes))
    return torch.cat(out).numpy()


def evaluate(path, ps, chips, x, y):
    model, meta = load(path)
    s = lc.Scheme(**meta["scheme"])
    cfg = {"quantize_biases": meta.get("quantize_biases", False)}
    tensors = robust.quant_tensors(model, cfg)
    faulty = [n for n in tensors if not simplenet.SimpleNet.is_bias(n)]
    base = {}
    for n, t in tensors.items():
        codes, scale, zp = robust.quantize(t, s)
        base[n] = (codes, scale, zp)

    def params(p, gen):
        out = {}
        for n, (codes, scale, zp) in base.items():
            if n in faulty and p is not None:
                u = torch.rand((s.bits,) + tuple(codes.shape), generator=gen, dtype=torch.float64)
                pat = robust.to_patterns(codes, s)
                w = (1 << torch.arange(s.bits, dtype=torch.int64)).reshape((s.bits,) + (1,) * codes.dim())
                codes = robust.decode(pat ^ ((u < p).long() * w).sum(dim=0), s)
            out[n] = (scale * (codes.double() - zp.double())).float()
        return out

    sparsity = []
    clean = predictions(model, params(None, None), x, sparsity=sparsity)
    clean_ok = clean == y
    result = {"checkpoint": path, "clean_accuracy": float(clean_ok.mean()),
              "activation_sparsity_per_relu": sparsity, "points": []}
    print(f"{path}: zero post-ReLU activations per layer " + ", ".join(f"{v * 100:.1f} %" for v in sparsity), flush=True)
    for p in ps:
        accs, rerrs = [], []
        for c in range(1, chips + 1):
            pred = predictions(model, params(p, torch.Generator().manual_seed(c)), x)
            ok = pred == y
            accs.append(float(ok.mean()))
            rerrs.append(float((~(ok & clean_ok)).mean()))
        result["points"].append({"p": p, "chips": chips, "accuracy_mean": float(np.mean(accs)),
                                 "accuracy_min": min(accs), "accuracy_max": max(accs),
                                 "rerr_mean": float(np.mean(rerrs)), "rerr_min": min(rerrs), "rerr_max": max(rerrs)})
        print(f"{path}: p {p * 100:.2f} %: accuracy {np.mean(accs) * 100:.2f} % "
              f"(chips {min(accs) * 100:.2f}..{max(accs) * 100:.2f}), RErr {np.mean(rerrs) * 100:.2f} %", flush=True)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--p", default="0.001,0.005,0.01,0.02", help="bit error rates, comma separated")
    ap.add_argument("--chips", type=int, default=5)
    ap.add_argument("--images", type=int, default=10000, help="the first N test images")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        ps = [float(v) for v in a.p.split(",")]
    except ValueError:
        sys.exit(f"biteval.py: error: --p: expected comma-separated rates, got {a.p!r}")
    if not all(0 < p <= 1 for p in ps) or a.chips < 1 or a.images < 1:
        sys.exit("biteval.py: error: --p in (0, 1], --chips and --images >= 1")
    te_x, te_y = lc.load_fmnist("t10k")
    x = lc.normalize(te_x[:a.images])
    y = te_y[:a.images].astype(np.int64)
    results = []
    for path in a.checkpoints:
        r = evaluate(path, ps, a.chips, x, y)
        print(f"{path}: clean {r['clean_accuracy'] * 100:.2f} %", flush=True)
        results.append(r)
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
