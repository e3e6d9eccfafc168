#!/usr/bin/python3
"""Exports any PyTorch model built from layers lvsim supports to ONNX, then (with --network) imports
it with `lvsim import` and checks lvsim's network image for image against the independent integer
reference (int_reference.py). One path: PyTorch -> ONNX (torch.onnx.export) -> lvsim's importer.

  export.py --model-file my_net.py --class Net --checkpoint net.pt --input-shape 1,28,28 \
            --pixel-scale 0.00392156862745098 --mean 0.2860 --std 0.3530 --bits 8 --out net.onnx \
            [--network net.json --lvsim build/lvsim --import-args "--calib-data DIR"] \
            [--check-data DIR --check-images 1000]

The model: --model-file + --class (constructor arguments as JSON with --kwargs), a TorchScript
file (--torchscript), or a pickled nn.Module (--module). The checkpoint: a plain state dict, or a
dict wrapping one (key given with --state-dict-key, else the one of state_dict / model_state_dict /
model / net that holds it); a "module." prefix (DataParallel) is removed. Preprocessing and the input
shape are always explicit; they and the weight scheme (--bits ...) are stored in the ONNX file's
metadata ("lvsim"), so `lvsim run --network net.onnx` and `lvsim import` need nothing else.
nn.GroupNorm needs nothing special: torch.onnx writes it (opset < 18) as Reshape, InstanceNormalization,
Reshape, Mul, Add, which lvsim imports as one groupnorm layer (tests/cli/import_groupnorm.sh).
Docs: docs/importing-models.md.
"""

import argparse
import gzip
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import torch

import int_reference as ir

WRAPPER_KEYS = ("state_dict", "model_state_dict", "model", "net")


def die(msg):
    sys.exit(f"export.py: error: {msg}")


def floats(text, what):
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        die(f"{what}: expected comma-separated numbers, got {text!r}")


def load_class(path, name, kwargs):
    if not os.path.exists(path):
        die(f"--model-file {path}: no such file")
    spec = importlib.util.spec_from_file_location("user_model", path)
    mod = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec.loader.exec_module(mod)
    cls = getattr(mod, name, None)
    if cls is None or not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        die(f"--class {name}: {path} defines no nn.Module subclass of that name")
    return cls(**kwargs)


def state_dict_of(ck, path, key):
    """The state dict inside a loaded checkpoint (plain, or wrapped under one key)."""
    if isinstance(ck, torch.nn.Module):
        return ck.state_dict()
    if not isinstance(ck, dict):
        die(f"--checkpoint {path}: holds a {type(ck).__name__}, not a state dict or a module")
    if key is not None:
        if key not in ck:
            die(f"--checkpoint {path}: no key {key!r} (keys: {', '.join(map(str, ck))})")
        return state_dict_of(ck[key], path, None)
    if ck and all(isinstance(v, torch.Tensor) for v in ck.values()):
        return ck
    for k in WRAPPER_KEYS:
        if k in ck:
            return state_dict_of(ck[k], path, None)
    die(f"--checkpoint {path}: neither a state dict nor one wrapped under {'/'.join(WRAPPER_KEYS)} "
        f"(keys: {', '.join(map(str, ck))}); name it with --state-dict-key")


def load_weights(model, path, key):
    sd = state_dict_of(torch.load(path, map_location="cpu"), path, key)
    sd = {k[7:] if k.startswith("module.") else k: v for k, v in sd.items()}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    if missing or unexpected:
        die(f"--checkpoint {path}: does not fit the model: missing {list(missing)[:5]}, unexpected {list(unexpected)[:5]}")


def build_model(a):
    sources = [a.model_file is not None, a.torchscript is not None, a.module is not None]
    if sum(sources) != 1:
        die("give exactly one of --model-file (with --class), --torchscript, --module")
    if a.model_file:
        if not a.cls:
            die("--model-file needs --class")
        model = load_class(a.model_file, a.cls, json.loads(a.kwargs))
    elif a.torchscript:
        model = torch.jit.load(a.torchscript, map_location="cpu")
    else:
        try:
            model = torch.load(a.module, map_location="cpu")
        except (ModuleNotFoundError, AttributeError) as e:
            die(f"--module {a.module}: its class cannot be found ({e}); put the folder of the file defining it "
                "on PYTHONPATH")
        if not isinstance(model, torch.nn.Module):
            die(f"--module {a.module}: holds a {type(model).__name__}, not an nn.Module (use --model-file and --checkpoint)")
    if a.checkpoint:
        load_weights(model, a.checkpoint, a.state_dict_key)
    elif a.model_file:
        die("--model-file needs --checkpoint (the trained weights)")
    return model.eval()


def preprocess_meta(a, channels):
    mean = floats(a.mean, "--mean") if a.mean else [0.0] * channels
    std = floats(a.std, "--std") if a.std else [1.0] * channels
    if len(mean) != channels or len(std) != channels:
        die(f"--mean/--std: need {channels} values (one per input channel)")
    return {"pixel_scale": a.pixel_scale, "mean": mean, "std": std}


def scheme_meta(a):
    if not 2 <= a.bits <= 8:
        die("--bits: must be 2..8")
    return {"bits": a.bits, "granularity": a.granularity, "symmetry": a.symmetry, "storage": a.storage,
            "rounding": a.rounding}


def export_onnx(model, a, shape, pre):
    import onnx
    x = torch.zeros((1,) + shape)
    torch.onnx.export(model, x, a.out, opset_version=a.opset, input_names=["input"], output_names=["scores"],
                      do_constant_folding=True)
    m = onnx.load(a.out)
    meta = m.metadata_props.add()
    meta.key, meta.value = "lvsim", json.dumps({"preprocess": pre, "weight_quantization": scheme_meta(a)})
    onnx.save(m, a.out)


def read_images(path, n):
    """Test images uint8 [N, C, H, W] and labels of an IDX directory or an .npz (x, y)."""
    if path.endswith(".npz"):
        d = np.load(path)
        return d["x"][:n], d["y"][:n]
    def idx(name):
        p = os.path.join(path, name)
        opener = open if os.path.exists(p) else gzip.open
        with opener(p if os.path.exists(p) else p + ".gz", "rb") as f:
            data = f.read()
        nd = data[3]
        dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
        return np.frombuffer(data, np.uint8, offset=4 + 4 * nd).reshape(dims)
    x = idx("t10k-images-idx3-ubyte")[:n]
    return x[:, None, :, :], idx("t10k-labels-idx1-ubyte")[:n]


def float_predictions(model, x, pre):
    c = x.shape[1]
    m = torch.tensor(pre["mean"], dtype=torch.float32).reshape(1, c, 1, 1)
    s = torch.tensor(pre["std"], dtype=torch.float32).reshape(1, c, 1, 1)
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 500):
            xb = torch.from_numpy(x[i:i + 500].astype(np.float32)) * pre["pixel_scale"]
            out.append(model((xb - m) / s).argmax(1).numpy())
    return np.concatenate(out)


def check(a, model, pre):
    """Float accuracy, integer-reference accuracy and lvsim's predictions, image for image."""
    x, y = read_images(a.check_data, a.check_images)
    float_pred = float_predictions(model, x, pre)
    net = ir.Network(a.network)
    ref_pred = np.concatenate([net.predict(net.run(x[i:i + 250])) for i in range(0, len(x), 250)])
    run = subprocess.run([a.lvsim, "run", "--network", a.network, "--data", a.check_data, "--images", str(len(x)),
                          "--json"], capture_output=True, text=True)
    if run.returncode != 0:
        die(f"lvsim run failed: {run.stderr.strip()}")
    lv_pred = np.asarray(json.loads(run.stdout)["predictions"])
    diff = int((lv_pred != ref_pred).sum())
    print(json.dumps({"images": len(x), "accuracy_float": float((float_pred == y).mean()),
                      "accuracy_int_reference": float((ref_pred == y).mean()),
                      "accuracy_lvsim": float((lv_pred == y).mean()), "lvsim_vs_reference_mismatches": diff}))
    if diff:
        die(f"lvsim and the integer reference disagree on {diff} of {len(x)} images")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model-file")
    ap.add_argument("--class", dest="cls")
    ap.add_argument("--kwargs", default="{}", help="constructor arguments of --class, as JSON")
    ap.add_argument("--torchscript")
    ap.add_argument("--module", help="a pickled nn.Module (torch.save(model))")
    ap.add_argument("--checkpoint")
    ap.add_argument("--state-dict-key")
    ap.add_argument("--input-shape", required=True, help="C,H,W of one image")
    ap.add_argument("--pixel-scale", type=float, required=True, help="raw pixel p -> p * S before mean/std")
    ap.add_argument("--mean", help="per-channel mean, comma separated (default 0)")
    ap.add_argument("--std", help="per-channel std, comma separated (default 1)")
    ap.add_argument("--bits", type=int, required=True, help="weight bits (2..8) lvsim quantizes the float weights to")
    ap.add_argument("--granularity", default="per_tensor", choices=["per_tensor", "per_channel"])
    ap.add_argument("--symmetry", default="asymmetric", choices=["asymmetric", "symmetric"])
    ap.add_argument("--storage", default="unsigned", choices=["unsigned", "twos_complement"])
    ap.add_argument("--rounding", default="round", choices=["round", "truncate"])
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--out", required=True, help="ONNX file to write")
    ap.add_argument("--network", help="also import into this lvsim network file")
    ap.add_argument("--lvsim", default="build/lvsim")
    ap.add_argument("--import-args", default="", help="extra `lvsim import` arguments, e.g. '--bits 8 --calib-data DIR'")
    ap.add_argument("--check-data", help="IDX directory or .npz: compare lvsim with the integer reference")
    ap.add_argument("--check-images", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        shape = tuple(int(v) for v in a.input_shape.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        die(f"--input-shape: expected C,H,W, got {a.input_shape!r}")
    if not a.pixel_scale > 0:
        die("--pixel-scale: must be > 0")
    model = build_model(a)
    pre = preprocess_meta(a, shape[0])
    export_onnx(model, a, shape, pre)
    print(f"wrote {a.out}")
    if a.network:
        cmd = [a.lvsim, "import", a.out, "--out", a.network] + a.import_args.split()
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            die(r.stderr.strip())
        print(r.stdout.strip())
        if a.check_data:
            check(a, model, pre)


if __name__ == "__main__":
    main()
