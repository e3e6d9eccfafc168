#!/usr/bin/python3
"""Writes a trained SimpleNet checkpoint (train.py --model simplenet-*) as an lvsim network file,
directly (no ONNX), so that the GroupNorm scale stays reparameterized: each GroupNorm becomes a
`groupnorm` layer with gamma = alpha' and gamma_offset 1 (docs/model-format.md).

  export_simplenet.py --checkpoint net.pt --network net.json [--name NAME] [--calib-images 512]
                      [--check-images 1000]

Weights, biases and GroupNorm parameters are stored as float32 with the training's scheme as the
file's weight_quantization (with --store codes: weights and GroupNorm parameters as the m-bit codes
of that scheme, the same integers) (lvsim quantizes them exactly as train.py's evaluation did; with
--quantize-biases training the biases are stored as their dequantized m-bit values). Activation
quantizations are calibrated here (min-max over the first --calib-images training images, the
formula of docs/quantization.md, float64 inference with the quantized parameters) and written into
the file, so the network needs no further calibration and the integer reference can run it.
With --check-images N the float accuracy (quantized parameters, float activations) and the integer
reference's accuracy (int_reference.py) on the first N test images are printed as one JSON line.
"""

import argparse
import base64
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

import int_reference as ir
import lvsim_common as lc
import robust
import simplenet

PIXEL_SCALE = 1.0 / 255.0


def die(msg):
    print(f"export_simplenet.py: error: {msg}", file=sys.stderr)
    sys.exit(2)


def calib_quant(lo, hi):
    """docs/quantization.md, calibration from a range."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1.0
    scale = (hi - lo) / 255.0
    return {"scale": scale, "zero_point": int(min(255, max(0, lc.round_half_away(-lo / scale))))}


def tensor_json(t):
    a = np.ascontiguousarray(t.detach().cpu().numpy().astype("<f4"))
    return {"dtype": "float32", "shape": list(a.shape), "base64": base64.b64encode(a.tobytes()).decode()}


def param_json(t, scheme, store):
    """A weight or GroupNorm PARAM: {"float": ...}, or with store == "codes" the m-bit codes lvsim's
    importer would compute from the float values (lvsim_common.quantize_weights, binary64), so the
    file is 4x smaller and holds the same integers."""
    if store == "float":
        return {"float": tensor_json(t)}
    q = lc.quantize_weights(t.detach().double().numpy(), scheme)
    dt, np_dt = ("uint8", "u1") if scheme.storage == "unsigned" else ("int8", "i1")
    codes = np.ascontiguousarray(q["codes"].astype(np_dt))
    return {"quantized": {"bits": scheme.bits, "storage": scheme.storage, "granularity": "per_tensor",
                          "scale": [float(v) for v in q["scale"]], "zero_point": [int(v) for v in q["zero_point"]],
                          "codes": {"dtype": dt, "shape": list(codes.shape),
                                    "base64": base64.b64encode(codes.tobytes()).decode()}}}


def load(path):
    try:
        ck = torch.load(path, map_location="cpu")
        meta = ck["meta"]
        model = simplenet.SimpleNet(meta["model"].split("-", 1)[1])
        model.load_state_dict(ck["state_dict"])
    except (OSError, KeyError, RuntimeError, IndexError) as e:
        die(f"--checkpoint {path}: not a train.py SimpleNet checkpoint ({e})")
    if not meta.get("scheme"):
        die(f"--checkpoint {path}: float training (no scheme); export needs a QAT checkpoint")
    return model.eval(), meta


def deployed_params(model, meta):
    """Every parameter as lvsim computes with it: quantized tensors dequantized in binary64."""
    s = lc.Scheme(**meta["scheme"])
    cfg = {"quantize_biases": meta.get("quantize_biases", False)}
    p = {n: t.detach().clone() for n, t in model.named_parameters()}
    for n, t in robust.quant_tensors(model, cfg).items():
        p[n] = robust.dequantized(t, s)
    return p


def float_forward(model, p, x, ranges=None):
    """float64 inference with parameters p; ranges: dict tensor name -> [lo, hi], updated."""
    def see(name, t):
        if ranges is not None:
            lo, hi = float(t.min()), float(t.max())
            r = ranges.setdefault(name, [lo, hi])
            r[0], r[1] = min(r[0], lo), max(r[1], hi)
    q = {k: v.double() for k, v in p.items()}
    see("input", x)
    for st in model.stages:
        if st[0] == "pool":
            x = F.max_pool2d(x, 2)
            continue
        _, i, k = st
        x = F.conv2d(x, q[f"conv{i}.weight"], q[f"conv{i}.bias"], padding=k // 2)
        see(f"conv{i}", x)
        gn = getattr(model, f"gn{i}")
        x = F.group_norm(x, gn.num_groups, 1.0 + q[f"gn{i}.weight"], q[f"gn{i}.bias"], gn.eps)
        see(f"gn{i}", x)
        x = F.relu(x)
    x = x.mean(dim=(2, 3))
    x = F.linear(x, q["fc.weight"], q["fc.bias"])
    see("fc", x)
    return x


def network_doc(model, meta, p, quants, name, store="float"):
    s = dict(meta["scheme"])
    scheme = lc.Scheme(**s)
    layers, prev = [], "input"
    deployed_bias = meta.get("quantize_biases", False)
    for st in model.stages:
        if st[0] == "pool":
            n = f"pool{len([x for x in layers if x['type'] == 'maxpool2d']) + 1}"
            layers.append({"name": n, "type": "maxpool2d", "input": prev, "kernel": [2, 2], "stride": [2, 2]})
            prev = n
            continue
        _, i, k = st
        conv = getattr(model, f"conv{i}")
        gn = getattr(model, f"gn{i}")
        bias = p[f"conv{i}.bias"] if deployed_bias else conv.bias
        layers.append({"name": f"conv{i}", "type": "conv2d", "input": prev, "out_channels": conv.out_channels,
                       "kernel": [k, k], "stride": [1, 1], "padding": [k // 2, k // 2], "groups": 1,
                       "weight": param_json(conv.weight, scheme, store), "bias": tensor_json(bias),
                       "output_quant": quants[f"conv{i}"]})
        layers.append({"name": f"gn{i}", "type": "groupnorm", "input": f"conv{i}", "groups": gn.num_groups,
                       "eps": gn.eps, "gamma": param_json(gn.weight, scheme, store),
                       "beta": param_json(gn.bias, scheme, store), "gamma_offset": 1.0,
                       "output_quant": quants[f"gn{i}"]})
        layers.append({"name": f"relu{i}", "type": "relu", "input": f"gn{i}"})
        prev = f"relu{i}"
    layers.append({"name": "gap", "type": "avgpool2d", "input": prev, "global": True})
    fc_bias = p["fc.bias"] if deployed_bias else model.fc.bias
    layers.append({"name": "fc", "type": "linear", "input": "gap", "out_features": model.fc.out_features,
                   "weight": param_json(model.fc.weight, scheme, store), "bias": tensor_json(fc_bias),
                   "output_quant": quants["fc"]})
    return {"format": "lvsim-network", "version": 1, "name": name,
            "input": {"shape": [1, 28, 28],
                      "preprocess": {"pixel_scale": PIXEL_SCALE, "mean": [lc.MEAN], "std": [lc.STD]},
                      "quant": quants["input"]},
            "weight_quantization": s, "layers": layers, "output": "fc"}


def export(checkpoint, network, name, calib_images=512, data_dir=lc.DATA_DIR, store="float"):
    model, meta = load(checkpoint)
    p = deployed_params(model, meta)
    tr_x, _ = lc.load_fmnist("train", data_dir)
    ranges = {}
    with torch.no_grad():
        for i in range(0, calib_images, 256):
            float_forward(model, p, lc.normalize(tr_x[i:min(i + 256, calib_images)]).double(), ranges)
    quants = {k: calib_quant(*v) for k, v in ranges.items()}
    doc = network_doc(model, meta, p, quants, name, store)
    with open(network, "w") as f:
        json.dump(doc, f)
    return model, p, doc


def check(model, p, doc, images, data_dir=lc.DATA_DIR):
    te_x, te_y = lc.load_fmnist("t10k", data_dir)
    te_x, te_y = te_x[:images], te_y[:images]
    with torch.no_grad():
        fl = float_forward(model, p, lc.normalize(te_x).double()).argmax(1).numpy()
    net = ir.Network(doc)
    ref = np.concatenate([net.predict(net.run(te_x[i:i + 100, None])) for i in range(0, len(te_x), 100)])
    return {"images": int(images), "accuracy_float": float((fl == te_y).mean()),
            "accuracy_int_reference": float((ref == te_y).mean()),
            "float_vs_int_reference_disagreements": int((fl != ref).sum())}, ref


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--network", required=True, help="network file to write")
    ap.add_argument("--name", help="network name (default: the file name without .json)")
    ap.add_argument("--calib-images", type=int, default=512)
    ap.add_argument("--store", choices=["float", "codes"], default="float",
                    help="parameters as float32 + scheme, or as the m-bit codes lvsim computes from them "
                         "(4x smaller; the seed width: about 1.5 MB instead of 5.8 MB)")
    ap.add_argument("--check-images", type=int, default=0)
    ap.add_argument("--data-dir", default=lc.DATA_DIR)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.calib_images < 1:
        die("--calib-images: must be >= 1")
    name = a.name or a.network.rsplit("/", 1)[-1].removesuffix(".json")
    model, p, doc = export(a.checkpoint, a.network, name, a.calib_images, a.data_dir, a.store)
    print(f"wrote {a.network}")
    if a.check_images:
        result, _ = check(model, p, doc, a.check_images, a.data_dir)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
