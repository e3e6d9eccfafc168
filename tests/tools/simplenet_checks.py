#!/usr/bin/python3
"""Checks of the SimpleNet/GroupNorm side of the PyTorch tools (tools/torch/simplenet.py, robust.py,
train.py, export_simplenet.py, int_reference.py's groupnorm, biteval.py). Run by
tests/cli/simplenet_training.sh:  simplenet_checks.py LVSIM SRC

1. SimpleNet sizes: the seed width has the seed work's 1,082,826 parameters (its MNIST table) and
   136.4 M MACs per image; alpha' starts at 0 (alpha = 1).
2. int_reference's groupnorm on random shapes, schemes, offsets and codes equals the float GroupNorm
   (PyTorch, float64, biased variance, on the dequantized input and parameters) rounded to the output
   code within one code, on all but a small fraction of elements; a constant group gives beta alone.
3. Trainer: the RandBET targets (weights + GroupNorm parameters; without them with randbet_norm off;
   biases only when quantized); clipping acts on alpha' and beta; the activation penalty equals
   lambda * sum of the mean post-ReLU activations; float32 fake quantization stays within one code of
   binary64's.
4. train.py: 2 epochs at once == 1 epoch + --resume 1 epoch == 3 steps + --resume from the step
   checkpoint (identical weights); RandBET's start threshold is recorded.
5. Export: the network file holds gamma = alpha' with gamma_offset 1 and the training's scheme
   (--store codes: the same integers in every layer); the
   integer reference agrees with the float model (quantized parameters) on nearly every image; when
   lvsim runs groupnorm networks, its predictions equal the integer reference image for image.
6. biteval.py: RErr >= 1 - accuracy, errors grow with p.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

LVSIM, SRC = sys.argv[1], sys.argv[2]
TOOLS = os.path.join(SRC, "tools", "torch")
sys.path.insert(0, TOOLS)
import int_reference as ir  # noqa: E402
import lvsim_common as lc  # noqa: E402
import robust  # noqa: E402
import simplenet  # noqa: E402

FAILS = []
TMP = tempfile.mkdtemp()
PY = "/usr/bin/python3"
torch.set_num_threads(1)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILS.append(what)


def sizes():
    seed = simplenet.SimpleNet("seed")
    check(seed.weight_count() == 1082826, f"seed-width SimpleNet: 1,082,826 parameters ({seed.weight_count()})")
    check(seed.macs == 136427264, f"seed-width SimpleNet: 136.4 M MACs per image ({seed.macs})")
    narrow = simplenet.SimpleNet("narrow")
    check(5e6 < narrow.macs < 8e6, f"narrow SimpleNet: {narrow.macs / 1e6:.2f} M MACs per image")
    check(all(float(getattr(narrow, f"gn{i}").weight.abs().max()) == 0 for i in range(1, 8)), "alpha' starts at 0")


def gn_doc(c, g, h, w, in_q, out_q, gamma, beta, offset, scheme, eps):
    def t(a):
        return {"dtype": "float64", "shape": [len(a)], "data": [float(v) for v in a]}
    return {"format": "lvsim-network", "version": 1,
            "input": {"shape": [c, h, w], "quant": in_q},
            "weight_quantization": scheme,
            "layers": [{"name": "gn", "type": "groupnorm", "input": "input", "groups": g, "eps": eps,
                        "gamma": {"float": t(gamma)}, "beta": {"float": t(beta)}, "gamma_offset": offset,
                        "output_quant": out_q}]}


def groupnorm_reference():
    rng = np.random.default_rng(5)
    worst, total, off1 = 0, 0, 0
    for case in range(40):
        g = int(rng.choice([1, 2, 4, 8]))
        c = g * int(rng.integers(1, 5))
        h, w = int(rng.integers(1, 9)), int(rng.integers(1, 9))
        in_q = {"scale": float(rng.uniform(0.005, 0.1)), "zero_point": int(rng.integers(0, 256))}
        out_q = {"scale": float(rng.uniform(0.01, 0.05)), "zero_point": int(rng.integers(60, 200))}
        offset = float(rng.choice([0.0, 1.0]))
        spread = float(rng.choice([0.05, 0.5]))
        gamma = rng.normal(0, spread, c) + (0.0 if offset else 1.0)
        beta = rng.normal(0, spread, c)
        bits = int(rng.integers(4, 9))
        scheme = {"bits": bits, "granularity": "per_tensor", "symmetry": str(rng.choice(["symmetric", "asymmetric"])),
                  "storage": str(rng.choice(["unsigned", "twos_complement"])),
                  "rounding": str(rng.choice(["round", "truncate"]))}
        eps = float(rng.choice([1e-5, 1e-3]))
        net = ir.Network(gn_doc(c, g, h, w, in_q, out_q, gamma, beta, offset, scheme, eps))
        codes = rng.integers(0, 256, size=(3, c, h, w))
        if case % 5 == 0:
            codes[0, :c // g] = codes[0, 0, 0, 0]  # a constant group: variance 0
        got = net.layers[0]
        out = ir._groupnorm_run(got, codes.astype(np.int64))
        # independent float computation
        s = lc.Scheme(bits, "per_tensor", scheme["symmetry"], scheme["storage"], scheme["rounding"])
        gq, bq = lc.dequantize(lc.quantize_weights(gamma, s)), lc.dequantize(lc.quantize_weights(beta, s))
        x = torch.from_numpy(in_q["scale"] * (codes - in_q["zero_point"]).astype(np.float64))
        # the documented eps: E = max(1, round(n^2 eps / s_in^2)) integer units of (s_in / n)^2
        n = (c // g) * h * w
        eps_eff = max(1, lc.round_half_away(n * n * eps / in_q["scale"] ** 2)) * in_q["scale"] ** 2 / (n * n)
        y = F.group_norm(x, g, torch.from_numpy(offset + gq), torch.from_numpy(bq), eps_eff).numpy()
        want = np.clip(out_q["zero_point"] + lc.round_half_away(y / out_q["scale"]), 0, 255)
        d = np.abs(out - want)
        worst = max(worst, int(d.max()))
        total += d.size
        off1 += int((d > 0).sum())
        if case % 5 == 0:
            k = lc.round_half_away(bq[:c // g] / out_q["scale"])
            const = np.clip(out_q["zero_point"] + k, 0, 255)
            check(np.all(np.abs(out[0, :c // g] - const.reshape(-1, 1, 1)) <= 1),
                  f"groupnorm case {case}: a constant group gives z_out + round(beta/s_out)")
    check(worst <= 1 and off1 <= 0.02 * total,
          f"groupnorm integer reference == float GroupNorm within one code on 40 random layers "
          f"(max difference {worst}, {off1} of {total} elements differ)")


def trainer_pieces():
    torch.manual_seed(0)
    m = simplenet.SimpleNet("narrow")
    cfg = {"randbet_norm": True}
    t = robust.randbet_targets(m, cfg)
    check(any(n.startswith("gn") for n in t) and "conv1.weight" in t and "conv1.bias" not in t,
          "RandBET targets: weights and GroupNorm parameters, not the int32 biases")
    t = robust.randbet_targets(m, {"randbet_norm": False})
    check(not any(n.startswith("gn") for n in t), "--no-randbet-norm: no bit errors in GroupNorm parameters")
    t = robust.randbet_targets(m, {"quantize_biases": True})
    check("conv1.bias" in t and "fc.bias" in t, "--quantize-biases: biases quantized and flipped")
    t = robust.randbet_targets(m, {"quantize_biases": True, "randbet_biases": False})
    check("conv1.bias" not in t, "--no-randbet-biases: biases quantized, not flipped")
    # clipping reaches alpha' and beta
    with torch.no_grad():
        m.gn1.weight.fill_(0.5)
        m.gn1.bias.fill_(-0.5)
    x = torch.randn(4, 1, 28, 28)
    y = torch.tensor([0, 1, 2, 3])
    opt = torch.optim.SGD(m.parameters(), lr=0.0)
    s = robust.Scheme(8)
    robust.train_step(m, opt, x, y, {"scheme": s, "randbet_p": 0.0, "saq_rho": 0.0, "clip": 0.1}, None)
    check(abs(float(m.gn1.weight.max()) - 0.1) < 1e-7 and abs(float(m.gn1.bias.min()) + 0.1) < 1e-7,
          "clipping projects alpha' and beta")
    # activation penalty
    acts = []
    ce = F.cross_entropy(m(x, None, activations=acts), y)
    want = float(ce) + 0.3 * sum(float(F.relu(a).mean()) for a in acts)
    got = float(robust._forward_loss(m, x, y, None, {"act_l1": 0.3}))
    check(len(acts) == 7 and abs(got - want) < 1e-5, f"activation penalty: CE + lambda * sum of mean post-ReLU activations ({got} vs {want})")
    # float32 fake quantization within one code of binary64
    w = torch.randn(64, 32, 3, 3) * 0.05
    for name in ("robust", "normal"):
        for bits in (4, 8):
            sc = robust.Scheme.named(name, bits)
            c64, _, _ = robust.quantize(w, sc)
            c32, _, _ = robust.quantize(w, sc, torch.float32)
            d = (c64 - c32).abs()
            check(int(d.max()) <= 1 and float((d > 0).float().mean()) < 1e-3,
                  f"float32 fake quantization ({name}, {bits} bit): within one code of binary64 ({int((d > 0).sum())} differ)")


def run(args):
    return subprocess.run([PY, os.path.join(TOOLS, "train.py")] + args, capture_output=True, text=True)


def train_resume_export():
    base = ["--model", "simplenet-narrow", "--train-images", "256", "--test-images", "100", "--batch", "64",
            "--bits", "6", "--clip", "0.1", "--randbet-p", "0.01", "--randbet-start-loss", "2.5",
            "--schedule", "onecycle", "--lr", "3e-3", "--flip", "--epochs", "2", "--seed", "4"]
    a, b = os.path.join(TMP, "a.pt"), os.path.join(TMP, "b.pt")
    r = run(base + ["--out", a])
    check(r.returncode == 0 and r.stdout.count("images/s") == 2, f"train.py simplenet: two epochs {r.stderr[-300:]}")
    r1 = run(base + ["--out", b, "--stop-after", "1"])
    check(r1.returncode == 0 and r1.stdout.count("images/s") == 1, f"train.py --stop-after 1: one epoch {r1.stderr[-300:]}")
    r2 = run(base + ["--out", b, "--resume"])
    check(r2.returncode == 0 and "resumed" in r2.stdout and r2.stdout.count("images/s") == 1,
          f"train.py --resume: the second epoch only {r2.stdout[-200:]} {r2.stderr[-300:]}")
    if r.returncode or r2.returncode:
        return
    ca, cb = torch.load(a), torch.load(b)
    check(all(torch.equal(ca["state_dict"][k], cb["state_dict"][k]) for k in ca["state_dict"]),
          "2 epochs == 1 epoch + resumed 1 epoch (identical weights)")
    check(ca["meta"]["randbet_start_step"] == 1, f"RandBET threshold 2.5: starts at step 1 ({ca['meta']['randbet_start_step']})")
    never = base[:base.index("--randbet-start-loss")] + ["--randbet-start-loss", "0.01"] + \
        base[base.index("--randbet-start-loss") + 2:base.index("--epochs")] + ["--epochs", "1", "--out", os.path.join(TMP, "c.pt")]
    r4 = run(never)
    check(r4.returncode == 0 and "RandBET not started" in r4.stdout
          and torch.load(os.path.join(TMP, "c.pt"))["meta"]["randbet_start_step"] is None,
          "RandBET threshold 0.01: not started (the clean loss never falls below it)")
    c = os.path.join(TMP, "mid.pt")
    r5 = run(base + ["--out", c, "--stop-after-steps", "3"])
    r6 = run(base + ["--out", c, "--resume"])
    check(r5.returncode == 0 and "stopped at step 3 of epoch 1" in r5.stdout and r6.returncode == 0
          and "resumed" in r6.stdout and "at step 3 of epoch 1" in r6.stdout and not os.path.exists(c + ".partial"),
          f"train.py --stop-after-steps 3, then --resume from the step checkpoint {r5.stdout[-200:]} {r6.stdout[-200:]} {r6.stderr[-200:]}")
    if r6.returncode == 0:
        cc = torch.load(c)
        check(all(torch.equal(ca["state_dict"][k], cc["state_dict"][k]) for k in ca["state_dict"]),
              "2 epochs == stopped at step 3 + resumed (identical weights)")
    r3 = run(base[:-2] + ["--seed", "5", "--out", b, "--resume"])
    check(r3.returncode == 2 and "--resume" in r3.stderr, "--resume refuses a checkpoint of another command")
    net = os.path.join(TMP, "net.json")
    r = subprocess.run([PY, os.path.join(TOOLS, "export_simplenet.py"), "--checkpoint", a, "--network", net,
                        "--calib-images", "256", "--check-images", "300"], capture_output=True, text=True)
    check(r.returncode == 0, f"export_simplenet.py {r.stderr[-300:]}")
    if r.returncode:
        return
    res = json.loads(r.stdout.strip().splitlines()[-1])
    check(res["float_vs_int_reference_disagreements"] <= 0.03 * res["images"],
          f"integer reference == float model (quantized parameters) on nearly every image: {res}")
    doc = json.load(open(net))
    gns = [layer for layer in doc["layers"] if layer["type"] == "groupnorm"]
    g1 = ir.read_tensor(gns[0]["gamma"]["float"])
    check(len(gns) == 7 and all(layer["gamma_offset"] == 1.0 for layer in gns)
          and np.array_equal(g1.astype(np.float32), ca["state_dict"]["gn1.weight"].numpy()),
          "network file: 7 groupnorm layers, gamma = alpha', gamma_offset 1")
    check(doc["weight_quantization"] == {"bits": 6, "granularity": "per_tensor", "symmetry": "asymmetric",
                                         "storage": "unsigned", "rounding": "round"},
          "network file: the training's scheme")
    net_codes = os.path.join(TMP, "net-codes.json")
    r = subprocess.run([PY, os.path.join(TOOLS, "export_simplenet.py"), "--checkpoint", a, "--network", net_codes,
                        "--calib-images", "256", "--store", "codes"], capture_output=True, text=True)
    if r.returncode == 0:
        te_x, _ = lc.load_fmnist("t10k")
        fa, fb = ir.Network(net).run(te_x[:50, None]), ir.Network(net_codes).run(te_x[:50, None])
        same = all(np.array_equal(fa[k], fb[k]) for k in fa)
        check(same and os.path.getsize(net_codes) < 0.5 * os.path.getsize(net),
              "--store codes: the same integer outputs in every layer as float + scheme, in a smaller file")
    else:
        check(False, f"export_simplenet.py --store codes {r.stderr[-300:]}")
    lv = subprocess.run([LVSIM, "run", "--network", net, "--data", lc.DATA_DIR, "--images", "300", "--json"],
                        capture_output=True, text=True)
    net_ref = ir.Network(net)
    te_x, _ = lc.load_fmnist("t10k")
    ref = np.concatenate([net_ref.predict(net_ref.run(te_x[i:i + 100, None])) for i in range(0, 300, 100)])
    ok = lv.returncode == 0 and np.array_equal(np.asarray(json.loads(lv.stdout)["predictions"]), ref)
    check(ok, f"lvsim's predictions == integer reference on 300 images {lv.stderr[-200:]}")
    r = subprocess.run([PY, os.path.join(TOOLS, "biteval.py"), a, "--p", "0.01,0.2", "--chips", "2",
                        "--images", "300", "--json", os.path.join(TMP, "be.json")], capture_output=True, text=True)
    check(r.returncode == 0, f"biteval.py {r.stderr[-300:]}")
    if r.returncode == 0:
        be = json.load(open(os.path.join(TMP, "be.json")))[0]
        p1, p2 = be["points"]
        check(all(pt["rerr_mean"] >= 1 - pt["accuracy_mean"] - 1e-12 for pt in be["points"])
              and p2["rerr_mean"] > p1["rerr_mean"], f"biteval: RErr >= error, grows with p ({p1}, {p2})")


if __name__ == "__main__":
    sizes()
    groupnorm_reference()
    trainer_pieces()
    train_resume_export()
    print(f"{len(FAILS)} failed" if FAILS else "all passed")
    sys.exit(1 if FAILS else 0)
