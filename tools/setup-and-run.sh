#!/usr/bin/env bash
# README command 1: install what is missing, build in Release, and run the main job: the shipped
# Fashion-MNIST CNN on all 10,000 test images, accuracy and energy in one run — first at nominal
# voltage (45 nm preset), then with the weight SRAM lowered to 0.84 Vmin on the profiled 14 nm
# curve (bit error rate ~1%, chip 1), where accuracy with faults, clean accuracy, the robust error
# and the energy saved are reported side by side. Extra arguments go to both runs. Then the
# study: a sweep of the weight SRAM from 1.0 to 0.80 Vmin (14 nm curve) over 10 simulated chips,
# all 10,000 images at each of the 110 points: its summary table (with the lowest safe voltage per
# threshold) and its report.html (presets/studies/fmnist-14nm.json).
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the lvsim binary needs: the test tooling (Chromium, pytest, Catch2, benchmarks, the
# Python module) comes with tools/test.sh.
tools/install-deps.sh --runtime
tools/build.sh --lvsim-only
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
NET=workloads/networks/fmnist-cnn.json
DATA=/usr/share/datasets/fashion-mnist
echo "== nominal voltage (presets/tech/45nm.json, edge-16x16 array) =="
build/lvsim run --network "$NET" --data "$DATA" "$@"
echo
echo "== weight SRAM at 0.84 Vmin (presets/tech/14nm-normalized.json), chip 1 =="
build/lvsim run --network "$NET" --data "$DATA" --tech presets/tech/14nm-normalized.json --voltage 0.84 \
  --chip-seed 1 --robust-error "$@"
echo
echo "== study: V_sram 1.00 -> 0.80 Vmin x 10 chips x 10,000 images (presets/studies/fmnist-14nm.json) =="
OUT=results/fmnist-14nm
build/lvsim sweep --study presets/studies/fmnist-14nm.json --out "$OUT"
echo "report: $(realpath "$OUT/report.html")"
