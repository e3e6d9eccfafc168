#!/usr/bin/python3
"""Trains lvsim's reference Fashion-MNIST CNN or the seed work's SimpleNet with group normalization
(CPU or GPU, deterministic from --seed), optionally robustly. docs/robust-training.md explains every
option; docs/model-zoo.md lists the shipped models.

Float training:        train.py --epochs 3 --out net.pt
QAT (lvsim's scheme):  train.py --bits 8 --scheme robust --out net.pt     (or --scheme normal, or the
                       single options --symmetry/--storage/--rounding/--granularity)
SimpleNet:             ... --model simplenet-narrow (or simplenet-seed) --schedule onecycle --flip
Weight clipping:       ... --clip 0.1       (quantized tensors projected to [-w_max, w_max] after every step)
RandBET:               ... --clip 0.1 --randbet-p 0.01   (needs --bits; --randbet-start-loss,
                       --no-randbet-norm, --quantize-biases, --no-randbet-biases refine it)
SAQ (FlatENN):         ... --saq-rho 0.5                 (needs --bits)
Activation sparsity:   ... --act-l1 1e-3                 (L1 penalty on post-ReLU activations; SimpleNet)
Options combine. A checkpoint (state dict, optimizer, schedule and random states, metadata) is
written after every epoch, with one progress line per epoch; --resume continues from it.
"""

import argparse
import copy
import os
import sys
import time

import numpy as np
import torch

import lvsim_common as lc
import robust
import simplenet

MODELS = ("fmnist-cnn", "simplenet-narrow", "simplenet-seed")


def make_model(name):
    if name == "fmnist-cnn":
        return lc.FmnistCnn()
    return simplenet.SimpleNet(name.split("-", 1)[1])


def deployed(model, scheme, cfg):
    """The quantized tensors as deployed (binary64 quantizer: lvsim's codes), name -> float32 tensor."""
    return {n: robust.dequantized(t, scheme) for n, t in robust.quant_tensors(model, cfg).items()}


def evaluate(model, images, labels, scheme=None, cfg=None, batch=1000, device="cpu"):
    """Accuracy of the float model, or with the quantized tensors quantized as lvsim quantizes them."""
    model.eval()
    correct = 0
    with torch.no_grad():
        qw = None if scheme is None else {n: t.to(device) for n, t in deployed(model, scheme, cfg or {}).items()}
        for i in range(0, len(images), batch):
            out = model(lc.normalize(images[i:i + batch]).to(device), qw)
            correct += int((out.argmax(1).cpu() == torch.from_numpy(labels[i:i + batch].astype(np.int64))).sum())
    return correct / len(images)


class OneLineParser(argparse.ArgumentParser):
    """Bad options: one line naming the option, exit 2 (no usage block)."""

    def error(self, message):
        self.exit(2, f"train.py: error: {message}\n")


def parse_args(argv=None):
    ap = OneLineParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="fmnist-cnn", choices=MODELS)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (onecycle: the peak)")
    ap.add_argument("--schedule", default="constant", choices=["constant", "onecycle"],
                    help="learning rate schedule: constant, or one-cycle (PyTorch OneCycleLR, peak --lr) over all epochs")
    ap.add_argument("--flip", action="store_true", help="random horizontal flips (probability 1/2 per image)")
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
    ap.add_argument("--randbet-start-loss", type=float, default=0.0,
                    help="RandBET starts once the moving average of the clean loss falls below this (0: from the first step)")
    ap.add_argument("--no-randbet-norm", action="store_true", help="no bit errors in the GroupNorm parameters during RandBET")
    ap.add_argument("--quantize-biases", action="store_true",
                    help="also quantize conv/linear biases to --bits in training (the seed work; exported dequantized)")
    ap.add_argument("--no-randbet-biases", action="store_true", help="with --quantize-biases: no bit errors in biases")
    ap.add_argument("--saq-rho", type=float, default=0.0, help="SAQ/SAM radius rho (0: off; needs --bits)")
    ap.add_argument("--act-l1", type=float, default=0.0,
                    help="activation sparsity: add this times the sum over ReLU layers of the mean post-ReLU activation")
    ap.add_argument("--fake-quant", default="auto", choices=["auto", "float32", "float64"],
                    help="precision of the quantizer in the training step (evaluation and export: always binary64); "
                         "auto: float64 for fmnist-cnn (as its shipped zoo was trained), float32 for SimpleNet")
    ap.add_argument("--device", default="cpu", help="torch device (cpu, cuda)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop every epoch after this many batches (0: all; for smoke tests)")
    ap.add_argument("--checkpoint-steps", type=int, default=100,
                    help="also write a resumable checkpoint OUT.partial every N steps within an epoch (0: off)")
    ap.add_argument("--stop-after-steps", type=int, default=0,
                    help="stop this invocation after N steps (resumable checkpoint OUT.partial written)")
    ap.add_argument("--stop-after", type=int, default=0,
                    help="stop this invocation after N epochs (checkpoint written; --resume continues)")
    ap.add_argument("--resume", action="store_true", help="continue from --out if it holds a checkpoint of this command")
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
    if min(a.act_l1, a.randbet_start_loss, a.max_steps, a.checkpoint_steps, a.stop_after, a.stop_after_steps) < 0:
        ap.error("--act-l1, --randbet-start-loss, --max-steps, --checkpoint-steps, --stop-after(-steps) must be >= 0")
    if a.act_l1 > 0 and a.model == "fmnist-cnn":
        ap.error("--act-l1 needs a SimpleNet --model")
    if a.fake_quant == "auto":  # resolved here, so a checkpoint records the precision it was trained with
        a.fake_quant = "float64" if a.model == "fmnist-cnn" else "float32"
    if a.quantize_biases and not a.bits:
        ap.error("--quantize-biases needs --bits")
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
    dev = torch.device(a.device)
    # CUDA lacks deterministic kernels for some backward passes (max pooling): warn there, do not stop.
    torch.use_deterministic_algorithms(True, warn_only=dev.type != "cpu")
    gen = torch.Generator().manual_seed(a.seed + 1000)  # bit-error patterns, one fresh pattern per step
    flip_gen = torch.Generator().manual_seed(a.seed + 2000)  # horizontal flips
    shuffle_rng = np.random.default_rng(a.seed)
    scheme = scheme_of(a)
    cfg = {"scheme": scheme, "randbet_p": a.randbet_p, "saq_rho": a.saq_rho, "clip": a.clip,
           "fq_dtype": torch.float32 if a.fake_quant == "float32" else torch.float64,
           "quantize_biases": a.quantize_biases, "randbet_norm": not a.no_randbet_norm,
           "randbet_biases": not a.no_randbet_biases, "act_l1": a.act_l1, "randbet_active": a.randbet_start_loss == 0}

    try:
        tr_x, tr_y = lc.load_fmnist("train", a.data_dir)
        te_x, te_y = lc.load_fmnist("t10k", a.data_dir)
    except (OSError, ValueError) as e:
        print(f"train.py: error: --data-dir {a.data_dir}: {e}", file=sys.stderr)
        sys.exit(2)
    tr_x, tr_y = tr_x[:a.train_images], tr_y[:a.train_images]
    te_x, te_y = te_x[:a.test_images], te_y[:a.test_images]
    model = make_model(a.model).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps_per_epoch = (len(tr_x) + a.batch - 1) // a.batch
    if a.max_steps:
        steps_per_epoch = min(steps_per_epoch, a.max_steps)
    sched = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=a.epochs * steps_per_epoch)
             if a.schedule == "onecycle" else None)
    command = " ".join(sys.argv) if argv is None else "train.py " + " ".join(argv)
    state = {"epoch": 0, "ema_loss": None, "randbet_start_step": 0 if cfg["randbet_active"] else None,
             "step": 0, "train_seconds": 0.0, "history": []}
    def resume_state():
        return {"optimizer": opt.state_dict(), "scheduler": sched.state_dict() if sched else None,
                "bit_error_rng": gen.get_state(), "flip_rng": flip_gen.get_state(),
                "shuffle_rng": shuffle_rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                "state": copy.deepcopy(state)}

    partial_path = a.out + ".partial"
    progress = None  # within an epoch: the order, the next step and the running sums
    if a.resume:
        for path in (partial_path, a.out):
            if not os.path.exists(path):
                continue
            ck = torch.load(path, map_location="cpu")
            if "resume" not in ck or ck["meta"].get("args") != resume_key(a):
                print(f"train.py: error: --resume: {path} was written by another command", file=sys.stderr)
                sys.exit(2)
            model.load_state_dict(ck["state_dict"])
            r = ck["resume"]
            opt.load_state_dict(r["optimizer"])
            if sched is not None:
                sched.load_state_dict(r["scheduler"])
            gen.set_state(r["bit_error_rng"])
            flip_gen.set_state(r["flip_rng"])
            shuffle_rng.bit_generator.state = r["shuffle_rng"]
            torch.set_rng_state(r["torch_rng"])
            state = r["state"]
            progress = ck.get("progress")
            cfg["randbet_active"] = state["randbet_start_step"] is not None
            where = f"at step {progress['step']} of epoch {state['epoch'] + 1}" if progress else f"after epoch {state['epoch']}"
            print(f"resumed {path} {where}", flush=True)
            break
    ran = 0  # steps run by this invocation
    last = a.epochs if not a.stop_after else min(a.epochs, state["epoch"] + a.stop_after)
    for epoch in range(state["epoch"], last):
        model.train()
        if progress:
            order, first = progress["order"], progress["step"]
            running, seen, done_s = progress["running"], progress["seen"], progress["seconds"]
            progress = None
        else:
            order, first = shuffle_rng.permutation(len(tr_x)), 0
            running, seen, done_s = 0.0, 0, 0.0
        t_epoch = time.time() - done_s
        for step, bi in enumerate(range(0, len(order), a.batch)):
            if step < first:
                continue
            if a.max_steps and step >= a.max_steps:
                break
            idx = order[bi:bi + a.batch]
            x = lc.normalize(tr_x[idx])
            if a.flip:
                flip = torch.rand(len(idx), generator=flip_gen) < 0.5
                x = torch.where(flip.reshape(-1, 1, 1, 1), x.flip(3), x)
            y = torch.from_numpy(tr_y[idx].astype(np.int64))
            loss = robust.train_step(model, opt, x.to(dev), y.to(dev), cfg, gen)
            if sched is not None:
                sched.step()
            state["step"] += 1
            state["ema_loss"] = loss if state["ema_loss"] is None else 0.9 * state["ema_loss"] + 0.1 * loss
            if not cfg["randbet_active"] and state["ema_loss"] < a.randbet_start_loss:
                cfg["randbet_active"] = True
                state["randbet_start_step"] = state["step"]
            running += loss * len(idx)
            seen += len(idx)
            ran += 1
            stop_now = a.stop_after_steps and ran >= a.stop_after_steps
            if stop_now or (a.checkpoint_steps and (step + 1) % a.checkpoint_steps == 0):
                torch.save({"state_dict": model.state_dict(), "meta": {"args": resume_key(a), "partial": True},
                            "resume": resume_state(),
                            "progress": {"order": order, "step": step + 1, "running": running, "seen": seen,
                                         "seconds": time.time() - t_epoch}}, partial_path + ".tmp")
                os.replace(partial_path + ".tmp", partial_path)
            if stop_now:
                print(f"stopped at step {step + 1} of epoch {epoch + 1}, checkpoint {partial_path}", flush=True)
                return model
        epoch_s = time.time() - t_epoch
        state["train_seconds"] += epoch_s
        acc_f = evaluate(model, te_x, te_y, device=dev)
        acc_q = evaluate(model, te_x, te_y, scheme, cfg, device=dev) if scheme else acc_f
        state["epoch"] = epoch + 1
        state["history"].append({"epoch": epoch + 1, "train_loss": running / seen, "float_test_accuracy": acc_f,
                                 "quantized_test_accuracy": acc_q, "epoch_seconds": epoch_s,
                                 "images_per_second": seen / epoch_s})
        meta = {"model": a.model, "epochs": epoch + 1, "seed": a.seed, "batch": a.batch, "lr": a.lr,
                "schedule": a.schedule, "flip": a.flip,
                "scheme": scheme.to_json() if scheme else None, "clip": a.clip,
                "randbet_p": a.randbet_p, "randbet_start_loss": a.randbet_start_loss,
                "randbet_start_step": state["randbet_start_step"], "randbet_norm": not a.no_randbet_norm,
                "quantize_biases": a.quantize_biases, "randbet_biases": not a.no_randbet_biases,
                "saq_rho": a.saq_rho, "act_l1": a.act_l1, "fake_quant": a.fake_quant,
                "train_images": a.train_images, "float_test_accuracy": acc_f, "quantized_test_accuracy": acc_q,
                "train_seconds": state["train_seconds"], "torch": torch.__version__, "threads": a.threads,
                "device": a.device, "command": command, "args": resume_key(a), "history": state["history"]}
        ck = {"state_dict": model.state_dict(), "meta": meta, "resume": resume_state()}
        torch.save(ck, a.out + ".tmp")
        os.replace(a.out + ".tmp", a.out)
        if os.path.exists(partial_path):
            os.remove(partial_path)
        rb = "" if not a.randbet_p else (f", RandBET from step {state['randbet_start_step']}"
                                         if state["randbet_start_step"] is not None else ", RandBET not started")
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {running / seen:.4f}, test accuracy float {acc_f:.4f}"
              f" quantized {acc_q:.4f} ({state['train_seconds']:.0f} s, {seen / epoch_s:.0f} images/s{rb}),"
              f" checkpoint {a.out}", flush=True)
    return model


def resume_key(a):
    """The options that define a training (a resumed run must have the same)."""
    d = dict(vars(a))
    for k in ("resume", "out", "data_dir", "threads", "device", "stop_after", "stop_after_steps", "checkpoint_steps"):
        d.pop(k, None)
    return d


if __name__ == "__main__":
    main()
