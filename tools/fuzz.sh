#!/usr/bin/env bash
# Fuzzes one reader of untrusted input with libFuzzer (docs/reliability.md, "Fuzzed parsers").
#   tools/fuzz.sh TARGET SECONDS [extra libFuzzer options]
#   tools/fuzz.sh list
# TARGET is a tests/fuzz/fuzz_<TARGET>.cpp (network, fault_map, arch, tech, study, explore, topology,
# idx, cifar, onnx, npz, journal, recost). Builds with clang -fsanitize=fuzzer,address,undefined into build-fuzz/,
# fuzzes starting from the committed seeds and crash regressions, keeps the growing corpus in
# build-fuzz/corpus/TARGET/ and writes crashing inputs to build-fuzz/artifacts/TARGET/. A crash
# input is fixed in the reader and committed to tests/fuzz/regressions/TARGET/, where ctest runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
if [ "${1:-}" = list ] || [ $# -lt 2 ]; then
  echo "usage: tools/fuzz.sh TARGET SECONDS [libFuzzer options]; targets:"
  ls tests/fuzz/fuzz_*.cpp | sed 's|.*/fuzz_||; s|\.cpp$||' | sed 's/^/  /'
  [ "${1:-}" = list ]; exit
fi
TARGET=$1 SECONDS_TO_RUN=$2
shift 2
[ -f "tests/fuzz/fuzz_$TARGET.cpp" ] || { echo "tools/fuzz.sh: no target $TARGET (tools/fuzz.sh list)" >&2; exit 2; }
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "tools/fuzz.sh: needs clang and libFuzzer: apt-get install clang libclang-rt-14-dev" >&2; exit 2
fi
B=${LVSIM_FUZZ_BUILD:-build-fuzz}
LAUNCHER=()
if command -v ccache >/dev/null; then LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
if [ ! -f "$B/CMakeCache.txt" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${LAUNCHER[@]}" \
    -DLVSIM_FUZZ=ON -DLVSIM_SANITIZE=address,undefined -DLVSIM_BUILD_TESTS=OFF -DLVSIM_BUILD_BENCHMARKS=OFF \
    -DLVSIM_MPI=OFF >/dev/null
fi
nice cmake --build "$B" --target "fuzz_$TARGET" -j"${LVSIM_FUZZ_JOBS:-2}"
mkdir -p "$B/corpus/$TARGET" "$B/artifacts/$TARGET"
SEEDS=("tests/fuzz/corpus/$TARGET")
[ -d "tests/fuzz/regressions/$TARGET" ] && SEEDS+=("tests/fuzz/regressions/$TARGET")
# The first corpus directory receives new inputs; the committed ones are only read.
# -rss_limit_mb: a reader must refuse (resource limits) rather than allocate gigabytes.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
exec "$B/tests/fuzz/fuzz_$TARGET" "$B/corpus/$TARGET" "${SEEDS[@]}" -max_total_time="$SECONDS_TO_RUN" \
  -artifact_prefix="$B/artifacts/$TARGET/" -timeout=20 -rss_limit_mb=2560 -print_final_stats=1 "$@"
