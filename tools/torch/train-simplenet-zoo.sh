#!/usr/bin/env bash
# Trains the narrow SimpleNet zoo of docs/model-zoo.md (workloads/networks/fmnist-simplenet-*.json) on
# the CPU, one model after the other, one thread, niced; every epoch writes a checkpoint and a rerun
# resumes where the last one stopped (finished models are skipped). From the repository root:
#   tools/torch/train-simplenet-zoo.sh SEED [NAME...]     (default: every model, in priority order)
# EPOCHS=N (default 1, the shipped zoo's budget) trains every model N epochs instead, into
# build-torch/simplenet-eN/ (the one-epoch zoo stays in build-torch/simplenet/).
# Two lanes, as used for the shipped zoo (niced, one thread each):
#   tools/torch/train-simplenet-zoo.sh 1 normal-q8 rquant-q8 clip-q8 asym-q8 unsigned-q8 clip005-q8 ... &
#   tools/torch/train-simplenet-zoo.sh 1 randbet-clip-q8 saq-q8 sparse-q8 sparse-saq-q8 ...
# Checkpoints, logs: build-torch/simplenet/fmnist-simplenet-NAME-s SEED.{pt,train.log}; a finished
# model gets a .done file. Export: tools/torch/export_simplenet.py (docs/model-zoo.md).
set -euo pipefail
SEED=${1:?usage: train-simplenet-zoo.sh SEED [NAME...]}; shift
PY=/usr/bin/python3
EPOCHS=${EPOCHS:-1}
OUT=build-torch/simplenet
[ "$EPOCHS" = 1 ] || OUT=build-torch/simplenet-e$EPOCHS
mkdir -p "$OUT"
# One budget for every method: 1 epoch over all 60,000 training images, Adam with a one-cycle
# schedule (peak lr 3e-3), batch 128, random horizontal flips (the CPU budget of a shared 2-core
# machine: a niced one-thread lane gets 20-40 % of a core while builds run).
# train.py also writes a resumable checkpoint every 100 steps within an epoch (a killed run loses
# at most those).
COMMON="--model simplenet-narrow --epochs $EPOCHS --batch 128 --lr 3e-3 --schedule onecycle --flip --threads 1 --seed $SEED"
NORMAL="--scheme normal"
ROBUST="--scheme robust"
declare -A M=(
  [normal]="$NORMAL"
  [asym]="$NORMAL --symmetry asymmetric"
  [unsigned]="$NORMAL --symmetry asymmetric --storage unsigned"
  [rquant]="$ROBUST"
  [clip]="$ROBUST --clip 0.1"
  [clip005]="$ROBUST --clip 0.05"
  [randbet-clip]="$ROBUST --clip 0.1 --randbet-p 0.01 --randbet-start-loss 1.0"
  [saq]="$ROBUST --saq-rho 0.05"
  [sparse]="$ROBUST --act-l1 0.05"
  [sparse-saq]="$ROBUST --act-l1 0.05 --saq-rho 0.05"
)
ORDER=(normal-q8 rquant-q8 clip-q8 randbet-clip-q8 asym-q8 unsigned-q8 clip005-q8 saq-q8 sparse-q8 sparse-saq-q8
       normal-q4 asym-q4 unsigned-q4 rquant-q4 clip-q4 clip005-q4 randbet-clip-q4 saq-q4)
[ $# -gt 0 ] && ORDER=("$@")
for name in "${ORDER[@]}"; do
  method=${name%-q*}; bits=${name##*-q}
  net=fmnist-simplenet-$name-s$SEED
  [ -e "$OUT/$net.done" ] && continue
  cmd="tools/torch/train.py $COMMON --bits $bits ${M[$method]} --out $OUT/$net.pt"
  echo "== $net: $cmd" | tee -a "$OUT/$net.train.log"
  t0=$(date +%s)
  nice -n 10 $PY $cmd --resume 2>&1 | tee -a "$OUT/$net.train.log"
  echo "wall $(( $(date +%s) - t0 )) s" | tee -a "$OUT/$net.train.log"
  touch "$OUT/$net.done"
done
