#!/usr/bin/python3
"""Trains lvsim's reference Fashion-MNIST CNN (CPU, deterministic).

Plain training:   train.py --epochs 3 --out fmnist-cnn.pt
Weight clipping:  train.py --clip 0.1 ...            (weights clamped to +-w_max after every step)
RandBET:          train.py --clip 0.1 --randbet-p 0.01 --bits 8 ...
  per step: gradient of the clean quantized model plus the gradient of the quantized model with
  uniform random bit errors at rate p in the stored m-bit weights (a new pattern every step),
  averaged; applied to the float weights (straight-through), then clipping (Stutz et al.).
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

import lvsim_common as lc


def quantized_grads(model, x, y, bits, p, gen):
    """Loss gradients wrt the weights of the quantized model (p = 0) or with bit errors at rate p."""
    qw = {}
    for name, layer in model.weight_layers().items():
        stored, scale, zp = lc.torch_quantize_robust(layer.weight, bits)
        if p > 0:
            stored = lc.inject_bit_errors(stored, bits, p, gen)
        qw[name] = lc.torch_dequantize(stored, scale, zp).requires_grad_(True)
    loss = F.cross_entropy(model(x, qw), y)
    params = [layer.bias for layer in model.weight_layers().values()]
    grads = torch.autograd.grad(loss, list(qw.values()) + params)
    n = len(qw)
    return loss.item(), dict(zip(qw.keys(), grads[:n])), grads[n:]


def evaluate(model, images, labels, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out = model(lc.normalize(images[i:i + batch]))
            correct += int((out.argmax(1) == torch.from_numpy(labels[i:i + batch].astype(np.int64))).sum())
    return correct / len(images)


def save(model, args, acc, train_s, epochs_done):
    """Checkpoint after every epoch (an interrupted run keeps its last completed epoch)."""
    torch.save({"state_dict": model.state_dict(),
                "meta": {"epochs": epochs_done, "seed": args.seed, "batch": args.batch, "lr": args.lr,
                         "clip": args.clip, "randbet_p": args.randbet_p, "bits": args.bits,
                         "float_test_accuracy": acc, "train_seconds": train_s,
                         "torch": torch.__version__, "threads": args.threads}}, args.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--clip", type=float, default=0.0, help="w_max > 0: clamp weights to [-w_max, w_max] after each step")
    ap.add_argument("--randbet-p", type=float, default=0.0, help="RandBET bit error rate (0: off)")
    ap.add_argument("--bits", type=int, default=8, help="weight bits of the quantized model in RandBET")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train-images", type=int, default=60000, help="use the first N training images (smoke tests)")
    ap.add_argument("--data-dir", default=lc.DATA_DIR)
    ap.add_argument("--out", required=True, help="checkpoint file (state_dict + metadata)")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(args.seed + 1000)  # bit-error patterns
    shuffle_rng = np.random.default_rng(args.seed)

    tr_x, tr_y = lc.load_fmnist("train", args.data_dir)
    te_x, te_y = lc.load_fmnist("t10k", args.data_dir)
    tr_x, tr_y = tr_x[:args.train_images], tr_y[:args.train_images]
    model = lc.FmnistCnn()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = shuffle_rng.permutation(len(tr_x))
        running, seen = 0.0, 0
        for bi in range(0, len(order), args.batch):
            idx = order[bi:bi + args.batch]
            x = lc.normalize(tr_x[idx])
            y = torch.from_numpy(tr_y[idx].astype(np.int64))
            opt.zero_grad()
            if args.randbet_p > 0:
                loss, gw0, gb0 = quantized_grads(model, x, y, args.bits, 0.0, gen)
                loss_e, gw1, gb1 = quantized_grads(model, x, y, args.bits, args.randbet_p, gen)
                for name, layer in model.weight_layers().items():
                    layer.weight.grad = (gw0[name] + gw1[name]) / 2
                for layer, g0, g1 in zip(model.weight_layers().values(), gb0, gb1):
                    layer.bias.grad = (g0 + g1) / 2
            else:
                loss_t = F.cross_entropy(model(x), y)
                loss_t.backward()
                loss = loss_t.item()
            opt.step()
            if args.clip > 0:
                with torch.no_grad():
                    for layer in model.weight_layers().values():
                        layer.weight.clamp_(-args.clip, args.clip)
            running += loss * len(idx)
            seen += len(idx)
            if (bi // args.batch) % 200 == 0:
                print(f"epoch {epoch + 1} step {bi // args.batch} loss {running / seen:.4f} "
                      f"({time.time() - t0:.0f} s)", flush=True)
        acc = evaluate(model, te_x, te_y)
        save(model, args, acc, time.time() - t0, epoch + 1)
        print(f"epoch {epoch + 1} done: train loss {running / seen:.4f}, float test accuracy {acc:.4f} "
              f"({time.time() - t0:.0f} s)", flush=True)
    print(f"saved {args.out}: float test accuracy {acc:.4f}, training {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
