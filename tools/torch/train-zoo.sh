#!/usr/bin/env bash
# Trains and exports the model zoo of docs/model-zoo.md (workloads/networks/fmnist-cnn-*.json):
# the reference CNN trained 7 ways, sequentially, each checked by export.py (lvsim's predictions
# equal the independent integer reference image for image). Usage, from the repository root:
#   tools/torch/train-zoo.sh [BUILD_DIR] [NAME...]      (default: all seven, one after the other)
# Two lanes in parallel, one thread each, as used for the shipped zoo:
#   tools/torch/train-zoo.sh build normal-q8 rquant-q8 clip-q8 saq-q8 normal-q4 &
#   tools/torch/train-zoo.sh build randbet-clip-q8 randbet-clip-q4
# Writes checkpoints and logs to build-torch/zoo/ and one provenance line per model to
# build-torch/zoo/provenance.jsonl (command, seed, wall time, accuracies).
set -euo pipefail
BUILD=${1:-build}; shift || true
DATA=/usr/share/datasets/fashion-mnist
PY=/usr/bin/python3
OUT=build-torch/zoo
mkdir -p "$OUT"
# Common training budget: chosen so each model trains in minutes on a shared 2-core machine.
COMMON="--train-images 6000 --test-images 2000 --batch 64 --lr 1e-3 --seed 1 --threads 1"
NORMAL8="--bits 8 --scheme normal"; ROBUST8="--bits 8 --scheme robust"
NORMAL4="--bits 4 --scheme normal"; ROBUST4="--bits 4 --scheme robust"
declare -A TRAIN=(
  [normal-q8]="$NORMAL8"
  [rquant-q8]="$ROBUST8"
  [clip-q8]="$ROBUST8 --clip 0.1"
  [randbet-clip-q8]="$ROBUST8 --clip 0.1 --randbet-p 0.01"
  [randbet-clip-q4]="$ROBUST4 --clip 0.1 --randbet-p 0.01"
  [saq-q8]="$ROBUST8 --saq-rho 0.05"
  [normal-q4]="$NORMAL4"
)
# RandBET at 4 bits learns slowest (a flip of the top bit moves a weight by half its range): 4 epochs.
declare -A EPOCHS=([randbet-clip-q4]=4)
ORDER=(normal-q8 rquant-q8 clip-q8 randbet-clip-q8 randbet-clip-q4 saq-q8 normal-q4)
[ $# -gt 0 ] && ORDER=("$@")
for name in "${ORDER[@]}"; do
  args=${TRAIN[$name]}
  scheme=$(echo "$args" | grep -q normal && echo "--symmetry symmetric --storage twos_complement --rounding truncate" \
           || echo "--symmetry asymmetric --storage unsigned --rounding round")
  bits=$(echo "$args" | sed -E 's/.*--bits ([0-9]).*/\1/')
  net=fmnist-cnn-$name
  cmd="tools/torch/train.py --epochs ${EPOCHS[$name]:-2} $COMMON $args --out $OUT/$net.pt"
  echo "== $net: $cmd"
  t0=$(date +%s)
  nice -n 10 $PY $cmd | tee "$OUT/$net.train.log"
  t1=$(date +%s)
  nice -n 10 $PY tools/torch/export.py --model-file tools/torch/lvsim_common.py --class FmnistCnn \
    --checkpoint "$OUT/$net.pt" --input-shape 1,28,28 --pixel-scale 0.00392156862745098 --mean 0.2860 --std 0.3530 \
    --bits "$bits" --granularity per_tensor $scheme --out "$OUT/$net.onnx" --network "workloads/networks/$net.json" \
    --lvsim "$BUILD/lvsim" --import-args "--calib-data $DATA --calib-images 512 --name $net --threads 1" \
    --check-data "$DATA" --check-images 1000 --threads 1 | tee "$OUT/$net.export.log"
  acc=$(nice -n 10 "$BUILD/lvsim" run --network "workloads/networks/$net.json" --data "$DATA" --threads 1 --json |
        $PY -c "import json,sys; print(json.load(sys.stdin)['accuracy'])")
  check=$(tail -1 "$OUT/$net.export.log")
  echo "{\"network\": \"$net\", \"command\": \"$cmd\", \"train_wall_s\": $((t1 - t0)), \"lvsim_accuracy_10k\": $acc, \"export_check\": $check}" \
    | tee -a "$OUT/provenance.jsonl"
done
