#!/usr/bin/python3
"""Writes the small seeded test networks tests/data/tiny-*.json and their expected outputs
tests/data/tiny-*.expected.json (every layer's output codes for a few raw images), computed by the
independent integer reference (int_reference.py).

Each network comes in two forms with identical expected outputs:
  tiny-NAME.json        pre-quantized weights ("quantized" codes) and int32 biases;
  tiny-NAME-float.json  float64 weights and biases with weight_quantization schemes, so the importer's
                        own quantization (docs/quantization.md) must reproduce the same codes.
Every activation quantization (input.quant, output_quant of conv/linear/add) is explicit. Ranges are
calibrated in float on random images and then narrowed by random factors, so that some outputs
saturate; conv/linear outputs followed by relu are quantized on their pre-relu range, so relu's
zero point is not 0.

  make_fixtures.py --out-dir tests/data
"""

import argparse
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

import export_reference as ex
import int_reference as ir
import lvsim_common as lc


def conv_net_spec():
    """(a) 3x10x10 input: conv, avgpool 3x3, grouped strided conv, depthwise conv, residual add,
    padded maxpool, global avgpool, flatten, linear. 4-bit per-channel symmetric two's complement
    conv weights; the linear layer overrides with 6-bit per-channel asymmetric unsigned truncation
    with clipping."""
    conv_scheme = lc.Scheme(bits=4, granularity="per_channel", symmetry="symmetric", storage="twos_complement")
    fc_scheme = lc.Scheme(bits=6, granularity="per_channel", symmetry="asymmetric", storage="unsigned",
                          rounding="truncate", clip=0.4)
    layers = [
        {"name": "c1", "type": "conv2d", "input": "input", "out_channels": 8, "kernel": [3, 3], "stride": [1, 1],
         "padding": [1, 1], "groups": 1},
        {"name": "r1", "type": "relu", "input": "c1"},
        {"name": "ap1", "type": "avgpool2d", "input": "r1", "kernel": [3, 3], "stride": [1, 1]},
        {"name": "c2", "type": "conv2d", "input": "ap1", "out_channels": 8, "kernel": [3, 3], "stride": [2, 2],
         "padding": [1, 1], "groups": 2},
        {"name": "r2", "type": "relu", "input": "c2"},
        {"name": "dw", "type": "conv2d", "input": "r2", "out_channels": 8, "kernel": [3, 1], "stride": [1, 1],
         "padding": [1, 0], "groups": 8},
        {"name": "res", "type": "add", "input": ["r2", "dw"]},
        {"name": "r3", "type": "relu", "input": "res"},
        {"name": "mp", "type": "maxpool2d", "input": "r3", "kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]},
        {"name": "gap", "type": "avgpool2d", "input": "mp", "global": True},
        {"name": "flat", "type": "flatten", "input": "gap"},
        {"name": "fc", "type": "linear", "input": "flat", "out_features": 5},
    ]
    return {"name": "tiny-conv", "shape": [3, 10, 10], "mean": [0.5, 0.4, 0.3], "std": [0.25, 0.3, 0.2],
            "layers": layers, "top_scheme": conv_scheme, "layer_schemes": {"fc": fc_scheme}, "output": "fc"}


def linear_net_spec():
    """(b) 2x3x3 input read flattened by a linear layer directly, relu, linear; 2-bit robust weights."""
    layers = [
        {"name": "fc1", "type": "linear", "input": "input", "out_features": 12},
        {"name": "relu1", "type": "relu", "input": "fc1"},
        {"name": "fc2", "type": "linear", "input": "relu1", "out_features": 4},
    ]
    return {"name": "tiny-linear", "shape": [2, 3, 3], "mean": [0.5, 0.2], "std": [0.25, 0.3],
            "layers": layers, "top_scheme": lc.Scheme(bits=2), "layer_schemes": {}, "output": "fc2"}


def shapes_and_weights(spec, rng):
    """Random float weights/biases for every conv/linear layer, with the layers' output shapes."""
    shapes = {"input": tuple(spec["shape"])}
    params = {}
    for L in spec["layers"]:
        t = L["type"]
        if t == "add":
            shapes[L["name"]] = shapes[L["input"][0]]
            continue
        c, h, w = shapes[L["input"]]
        if t == "conv2d":
            o, (kh, kw), (sh, sw), (ph, pw), g = L["out_channels"], L["kernel"], L["stride"], L["padding"], L["groups"]
            wshape = (o, c // g, kh, kw)
            shapes[L["name"]] = (o, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
        elif t == "linear":
            o = L["out_features"]
            wshape = (o, c * h * w)
            shapes[L["name"]] = (o, 1, 1)
        elif t in ("maxpool2d", "avgpool2d"):
            if L.get("global"):
                shapes[L["name"]] = (c, 1, 1)
            else:
                (kh, kw), (sh, sw) = L["kernel"], L.get("stride", L["kernel"])
                ph, pw = L.get("padding", [0, 0])
                shapes[L["name"]] = (c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1)
            continue
        elif t == "flatten":
            shapes[L["name"]] = (c * h * w, 1, 1)
            continue
        else:
            shapes[L["name"]] = (c, h, w)
            continue
        fan_in = int(np.prod(wshape[1:]))
        params[L["name"]] = (rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=wshape), rng.normal(0.0, 0.2, size=wshape[0]))
    return shapes, params


def float_run(spec, weights, biases, x):
    """Float forward pass over the spec's graph: dict layer name -> tensor (float64)."""
    out = {"input": x}
    for L in spec["layers"]:
        t, n = L["type"], L["name"]
        if t == "add":
            out[n] = sum(out[i] for i in L["input"])
            continue
        a = out[L["input"]]
        if t == "conv2d":
            out[n] = F.conv2d(a, weights[n], biases[n], stride=L["stride"], padding=L["padding"], groups=L["groups"])
        elif t == "linear":
            out[n] = F.linear(a.reshape(a.shape[0], -1), weights[n], biases[n]).reshape(a.shape[0], -1, 1, 1)
        elif t == "relu":
            out[n] = F.relu(a)
        elif t == "maxpool2d":
            out[n] = F.max_pool2d(a, L["kernel"], L.get("stride", L["kernel"]), L.get("padding", [0, 0]))
        elif t == "avgpool2d":
            out[n] = a.mean(dim=(2, 3), keepdim=True) if L.get("global") else F.avg_pool2d(a, L["kernel"], L.get("stride", L["kernel"]))
        elif t == "flatten":
            out[n] = a.reshape(a.shape[0], -1, 1, 1)
    return out


def normalize(pixels, spec):
    mean = torch.tensor(spec["mean"], dtype=torch.float64).reshape(1, -1, 1, 1)
    std = torch.tensor(spec["std"], dtype=torch.float64).reshape(1, -1, 1, 1)
    return (torch.from_numpy(pixels.astype(np.float64)) / 255.0 - mean) / std


def build(spec, seed, n_images=5):
    rng = np.random.default_rng(seed)
    shapes, params = shapes_and_weights(spec, rng)
    schemes = {n: spec["layer_schemes"].get(n, spec["top_scheme"]) for n in params}
    q = {n: lc.quantize_weights(params[n][0], schemes[n]) for n in params}
    deq = {n: torch.from_numpy(lc.dequantize(q[n])) for n in params}
    bias_t = {n: torch.from_numpy(params[n][1]) for n in params}

    c, h, w = spec["shape"]
    calib = rng.integers(0, 256, size=(64, c, h, w), dtype=np.uint8)
    images = rng.integers(0, 256, size=(n_images, c, h, w), dtype=np.uint8)
    images[n_images - 2] = 0
    images[n_images - 1] = 255
    x = normalize(np.concatenate([calib, images]), spec)
    fl = float_run(spec, deq, bias_t, x)

    def narrowed(t):
        lo, hi = float(t.min()), float(t.max())
        return ex.activation_quant(lo * rng.uniform(0.7, 1.0), hi * rng.uniform(0.7, 1.0))

    in_quant = narrowed(x)
    out_quant = {L["name"]: narrowed(fl[L["name"]]) for L in spec["layers"] if L["type"] in ("conv2d", "linear", "add")}
    act_scale = {"input": in_quant["scale"]}
    for L in spec["layers"]:
        act_scale[L["name"]] = out_quant[L["name"]]["scale"] if L["name"] in out_quant else act_scale.get(
            L["input"] if isinstance(L["input"], str) else None)

    def doc(float_weights):
        layers = []
        for L in spec["layers"]:
            d = dict(L)
            n = d["name"]
            if n in params:
                if float_weights:
                    d["weight"] = {"float": {"dtype": "float64", "shape": list(params[n][0].shape),
                                             "data": params[n][0].reshape(-1).tolist()}}
                    d["bias"] = {"dtype": "float64", "shape": [len(params[n][1])], "data": params[n][1].tolist()}
                    if n in spec["layer_schemes"]:
                        d["weight_quantization"] = spec["layer_schemes"][n].to_json()
                else:
                    d["weight"] = ex.quantized_weight_json(q[n], schemes[n])
                    d["bias"] = ex.int32_bias(params[n][1], act_scale[L["input"]], q[n]["scale"], len(params[n][1]))
            if n in out_quant:
                d["output_quant"] = out_quant[n]
            layers.append(d)
        out = {"format": "lvsim-network", "version": 1, "name": spec["name"] + ("-float" if float_weights else ""),
               "input": {"shape": list(spec["shape"]), "preprocess": ex.preprocess_json(spec["mean"], spec["std"]),
                         "quant": in_quant}}
        if float_weights:
            out["weight_quantization"] = spec["top_scheme"].to_json()
        out["layers"] = layers
        out["output"] = spec["output"]
        return out

    return doc(False), doc(True), images


def expected_for(net_doc, net_path, images):
    net = ir.Network(net_doc)
    outs = net.run(images)
    preds = net.predict(outs)
    return {
        "network": net_path,
        "input_shape": list(net.input_shape),
        "images": [{"pixels": images[i].reshape(-1).tolist(),
                    "input_codes": outs["input"][i].reshape(-1).tolist(),
                    "layer_outputs": {L["name"]: outs[L["name"]][i].reshape(-1).tolist() for L in net.layers},
                    "prediction": int(preds[i])} for i in range(len(images))],
        "derived": net.derived(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    for i, spec in enumerate([conv_net_spec(), linear_net_spec()]):
        qdoc, fdoc, images = build(spec, args.seed + i)
        for doc, suffix in ((qdoc, ""), (fdoc, "-float")):
            base = spec["name"] + suffix
            path = os.path.join(args.out_dir, base + ".json")
            ex.write_json(doc, path, compact=False)
            exp = expected_for(doc, "tests/data/" + base + ".json", images)
            ex.write_json(exp, os.path.join(args.out_dir, base + ".expected.json"), compact=False)
            if suffix:
                assert exp["images"] == expected_q["images"], "float and quantized forms disagree"
                assert exp["derived"] == expected_q["derived"]
            else:
                expected_q = exp
            sat = sum(sum(1 for v in codes if v in (0, 255)) for im in exp["images"] for codes in im["layer_outputs"].values())
            tot = sum(len(codes) for im in exp["images"] for codes in im["layer_outputs"].values())
            print(f"wrote {path}: {len(images)} images, predictions {[im['prediction'] for im in exp['images']]}, "
                  f"{sat}/{tot} codes at 0 or 255")


if __name__ == "__main__":
    main()
