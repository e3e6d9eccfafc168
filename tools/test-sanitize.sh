#!/usr/bin/env bash
# The whole test suite built with AddressSanitizer + UndefinedBehaviorSanitizer (docs/reliability.md,
# "Sanitizer-clean"): any memory error, leak or undefined behaviour ends the process, so the test fails.
# Builds into build-sanitize/ (-O1 -g); CI runs it after tools/test.sh. Without the Python module: an
# ASan-instrumented extension cannot load into Debian's uninstrumented /usr/bin/python3 (the Python
# tests run in the normal suite).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${LVSIM_SANITIZE_BUILD:-build-sanitize}
LAUNCHER=()
if command -v ccache >/dev/null; then LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
start=$(date +%s)
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
  -DLVSIM_SANITIZE=address,undefined -DLVSIM_BUILD_BENCHMARKS=OFF -DLVSIM_PYTHON=OFF "${LAUNCHER[@]}" >/dev/null
cmake --build "$B" -j"$(nproc)"
built=$(date +%s)
# Leak checks on; stack traces for UBSan. LVSIM_SANITIZER_RUN tells the heavy tests (ctest label
# "sanitize-reduced") to shorten their workload: ASan makes them 3-10x slower (docs/reliability.md).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LVSIM_SANITIZER_RUN=1
ctest --test-dir "$B" --output-on-failure -j"$(nproc)" --timeout 3000
echo "sanitizer run: build $((built - start)) s, tests $(($(date +%s) - built)) s"
