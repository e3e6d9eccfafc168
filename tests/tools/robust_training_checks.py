#!/usr/bin/python3
"""Checks of the robust training tools (tools/torch/robust.py, train.py, export.py) against lvsim and
against independent computations. Run by tests/cli/robust_training.sh:  robust_training_checks.py LVSIM SRC

1. quantizer parity: robust.quantize gives the codes, scales and zero points `lvsim calibrate`
   computes from the same float weights, for every scheme (granularity x symmetry x storage x
   rounding, with and without clip) at m = 2..8, including degenerate (constant, all-zero) channels.
2. bit-error parity: robust.inject_bit_errors flips each of the m stored bits at rate p and no other
   bit, nested in p for one seed; lvsim's --ber stores m bits per weight and flips them at rate p
   (same measured rate and changed-weight fraction 1 - (1 - p)^m, within 5 sigma).
3. RandBET, SAQ, clipping and QAT steps on a tiny model equal a step computed independently
   (numpy quantizer of lvsim_common, bit flips applied by hand from the same uniform draws).
4. exporter round trip: train.py (a few QAT steps) -> export.py -> lvsim: lvsim's integer weights are
   the ones trained (robust.quantize of the checkpoint) and its predictions equal the integer reference.
"""

import base64
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LVSIM, SRC = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SRC, "tools", "torch"))
import lvsim_common as lc  # noqa: E402
import robust  # noqa: E402

FAILS = []
TMP = tempfile.mkdtemp()
PY = "/usr/bin/python3"


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def lvsim(*args):
    r = subprocess.run([LVSIM] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"FAIL lvsim {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def tensor_from_json(t):
    dt = {"uint8": np.uint8, "int8": np.int8, "int32": np.int32, "float64": np.float64, "float32": np.float32}[t["dtype"]]
    if "base64" in t:
        a = np.frombuffer(base64.b64decode(t["base64"]), dtype=dt)
    else:
        a = np.asarray(t["data"], dtype=dt)
    return a.reshape(t["shape"]).astype(np.int64 if dt not in (np.float64, np.float32) else np.float64)


def all_schemes():
    out = []
    for bits in range(2, 9):
        for gran in robust.Scheme.GRANULARITY:
            for sym in robust.Scheme.SYMMETRY:
                for sto in robust.Scheme.STORAGE:
                    for rnd in robust.Scheme.ROUNDING:
                        out.append(robust.Scheme(bits, gran, sym, sto, rnd))
        out.append(robust.Scheme(bits, "per_channel", "symmetric", "unsigned", "round", clip=0.2))
        out.append(robust.Scheme(bits, "per_tensor", "asymmetric", "twos_complement", "truncate", clip=0.15))
    return out


def tiny_float_network(schemes, weights, features):
    """A chain of linear layers, one per scheme, each with its own weight_quantization."""
    layers, prev = [], "input"
    for i, (s, w) in enumerate(zip(schemes, weights)):
        layers.append({"name": f"fc{i}", "type": "linear", "input": prev, "out_features": features,
                       "weight": {"float": {"dtype": "float64", "shape": list(w.shape),
                                            "data": [float(v) for v in w.reshape(-1)]}},
                       "bias": {"dtype": "float64", "shape": [features], "data": [0.01] * features},
                       "weight_quantization": s.to_json()})
        prev = f"fc{i}"
    return {"format": "lvsim-network", "version": 1, "name": "parity", "input": {"shape": [1, 6, 6],
            "preprocess": {"pixel_scale": 1 / 255, "mean": [0.5], "std": [0.25]}},
            "weight_quantization": {"bits": 8}, "layers": layers, "output": prev}


def write_npz(n=16):
    rng = np.random.default_rng(3)
    path = os.path.join(TMP, "tiny.npz")
    np.savez(path, x=rng.integers(0, 256, (n, 1, 6, 6), dtype=np.uint8), y=rng.integers(0, 10, n, dtype=np.uint8))
    return path


def quantizer_parity(npz):
    schemes = all_schemes()
    rng = np.random.default_rng(7)
    weights = []
    for i, s in enumerate(schemes):
        w = (rng.standard_normal((36, 36)) * rng.uniform(0.02, 0.5)).astype(np.float32)  # trained weights are float32
        if s.granularity == "per_channel":
            w[3, :] = 0.0                      # degenerate: all-zero channel
            w[5, :] = np.float32(0.3 * (1 if i % 2 else -1))  # degenerate: constant channel
        weights.append(w)
    net = os.path.join(TMP, "parity.json")
    with open(net, "w") as f:
        json.dump(tiny_float_network(schemes, weights, 36), f)
    out = os.path.join(TMP, "parity-q.json")
    lvsim("calibrate", "--network", net, "--data", npz, "--out", out, "--calib-images", "8", "--threads", "1")
    doc = json.load(open(out))
    bad = []
    for s, w, layer in zip(schemes, weights, doc["layers"]):
        q = layer["weight"]["quantized"]
        codes_lv = tensor_from_json(q["codes"])
        if s.storage == "unsigned":  # stored pattern -> signed code
            codes_lv = codes_lv - (1 << (s.bits - 1))
        zp_lv = np.asarray(q["zero_point"]) - ((1 << (s.bits - 1)) if s.storage == "unsigned" else 0)
        codes, scale, zp = robust.quantize(torch.from_numpy(w), s)
        scale = scale.reshape(-1).numpy()
        zp = zp.reshape(-1).numpy()
        sc_lv = np.asarray(q["scale"], dtype=np.float64)
        if q["granularity"] == "per_tensor":
            scale, zp = scale[:1], zp[:1]
        patterns = robust.to_patterns(codes, s)
        ok = (np.array_equal(codes.numpy(), codes_lv) and np.array_equal(zp, zp_lv) and np.array_equal(scale, sc_lv)
              and np.array_equal(robust.decode(patterns, s).numpy(), codes.numpy())
              and int(patterns.min()) >= 0 and int(patterns.max()) < (1 << s.bits))
        if not ok:
            bad.append(s.to_json())
    check(not bad, f"quantizer parity with lvsim: {len(schemes)} schemes (all 16 combinations + 2 clipped, "
                   f"m = 2..8), codes, scales, zero points identical; mismatches: {bad[:3]}")


def binomial_close(k, n, p, sigmas=5.0):
    return abs(k - n * p) <= sigmas * math.sqrt(n * p * (1 - p)) + 1


def bit_error_parity(npz):
    n, p = 200_000, 0.01
    for bits, storage in ((8, "unsigned"), (4, "twos_complement"), (3, "unsigned")):
        s = robust.Scheme(bits, storage=storage)
        gen = torch.Generator().manual_seed(11)
        patterns = torch.randint(0, 1 << bits, (n,), generator=gen)
        g1 = torch.Generator().manual_seed(5)
        faulty = robust.inject_bit_errors(patterns, bits, p, g1)
        diff = (patterns ^ faulty).numpy()
        per_pos = [int(((diff >> k) & 1).sum()) for k in range(bits)]
        check(all(binomial_close(c, n, p) for c in per_pos) and int(diff.max()) < (1 << bits),
              f"python bit errors, m={bits} {storage}: every stored bit flips at rate p={p} "
              f"(per position {per_pos} of {n}), no bit >= m flips")
        check(binomial_close(int((diff != 0).sum()), n, 1 - (1 - p) ** bits),
              f"python bit errors, m={bits}: changed weights {int((diff != 0).sum())} ~ n(1-(1-p)^m) = {n * (1 - (1 - p) ** bits):.0f}")
        g2 = torch.Generator().manual_seed(5)
        lower = robust.inject_bit_errors(patterns, bits, p / 4, g2)
        d_low = (patterns ^ lower).numpy()
        check(np.array_equal(d_low & diff, d_low), f"python bit errors, m={bits}: errors at p/4 are a subset of those at p (same seed)")
        # decoded effect: flipping bit k of a pattern moves the signed code by 2^k (mod the sign bit of two's complement)
        one = torch.tensor([1])  # top bit clear
        flipped = one ^ (1 << (bits - 1))
        delta = int(robust.decode(flipped, s) - robust.decode(one, s))
        check(delta == (-(1 << (bits - 1)) if storage == "twos_complement" else (1 << (bits - 1))),
              f"top-bit flip of a {storage} {bits}-bit pattern changes the code by {delta}")
    # lvsim's --ber on a network of m-bit weights: m bits stored per weight, flipped at rate p
    for bits in (3, 8):
        s = robust.Scheme(bits)
        rng = np.random.default_rng(2)
        ws = [rng.standard_normal((36, 36)).astype(np.float32) * 0.1 for _ in range(40)]
        net = os.path.join(TMP, f"ber{bits}.json")
        with open(net, "w") as f:
            json.dump(tiny_float_network([s] * 40, ws, 36), f)
        rep = json.loads(lvsim("run", "--network", net, "--data", npz, "--images", "2", "--ber", str(p),
                               "--chip-seed", "3", "--threads", "1", "--json"))
        nw = 40 * 36 * 36
        fa = rep["faults"]
        stored, by_bit, changed = fa["bits_stored"], fa["bit_errors_by_bit"], fa["weights_changed"]
        check(stored == bits * nw, f"lvsim --ber m={bits}: bits stored {stored} = m x weights {bits * nw}")
        check(all(binomial_close(c, nw, p) for c in by_bit[:bits]) and not any(by_bit[bits:]),
              f"lvsim --ber m={bits}: flips per bit position {by_bit} ~ p x weights = {p * nw:.0f}, none at >= m")
        check(changed is not None and binomial_close(changed, nw, 1 - (1 - p) ** bits),
              f"lvsim --ber m={bits}: {changed} changed weights ~ n(1-(1-p)^m) = {nw * (1 - (1 - p) ** bits):.0f}")


class Tiny(nn.Module):
    """A tiny model with the FmnistCnn interface (weight_layers, forward(x, weights))."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.fc1 = nn.Linear(3 * 4 * 4, 5)

    def forward(self, x, weights=None):
        w = weights or {}
        x = F.relu(F.conv2d(x, w.get("conv1", self.conv1.weight), self.conv1.bias))
        return F.linear(torch.flatten(x, 1), w.get("fc1", self.fc1.weight), self.fc1.bias)

    def weight_layers(self):
        return {"conv1": self.conv1, "fc1": self.fc1}


def independent_deq(w, s, flips=None):
    """lvsim_common's numpy quantizer (a separate implementation), optional XOR masks on the patterns."""
    ls = lc.Scheme(s.bits, s.granularity, s.symmetry, s.storage, s.rounding, s.clip)
    q = lc.quantize_weights(w.detach().numpy(), ls)
    codes = q["codes"]
    zp = np.asarray(q["zero_point"])
    if flips is not None:
        m = 1 << s.bits
        pat = codes % m if s.storage == "twos_complement" else codes
        pat = pat ^ flips
        codes = np.where(pat >= m // 2, pat - m, pat) if s.storage == "twos_complement" else pat
    return torch.tensor(lc.dequantize({"codes": codes, "scale": q["scale"], "zero_point": zp}), dtype=torch.float32)


def grads_at(model, x, y, ws):
    ws = {n: w.clone().requires_grad_(True) for n, w in ws.items()}
    loss = F.cross_entropy(model(x, ws), y)
    params = [ws[n] for n in ws] + [layer.bias for layer in model.weight_layers().values()]
    g = torch.autograd.grad(loss, params)
    k = len(ws)
    return dict(zip(ws, g[:k])), list(g[k:])


def expected_step(model, x, y, s, lr, p=0.0, rho=0.0, clip=0.0, seed=9):
    """One SGD step computed from the documented definitions, independently of robust.train_step."""
    layers = model.weight_layers()
    deq = {n: independent_deq(layer.weight, s) for n, layer in layers.items()}
    at = deq
    if rho > 0:
        g0, _ = grads_at(model, x, y, deq)
        norm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in g0.values()))
        at = {n: deq[n] + rho * g0[n] / norm for n in deq}
    gw, gb = grads_at(model, x, y, at)
    if p > 0:
        gen = torch.Generator().manual_seed(seed)
        err = {}
        for n, layer in layers.items():  # documented draw order: layers in order, a (m, *shape) block each
            u = torch.rand((s.bits,) + tuple(layer.weight.shape), generator=gen, dtype=torch.float64).numpy()
            flips = sum(((u[k] < p).astype(np.int64) << k) for k in range(s.bits))
            err[n] = independent_deq(layer.weight, s, flips)
        ge, gbe = grads_at(model, x, y, err)
        gw = {n: (gw[n] + ge[n]) / 2 for n in gw}
        gb = [(a + b) / 2 for a, b in zip(gb, gbe)]
    new = {}
    for n, layer in layers.items():
        w = layer.weight.detach() - lr * gw[n]
        new[n] = w.clamp(-clip, clip) if clip > 0 else w
    newb = [layer.bias.detach() - lr * g for layer, g in zip(layers.values(), gb)]
    return new, newb


def training_steps():
    torch.manual_seed(4)
    x = torch.randn(8, 1, 6, 6)
    y = torch.randint(0, 5, (8,))
    cases = [("QAT robust 8 bit", robust.Scheme(8), 0.0, 0.0, 0.0),
             ("QAT normal 4 bit", robust.Scheme.named("normal", 4), 0.0, 0.0, 0.0),
             ("RandBET p=0.05 + clip 0.2, 8 bit", robust.Scheme(8), 0.05, 0.0, 0.2),
             ("RandBET p=0.1, 3 bit two's complement", robust.Scheme(3, storage="twos_complement"), 0.1, 0.0, 0.0),
             ("SAQ rho=0.5, 8 bit", robust.Scheme(8), 0.0, 0.5, 0.0),
             ("SAQ rho=0.1 + RandBET p=0.05 + clip 0.3, 4 bit", robust.Scheme(4), 0.05, 0.1, 0.3)]
    lr = 0.5  # large, so every documented ingredient moves the weights visibly
    for name, s, p, rho, clip in cases:
        torch.manual_seed(1)
        model = Tiny()
        before = {n: layer.weight.detach().clone() for n, layer in model.weight_layers().items()}
        want, wantb = expected_step(model, x, y, s, lr, p, rho, clip)
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        robust.train_step(model, opt, x, y, {"scheme": s, "randbet_p": p, "saq_rho": rho, "clip": clip},
                          torch.Generator().manual_seed(9))
        got = {n: layer.weight.detach() for n, layer in model.weight_layers().items()}
        err = max(float((got[n] - want[n]).abs().max()) for n in got)
        errb = max(float((layer.bias.detach() - b).abs().max()) for layer, b in zip(model.weight_layers().values(), wantb))
        moved = min(float((got[n] - before[n]).abs().max()) for n in got)
        check(err < 1e-5 and errb < 1e-5 and moved > 1e-3,
              f"{name}: step equals the independent computation (max |diff| {err:.1e}, bias {errb:.1e}; moved {moved:.3f})")
        if clip > 0:
            check(all(float(g.abs().max()) <= clip + 1e-7 for g in got.values()), f"{name}: weights within +-{clip}")
    # the ingredients matter: a RandBET step differs from the plain QAT step, SAQ's from QAT's
    torch.manual_seed(1)
    base, _ = expected_step(Tiny(), x, y, robust.Scheme(8), lr)
    torch.manual_seed(1)
    rb, _ = expected_step(Tiny(), x, y, robust.Scheme(8), lr, p=0.05)
    torch.manual_seed(1)
    sq, _ = expected_step(Tiny(), x, y, robust.Scheme(8), lr, rho=0.5)
    check(float((rb["fc1"] - base["fc1"]).abs().max()) > 1e-4 and float((sq["fc1"] - base["fc1"]).abs().max()) > 1e-4,
          "RandBET and SAQ steps differ from the plain QAT step")


def export_round_trip():
    ck = os.path.join(TMP, "rt.pt")
    tools = os.path.join(SRC, "tools", "torch")
    r = subprocess.run([PY, os.path.join(tools, "train.py"), "--epochs", "1", "--train-images", "128", "--test-images", "200",
                        "--batch", "64", "--bits", "5", "--clip", "0.1", "--randbet-p", "0.02", "--seed", "3",
                        "--out", ck], capture_output=True, text=True)
    check(r.returncode == 0 and r.stdout.count("epoch 1/1") == 1, f"train.py: one progress line per epoch: {r.stdout.strip()[-160:]} {r.stderr[-300:]}")
    ck2 = os.path.join(TMP, "rt2.pt")
    r2 = subprocess.run([PY, os.path.join(tools, "train.py"), "--epochs", "1", "--train-images", "128", "--test-images", "200",
                         "--batch", "64", "--bits", "5", "--clip", "0.1", "--randbet-p", "0.02", "--seed", "3",
                         "--out", ck2], capture_output=True, text=True)
    if r.returncode == 0 and r2.returncode == 0:
        a, b = torch.load(ck)["state_dict"], torch.load(ck2)["state_dict"]
        check(all(torch.equal(a[k], b[k]) for k in a), "train.py: the same command and seed give the same checkpoint")
    for bad in (["--bits", "9"], ["--saq-rho", "0.1"], ["--data-dir", os.path.join(TMP, "none")]):
        r2 = subprocess.run([PY, os.path.join(tools, "train.py"), "--out", os.path.join(TMP, "bad.pt")] + bad,
                            capture_output=True, text=True)
        check(r2.returncode == 2 and len(r2.stderr.strip().splitlines()) == 1 and bad[0] in r2.stderr
              and not os.path.exists(os.path.join(TMP, "bad.pt")),
              f"train.py {' '.join(bad)}: exit 2, one line naming the option: {r2.stderr.strip()}")
    net = os.path.join(TMP, "rt.json")
    r = subprocess.run([PY, os.path.join(tools, "export.py"), "--model-file", os.path.join(tools, "lvsim_common.py"),
                        "--class", "FmnistCnn", "--checkpoint", ck, "--input-shape", "1,28,28",
                        "--pixel-scale", "0.00392156862745098", "--mean", "0.2860", "--std", "0.3530", "--bits", "5",
                        "--out", os.path.join(TMP, "rt.onnx"), "--network", net, "--lvsim", LVSIM,
                        "--import-args", "--calib-data /usr/share/datasets/fashion-mnist --calib-images 64 --threads 1",
                        "--check-data", "/usr/share/datasets/fashion-mnist", "--check-images", "50"],
                       capture_output=True, text=True)
    check(r.returncode == 0 and '"lvsim_vs_reference_mismatches": 0' in r.stdout,
          f"export.py: lvsim's predictions equal the integer reference: {r.stdout.strip().splitlines()[-1:]} {r.stderr[-300:]}")
    if r.returncode != 0:
        return
    sd = torch.load(ck)["state_dict"]
    doc = json.load(open(net))
    s = robust.Scheme(5)
    qlayers = [layer for layer in doc["layers"] if layer["type"] in ("conv2d", "linear")]
    same = []
    for name, layer in zip(("conv1", "conv2", "fc1", "fc2"), qlayers):
        codes, scale, zp = robust.quantize(sd[name + ".weight"], s)
        stored = tensor_from_json(layer["weight"]["quantized"]["codes"])
        same.append(np.array_equal(robust.to_patterns(codes, s).numpy(), stored)
                    and float(scale.reshape(-1)[0]) == layer["weight"]["quantized"]["scale"][0])
    check(len(same) == 4 and all(same), f"exported network holds exactly the trained quantized weights (per layer: {same})")


def main():
    npz = write_npz()
    quantizer_parity(npz)
    bit_error_parity(npz)
    training_steps()
    export_round_trip()
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
