#!/usr/bin/python3
"""Cross-checks int_reference.py against a second, deliberately naive implementation: pure Python
integers, one loop per output element, requantization constants derived with exact fractions.
Reads a network file and an expected file written by export.py or make_fixtures.py and checks
every layer's output codes of the images it holds.

  check_reference.py tests/data/tiny-conv.json tests/data/tiny-conv.expected.json
  check_reference.py workloads/networks/fmnist-cnn.json tests/data/fmnist-cnn.expected.json
"""

import json
import sys
from fractions import Fraction

import numpy as np

import int_reference as ir
import lvsim_common as lc


def round_away(fr):
    """Round half away from zero of an exact Fraction."""
    n = abs(fr)
    r = int(n + Fraction(1, 2))  # floor for non-negative
    return r if fr >= 0 else -r


def exact_requant(ratio):
    r = Fraction(ratio)
    e = 0
    while r / Fraction(2) ** e >= 1:
        e += 1
    while r / Fraction(2) ** e < Fraction(1, 2):
        e -= 1
    m = round_away(r / Fraction(2) ** e * 2 ** 31)
    if m == 2 ** 31:
        m, e = 2 ** 30, e + 1
    return m, 31 - e


def rsh(x, n):
    return (x + (1 << (n - 1))) >> n


def sat(x):
    return 0 if x < 0 else (255 if x > 255 else x)


def naive_run(net, doc, pixels):
    """pixels: flat list (C*H*W) -> dict name -> flat list of codes."""
    c, h, w = net.input_shape
    layers_doc = {ld["name"]: ld for ld in doc["layers"]}
    vals = {}
    codes = []
    for ch in range(c):
        d = Fraction(net.std[ch]) * Fraction(net.in_scale)
        # Doubles in the documented order: (pixel_scale / D) then * 2^24, D = std * s_in in binary64.
        dd = net.std[ch] * net.in_scale
        m = lc.round_half_away((net.pixel_scale / dd) * 2.0 ** 24)
        b = lc.round_half_away((-net.mean[ch] / dd) * 2.0 ** 24)
        assert abs(Fraction(m) / 2 ** 24 - Fraction(net.pixel_scale) / d) < Fraction(1, 2 ** 20)
        for i in range(h * w):
            codes.append(sat(net.in_zp + rsh(pixels[ch * h * w + i] * m + b, 24)))
    vals["input"] = (codes, (c, h, w), net.in_scale, net.in_zp)
    for L in net.layers:
        name, t = L["name"], L["type"]
        ld = layers_doc[name]
        if t == "add":
            srcs = [vals[i] for i in ld["input"]]
            out_s, out_z = ld["output_quant"]["scale"], ld["output_quant"]["zero_point"]
            ratios = [s[2] / out_s for s in srcs]
            _, shift = exact_requant(max(ratios))
            ms = [round_away(Fraction(r) * 2 ** shift) for r in ratios]
            n = len(srcs[0][0])
            out = [sat(out_z + rsh(sum((s[0][i] - s[3]) * mm for s, mm in zip(srcs, ms)), shift)) for i in range(n)]
            vals[name] = (out, srcs[0][1], out_s, out_z)
            continue
        x, (ci, hi, wi), s_in, z_in = vals[ld["input"]]
        if t in ("conv2d", "linear"):
            wq = L["weight"].reshape(L["weight"].shape[0], -1).tolist()
            wz = L["wzp"].tolist()
            bias = L["bias_q"].tolist()
            out_s, out_z = ld["output_quant"]["scale"], ld["output_quant"]["zero_point"]
            o_n = len(wq)
            rq = [exact_requant((s_in * L["weight_scale"][o]) / out_s) for o in range(o_n)]
            out = []
            if t == "linear":
                for o in range(o_n):
                    acc = bias[o] + sum((wq[o][k] - wz[o]) * (x[k] - z_in) for k in range(len(x)))
                    out.append(sat(out_z + rsh(acc * rq[o][0], rq[o][1])))
                vals[name] = (out, (o_n, 1, 1), out_s, out_z)
                continue
            kh, kw = ld["kernel"]
            sh, sw = ld.get("stride", [1, 1])
            ph, pw = ld.get("padding", [0, 0])
            g = ld.get("groups", 1)
            ho, wo = (hi + 2 * ph - kh) // sh + 1, (wi + 2 * pw - kw) // sw + 1
            cpg = ci // g
            for o in range(o_n):
                grp = o // (o_n // g)
                for y in range(ho):
                    for xx in range(wo):
                        acc = bias[o]
                        for cc in range(cpg):
                            ch = grp * cpg + cc
                            for ky in range(kh):
                                iy = y * sh - ph + ky
                                if iy < 0 or iy >= hi:
                                    continue
                                for kx in range(kw):
                                    ix = xx * sw - pw + kx
                                    if ix < 0 or ix >= wi:
                                        continue
                                    acc += (wq[o][(cc * kh + ky) * kw + kx] - wz[o]) * (x[(ch * hi + iy) * wi + ix] - z_in)
                        out.append(sat(out_z + rsh(acc * rq[o][0], rq[o][1])))
            vals[name] = (out, (o_n, ho, wo), out_s, out_z)
        elif t == "relu":
            vals[name] = ([max(v, z_in) for v in x], (ci, hi, wi), s_in, z_in)
        elif t == "flatten":
            vals[name] = (list(x), (ci * hi * wi, 1, 1), s_in, z_in)
        elif t in ("maxpool2d", "avgpool2d"):
            if ld.get("global"):
                (kh, kw), (sh, sw), (ph, pw) = (hi, wi), (hi, wi), (0, 0)
            else:
                kh, kw = ld["kernel"]
                sh, sw = ld.get("stride", ld["kernel"])
                ph, pw = ld.get("padding", [0, 0])
            ho, wo = (hi + 2 * ph - kh) // sh + 1, (wi + 2 * pw - kw) // sw + 1
            out = []
            for ch in range(ci):
                for y in range(ho):
                    for xx in range(wo):
                        win = [x[(ch * hi + y * sh - ph + ky) * wi + xx * sw - pw + kx]
                               for ky in range(kh) for kx in range(kw)
                               if 0 <= y * sh - ph + ky < hi and 0 <= xx * sw - pw + kx < wi]
                        if t == "maxpool2d":
                            out.append(max(win))
                        else:
                            n = kh * kw
                            out.append(int((Fraction(sum(win)) + Fraction(n, 2)) // n))
            vals[name] = (out, (ci, ho, wo), s_in, z_in)
    return {k: v[0] for k, v in vals.items()}


def main():
    net_path, exp_path = sys.argv[1], sys.argv[2]
    with open(net_path) as f:
        doc = json.load(f)
    with open(exp_path) as f:
        exp = json.load(f)
    net = ir.Network(doc)
    if "layer_outputs_image0" in exp:
        te_x, _ = lc.load_fmnist("t10k")
        cases = [(te_x[0].reshape(-1).tolist(), exp["layer_outputs_image0"], exp.get("input_codes_image0"))]
    else:
        cases = [(im["pixels"], im["layer_outputs"], im["input_codes"]) for im in exp["images"]]
    for k, (pixels, layer_outputs, input_codes) in enumerate(cases):
        got = naive_run(net, doc, [int(p) for p in pixels])
        if input_codes is not None and got["input"] != input_codes:
            sys.exit(f"image {k}: input codes differ")
        for name, codes in layer_outputs.items():
            if got[name] != codes:
                bad = sum(a != b for a, b in zip(got[name], codes))
                sys.exit(f"image {k}: layer {name}: {bad} codes differ")
    print(f"{exp_path}: {len(cases)} image(s), every layer identical in the naive reference")


if __name__ == "__main__":
    main()
