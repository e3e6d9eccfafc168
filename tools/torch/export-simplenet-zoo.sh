#!/usr/bin/env bash
# Exports every finished narrow SimpleNet of tools/torch/train-simplenet-zoo.sh (build-torch/simplenet/
# *.done) that is not exported yet: seed 1 to workloads/networks/fmnist-simplenet-NAME.json, other
# seeds to build-torch/simplenet/ (checked, not shipped); each checked against the integer reference on
# 500 test images; then the float evaluation under random bit errors (biteval.py: p = 0.1, 0.5, 1,
# 2 %, CHIPS chips, all 10,000 test images). From the repository root:
#   [P=RATES] tools/torch/export-simplenet-zoo.sh [CHIPS]        (default 3 chips; P default
#   0.001,0.005,0.01,0.02); ONLY="NET..." (e.g. fmnist-simplenet-clip-q8-s1) restricts it to those.
# Logs: build-torch/simplenet/NET.export.log, NET.biteval.{log,json}.
set -euo pipefail
CHIPS=${1:-3}
P=${P:-0.001,0.005,0.01,0.02}
PY=/usr/bin/python3
OUT=build-torch/simplenet
for done in "$OUT"/*.done; do
  [ -e "$done" ] || continue
  net=$(basename "$done" .done)                # fmnist-simplenet-NAME-sSEED
  [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $net "* ]] && continue
  name=${net%-s*}; seed=${net##*-s}
  if [ "$seed" = 1 ]; then json=workloads/networks/$name.json; else json=$OUT/$net.json; fi
  if [ ! -e "$OUT/$net.export.log" ]; then
    nice -n 10 $PY tools/torch/export_simplenet.py --checkpoint "$OUT/$net.pt" --network "$json" --name "$name" \
      --calib-images 512 --check-images 500 > "$OUT/$net.export.log.tmp" && mv "$OUT/$net.export.log.tmp" "$OUT/$net.export.log"
    cat "$OUT/$net.export.log"
  fi
  if [ ! -e "$OUT/$net.biteval.json" ]; then
    nice -n 10 $PY tools/torch/biteval.py "$OUT/$net.pt" --p "$P" --chips "$CHIPS" --images 10000 \
      --json "$OUT/$net.biteval.json.tmp" > "$OUT/$net.biteval.log" && mv "$OUT/$net.biteval.json.tmp" "$OUT/$net.biteval.json"
    cat "$OUT/$net.biteval.log"
  fi
done
