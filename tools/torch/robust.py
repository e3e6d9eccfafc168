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


def quantize(w, s, dtype=torch.float64):
    """Float weights [O, ...] -> (signed codes int64 [O, ...], scale [O, 1...], signed zero
    point int64 [O, 1...]); real weight = scale * (code - zero_point). docs/quantization.md.
    dtype float64 (default): exactly lvsim's codes; float32: the trainer's fast fake quantization
    (the same formulas in single precision; a code at a rounding boundary may differ by one)."""
    w = w.detach().to(dtype)
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


def inject_bit_errors(patterns, bits, p, generator, dtype=torch.float64):
    """Every one of the `bits` stored bits flips independently with probability p: one uniform draw
    u per bit (float64), flip iff u < p, as lvsim's --ber bit_flip model (Stutz et al.,
    MLSys 2021, bit error model; docs/references.md#stutz21).
    Bits at positions >= bits do not exist and never flip."""
    u = torch.rand((bits,) + tuple(patterns.shape), generator=generator, dtype=dtype).to(patterns.device)
    weights = (1 << torch.arange(bits, dtype=torch.int64, device=patterns.device)).reshape((bits,) + (1,) * patterns.dim())
    return patterns ^ ((u < p).long() * weights).sum(dim=0)


def dequantized(w, s, p=0.0, generator=None, dtype=torch.float64):
    """The weight tensor lvsim uses for w (computed in dtype, returned as float32), optionally with
    bit errors at rate p."""
    codes, scale, zp = quantize(w, s, dtype)
    if p > 0:
        codes = decode(inject_bit_errors(to_patterns(codes, s), s.bits, p, generator, dtype), s)
    return (scale * (codes.to(dtype) - zp.to(dtype))).float()


def fake_quant(w, s, p=0.0, generator=None, perturbation=None, dtype=torch.float64):
    """Straight-through estimator: the forward pass sees the quantized (faulty, perturbed) weight,
    the gradient flows unchanged to the float weight w."""
    target = dequantized(w, s, p, generator, dtype)
    if perturbation is not None:
        target = target + perturbation
    return w + (target - w).detach()


def quant_tensors(model, cfg):
    """name -> parameter of every tensor quantized to m bits in training: the conv/linear weights of
    FmnistCnn (keyed by layer name); for SimpleNet also the GroupNorm alpha' and beta, and the biases
    with cfg["quantize_biases"]."""
    if hasattr(model, "quant_params"):
        return model.quant_params(biases=cfg.get("quantize_biases", False))
    return {n: layer.weight for n, layer in model.weight_layers().items()}


def randbet_targets(model, cfg):
    """Names of the quantized tensors that receive bit errors in RandBET: all of quant_tensors, less
    the GroupNorm parameters when cfg["randbet_norm"] is False and the biases when
    cfg["randbet_biases"] is False."""
    names = []
    for n in quant_tensors(model, cfg):
        if hasattr(model, "is_norm") and model.is_norm(n) and not cfg.get("randbet_norm", True):
            continue
        if hasattr(model, "is_bias") and model.is_bias(n) and not cfg.get("randbet_biases", True):
            continue
        names.append(n)
    return set(names)


def _forward_loss(model, x, y, overrides, cfg):
    """Cross-entropy, plus cfg["act_l1"] times the sum over ReLU layers of the mean post-ReLU
    activation (the activation-sparsity penalty; SimpleNet only)."""
    lam = cfg.get("act_l1", 0.0) if cfg else 0.0
    if lam > 0:
        acts = []
        loss = F.cross_entropy(model(x, overrides, activations=acts), y)
        return loss + lam * sum(a.mean() for a in acts)
    return F.cross_entropy(model(x, overrides), y)


def quantized_loss(model, x, y, s, p=0.0, generator=None, perturbations=None, cfg=None):
    """Loss of the model with quantized weights (bit errors at rate p when p > 0, in the RandBET
    targets only; the tensors in name order, one fresh pattern each)."""
    cfg = cfg or {}
    pert = perturbations or {}
    dtype = cfg.get("fq_dtype", torch.float64)
    targets = randbet_targets(model, cfg) if p > 0 else set()
    qw = {n: fake_quant(t, s, p if n in targets else 0.0, generator, pert.get(n), dtype)
          for n, t in quant_tensors(model, cfg).items()}
    return _forward_loss(model, x, y, qw, cfg)


def sam_perturbations(model, x, y, s, rho, cfg=None):
    """SAQ / SAM (Liu et al. 2021, Foret et al. 2021; docs/references.md#liu21): eps = rho * g / ||g||_2, g the gradient of the quantized
    model's loss wrt its quantized tensors (global L2 norm over all of them)."""
    cfg = cfg or {}
    loss = quantized_loss(model, x, y, s, cfg=cfg)
    tensors = quant_tensors(model, cfg)
    grads = torch.autograd.grad(loss, list(tensors.values()))
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
    scale = rho / (norm + 1e-12)
    return loss.item(), {n: (g * scale).detach() for n, g in zip(tensors.keys(), grads)}


def train_step(model, opt, x, y, cfg, generator):
    """One step. cfg: scheme (None = float training), randbet_p, saq_rho, clip; optional
    fq_dtype (float64 default), quantize_biases, randbet_norm, randbet_biases, act_l1, and
    randbet_active (False: the RandBET half is skipped, e.g. before the clean loss reached the
    start threshold).
    - QAT: loss of the quantized model, gradient straight through to the float weights.
    - SAQ: that loss is taken at the quantized weights + eps (sam_perturbations).
    - RandBET: the gradient of the loss with fresh random bit errors at rate p is added and the sum
      halved (Stutz et al.: clean and perturbed loss combined).
    - clip: every quantized tensor projected to [-w_max, w_max] after the step.
    Returns the clean (unperturbed) loss of the step (with the activation penalty when on)."""
    opt.zero_grad()
    s = cfg["scheme"]
    if s is None:
        loss = _forward_loss(model, x, y, None, cfg)
        loss.backward()
        reported = loss.item()
    else:
        pert = None
        reported = None
        if cfg["saq_rho"] > 0:
            reported, pert = sam_perturbations(model, x, y, s, cfg["saq_rho"], cfg)
        loss = quantized_loss(model, x, y, s, perturbations=pert, cfg=cfg)
        if reported is None:
            reported = loss.item()
        if cfg["randbet_p"] > 0 and cfg.get("randbet_active", True):
            loss = (loss + quantized_loss(model, x, y, s, cfg["randbet_p"], generator, cfg=cfg)) / 2
        loss.backward()
    opt.step()
    if cfg["clip"] > 0:
        with torch.no_grad():
            for t in quant_tensors(model, cfg).values():
                t.clamp_(-cfg["clip"], cfg["clip"])
    return reported
