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
  PYTHON_OPTION=()
  if dpkg -s pybind11-dev python3-dev >/dev/null 2>&1; then PYTHON_OPTION=(-DLVSIM_PYTHON=ON); fi
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLVSIM_BUILD_TESTS=ON -DLVSIM_BUILD_BENCHMARKS=ON \
    "${PYTHON_OPTION[@]}" >/dev/null
  cmake --build build -j"$(nproc)"
fi
