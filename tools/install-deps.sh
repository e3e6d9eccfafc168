#!/usr/bin/env bash
# Installs the Debian 12 packages lvsim builds and runs with (sudo when not root); with --runtime only
# those the lvsim binary needs, without the test, benchmark and Python tooling.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
# The packages that build and run lvsim itself (tools/setup-and-run.sh installs only these) ...
RUNTIME=(build-essential cmake ninja-build pkg-config
         libsystemc-dev nlohmann-json3-dev libfmt-dev libcli11-dev zlib1g-dev libboost-dev libeigen3-dev
         dataset-fashion-mnist libjs-chart.js libonnx-dev libprotobuf-dev libzip-dev)
# ... and what the tests, benchmarks, Python API, MPI sweeps (optional: OpenMPI alone pulls in ~60
# packages, gfortran among them) and the PyTorch side add (tools/test.sh, CI).
TESTING=(catch2 libbenchmark-dev python3 python3-jsonschema chromium python3-onnx python3-numpy python3-torch
         python3-dev pybind11-dev python3-pytest python3-matplotlib clang-format libopenmpi-dev openmpi-bin)
PKGS=("${RUNTIME[@]}")
if [ "${1:-}" != --runtime ]; then PKGS+=("${TESTING[@]}"); fi
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  # --force-unsafe-io: dpkg skips its fsync per unpacked file (libboost1.74-dev alone has ~14,000
  # headers; with fsync its unpacking took 90 s of a fresh install, docs/performance.md).
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-unsafe-io "${missing[@]}"
fi
