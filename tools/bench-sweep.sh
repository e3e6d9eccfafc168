#!/usr/bin/env bash
# Benchmark of `lvsim sweep` (issue 9): 21 voltages x 25 chips x the 10,000 Fashion-MNIST test
# images with the shipped CNN on the 45 nm preset (525 points, 5.25 M inferences), once with the
# exact reuse of unchanged points and once without (--no-reuse), side by side in one run. Prints
# wall time, peak memory and the points actually run. Usage: tools/bench-sweep.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
run() {  # run NAME ARGS...
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$T/$name.time" "$BUILD/lvsim" sweep --study presets/studies/fmnist-45nm-525.json \
    --out "$T/$name" "$@" 2>"$T/$name.log" >/dev/null
  read -r wall rss <"$T/$name.time"
  printf '%-10s wall %7.1f s   peak RSS %6.0f MiB   %s\n' "$name" "$wall" "$((rss / 1024))" \
    "$(grep -o '[0-9]* points (.*journal)' "$T/$name.log")"
}
echo "lvsim sweep, 525 points x 10k images, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
run reuse
run no-reuse --no-reuse
for f in points.csv summary.csv summary.json points.json report.html; do
  cmp -s "$T/reuse/$f" "$T/no-reuse/$f" || { echo "ERROR: $f differs between the two runs"; exit 1; }
done
echo "outputs byte-identical with and without reuse"
