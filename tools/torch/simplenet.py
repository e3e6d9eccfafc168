"""The seed work's SimpleNet for 28x28 inputs with group normalization (Stutz et al., MNIST variant),
and a narrow variant of the same shape that trains on a CPU. docs/model-zoo.md, docs/robust-training.md.

Every stage is Conv(3x3, padding 1, bias) -> GroupNorm -> ReLU; 1x1 convolutions where the seed's
table has them; 2x2 max pooling (stride 2) between stages (7x7 -> 3x3 at the last one); a global
average pool and one linear layer (10 classes). The GroupNorm scale is reparameterized as
alpha = 1 + alpha' (the parameter `gamma` holds alpha', initialised to 0), so that clipping, weight
quantization and bit errors act on alpha' -- exported as lvsim's groupnorm with gamma_offset 1.

The forward pass is functional: `model(x, overrides)` takes a dict parameter name -> tensor that
replaces the named parameters (the quantized, faulty or SAM-perturbed values during training).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

# Stage lists: ("conv", out_channels, kernel) or ("pool",). Seed widths: Stutz et al., MNIST SimpleNet
# (32, 64, 64, 64 at 28x28; 64, 64, 128 at 14x14; 256 3x3, 1024 1x1, 128 1x1 at 7x7; 128 at 3x3).
SEED = [("conv", 32, 3), ("conv", 64, 3), ("conv", 64, 3), ("conv", 64, 3), ("pool",),
        ("conv", 64, 3), ("conv", 64, 3), ("conv", 128, 3), ("pool",),
        ("conv", 256, 3), ("conv", 1024, 1), ("conv", 128, 1), ("pool",),
        ("conv", 128, 3)]
# Narrow: the same stages (two convs at 28x28 and 14x14, a 3x3 and a 1x1 at 7x7, one 3x3 at 3x3).
NARROW = [("conv", 16, 3), ("conv", 16, 3), ("pool",),
          ("conv", 32, 3), ("conv", 32, 3), ("pool",),
          ("conv", 64, 3), ("conv", 64, 1), ("pool",),
          ("conv", 64, 3)]
WIDTHS = {"seed": SEED, "narrow": NARROW}
GN_EPS = 1e-5


def gn_groups(channels):
    """Groups of every GroupNorm: min(32, C/4) (4 channels per group up to 32 groups)."""
    return max(1, min(32, channels // 4))


class SimpleNet(nn.Module):
    def __init__(self, width="narrow", in_channels=1, classes=10, in_size=28):
        super().__init__()
        self.width = width
        self.stages = []  # ("conv", name, k) / ("pool",)
        c, size = in_channels, in_size
        self.macs = 0
        for st in WIDTHS[width]:
            if st[0] == "pool":
                self.stages.append(("pool",))
                size //= 2
                continue
            _, out, k = st
            i = sum(1 for s in self.stages if s[0] == "conv") + 1
            conv = nn.Conv2d(c, out, k, padding=k // 2)
            gn = nn.GroupNorm(gn_groups(out), out, eps=GN_EPS)
            with torch.no_grad():
                gn.weight.zero_()  # alpha' = 0: alpha = 1 + alpha' starts at 1
            self.add_module(f"conv{i}", conv)
            self.add_module(f"gn{i}", gn)
            self.stages.append(("conv", i, k))
            self.macs += out * c * k * k * size * size
            c = out
        self.fc = nn.Linear(c, classes)
        self.macs += c * classes

    def forward(self, x, overrides=None, activations=None):
        """overrides: parameter name -> tensor; activations: a list that receives every post-ReLU output."""
        p = dict(self.named_parameters())
        if overrides:
            p.update(overrides)
        for st in self.stages:
            if st[0] == "pool":
                x = F.max_pool2d(x, 2)
                continue
            _, i, k = st
            x = F.conv2d(x, p[f"conv{i}.weight"], p[f"conv{i}.bias"], padding=k // 2)
            gn = getattr(self, f"gn{i}")
            x = F.group_norm(x, gn.num_groups, 1.0 + p[f"gn{i}.weight"], p[f"gn{i}.bias"], gn.eps)
            x = F.relu(x)
            if activations is not None:
                activations.append(x)
        x = x.mean(dim=(2, 3))  # global average pool
        return F.linear(x, p["fc.weight"], p["fc.bias"])

    def quant_params(self, biases=False):
        """The parameters quantized to m bits in training: every conv and linear weight, every
        GroupNorm alpha' and beta (lvsim stores them in the weight SRAM), and with biases=True the
        conv/linear biases too (the seed work's choice; lvsim keeps biases as int32 outside it)."""
        out = {}
        for name, t in self.named_parameters():
            if name.endswith(".bias") and not name.startswith("gn") and not biases:
                continue
            out[name] = t
        return out

    @staticmethod
    def is_norm(name):
        return name.startswith("gn")

    @staticmethod
    def is_bias(name):
        return name.endswith(".bias") and not name.startswith("gn")

    def weight_count(self):
        return sum(t.numel() for t in self.parameters())
