#!/usr/bin/env bash
# Installs the Debian 12 packages lvsim builds and runs with (sudo when not root).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
PKGS=(build-essential cmake ninja-build pkg-config
      libsystemc-dev nlohmann-json3-dev catch2 libfmt-dev libcli11-dev
      libbenchmark-dev zlib1g-dev libboost-dev libopenmpi-dev openmpi-bin dataset-fashion-mnist python3 python3-jsonschema libjs-chart.js chromium
      libonnx-dev libprotobuf-dev libzip-dev python3-onnx python3-numpy python3-torch
      python3-dev pybind11-dev python3-pytest python3-matplotlib)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
