#!/usr/bin/env bash
# lvsim sweep gives the results an independent path gives: each point equals `lvsim run` at the
# same voltage and chip; the statistics equal a recomputation in Python; outputs are byte-identical
# for any thread count, with and without reuse of unchanged points, and golden / cycle modes give
# the fast path's points.
source "$(dirname "$0")/lib/cli_test.sh"
same_outputs() {  # same_outputs DIR_A DIR_B FILES...: byte-identical files
  local a=$1 b=$2 f
  shift 2
  for f in "$@"; do cmp -s "$a/$f" "$b/$f" || { fail "$b/$f differs from $a/$f"; return; }; done
  ok "$b: $* identical to $a"
}
ALL="points.json points.csv summary.json summary.csv thresholds.csv report.html"
# 45 nm: at 0.9 V no chip has a faulty weight bit (points reuse the clean run); between 0.82 and
# 0.80 V chip 2 gains no new faulty bit (points reuse the previous one); at 0.50 V ~0.2 % of the
# bits are wrong (accuracy drops and varies by chip).
LOUD=(--network "$NET" --data "$DATA" --images 500 --voltages 0.9,0.82,0.81,0.8,0.58,0.5 --chips 3)
COMMON=("${LOUD[@]}" --quiet)

"$LVSIM" sweep "${LOUD[@]}" --max-drop 0.01,0.05 --max-rerr-increase 0.01,0.05 --threads 2 --out "$T/a" >"$T/a.out" 2>"$T/a.log" ||
  fail "reference sweep"
# The table on stdout: one row per voltage (with summary.csv's mean accuracy) and one line per threshold.
/usr/bin/python3 - "$T/a.out" "$T/a/summary.csv" <<'PY' || fail "stdout table: $(cat "$T/a.out")"
import csv, sys
lines = open(sys.argv[1]).read().splitlines()
rows = list(csv.DictReader(open(sys.argv[2])))
for r in rows:
    want = f"{float(r['v_sram_v']):.3f}"
    mean = f"{100 * float(r['accuracy_mean']):.2f}"
    if not any(l.split()[:1] == [want] and mean in l for l in lines):
        sys.exit(1)
sys.exit(0 if sum("accuracy drop <=" in l for l in lines) == 2 and sum("RErr increase <=" in l for l in lines) == 2
         else 1)
PY
"$LVSIM" sweep "${COMMON[@]}" --max-drop 0.01,0.05 --max-rerr-increase 0.01,0.05 --threads 1 --no-reuse --out "$T/b" ||
  fail "sweep --no-reuse"
same_outputs "$T/a" "$T/b" $ALL
# Both kinds of reuse happened in the reference run, so the identity above covers them.
grep -qE "[1-9][0-9]* with the stored weights, [1-9][0-9]* with the previous point's weights" "$T/a.log" &&
  echo "ok   reuse exercised: $(tail -1 "$T/a.log")" || fail "reuse not exercised: $(tail -1 "$T/a.log")"

# The statistics, recomputed independently from the raw points.
/usr/bin/python3 "$SRC/tests/cli/check_sweep_stats.py" "$T/a" 0.01 0.05 || fails=$((fails + 1))

# Other thresholds on a finished study: reported from its journal, nothing recomputed.
cp -r "$T/a" "$T/a2"
"$LVSIM" sweep "${COMMON[@]}" --max-drop 0.02 --max-rerr-increase 0.003 --out "$T/a2" 2>"$T/a2.log" ||
  fail "rerun with other thresholds: $(cat "$T/a2.log")"
cmp -s "$T/a/points.csv" "$T/a2/points.csv" && ! cmp -s "$T/a/thresholds.csv" "$T/a2/thresholds.csv" &&
  ok "other thresholds: same points from the journal, new thresholds.csv" || fail "rerun with other thresholds"
/usr/bin/python3 "$SRC/tests/cli/check_sweep_stats.py" "$T/a2" 0.02 || fails=$((fails + 1))

# Every point at 0.50 and 0.58 V equals lvsim run at that voltage and chip (the run path builds its
# own weight memory, faults and clean reference).
# 0.9 V reuses the clean run, 0.81 V chip 2 the previous point: reused points must equal run too.
for pair in 0.9:1 0.81:2 0.5:1 0.5:3 0.58:1 0.58:3; do
  v=${pair%:*} chip=${pair#*:}
  for _ in 1; do
    "$LVSIM" run --network "$NET" --data "$DATA" --images 500 --voltage $v --chip-seed $chip --robust-error --json \
      >"$T/run.json" 2>"$T/err" || { fail "run v=$v chip=$chip: $(cat "$T/err")"; continue; }
    want=$(/usr/bin/python3 -c "import json; r = json.load(open('$T/run.json'))
print(r['correct'], r['bit_errors'], r['faults']['bits_stored'], round(r['robust_error'] * 500), '%.9e' % r['energy_per_inference_pj'])")
    got=$(/usr/bin/python3 -c "import csv
for p in csv.DictReader(open('$T/a/points.csv')):
    if float(p['v_sram_v']) == $v and p['chip_seed'] == '$chip':
        print(p['correct'], p['bit_errors'], p['bits_stored'], round(float(p['robust_error']) * 500), '%.9e' % float(p['energy_per_inference_pj']))")
    if [ "$want" = "$got" ] && [ -n "$got" ]; then ok "v=$v chip=$chip: sweep = run ($got)"; else
      fail "v=$v chip=$chip: sweep '$got', run '$want'"; fi
  done
done
# The faults must matter at 0.50 V, or the comparison above proves little.
/usr/bin/python3 - "$T/a/points.csv" <<'PY' || fail "no point at 0.50 V lost accuracy"
import csv, sys
rows = [p for p in csv.DictReader(open(sys.argv[1])) if float(p["v_sram_v"]) == 0.5]
clean = max(int(p["correct"]) for p in csv.DictReader(open(sys.argv[1])) if float(p["v_sram_v"]) == 0.9)
sys.exit(0 if any(int(p["correct"]) < clean for p in rows) and all(int(p["bit_errors"]) > 0 for p in rows) else 1)
PY

# Golden engine (slow: a small study) and the cycle-level SystemC model (one child process per
# point): the fast path's points (the summary names the mode, so compare the tables).
SMALL=(--network "$NET" --data "$DATA" --images 40 --voltages 0.54,0.5 --chips 2 --quiet)
"$LVSIM" sweep "${SMALL[@]}" --out "$T/small-fast" || fail "small fast sweep"
"$LVSIM" sweep "${SMALL[@]}" --mode golden --out "$T/small-golden" || fail "golden sweep"
same_outputs "$T/small-fast" "$T/small-golden" points.csv summary.csv
TINY=(--network "$NET" --data "$DATA" --images 8 --voltages 0.54,0.5 --chips 2 --quiet)
"$LVSIM" sweep "${TINY[@]}" --out "$T/tiny-fast" || fail "tiny fast sweep"
"$LVSIM" sweep "${TINY[@]}" --mode cycle --out "$T/tiny-cycle" || fail "cycle sweep"
same_outputs "$T/tiny-fast" "$T/tiny-cycle" points.csv summary.csv

# Two networks on the same chips, and a bit-error-rate axis with stuck-at faults.
"$LVSIM" sweep --network "a=$NET" --network "b=$NET" --data "$DATA" --images 200 --ber-list 1e-3,1e-2 \
  --ber-model stuck_at --chips 2 --quiet --out "$T/ber" || fail "ber sweep"
/usr/bin/python3 - "$T/ber/points.csv" <<'PY' || fail "two identical networks disagree on the same chips"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
key = lambda p: (p["ber"], p["chip_seed"])
a = {key(p): (p["correct"], p["bit_errors"]) for p in rows if p["network"] == "a"}
b = {key(p): (p["correct"], p["bit_errors"]) for p in rows if p["network"] == "b"}
sys.exit(0 if a == b and len(a) == 4 and any(int(v[1]) > 0 for v in a.values()) else 1)
PY
/usr/bin/python3 "$SRC/tests/cli/check_sweep_stats.py" "$T/ber" || fails=$((fails + 1))

# Transient read errors in a study: the point equals lvsim run with the same transients (the bulk
# read of the persistent weights must carry no image's flips: it used to take image 0's flips of
# the first layer for persistent errors), and cycle mode, whose transient and persistent counts come
# from its own SystemC reads, gives the same outputs as fast mode.
TR=(--network "$NET" --data "$DATA" --images 40 --voltages 0.6 --chips 1 --transient-ber 0.003 --quiet)
"$LVSIM" sweep "${TR[@]}" --out "$T/tr-fast" || fail "transient sweep"
"$LVSIM" sweep "${TR[@]}" --mode cycle --out "$T/tr-cycle" || fail "transient cycle sweep"
same_outputs "$T/tr-fast" "$T/tr-cycle" points.csv summary.csv
"$LVSIM" run --network "$NET" --data "$DATA" --images 40 --voltage 0.6 --chip-seed 1 --transient-ber 0.003 --json \
  >"$T/tr-run.json" || fail "transient run"
/usr/bin/python3 - "$T/tr-fast/points.csv" "$T/tr-run.json" <<'PY' || fail "transient sweep point differs from lvsim run"
import csv, json, sys
p = list(csv.DictReader(open(sys.argv[1])))[0]
r = json.load(open(sys.argv[2]))
got = (int(p["correct"]), int(p["bit_errors"]), int(p["transient_bit_errors"]))
want = (r["correct"], r["bit_errors"], r["faults"]["transient_bit_errors"])
print(("ok  " if got == want else "FAIL") + f" transient sweep point {got}, run {want}")
sys.exit(0 if got == want and want[2] > 0 and want[1] > 0 else 1)
PY

[ $fails -eq 0 ] && echo "all sweep result checks passed"
exit $((fails > 0))
