#!/usr/bin/env bash
# Partial re-runs (issue 24): on the seed-like SimpleNet at 0.96-0.88 Vmin of the 14 nm curve, later
# layers' weights change first, so points run from their first changed layer, from the activations
# the chain's previous run point left. Outputs are byte-identical to running every point from the
# first layer (--no-layer-reuse) and to running every point (--no-reuse), for 1 and 2 threads, with
# a budget too small to hold any activations, and after resuming a study with points in its journal.
source "$(dirname "$0")/lib/cli_test.sh"
ALL="points.json points.csv summary.json summary.csv thresholds.csv report.html"
same_outputs() {  # same_outputs DIR_A DIR_B WHAT
  local f
  for f in $ALL; do cmp -s "$1/$f" "$2/$f" || { fail "$3: $2/$f differs from $1/$f"; return; }; done
  ok "$3: outputs identical"
}
SIMPLENET=$SRC/workloads/networks/fmnist-simplenet-normal-q8.json
STUDY=(--network "$SIMPLENET" --data "$DATA" --images 200 --tech "$SRC/presets/tech/14nm-normalized.json"
       --voltages 0.96:0.88:-0.01 --chips 3)

"$LVSIM" sweep "${STUDY[@]}" --threads 2 --out "$T/layers" >/dev/null 2>"$T/layers.log" ||
  fail "sweep with partial re-runs: $(cat "$T/layers.log")"
resumed=$(grep -oE '[0-9]+ of the run from a later layer on' "$T/layers.log" | cut -d' ' -f1)
[ "${resumed:-0}" -ge 3 ] && ok "partial re-runs exercised: $(grep -o 'points (.*skipped)' "$T/layers.log")" ||
  fail "no point ran from a later layer: $(cat "$T/layers.log")"

"$LVSIM" sweep "${STUDY[@]}" --threads 1 --no-layer-reuse --out "$T/whole" >/dev/null 2>"$T/whole.log" ||
  fail "sweep --no-layer-reuse"
grep -q " 0 of the run from a later layer on, 0.0% of the MACs skipped" "$T/whole.log" ||
  fail "--no-layer-reuse still resumed: $(cat "$T/whole.log")"
same_outputs "$T/layers" "$T/whole" "--no-layer-reuse, 1 thread"
"$LVSIM" sweep "${STUDY[@]}" --threads 2 --no-reuse --quiet --out "$T/every" >/dev/null || fail "sweep --no-reuse"
same_outputs "$T/layers" "$T/every" "--no-reuse"
"$LVSIM" sweep "${STUDY[@]}" --threads 1 --layer-reuse-mib 0 --out "$T/nobudget" >/dev/null 2>"$T/nobudget.log" ||
  fail "sweep --layer-reuse-mib 0"
grep -q " 0 of the run from a later layer on" "$T/nobudget.log" || fail "a zero budget still resumed"
same_outputs "$T/layers" "$T/nobudget" "--layer-reuse-mib 0"

# Points from the journal serve as the chain's earlier points: drop the last third of the journal
# (its first line is the study's header) and the result files, and run again. (This also checks
# that a journal of a network with groupnorm parameters in the weight SRAM is accepted.)
cp -r "$T/layers" "$T/partial"
keep=$(($(wc -l <"$T/partial/journal.jsonl") * 2 / 3))
head -n $keep "$T/partial/journal.jsonl" >"$T/partial/j" && mv "$T/partial/j" "$T/partial/journal.jsonl"
(cd "$T/partial" && rm -f manifest.json $ALL)
"$LVSIM" sweep "${STUDY[@]}" --threads 2 --out "$T/partial" >/dev/null 2>"$T/partial.log" ||
  fail "resumed sweep: $(cat "$T/partial.log")"
same_outputs "$T/layers" "$T/partial" "resumed from a journal of $((keep - 1)) points"

# Under MPI the chains are spread over the ranks, each keeping its own activations.
if command -v mpirun >/dev/null; then
  mpirun_2 "$LVSIM" sweep "${STUDY[@]}" --threads 1 --quiet --out "$T/mpi" >/dev/null 2>"$T/mpi.log" ||
    fail "2-rank sweep (exit $?): $(tail -n 8 "$T/mpi.log")"
  same_outputs "$T/layers" "$T/mpi" "2 MPI ranks"
else
  echo "skip 2 MPI ranks: no mpirun (tests/cli/sweep_mpi.sh requires it)"
fi
exit $((fails > 0))
