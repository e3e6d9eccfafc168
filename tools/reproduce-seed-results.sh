#!/usr/bin/env bash
# Reproduces the seed work's central experiment on Fashion-MNIST with the shipped model zoo
# (docs/model-zoo.md): two `lvsim sweep` studies (bit error rate; weight-SRAM voltage on the 14 nm-
# normalized technology), all zoo models on the same chips, then docs/results-fashion-mnist.md and
# docs/results-fashion-mnist.html from their summary.json (tools/seed_results.py); then the FlatENN
# comparison (presets/studies/simplenet-flatenn-{bit-flip,stuck-at}.json: standard vs activation-sparse
# vs activation-sparse + SAQ SimpleNets) and its section of docs/results-simplenet.md
# (tools/flatenn_results.py).
#   tools/reproduce-seed-results.sh [BUILD_DIR] [WORK_DIR]      (defaults: build, results/seed)
# The sweeps take <= 10 min on 2 cores; a re-run with the same WORK_DIR reuses their journals.
set -euo pipefail
BUILD=${1:-build}
WORK=${2:-results/seed}
LVSIM=$BUILD/lvsim
[ -x "$LVSIM" ] || { echo "reproduce-seed-results.sh: $LVSIM not found (build lvsim first: tools/build.sh)" >&2; exit 2; }
mkdir -p "$WORK"
t0=$(date +%s)
"$LVSIM" sweep --study presets/studies/fmnist-zoo-ber.json --out "$WORK/ber" --threads 2
t1=$(date +%s)
"$LVSIM" sweep --study presets/studies/fmnist-zoo-14nm.json --out "$WORK/vsram" --threads 2
t2=$(date +%s)
/usr/bin/python3 tools/seed_results.py --ber "$WORK/ber" --vsram "$WORK/vsram" --lvsim "$LVSIM" --work "$WORK" \
  --md docs/results-fashion-mnist.md --html docs/results-fashion-mnist.html \
  --ber-seconds $((t1 - t0)) --vsram-seconds $((t2 - t1)) --load-average "$(cut -d' ' -f1 /proc/loadavg)"
t3=$(date +%s)
"$LVSIM" sweep --study presets/studies/simplenet-flatenn-bit-flip.json --out "$WORK/flatenn-bit-flip" --threads 2
"$LVSIM" sweep --study presets/studies/simplenet-flatenn-stuck-at.json --out "$WORK/flatenn-stuck-at" --threads 2
t4=$(date +%s)
/usr/bin/python3 tools/flatenn_results.py --bit-flip "$WORK/flatenn-bit-flip" --stuck-at "$WORK/flatenn-stuck-at" \
  --lvsim "$LVSIM" --md docs/results-simplenet.md --seconds $((t4 - t3))
