#!/usr/bin/env bash
# lvsim sweep under MPI (2 ranks on one machine): outputs byte-identical to the one-process run,
# with a fixed and an adaptive chip count; a study whose ranks are killed resumes under MPI to the
# same bytes. Needs Debian's openmpi-bin and an lvsim built with LVSIM_MPI (CI installs both).
source "$(dirname "$0")/lib/cli_test.sh"
trap 'pkill -KILL -f "$T" 2>/dev/null; rm -rf "$T"' EXIT  # ranks left running by a kill below
if ! command -v mpirun >/dev/null; then
  echo "FAIL: mpirun not found: install the Debian packages openmpi-bin libopenmpi-dev (tools/install-deps.sh)"
  exit 1
fi
ALL="points.json points.csv summary.json summary.csv report.html"
same() {
  local f
  for f in $ALL; do cmp -s "$1/$f" "$2/$f" || { fail "$2/$f differs from $1/$f"; return; }; done
  ok "$3"
}

STUDY=(--network "$NET" --data "$DATA" --images 500 --voltages 0.62:0.50:-0.04 --chips 5 --quiet --threads 1)
"$LVSIM" sweep "${STUDY[@]}" --out "$T/one" || fail "1-process sweep"
mpirun_2 "$LVSIM" sweep "${STUDY[@]}" --out "$T/two" >"$T/log" 2>&1 || fail "2-rank sweep: $(cat "$T/log")"
same "$T/one" "$T/two" "2 MPI ranks: outputs identical to 1 process"

ADAPT=(--network "$NET" --data "$DATA" --images 300 --voltages 0.56:0.50:-0.02 --chips 12 --ci-width 0.02
       --min-chips 3 --quiet --threads 1)
"$LVSIM" sweep "${ADAPT[@]}" --out "$T/a1" || fail "1-process adaptive sweep"
mpirun_2 "$LVSIM" sweep "${ADAPT[@]}" --out "$T/a2" >"$T/log" 2>&1 || fail "2-rank adaptive sweep: $(cat "$T/log")"
same "$T/a1" "$T/a2" "adaptive chip count under 2 MPI ranks: outputs identical to 1 process"
/usr/bin/python3 "$SRC/tests/cli/check_sweep_stats.py" "$T/a1" || fail "adaptive statistics"

# Kill every rank mid-study (as a lost node would), then resume under MPI.
SLOW=(--network "$NET" --data "$DATA" --images 1000 --voltages 0.60:0.50:-0.02 --chips 4 --threads 1 --no-reuse
      --quiet)
"$LVSIM" sweep "${SLOW[@]}" --out "$T/slow-one" || fail "1-process slow sweep"
mpirun_2 "$LVSIM" sweep "${SLOW[@]}" --out "$T/slow-two" >"$T/log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null && [ "$(cat "$T/slow-two/journal.jsonl" 2>/dev/null | wc -l)" -lt 9 ]; do sleep 0.005; done
pkill -KILL -f "lvsim sweep.*$T/slow-two"
wait $pid 2>/dev/null
have=$(($(wc -l <"$T/slow-two/journal.jsonl") - 1))
[ "$have" -lt 24 ] && [ ! -e "$T/slow-two/summary.json" ] || fail "the ranks were not killed mid-study ($have points)"
mpirun_2 "$LVSIM" sweep "${SLOW[@]}" --out "$T/slow-two" >"$T/log" 2>&1 || fail "resumed 2-rank sweep: $(cat "$T/log")"
same "$T/slow-one" "$T/slow-two" "killed with $have/24 points, resumed under MPI: outputs identical to 1 process"
exit $((fails > 0))
