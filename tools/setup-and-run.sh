#!/usr/bin/env bash
# README command 1: install what is missing, build in Release, and run the main job — the shipped
# Fashion-MNIST CNN on the 10k test images, on the edge array, at nominal and at a lowered
# weight-SRAM voltage, reporting accuracy and energy together.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
build/lvsim run --network workloads/networks/fmnist-cnn.json --data /usr/share/datasets/fashion-mnist "$@"
