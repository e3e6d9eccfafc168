#!/usr/bin/env bash
# Benchmark of partial re-runs (issue 24 item 3): the seed-like SimpleNet (GroupNorm,
# workloads/networks/fmnist-simplenet-normal-q8.json) on the 14 nm curve, all 10,000 Fashion-MNIST
# test images, CHIPS chips, over two voltage ranges: 0.86-0.80 Vmin (the issue's range) and
# 0.96-0.87 Vmin. Each range runs with partial re-runs (default) and with --no-layer-reuse,
# alternating, ROUNDS times, on one machine; prints wall and CPU time, peak RSS and the points
# run / resumed / MACs skipped, and checks the outputs are byte-identical.
# Usage: tools/bench-sweep-layers.sh [BUILD_DIR] [ROUNDS] [CHIPS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ROUNDS=${2:-2}
CHIPS=${3:-5}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
run() {  # run NAME VOLTAGES ARGS...
  local name=$1 volts=$2
  shift 2
  rm -rf "$T/$name"
  /usr/bin/time -f "%e %U %S %M" -o "$T/$name.time" "$BUILD/lvsim" sweep \
    --network workloads/networks/fmnist-simplenet-normal-q8.json --data /usr/share/datasets/fashion-mnist \
    --tech presets/tech/14nm-normalized.json --voltages "$volts" --chips "$CHIPS" --out "$T/$name" "$@" \
    2>"$T/$name.log" >/dev/null
  read -r wall user sys rss <"$T/$name.time"
  printf '%-16s wall %6.1f s  cpu %6.1f s  peak RSS %5d MiB  %s\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" \
    "$((rss / 1024))" "$(grep -o '([0-9]* run.*skipped)' "$T/$name.log")"
}
echo "lvsim sweep, SimpleNet, 10k images, $CHIPS chips, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for range in 0.86:0.80:-0.01 0.96:0.87:-0.01; do
  echo "V_sram/Vmin $range"
  for round in $(seq "$ROUNDS"); do
    run "layers-$round" "$range"
    run "whole-$round" "$range" --no-layer-reuse
    for f in points.csv summary.csv summary.json points.json thresholds.csv report.html; do
      cmp -s "$T/layers-$round/$f" "$T/whole-$round/$f" || { echo "ERROR: $f differs"; exit 1; }
    done
  done
done
echo "outputs byte-identical with and without partial re-runs"
