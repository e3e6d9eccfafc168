#!/usr/bin/env bash
# GroupNorm end to end: a small Conv+GroupNorm+ReLU PyTorch model, trained briefly on Fashion-MNIST
# (seeded), exported by tools/torch/export.py (PyTorch 1.13 writes nn.GroupNorm as Reshape,
# InstanceNormalization, Reshape, Mul, Add), imported and calibrated by lvsim: lvsim's 8-bit accuracy
# equals PyTorch's float accuracy within quantization error (2 points on 1,000 test images); golden,
# fast and cycle mode predict the same; `--norm-params register` is accepted and, without faults,
# changes nothing. Fails without python3-torch / python3-onnx (CI installs them).
source "$(dirname "$0")/lib/cli_test.sh"
PY=/usr/bin/python3
if ! "$PY" -c "import torch, onnx" 2>/dev/null; then
  echo "FAIL: python3-torch or python3-onnx not installed for $PY (tools/install-deps.sh)"
  exit 1
fi
cat >"$T/gn_model.py" <<'PYEOF'
import torch
from torch import nn


class GnNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.GroupNorm(4, 8), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.GroupNorm(2, 16), nn.ReLU(), nn.MaxPool2d(2))
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
PYEOF
"$PY" - "$T" "$SRC/tools/torch" "$DATA" <<'PYEOF' || { echo "FAIL: training"; exit 1; }
import sys
import numpy as np
import torch
t, tools, data = sys.argv[1:]
sys.path.insert(0, t)
sys.path.insert(0, tools)
import export
from gn_model import GnNet
torch.manual_seed(7)
torch.set_num_threads(1)
x, y = export.read_images(data, 10000)  # the test split's reader; train on images 5000.. of it
x = (torch.from_numpy(x[5000:9000].astype(np.float32)) / 255.0 - 0.2860) / 0.3530
y = torch.from_numpy(y[5000:9000].astype(np.int64))
m = GnNet()
opt = torch.optim.Adam(m.parameters(), lr=3e-3)
for epoch in range(2):
    for i in range(0, len(x), 64):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x[i:i + 64]), y[i:i + 64]).backward()
        opt.step()
for mod in m.modules():  # affine parameters away from (1, 0), so a wrong gamma/beta would show
    if isinstance(mod, torch.nn.GroupNorm):
        with torch.no_grad():
            mod.weight.mul_(torch.empty_like(mod.weight).uniform_(0.7, 1.3))
            mod.bias.add_(torch.empty_like(mod.bias).uniform_(-0.2, 0.2))
torch.save(m.state_dict(), f"{t}/gn.pt")
PYEOF
(cd "$T" && PYTHONPATH="$T" "$PY" "$SRC/tools/torch/export.py" --model-file "$T/gn_model.py" --class GnNet \
   --checkpoint "$T/gn.pt" --input-shape 1,28,28 --pixel-scale 0.00392156862745098 --mean 0.2860 --std 0.3530 \
   --bits 8 --out "$T/gn.onnx" --network "$T/gn.json" --lvsim "$LVSIM" \
   --import-args "--calib-data $DATA --calib-images 500" >"$T/out" 2>"$T/err") ||
  { echo "FAIL export/import: $(grep -v -i warn "$T/err" | tail -3)"; exit 1; }
"$PY" - "$T/gn.json" <<'PYEOF' || fail "the import does not hold two groupnorm layers"
import json, sys
layers = json.load(open(sys.argv[1]))["layers"]
gn = [l for l in layers if l["type"] == "groupnorm"]
assert [l["groups"] for l in gn] == [4, 2], [l["groups"] for l in gn]
assert all(l["gamma"]["quantized"]["bits"] == 8 for l in gn)
PYEOF
# PyTorch's float accuracy on the first 1,000 test images (not trained on).
FLOAT=$(PYTHONPATH="$T:$SRC/tools/torch" "$PY" - "$T" "$DATA" <<'PYEOF'
import sys
import numpy as np
import torch
t, data = sys.argv[1:]
import export
from gn_model import GnNet
m = GnNet()
m.load_state_dict(torch.load(f"{t}/gn.pt"))
m.eval()
x, y = export.read_images(data, 1000)
pre = {"pixel_scale": 1 / 255, "mean": [0.2860], "std": [0.3530]}
print((export.float_predictions(m, x, pre) == y).mean())
PYEOF
) || { echo "FAIL: float accuracy"; exit 1; }
"$LVSIM" run --network "$T/gn.json" --data "$DATA" --images 1000 --json >"$T/fast.json" || fail "lvsim run"
"$LVSIM" run --network "$T/gn.json" --data "$DATA" --images 1000 --json --norm-params register >"$T/reg.json" ||
  fail "lvsim run --norm-params register"
"$LVSIM" run --network "$T/gn.json" --data "$DATA" --images 100 --mode golden --json >"$T/golden.json" || fail "golden"
"$LVSIM" run --network "$T/gn.json" --data "$DATA" --images 3 --mode cycle --quiet --json >"$T/cycle.json" || fail "cycle"
"$PY" - "$T" "$FLOAT" <<'PYEOF' || fail "accuracy or mode agreement"
import json, sys
t, acc_float = sys.argv[1], float(sys.argv[2])
fast, reg = json.load(open(f"{t}/fast.json")), json.load(open(f"{t}/reg.json"))
golden, cycle = json.load(open(f"{t}/golden.json")), json.load(open(f"{t}/cycle.json"))
acc = fast["accuracy"]
print(f"float accuracy {acc_float:.3f}, lvsim 8-bit {acc:.3f}")
assert acc_float > 0.7, acc_float
assert abs(acc - acc_float) <= 0.02, (acc, acc_float)
assert golden["predictions"] == fast["predictions"][:100]
assert cycle["predictions"] == fast["predictions"][:3]
assert reg["predictions"] == fast["predictions"]
PYEOF
[ $fails -eq 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
