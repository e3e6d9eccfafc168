#!/usr/bin/env bash
# The measured-chip technology profiles (presets/tech/14nm-measured-chip*.json, docs/fault-maps.md
# "Measured chips") in lvsim run and lvsim sweep: persistent stuck cells plus transient read errors
# at the tabulated rate p - persistent (Stutz et al., supplementary "Profiled Bit Errors": chip 2 at
# p = 1.01 %, persistent 0.105 %), and a sweep over the profiled voltages.
source "$(dirname "$0")/lib/cli_test.sh"
TECH=$SRC/presets/tech/14nm-measured-chip2.json
"$LVSIM" run --network "$NET" --data "$DATA" --images 20 --tech "$TECH" --voltage 0.84 --json >"$T/run.json" \
  2>"$T/err" || fail "run: $(cat "$T/err")"
/usr/bin/python3 - "$T/run.json" <<'PY' && ok "run at 0.84: stuck cells and transients at 1.01 - 0.105 %" || fail "run report"
import json, sys
f = json.load(open(sys.argv[1]))["faults"]
want = (1.01 - 0.105) / 100
assert abs(f["transient_ber"] - want) < 1e-12, f["transient_ber"]
assert f["transient_bit_errors"] > 0 and f["failing_cells"] > 0 and f["stuck_at_1"] > f["stuck_at_0"] > 0, f
assert f["read_flip"] == 0, f
PY
"$LVSIM" run --network "$NET" --data "$DATA" --images 20 --tech "$TECH" --voltage 0.84 >"$T/run.txt" 2>&1 &&
  grep -q "transient read errors 0.00905 per bit and read" "$T/run.txt" && ok "text report names the transient rate" ||
  fail "text report: $(cat "$T/run.txt")"
# Below the lowest profiled voltage: refused, naming the range.
"$LVSIM" run --network "$NET" --data "$DATA" --images 5 --tech "$TECH" --voltage 0.80 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "outside the weight-SRAM range \[0.808" "$T/err" && ok "0.80 refused" || fail "0.80: rc $rc $(cat "$T/err")"
# A sweep over the profiled voltages: every point reads with transients (no reuse), equals lvsim run.
"$LVSIM" sweep --network "$NET" --data "$DATA" --images 20 --tech "$TECH" --voltages 1.0,0.875,0.84 --chips 2 \
  --quiet --out "$T/s" 2>"$T/err" || fail "sweep: $(cat "$T/err")"
"$LVSIM" run --network "$NET" --data "$DATA" --images 20 --tech "$TECH" --voltage 0.875 --chip-seed 2 --robust-error \
  --json >"$T/r2.json" 2>"$T/err" || fail "run 0.875: $(cat "$T/err")"
/usr/bin/python3 - "$T/s/points.csv" "$T/r2.json" <<'PY' && ok "sweep points: transients above Vmin, = run" || fail "sweep points"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
r = json.load(open(sys.argv[2]))
by = {(float(p["v_sram_v"]), p["chip_seed"]): p for p in rows}
assert all(int(by[(1.0, c)]["transient_bit_errors"]) == 0 for c in "12")
assert all(int(by[(v, c)]["transient_bit_errors"]) > 0 for v in (0.875, 0.84) for c in "12")
p = by[(0.875, "2")]
assert int(p["correct"]) == r["correct"] and int(p["transient_bit_errors"]) == r["faults"]["transient_bit_errors"], (p, r)
PY
exit $((fails > 0))
