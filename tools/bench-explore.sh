#!/usr/bin/env bash
# Benchmark of `lvsim explore` (issue 11): the 1,000-point grid of presets/explorations/edge-arrays.json
# (array shape x dataflow x weight-SRAM banks and size x V_sram) over the shipped CNN and three
# SCALE-Sim topologies, closed-form timing and energy; 1 and 2 threads side by side. Prints wall
# time and the points per second. Usage: tools/bench-explore.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "lvsim explore, presets/explorations/edge-arrays.json, $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for threads in 1 2; do
  /usr/bin/time -f "%e %M" -o "$T/time" "$BUILD/lvsim" explore --exploration presets/explorations/edge-arrays.json \
    --out "$T/out$threads" --threads $threads 2>"$T/log"
  read -r wall rss <"$T/time"
  printf '%d thread(s): wall %6.2f s, peak RSS %4d MiB; %s\n' "$threads" "$wall" "$((rss / 1024))" "$(cat "$T/log")"
done
cmp -s "$T/out1/points.csv" "$T/out2/points.csv" && echo "points.csv identical for 1 and 2 threads"
# SCALE-Sim v2 needs ~0.5 s per layer configuration on this machine class (measured November 2026,
# median of 123 cases: docs/references.md#measured); the grid's feasible layer configurations are
# the rows of layers.csv:
n=$(($(wc -l <"$T/out2/layers.csv") - 1))
/usr/bin/python3 -c "import sys; n = int(sys.argv[1]); print(f'{n} feasible layer configurations: SCALE-Sim at ~0.5 s each would need ~{n * 0.5 / 3600:.1f} h')" "$n"
/usr/bin/python3 - "$T/out2/points.json" <<'PY'
import collections, json, sys
rows = json.load(open(sys.argv[1]))["points"]
c = collections.Counter((r["workload"], r["feasible"]) for r in rows)
print("feasible rows per workload:", {w: c[(w, True)] for w in dict.fromkeys(r["workload"] for r in rows)})
PY
