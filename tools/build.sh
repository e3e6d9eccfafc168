#!/usr/bin/env bash
# Configures and builds lvsim in Release into ./build (tests, benchmarks and the Python module
# included); `tools/build.sh --lvsim-only` configures without them and builds only the lvsim binary
# (tools/setup-and-run.sh: the first result in minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --lvsim-only ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLVSIM_BUILD_TESTS=OFF -DLVSIM_BUILD_BENCHMARKS=OFF \
    -DLVSIM_PYTHON=OFF >/dev/null
  cmake --build build -j"$(nproc)" --target lvsim
else
  OPTIONS=()
  if dpkg -s pybind11-dev python3-dev >/dev/null 2>&1; then OPTIONS=(-DLVSIM_PYTHON=ON); fi
  # A build first configured by --lvsim-only (before tools/test.sh installed OpenMPI) has LVSIM_MPI
  # cached OFF: switch it on once MPI is there.
  if dpkg -s libopenmpi-dev >/dev/null 2>&1; then OPTIONS+=(-DLVSIM_MPI=ON); fi
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLVSIM_BUILD_TESTS=ON -DLVSIM_BUILD_BENCHMARKS=ON \
    "${OPTIONS[@]}" >/dev/null
  cmake --build build -j"$(nproc)"
fi
