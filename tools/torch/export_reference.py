#!/usr/bin/python3
"""Exports a checkpoint of the project's own reference Fashion-MNIST CNN (train.py) to an
lvsim-network v1 file with pre-quantized weights, then checks it with the independent integer
reference (int_reference.py) over the whole test set and writes the expected-output file for lvsim's
tests. Any other model goes through ONNX: export.py (docs/importing-models.md).

  export_reference.py --checkpoint fmnist-cnn.pt --out workloads/networks/fmnist-cnn.json \
            --expected tests/data/fmnist-cnn.expected.json

Weights: quantized at --bits with the scheme options (default: the robust scheme, docs/quantization.md);
biases as int32 at scale s_in*scale[o]; the input quantization and every conv/linear output_quant are
calibrated with min/max over --calib-images training images run in float with the dequantized
weights (a conv/linear directly followed by relu is calibrated on its post-relu range).
"""

import argparse
import base64
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import int_reference as ir
import lvsim_common as lc


def tensor_json(arr, dtype):
    """numpy array -> format tensor with a little-endian base64 buffer."""
    np_dt = np.dtype(ir._DTYPES[dtype])
    a = np.asarray(arr)
    if np_dt.kind in "iu":
        info = np.iinfo(np_dt)
        if a.min() < info.min or a.max() > info.max:
            raise ValueError(f"value out of {dtype} range")
    return {"dtype": dtype, "shape": list(a.shape), "base64": base64.b64encode(a.astype(np_dt).tobytes()).decode("ascii")}


def activation_quant(lo, hi):
    """Calibration formula of docs/quantization.md (range widened to contain 0)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    return {"scale": scale, "zero_point": int(min(max(lc.round_half_away(-lo / scale), 0), 255))}


def quantized_weight_json(q, s):
    codes = np.asarray(q["codes"])
    dtype = "uint8" if s.storage == "unsigned" else "int8"
    return {"quantized": {"bits": s.bits, "storage": s.storage, "granularity": s.granularity,
                          "scale": [float(v) for v in q["scale"]], "zero_point": [int(v) for v in q["zero_point"]],
                          "codes": tensor_json(codes, dtype)}}


def int32_bias(b, s_in, scales, out_channels):
    """bias_q[o] = round(b[o] / (s_in * scale[o]))."""
    if len(scales) == 1:
        scales = list(scales) * out_channels
    q = [lc.round_half_away(float(b[o]) / (s_in * scales[o])) for o in range(out_channels)]
    return {"dtype": "int32", "shape": [out_channels], "data": q}


def preprocess_json(mean, std):
    return {"pixel_scale": 1.0 / 255.0, "mean": [float(m) for m in mean], "std": [float(s) for s in std]}


def calibrate_fmnist(model, deq, images):
    """Float run with dequantized weights; returns the min/max ranges of the input and each
    conv/linear output (post-relu where a relu follows)."""
    conv1, conv2, fc1, fc2 = (torch.from_numpy(deq[k]).float() for k in ("conv1", "conv2", "fc1", "fc2"))
    ranges = {}
    with torch.no_grad():
        x = lc.normalize(images)
        ranges["input"] = (x.min().item(), x.max().item())
        x = F.relu(F.conv2d(x, conv1, model.conv1.bias, padding=2))
        ranges["conv1"] = (0.0, x.max().item())
        x = F.relu(F.conv2d(F.max_pool2d(x, 2), conv2, model.conv2.bias, padding=2))
        ranges["conv2"] = (0.0, x.max().item())
        x = F.relu(F.linear(torch.flatten(F.max_pool2d(x, 2), 1), fc1, model.fc1.bias))
        ranges["fc1"] = (0.0, x.max().item())
        x = F.linear(x, fc2, model.fc2.bias)
        ranges["fc2"] = (x.min().item(), x.max().item())
    return ranges


def build_fmnist_json(model, scheme, calib_images, name="fmnist-cnn"):
    layers = model.weight_layers()
    q = {k: lc.quantize_weights(l.weight.detach().double().numpy(), scheme) for k, l in layers.items()}
    deq = {k: lc.dequantize(v) for k, v in q.items()}
    r = calibrate_fmnist(model, deq, calib_images)
    quant = {k: activation_quant(*v) for k, v in r.items()}
    bias = {k: l.bias.detach().double().numpy() for k, l in layers.items()}
    s_in = {"conv1": quant["input"]["scale"], "conv2": quant["conv1"]["scale"],
            "fc1": quant["conv2"]["scale"], "fc2": quant["fc1"]["scale"]}

    def wl(lname, typ, inp, extra):
        d = {"name": lname, "type": typ, "input": inp}
        d.update(extra)
        d["weight"] = quantized_weight_json(q[lname], scheme)
        d["bias"] = int32_bias(bias[lname], s_in[lname], q[lname]["scale"], len(bias[lname]))
        d["output_quant"] = quant[lname]
        return d

    conv = {"kernel": [5, 5], "stride": [1, 1], "padding": [2, 2], "groups": 1}
    doc = {
        "format": "lvsim-network",
        "version": 1,
        "name": name,
        "input": {"shape": [1, 28, 28], "preprocess": preprocess_json([lc.MEAN], [lc.STD]), "quant": quant["input"]},
        "weight_quantization": scheme.to_json(),
        "layers": [
            wl("conv1", "conv2d", "input", dict(out_channels=32, **conv)),
            {"name": "relu1", "type": "relu", "input": "conv1"},
            {"name": "pool1", "type": "maxpool2d", "input": "relu1", "kernel": [2, 2], "stride": [2, 2]},
            wl("conv2", "conv2d", "pool1", dict(out_channels=64, **conv)),
            {"name": "relu2", "type": "relu", "input": "conv2"},
            {"name": "pool2", "type": "maxpool2d", "input": "relu2", "kernel": [2, 2], "stride": [2, 2]},
            {"name": "flat", "type": "flatten", "input": "pool2"},
            wl("fc1", "linear", "flat", {"out_features": 256}),
            {"name": "relu3", "type": "relu", "input": "fc1"},
            wl("fc2", "linear", "relu3", {"out_features": 10}),
        ],
        "output": "fc2",
    }
    return doc


def float_accuracy(model, images, labels, weights=None):
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 1000):
            out = model(lc.normalize(images[i:i + 1000]), weights)
            correct += int((out.argmax(1).numpy() == labels[i:i + 1000]).sum())
    return correct / len(images)


def readable_json(obj, indent=0):
    """JSON text with one key per line but every list of scalars on a single line."""
    pad = " " * indent
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [f'{pad}  {json.dumps(k)}: {readable_json(v, indent + 2)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        items = [pad + "  " + readable_json(v, indent + 2) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, separators=(", ", ": "))


def write_json(doc, path, compact=True):
    with open(path, "w") as f:
        f.write(json.dumps(doc, separators=(",", ":")) if compact else readable_json(doc))
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", required=True, help="network file to write")
    ap.add_argument("--expected", help="expected-output file to write (integer check over the test set)")
    ap.add_argument("--network-path", default="workloads/networks/fmnist-cnn.json",
                    help="path of the network recorded in the expected file (relative to the repo)")
    ap.add_argument("--name", default="fmnist-cnn")
    ap.add_argument("--bits", type=int, default=8)
    ap.add_argument("--granularity", default="per_tensor", choices=["per_tensor", "per_channel"])
    ap.add_argument("--symmetry", default="asymmetric", choices=["asymmetric", "symmetric"])
    ap.add_argument("--storage", default="unsigned", choices=["unsigned", "twos_complement"])
    ap.add_argument("--rounding", default="round", choices=["round", "truncate"])
    ap.add_argument("--clip", type=float, default=0.0, help="w_max > 0: clip weights before quantizing")
    ap.add_argument("--calib-images", type=int, default=1000, help="first N training images")
    ap.add_argument("--test-images", type=int, default=10000)
    ap.add_argument("--data-dir", default=lc.DATA_DIR)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    ck = torch.load(args.checkpoint)
    model = lc.FmnistCnn()
    model.load_state_dict(ck["state_dict"])
    model.eval()
    scheme = lc.Scheme(args.bits, args.granularity, args.symmetry, args.storage, args.rounding, args.clip)
    tr_x, _ = lc.load_fmnist("train", args.data_dir)
    te_x, te_y = lc.load_fmnist("t10k", args.data_dir)
    doc = build_fmnist_json(model, scheme, tr_x[:args.calib_images], args.name)
    write_json(doc, args.out, compact=False)
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")

    if not args.expected:
        return
    # Integer check: re-read the written file with the independent reference.
    t0 = time.time()
    net = ir.Network(args.out)
    n = args.test_images
    preds = []
    for i in range(0, n, 500):
        outs = net.run(te_x[i:min(n, i + 500), None, :, :])
        preds.append(net.predict(outs))
    preds = np.concatenate(preds)
    acc_int = float((preds == te_y[:n]).mean())
    acc_float = float_accuracy(model, te_x[:n], te_y[:n])
    deq = {k: torch.from_numpy(lc.dequantize(lc.quantize_weights(l.weight.detach().double().numpy(), scheme))).float()
           for k, l in model.weight_layers().items()}
    acc_deq = float_accuracy(model, te_x[:n], te_y[:n], deq)
    outs0 = net.run(te_x[0:1, None, :, :])
    expected = {
        "network": args.network_path,
        "images": n,
        "predictions": [int(p) for p in preds],
        "accuracy_int8": acc_int,
        "accuracy_float": acc_float,
        "layer_outputs_image0": {L["name"]: outs0[L["name"]].reshape(-1).tolist() for L in net.layers},
        "input_codes_image0": outs0["input"].reshape(-1).tolist(),
        "derived": net.derived(),
        "accuracy_float_dequantized_weights": acc_deq,
        "weight_bits": args.bits,
    }
    write_json(expected, args.expected, compact=False)
    print(f"integer check over {n} test images: accuracy {acc_int:.4f} ({time.time() - t0:.0f} s); "
          f"float {acc_float:.4f}; float with dequantized weights {acc_deq:.4f}")
    print(f"wrote {args.expected}")


if __name__ == "__main__":
    main()
