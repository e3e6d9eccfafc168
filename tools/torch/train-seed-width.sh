#!/usr/bin/env bash
# Trains every seed-width SimpleNet model (docs/model-zoo.md, fmnist-simplenet-seed-*) in one run on
# one GPU: all methods at 8 and 4 bits (and the activation-sparse variants), JOBS processes at a
# time sharing the device, each with checkpoints per epoch and --resume (a rerun continues).
#   tools/torch/train-seed-width.sh [DEVICE] [SEEDS] [EXTRA train.py OPTIONS...]
#   tools/torch/train-seed-width.sh cuda "1 2"                   # the real run (JOBS=8 by default)
#   JOBS=1 ONLY="randbet-clip-q4 sparse-saq-q8" tools/torch/train-seed-width.sh cpu 1 --epochs 1 \
#       --train-images 16 --test-images 16 --batch 8 --max-steps 1 --threads 1   # smoke test on the CPU
# ONLY="NAME..." restricts the run to those models.
# Writes build-torch/simplenet-seed/fmnist-simplenet-seed-NAME-sSEED.{pt,train.log} and a .done per
# finished model; export each with tools/torch/export_simplenet.py. Same methods and budget as
# tools/torch/train-simplenet-zoo.sh (the narrow family), except: batch 256, 8 epochs (GPU time).
set -euo pipefail
DEVICE=${1:-cuda}; SEEDS=${2:-1}; shift $(( $# < 2 ? $# : 2 ))
EXTRA=("$@")
PY=/usr/bin/python3
OUT=build-torch/simplenet-seed
JOBS=${JOBS:-8}
mkdir -p "$OUT"
export CUBLAS_WORKSPACE_CONFIG=:4096:8   # deterministic cuBLAS
COMMON="--model simplenet-seed --epochs 8 --batch 256 --lr 3e-3 --schedule onecycle --flip --threads 2 --device $DEVICE"
NORMAL="--scheme normal"; ROBUST="--scheme robust"
declare -A M=(
  [normal]="$NORMAL" [asym]="$NORMAL --symmetry asymmetric" [unsigned]="$NORMAL --symmetry asymmetric --storage unsigned"
  [rquant]="$ROBUST" [clip]="$ROBUST --clip 0.1" [clip005]="$ROBUST --clip 0.05"
  [randbet-clip]="$ROBUST --clip 0.1 --randbet-p 0.01 --randbet-start-loss 1.0" [saq]="$ROBUST --saq-rho 0.05"
  [sparse]="$ROBUST --act-l1 0.05" [sparse-saq]="$ROBUST --act-l1 0.05 --saq-rho 0.05"
)
NAMES=(normal-q8 asym-q8 unsigned-q8 rquant-q8 clip-q8 clip005-q8 randbet-clip-q8 saq-q8 sparse-q8 sparse-saq-q8
       normal-q4 asym-q4 unsigned-q4 rquant-q4 clip-q4 clip005-q4 randbet-clip-q4 saq-q4)
one() {
  local name=$1 seed=$2 method=${1%-q*} bits=${1##*-q}
  local net=fmnist-simplenet-seed-$name-s$seed
  [ -e "$OUT/$net.done" ] && return 0
  local t0; t0=$(date +%s)
  # shellcheck disable=SC2086
  $PY tools/torch/train.py $COMMON --seed "$seed" --bits "$bits" ${M[$method]} "${EXTRA[@]}" \
      --out "$OUT/$net.pt" --resume >> "$OUT/$net.train.log" 2>&1 || { echo "FAILED $net (see $OUT/$net.train.log)"; return 1; }
  echo "wall $(( $(date +%s) - t0 )) s" >> "$OUT/$net.train.log"
  touch "$OUT/$net.done"
  echo "done $net: $(grep '^epoch' "$OUT/$net.train.log" | tail -1)"
}
[ -n "${ONLY:-}" ] && read -r -a NAMES <<< "$ONLY"
fail=0
for seed in $SEEDS; do
  for name in "${NAMES[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || fail=1; done
    one "$name" "$seed" &
  done
done
while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || fail=1; done
exit $fail
