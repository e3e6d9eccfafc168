#!/usr/bin/env bash
# Speed of two builds side by side in one run (issue 22: a refactor must not cost speed): the fast
# path (bench_fast_path: images/s of the shipped CNN, zero-operand counting off and on, 1 and 2
# threads), the 525-point sweep (tools/bench-sweep.sh's study, with reuse) and cycle mode (lvsim
# run --mode cycle on the shipped CNN, 20 images, 128x128 preset: PE-cycles/s). Runs alternate
# before/after ROUNDS times so that load on a shared machine hits both alike; prints each round and
# the medians.
#   tools/bench-before-after.sh BEFORE_BUILD AFTER_BUILD [ROUNDS]
# Each build directory holds lvsim and bench/bench_fast_path (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BEFORE_BUILD AFTER_BUILD [ROUNDS]" >&2; exit 2; }
BEFORE=$(realpath "$1") AFTER=$(realpath "$2") ROUNDS=${3:-3}
NET=workloads/networks/fmnist-cnn.json DATA=/usr/share/datasets/fashion-mnist
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

fast_path() {  # images/s of each fast-path benchmark, "name value" lines
  "$1/bench/bench_fast_path" --benchmark_filter='BM_FastPredict' --benchmark_format=json 2>/dev/null |
    /usr/bin/python3 -c 'import json, sys
for b in json.load(sys.stdin)["benchmarks"]:
    print("/".join(b["name"].split("/")[:2]), b["images_per_s"])'
}
sweep_s() {
  rm -rf "$T/sweep"
  /usr/bin/time -f %e -o "$T/t" "$1/lvsim" sweep --study presets/studies/fmnist-45nm-525.json --out "$T/sweep" --quiet \
    >/dev/null 2>&1
  cat "$T/t"
}
cycle_pe_per_s() {  # simulated PE-cycles (cycles x rows x cols) per wall second, end to end
  "$1/lvsim" run --network $NET --data $DATA --images 20 --mode cycle --arch presets/arch/tpu-128x128.json --quiet \
    --json | /usr/bin/python3 -c 'import json, sys
r = json.load(sys.stdin)
print(r["total_cycles"] * r["arch"]["rows"] * r["arch"]["cols"] / r["wall_time_s"])'
}
for ((i = 1; i <= ROUNDS; ++i)); do
  for side in before after; do
    dir=$BEFORE
    [ $side = after ] && dir=$AFTER
    fast_path "$dir" | sed "s/^/$side fast /" >>"$T/results"
    echo "$side sweep_s $(sweep_s "$dir")" >>"$T/results"
    echo "$side cycle_pe_cycles_per_s $(cycle_pe_per_s "$dir")" >>"$T/results"
  done
  echo "round $i done" >&2
done
echo "lvsim before ($BEFORE) vs after ($AFTER), $ROUNDS rounds alternating, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 - "$T/results" <<'PY'
import collections, statistics, sys
vals = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    side, metric, value = parts[0], " ".join(parts[1:-1]), float(parts[-1])
    vals[(metric, side)].append(value)
metrics = sorted({m for m, _ in vals}, key=lambda m: (not m.startswith("fast"), m))
print(f"{'metric':48} {'before (median)':>16} {'after (median)':>16} {'after/before':>12}")
for m in metrics:
    b, a = statistics.median(vals[(m, "before")]), statistics.median(vals[(m, "after")])
    print(f"{m:48} {b:16.4g} {a:16.4g} {a / b:12.3f}")
PY
