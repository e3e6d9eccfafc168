"""Independent Python implementation of lvsim's integer inference (docs/quantization.md), reading a
network file in the lvsim-network v1 format (docs/model-format.md).

It is written from the documents, not from the C++ code, so that the expected outputs it produces
can check lvsim's importer, golden model and hardware paths. Convolutions are computed by float64
PyTorch convolutions on integer-valued tensors: every product and partial sum is an integer below
2^53, so the result is exact whatever the summation order.

groupnorm layers follow the integer arithmetic of docs/quantization.md ("GroupNorm") step by step,
with Python integers where a product needs more than 64 bits.

Limitations: every activation quantization (input.quant, output_quant of conv/linear/add/groupnorm)
must be given in the file (no calibration here); batchnorm2d layers are not supported.
"""

import base64
import json
import math

import numpy as np
import torch
import torch.nn.functional as F

import lvsim_common as lc

PRE_SHIFT = 24
_DTYPES = {"float32": "<f4", "float64": "<f8", "int8": "i1", "uint8": "u1", "int16": "<i2", "int32": "<i4"}


def rshift(x, n):
    """floor((x + 2^(n-1)) / 2^n) on int64 numpy arrays (arithmetic shift, round half up)."""
    return (x + (np.int64(1) << np.int64(n - 1))) >> np.int64(n)


def sat8(x):
    return np.clip(x, 0, 255)


def wrap_int32(x):
    """Two's complement wrap-around of an int64 array to 32 bits (hardware accumulators)."""
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def requant_constants(ratio):
    """(M, shift) from frexp of a positive ratio, docs/quantization.md 'Requantization'."""
    if not (ratio > 0 and math.isfinite(ratio)):
        raise ValueError("ratio must be positive and finite")
    f, e = math.frexp(ratio)
    m = lc.round_half_away(f * 2.0 ** 31)
    if m == 1 << 31:
        m, e = 1 << 30, e + 1
    shift = 31 - e
    if not 1 <= shift <= 62:
        raise ValueError(f"requantization ratio {ratio} out of range (shift {shift})")
    return m, shift


def read_tensor(t):
    """A format tensor -> numpy array of its shape (float64 for floats, int64 for integers)."""
    dt = np.dtype(_DTYPES[t["dtype"]])
    shape = tuple(t["shape"])
    if "base64" in t:
        arr = np.frombuffer(base64.b64decode(t["base64"]), dtype=dt)
    else:
        arr = np.asarray(t["data"], dtype=np.float64 if dt.kind == "f" else np.int64).reshape(-1)
    if arr.size != int(np.prod(shape)):
        raise ValueError("tensor element count does not match its shape")
    arr = arr.reshape(shape)
    return arr.astype(np.float64) if dt.kind == "f" else arr.astype(np.int64)


def _pair(v, default):
    return list(v) if v is not None else list(default)


def _scheme(d):
    d = dict(d)
    return lc.Scheme(bits=d["bits"], granularity=d.get("granularity", "per_tensor"),
                     symmetry=d.get("symmetry", "asymmetric"), storage=d.get("storage", "unsigned"),
                     rounding=d.get("rounding", "round"), clip=d.get("clip", 0.0))


class Network:
    """A network file resolved to integer constants (the Python twin of lvsim's importer)."""

    def __init__(self, doc):
        if isinstance(doc, str):
            with open(doc) as f:
                doc = json.load(f)
        if doc["format"] != "lvsim-network" or doc["version"] != 1:
            raise ValueError("not an lvsim-network v1 file")
        inp = doc["input"]
        self.input_shape = tuple(inp["shape"])
        pre = inp.get("preprocess", {})
        c = self.input_shape[0]
        self.pixel_scale = pre.get("pixel_scale", 1.0 / 255.0)
        self.mean = pre.get("mean", [0.0] * c)
        self.std = pre.get("std", [1.0] * c)
        self.in_scale = inp["quant"]["scale"]
        self.in_zp = inp["quant"]["zero_point"]
        self.pre_m, self.pre_b = [], []
        for ch in range(c):
            d = self.std[ch] * self.in_scale
            self.pre_m.append(lc.round_half_away((self.pixel_scale / d) * 2.0 ** PRE_SHIFT))
            self.pre_b.append(lc.round_half_away((-self.mean[ch] / d) * 2.0 ** PRE_SHIFT))
        top_scheme = doc.get("weight_quantization")
        self.layers = []
        info = {"input": {"shape": self.input_shape, "scale": self.in_scale, "zp": self.in_zp}}
        for ld in doc["layers"]:
            L = {"name": ld["name"], "type": ld["type"], "input": ld["input"]}
            t = ld["type"]
            if t == "add":
                srcs = [info[n] for n in ld["input"]]
                shape = srcs[0]["shape"]
                if any(s["shape"] != shape for s in srcs):
                    raise ValueError(f"{ld['name']}: add inputs differ in shape")
                out_s, out_z = ld["output_quant"]["scale"], ld["output_quant"]["zero_point"]
                ratios = [s["scale"] / out_s for s in srcs]
                _, shift = requant_constants(max(ratios))
                L.update(multipliers=[lc.round_half_away(r * 2.0 ** shift) for r in ratios], shift=shift,
                         in_zps=[s["zp"] for s in srcs], out_zp=out_z)
                info[ld["name"]] = {"shape": shape, "scale": out_s, "zp": out_z}
                self.layers.append(L)
                continue
            src = info[ld["input"]]
            cin, h, w = src["shape"]
            if t in ("conv2d", "linear"):
                if t == "conv2d":
                    o = ld["out_channels"]
                    kh, kw = ld["kernel"]
                    sh, sw = _pair(ld.get("stride"), (1, 1))
                    ph, pw = _pair(ld.get("padding"), (0, 0))
                    groups = ld.get("groups", 1)
                    wshape = (o, cin // groups, kh, kw)
                    oshape = (o, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
                    L.update(stride=(sh, sw), padding=(ph, pw), groups=groups)
                else:
                    o = ld["out_features"]
                    wshape = (o, cin * h * w)
                    oshape = (o, 1, 1)
                wd = ld["weight"]
                if "quantized" in wd:
                    q = wd["quantized"]
                    codes = read_tensor(q["codes"])
                    scale, zp, bits, storage = list(q["scale"]), list(q["zero_point"]), q["bits"], q["storage"]
                    lo, hi = (0, (1 << bits) - 1) if storage == "unsigned" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
                    if codes.min() < lo or codes.max() > hi:
                        raise ValueError(f"{ld['name']}: weight code out of range")
                else:
                    s = _scheme(ld.get("weight_quantization", top_scheme))
                    qd = lc.quantize_weights(read_tensor(wd["float"]), s)
                    codes, scale, zp, bits, storage = qd["codes"], qd["scale"], qd["zero_point"], s.bits, s.storage
                if tuple(codes.shape) != wshape:
                    raise ValueError(f"{ld['name']}: weight shape {codes.shape} != {wshape}")
                if len(scale) == 1:
                    scale, zp = scale * o, zp * o
                s_in = src["scale"]
                if "bias" in ld:
                    b = read_tensor(ld["bias"]).reshape(-1)
                    if ld["bias"]["dtype"] == "int32":
                        bias_q = [int(v) for v in b]
                    else:
                        bias_q = [lc.round_half_away(float(b[i]) / (s_in * scale[i])) for i in range(o)]
                else:
                    bias_q = [0] * o
                out_s, out_z = ld["output_quant"]["scale"], ld["output_quant"]["zero_point"]
                rq = [requant_constants((s_in * scale[i]) / out_s) for i in range(o)]
                L.update(weight=codes.astype(np.int64), wzp=np.asarray(zp, dtype=np.int64), bits=bits, storage=storage,
                         bias_q=np.asarray(bias_q, dtype=np.int64), multiplier=np.asarray([m for m, _ in rq], dtype=np.int64),
                         shift=np.asarray([s for _, s in rq], dtype=np.int64), in_zp=src["zp"], out_zp=out_z,
                         weight_scale=scale)
                info[ld["name"]] = {"shape": oshape, "scale": out_s, "zp": out_z}
            elif t == "groupnorm":
                L.update(_groupnorm_constants(ld, src, ld.get("weight_quantization", top_scheme)))
                info[ld["name"]] = {"shape": (cin, h, w), "scale": L["out_scale"], "zp": L["out_zp"]}
            elif t in ("relu", "flatten"):
                L["zp"] = src["zp"]
                oshape = (cin * h * w, 1, 1) if t == "flatten" else (cin, h, w)
                info[ld["name"]] = dict(src, shape=oshape)
            elif t in ("maxpool2d", "avgpool2d"):
                if ld.get("global"):
                    k, s, p = (h, w), (h, w), (0, 0)
                else:
                    k = tuple(ld["kernel"])
                    s = tuple(_pair(ld.get("stride"), k))
                    p = tuple(_pair(ld.get("padding"), (0, 0)))
                L.update(kernel=k, stride=s, padding=p)
                oshape = (cin, (h + 2 * p[0] - k[0]) // s[0] + 1, (w + 2 * p[1] - k[1]) // s[1] + 1)
                info[ld["name"]] = dict(src, shape=oshape)
            else:
                raise ValueError(f"unsupported layer type {t}")
            L["out_shape"] = info[ld["name"]]["shape"]
            self.layers.append(L)
        for L in self.layers:
            L["out_shape"] = info[L["name"]]["shape"]
        self.output = doc.get("output", self.layers[-1]["name"])

    def preprocess(self, pixels):
        """Raw uint8 pixels [N, C, H, W] -> input codes (int64)."""
        p = pixels.astype(np.int64)
        m = np.asarray(self.pre_m, dtype=np.int64).reshape(1, -1, 1, 1)
        b = np.asarray(self.pre_b, dtype=np.int64).reshape(1, -1, 1, 1)
        return sat8(self.in_zp + rshift(p * m + b, PRE_SHIFT))

    def run(self, pixels):
        """Raw pixels [N, C, H, W] -> dict layer name -> codes [N, C, H, W] (int64), plus 'input'."""
        outs = {"input": self.preprocess(pixels)}
        n = pixels.shape[0]
        for L in self.layers:
            t = L["type"]
            if t == "add":
                acc = sum((outs[name] - z) * m for name, z, m in zip(L["input"], L["in_zps"], L["multipliers"]))
                outs[L["name"]] = sat8(L["out_zp"] + rshift(acc, L["shift"]))
                continue
            x = outs[L["input"]]
            if t in ("conv2d", "linear"):
                a = torch.from_numpy((x - L["in_zp"]).astype(np.float64))
                wt = torch.from_numpy((L["weight"] - L["wzp"].reshape((-1,) + (1,) * (L["weight"].ndim - 1))).astype(np.float64))
                if t == "conv2d":
                    s = F.conv2d(a, wt, stride=L["stride"], padding=L["padding"], groups=L["groups"])
                else:
                    s = F.linear(a.reshape(n, -1), wt).reshape(n, -1, 1, 1)
                s = s.numpy()
                if np.abs(s).max() >= 2.0 ** 53:
                    raise ArithmeticError("accumulator beyond exact float64 range")
                acc = wrap_int32(s.astype(np.int64) + L["bias_q"].reshape(1, -1, 1, 1))
                prod = acc * L["multiplier"].reshape(1, -1, 1, 1)
                sh = L["shift"].reshape(1, -1, 1, 1)
                out = (prod + (np.int64(1) << (sh - 1))) >> sh
                outs[L["name"]] = sat8(L["out_zp"] + out)
            elif t == "groupnorm":
                outs[L["name"]] = _groupnorm_run(L, x)
            elif t == "relu":
                outs[L["name"]] = np.maximum(x, L["zp"])
            elif t == "flatten":
                outs[L["name"]] = x.reshape(n, -1, 1, 1)
            elif t == "maxpool2d":
                y = F.max_pool2d(torch.from_numpy(x.astype(np.float64)), L["kernel"], L["stride"], L["padding"])
                outs[L["name"]] = y.numpy().astype(np.int64)
            elif t == "avgpool2d":
                kk = L["kernel"][0] * L["kernel"][1]
                ssum = F.avg_pool2d(torch.from_numpy(x.astype(np.float64)), L["kernel"], L["stride"],
                                    divisor_override=1).numpy().astype(np.int64)
                outs[L["name"]] = (ssum + kk // 2) // kk
        return outs

    def predict(self, outs):
        o = outs[self.output]
        return np.argmax(o.reshape(o.shape[0], -1), axis=1)  # first index on ties

    def derived(self):
        """Integer constants derived at import (for layer-by-layer debugging of other implementations)."""
        d = {"input": {"scale": self.in_scale, "zero_point": self.in_zp, "multiplier": self.pre_m,
                       "offset": self.pre_b, "shift": PRE_SHIFT}}
        for L in self.layers:
            if L["type"] in ("conv2d", "linear"):
                d[L["name"]] = {"bias_q": L["bias_q"].tolist(), "multiplier": L["multiplier"].tolist(),
                                "shift": L["shift"].tolist(), "weight_zero_point": L["wzp"].tolist()}
            elif L["type"] == "add":
                d[L["name"]] = {"multiplier": L["multipliers"], "shift": L["shift"]}
            elif L["type"] == "groupnorm":
                d[L["name"]] = {k: L[k] for k in ("E", "O", "M", "sh", "K")}
        return d


# ---------------------------------------------------------------------------------------------
# GroupNorm (docs/quantization.md "GroupNorm"): per image and group, integer statistics, a
# fixed-point reciprocal square root, the affine (effective scale gamma_offset + gamma) and the
# requantization, all in exact integers.

GN_MAX_N = 1 << 22


def _gn_param(pd, scheme, what, channels):
    """A groupnorm PARAM -> (signed integers decode(pattern) - zero_point as Python ints, scale).
    Float parameters are quantized per tensor with the scheme (per_channel treated as per tensor)."""
    if "quantized" in pd:
        q = pd["quantized"]
        if q.get("granularity", "per_tensor") != "per_tensor" or len(q["scale"]) != 1:
            raise ValueError(f"{what}: a groupnorm parameter must be quantized per_tensor")
        codes = read_tensor(q["codes"]).reshape(-1)
        bits, storage = q["bits"], q["storage"]
        if storage == "unsigned":
            lo, hi, dec = 0, (1 << bits) - 1, codes
        else:
            lo, hi, dec = -(1 << (bits - 1)), (1 << (bits - 1)) - 1, codes
        if codes.min() < lo or codes.max() > hi:
            raise ValueError(f"{what}: code out of range")
        scale, zp = float(q["scale"][0]), int(q["zero_point"][0])
    else:
        if scheme is None:
            raise ValueError(f"{what}: float parameter without a weight_quantization scheme")
        s = _scheme(scheme)
        s.granularity = "per_tensor"
        qd = lc.quantize_weights(read_tensor(pd["float"]).reshape(-1), s)
        dec, scale, zp = qd["codes"].reshape(-1), float(qd["scale"][0]), int(qd["zero_point"][0])
    if dec.size != channels:
        raise ValueError(f"{what}: {dec.size} values for {channels} channels")
    return [int(v) - zp for v in dec], scale


def _groupnorm_constants(ld, src, scheme):
    cin, h, w = src["shape"]
    g = ld["groups"]
    if g < 1 or cin % g:
        raise ValueError(f"{ld['name']}: groups {g} does not divide {cin} channels")
    n = (cin // g) * h * w
    if n > GN_MAX_N:
        raise ValueError(f"{ld['name']}: group size {n} > 2^22")
    eps = float(ld["eps"])
    if not eps > 0:
        raise ValueError(f"{ld['name']}: eps must be > 0")
    gam, s_g = _gn_param(ld["gamma"], scheme, ld["name"] + ".gamma", cin)
    bet, s_b = _gn_param(ld["beta"], scheme, ld["name"] + ".beta", cin)
    o = float(ld.get("gamma_offset", 0.0))
    s_in = src["scale"]
    out_s, out_z = ld["output_quant"]["scale"], ld["output_quant"]["zero_point"]
    E = max(1, lc.round_half_away(n * n * eps / (s_in * s_in)))
    if E >= 1 << 62:
        raise ValueError(f"{ld['name']}: E out of range")
    O = lc.round_half_away(o / s_g * 2.0 ** 8)
    if abs(O) >= 1 << 40:
        raise ValueError(f"{ld['name']}: gamma_offset / gamma scale out of range")
    M, sh = requant_constants(s_g / out_s)
    K = lc.round_half_away(s_b / out_s * 2.0 ** (sh + 24))
    if abs(K) >= 1 << 62:
        raise ValueError(f"{ld['name']}: beta scale out of range")
    return {"groups": g, "n": n, "E": E, "O": O, "M": M, "sh": sh, "K": K, "in_zp": src["zp"],
            "G": [v * 256 + O for v in gam], "B": bet, "out_scale": out_s, "out_zp": out_z}


def _groupnorm_run(L, q):
    """Input codes [N, C, H, W] -> output codes, exactly the documented integer steps."""
    nimg, c, h, w = q.shape
    g, n = L["groups"], L["n"]
    x = (q - L["in_zp"]).astype(np.int64).reshape(nimg, g, n)
    s1 = x.sum(axis=2)                      # |S1| <= n * 255 < 2^30
    s2 = (x * x).sum(axis=2)                # < 2^38
    d = n * s2 - s1 * s1 + L["E"]           # int64, >= 1
    inv = np.zeros((nimg, g), dtype=np.int64)
    shift = np.zeros((nimg, g), dtype=np.int64)
    for i in range(nimg):
        for j in range(g):
            qq = math.isqrt(int(d[i, j]) << 32)
            b = qq.bit_length()
            inv[i, j] = (1 << (b + 30)) // qq
            shift[i, j] = b - 2
    num = n * x - s1[:, :, None]            # |N| < 2^31
    prod = num * inv[:, :, None]            # < 2^62
    sft = shift[:, :, None]
    hval = (prod + (np.int64(1) << (sft - 1))) >> sft
    hval = hval.reshape(nimg, c, h * w).astype(object)
    s = L["sh"] + 24
    gm = np.asarray([gc * L["M"] for gc in L["G"]], dtype=object).reshape(1, c, 1)
    bk = np.asarray([bc * L["K"] for bc in L["B"]], dtype=object).reshape(1, c, 1)
    acc = hval * gm + bk + (1 << (s - 1))
    out = np.clip((acc >> s).astype(np.int64) + L["out_zp"], 0, 255)
    return out.reshape(nimg, c, h, w)
