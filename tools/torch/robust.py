"""Robust training pieces for lvsim's PyTorch tools (docs/robust-training.md):

- quantize(): lvsim's weight quantization (docs/quantization.md) on torch tensors, for every scheme
  (per_tensor/per_channel, asymmetric/symmetric, unsigned/twos_complement, round/truncate, clip),
  m = 2..8 bits, in binary64 in the order written there, so the codes are the ones `lvsim import`
  computes from the same float weights (tested: tests/cli/robust_training.sh).
- patterns <-> codes: the m-bit patterns the weight SRAM stores (unsigned: code + 2^(m-1); two's
  complement: the m-bit two's complement), and decode().
- inject_bit_errors(): uniform random bit errors as lvsim's `--ber` (bit_flip): every one of the m
  stored bits flips independently with probability p (one uniform draw per bit, flip iff u < p).
- fake_quant(): straight-through estimator: forward value = the dequantized (optionally faulty)
  weight, gradient = identity to the float weight.
- train_step(): one optimizer step combining QAT, RandBET, SAQ and clipping.
"""

import torch
import torch.nn.functional as F

# One scheme class for every tool; re-exported here for the trainer and its tests.
from lvsim_common import Scheme  # noqa: F401


def round_half_away(x):
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def quantize(w, s):
    """Float weights [O, ...] -> (signed codes int64 [O, ...], scale float64 [O, 1...], signed zero
    point int64 [O, 1...]); real weight = scale * (code - zero_point). docs/quantization.md."""
    w = w.detach().to(torch.float64)
    o = w.shape[0]
    g = w.reshape(o, -1) if s.granularity == "per_channel" else w.reshape(1, -1)
    if s.clip > 0:
        g = torch.clamp(g, -s.clip, s.clip)
    qc = (1 << (s.bits - 1)) - 1

    def code(x):
        c = round_half_away(x) if s.rounding == "round" else torch.trunc(x)
        return torch.clamp(c, -qc, qc)

    if s.symmetry == "symmetric":
        delta = g.abs().amax(dim=1, keepdim=True) + s.epsilon
        delta = delta / qc
        codes, scale, zp = code(g / delta), delta, torch.zeros_like(delta)
    else:
        lo, hi = g.amin(dim=1, keepdim=True), g.amax(dim=1, keepdim=True)
        mid, half = (hi + lo) / 2.0, (hi - lo) / 2.0
        degenerate_half = torch.where(lo.abs() > 0, lo.abs(), torch.ones_like(lo))
        half = torch.where(half > 0, half, degenerate_half)
        delta = (1.0 + s.epsilon) / qc
        codes = code(((g - mid) / half) / delta)
        scale = delta * half
        zp = -round_half_away(mid / scale)
    shape = (o,) + (1,) * (w.dim() - 1)
    if s.granularity == "per_tensor":
        scale, zp = scale.expand(o, 1), zp.expand(o, 1)
    return codes.reshape(w.shape).long(), scale.reshape(shape), zp.reshape(shape).long()


def to_patterns(codes, s):
    """Signed codes -> the m-bit patterns stored in the weight SRAM."""
    if s.storage == "unsigned":
        return codes + (1 << (s.bits - 1))
    return codes & ((1 << s.bits) - 1)


def decode(patterns, s):
    """Stored m-bit patterns -> signed codes (unsigned: minus 2^(m-1); two's complement: sign-extended)."""
    if s.storage == "unsigned":
        return patterns - (1 << (s.bits - 1))
    return torch.where(patterns >= (1 << (s.bits - 1)), patterns - (1 << s.bits), patterns)


def inject_bit_errors(patterns, bits, p, generator):
    """Every one of the `bits` stored bits flips independently with probability p: one uniform draw
    u per bit (float64), flip iff u < p, as lvsim's --ber bit_flip model (Stutz et al.,
    MLSys 2021, bit error model; docs/references.md#stutz21).
    Bits at positions >= bits do not exist and never flip."""
    u = torch.rand((bits,) + tuple(patterns.shape), generator=generator, dtype=torch.float64)
    weights = (1 << torch.arange(bits, dtype=torch.int64)).reshape((bits,) + (1,) * patterns.dim())
    return patterns ^ ((u < p).long() * weights).sum(dim=0)


def dequantized(w, s, p=0.0, generator=None):
    """The weight tensor lvsim uses for w (float64 -> float32), optionally with bit errors at rate p."""
    codes, scale, zp = quantize(w, s)
    if p > 0:
        codes = decode(inject_bit_errors(to_patterns(codes, s), s.bits, p, generator), s)
    return (scale * (codes.double() - zp.double())).float()


def fake_quant(w, s, p=0.0, generator=None, perturbation=None):
    """Straight-through estimator: the forward pass sees the quantized (faulty, perturbed) weight,
    the gradient flows unchanged to the float weight w."""
    target = dequantized(w, s, p, generator)
    if perturbation is not None:
        target = target + perturbation
    return w + (target - w).detach()


def quantized_loss(model, x, y, s, p=0.0, generator=None, perturbations=None):
    """Cross-entropy of the model with quantized weights (bit errors at rate p when p > 0)."""
    pert = perturbations or {}
    qw = {n: fake_quant(layer.weight, s, p, generator, pert.get(n))
          for n, layer in model.weight_layers().items()}
    return F.cross_entropy(model(x, qw), y)


def sam_perturbations(model, x, y, s, rho):
    """SAQ / SAM (Liu et al. 2021, Foret et al. 2021; docs/references.md#liu21):
    eps = rho * g / ||g||_2, g the gradient of the quantized model's loss wrt its quantized weights
    (global L2 norm over all weight tensors)."""
    loss = quantized_loss(model, x, y, s)
    layers = model.weight_layers()
    grads = torch.autograd.grad(loss, [layer.weight for layer in layers.values()])
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
    scale = rho / (norm + 1e-12)
    return loss.item(), {n: (g * scale).detach() for n, g in zip(layers.keys(), grads)}


def train_step(model, opt, x, y, cfg, generator):
    """One step. cfg: scheme (None = float training), randbet_p, saq_rho, clip.
    - QAT: loss of the quantized model, gradient straight through to the float weights.
    - SAQ: that loss is taken at the quantized weights + eps (sam_perturbations).
    - RandBET: the gradient of the loss with fresh random bit errors at rate p is added and the sum
      halved (Stutz et al.: clean and perturbed loss combined).
    - clip: weights projected to [-w_max, w_max] after the step.
    Returns the clean (unperturbed) loss of the step."""
    opt.zero_grad()
    s = cfg["scheme"]
    if s is None:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        reported = loss.item()
    else:
        pert = None
        reported = None
        if cfg["saq_rho"] > 0:
            reported, pert = sam_perturbations(model, x, y, s, cfg["saq_rho"])
        loss = quantized_loss(model, x, y, s, perturbations=pert)
        if reported is None:
            reported = loss.item()
        if cfg["randbet_p"] > 0:
            loss = (loss + quantized_loss(model, x, y, s, cfg["randbet_p"], generator)) / 2
        loss.backward()
    opt.step()
    if cfg["clip"] > 0:
        with torch.no_grad():
            for layer in model.weight_layers().values():
                layer.weight.clamp_(-cfg["clip"], cfg["clip"])
    return reported
