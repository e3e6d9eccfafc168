#!/usr/bin/env bash
# PyTorch -> ONNX -> lvsim for three models defined outside lvsim's classes (tests/tools/user_models.py:
# nn.Sequential CNN, small ResNet with batch norm and residual adds, depthwise-separable MobileNet-style
# net), with seeded random weights in the three checkpoint shapes tools/torch/export.py accepts (plain
# state dict, wrapped state dict, pickled module): lvsim's predictions must equal the independent
# integer reference (tools/torch/int_reference.py) image for image. Fails without python3-torch / python3-onnx (CI installs them).
set -uo pipefail
LVSIM=$1
SRC=$2
DATA=/usr/share/datasets/fashion-mnist
PY=/usr/bin/python3
if ! "$PY" -c "import torch, onnx" 2>/dev/null; then
  # Not a skip: an untested import path is a defect. CI installs both (tools/install-deps.sh).
  echo "FAIL: python3-torch or python3-onnx not installed for $PY (tools/install-deps.sh)"
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$PY" - "$T" "$SRC/tests/tools" <<'PYEOF' || { echo "FAIL: writing checkpoints"; exit 1; }
import sys
import torch
t, models = sys.argv[1:]
sys.path.insert(0, models)
import user_models as um
torch.manual_seed(5)
for name in ("SeqCnn", "TinyResNet", "MobileNetish"):
    m = getattr(um, name)()
    for mod in m.modules():  # batch-norm statistics far from the identity, so folding matters
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.3, 0.3); mod.running_var.uniform_(0.3, 3)
            mod.weight.data.uniform_(0.5, 1.5); mod.bias.data.uniform_(-0.3, 0.3)
    m.eval()
    if name == "SeqCnn":
        torch.save(m.state_dict(), f"{t}/{name}.pt")
    elif name == "TinyResNet":
        torch.save({"model_state_dict": m.state_dict(), "epoch": 1}, f"{t}/{name}.pt")
    else:
        torch.save(m, f"{t}/{name}.pt")
PYEOF
fails=0
for M in SeqCnn TinyResNet MobileNetish; do
  if [ $M = MobileNetish ]; then SOURCE=(--module "$T/$M.pt"); else
    SOURCE=(--model-file "$SRC/tests/tools/user_models.py" --class $M --checkpoint "$T/$M.pt"); fi
  (cd "$T" && PYTHONPATH="$SRC/tests/tools" "$PY" "$SRC/tools/torch/export.py" "${SOURCE[@]}" --input-shape 1,28,28 \
     --pixel-scale 0.00392156862745098 --mean 0.2860 --std 0.3530 --bits 7 --out "$T/$M.onnx" \
     --network "$T/$M.json" --lvsim "$LVSIM" --import-args "--calib-data $DATA --calib-images 100" \
     --check-data "$DATA" --check-images 100 >"$T/out" 2>"$T/err")
  if [ $? -ne 0 ] || ! grep -q '"lvsim_vs_reference_mismatches": 0' "$T/out"; then
    echo "FAIL $M: $(grep -v -i warn "$T/err" | tail -3)"; fails=$((fails + 1))
  else
    echo "ok   $M: $(tail -1 "$T/out")"
  fi
done
# export.py's own errors: one line, no traceback.
"$PY" "$SRC/tools/torch/export.py" --model-file "$SRC/tests/tools/user_models.py" --class SeqCnn \
  --checkpoint "$T/TinyResNet.pt" --input-shape 1,28,28 --pixel-scale 1 --bits 8 --out "$T/x.onnx" 2>"$T/err"
if [ $? -eq 0 ] || [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q "does not fit the model" "$T/err"; then
  echo "FAIL wrong checkpoint: $(cat "$T/err")"; fails=$((fails + 1))
else echo "ok   wrong checkpoint: $(cat "$T/err")"; fi
[ $fails -eq 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
