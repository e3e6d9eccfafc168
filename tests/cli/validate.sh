#!/bin/bash
# lvsim validate: every published reference replayed (docs/validation.md). Checks the exit code
# (0: all pass, 1: one fails), that every reference family prints, that --json carries the same
# checks, --only, and the bad-input contract (exit 2, one line naming the file) on a missing or
# corrupted copy of the data folder. The whole command must take under a minute: its CPU time
# (user + system) is held to that, as ctest runs other tests beside it (wall time printed too).
source "$(dirname "$0")/lib/cli_test.sh"

"$LVSIM" validate --json >"$T/v.json" 2>/dev/null &  # beside the table run: the test's time is one run
json_pid=$!
start=$(date +%s)
/usr/bin/python3 - "$LVSIM" "$T" <<'PY'
import resource, subprocess, sys
lvsim, t = sys.argv[1:3]
with open(t + "/table.txt", "w") as out, open(t + "/table.err", "w") as err:
    rc = subprocess.call([lvsim, "validate"], stdout=out, stderr=err)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
open(t + "/cpu_s", "w").write("%d\n" % round(u.ru_utime + u.ru_stime))
sys.exit(rc)
PY
rc=$?
elapsed=$(( $(date +%s) - start ))
cpu=$(cat "$T/cpu_s")
wait $json_pid
json_rc=$?
cat "$T/table.txt"
# Exit 1 exactly when a line says FAIL; every check must pass (exit 0).
nfail=$(grep -c ' FAIL$' "$T/table.txt")
[ $rc -eq $((nfail > 0)) ] && ok "validate: exit $rc with $nfail failing checks" || fail "validate: exit $rc, $nfail FAIL lines: $(cat "$T/table.err")"
[ $rc -eq 0 ] && [ "$nfail" -eq 0 ] && ok "every check passes" || fail "failing checks: $(grep ' FAIL$' "$T/table.txt")"
# The one-minute budget holds for the release build; under ASan + UBSan (LVSIM_SANITIZER_RUN,
# tools/test-sanitize.sh) the same work takes 3-5x as long, so only the results are checked there.
if [ -n "${LVSIM_SANITIZER_RUN:-}" ]; then
  ok "validate: ${cpu} s CPU, ${elapsed} s wall (sanitizer build: no time limit)"
else
  [ "$cpu" -lt 60 ] && ok "validate: ${cpu} s CPU < 60 s (${elapsed} s wall)" || fail "validate took ${cpu} s CPU (${elapsed} s wall)"
fi
for ref in scale-sim-v2 scale-sim-v3 tpu-v4 timeloop-45nm published-sizes fault-model measured-chips; do
  grep -q "^$ref " "$T/table.txt" && ok "table has $ref" || fail "table lacks $ref"
done

python3 - "$T/v.json" "$T/table.txt" "$json_rc" <<'PY'
import json, sys
from checks import check, finish
j = json.load(open(sys.argv[1]))
table = [l for l in open(sys.argv[2]).read().splitlines()[1:-1]]
check(int(sys.argv[3]) == (0 if j["all_pass"] else 1), f"--json exit {sys.argv[3]} matches all_pass {j['all_pass']}")
check(all(c["pass"] for c in j["checks"]) and j["all_pass"], "every check passes")
tpu = [c for c in j["checks"] if c["reference"] == "tpu-v4"]
check(len(tpu) == 3 and all(c["simulated"] >= c["expected"] - 0.01 for c in tpu), f"TPU v4 R2 {[(c['expected'], c['simulated']) for c in tpu]}")
check(len(j["checks"]) == len(table), f"--json has {len(j['checks'])} checks, the table {len(table)} lines")
refs = {c["reference"] for c in j["checks"]}
check(refs == {"scale-sim-v2", "scale-sim-v3", "tpu-v4", "timeloop-45nm", "published-sizes", "fault-model", "measured-chips"}, f"references {sorted(refs)}")
# The measured chips: the table's 7 rows (Stutz et al., MLSys 2021, suppl.) x (p, persistent) + 3 stuck-at-1 shares.
chips = [c for c in j["checks"] if c["reference"] == "measured-chips"]
check(len(chips) == 17, f"{len(chips)} measured-chip checks")
p = sorted(round(c["expected"], 4) for c in chips if "bit error rate" in c["compared"])
check(p == [0.136, 0.597, 0.866, 1.01, 2.297, 2.744, 4.707], f"measured-chip p values {p}")
check(j["passed"] + j["failed"] == len(j["checks"]), "passed + failed == checks")
for c in j["checks"]:
    check(set(c) == {"reference", "compared", "expected", "simulated", "error", "error_unit", "tolerance", "pass"}, f"fields of {c['compared']}")
gemm = [c for c in j["checks"] if c["reference"] == "scale-sim-v3" and "GEMM" in c["compared"]]
check(sorted(c["expected"] for c in gemm) == [10175, 11199, 14207], f"GEMM goldens without stalls {[c['expected'] for c in gemm]}")
finish()
PY
[ $? -eq 0 ] && ok "--json" || fail "--json"

"$LVSIM" validate --only timeloop-45nm >"$T/only.txt" 2>&1
[ "$(grep -c '^timeloop-45nm ' "$T/only.txt")" -eq 10 ] && [ "$(grep -c '^scale-sim' "$T/only.txt")" -eq 0 ] &&
  [ "$(grep -c '^timeloop-45nm    OS: ' "$T/only.txt")" -eq 5 ] &&
  ok "--only timeloop-45nm: 10 lines (WS and OS designs)" || fail "--only timeloop-45nm: $(cat "$T/only.txt")"

expect_rejected "unknown --only" "--only: 'nope' is not a reference" -F -- validate --only nope
cp -r "$SRC/validation" "$T/data"
printf 'dim_m,dim_n\n12,abc\n' >"$T/data/tpu-v4/fusion_statistics_report_with_scale_sim_128.csv"
expect_rejected "corrupted data file" "fusion_statistics_report_with_scale_sim_128.csv" -F -- validate --data-dir "$T/data"
sed -i 's/,mac$/,multiplier/' "$T/data/timeloop/simple_output_stationary_actions.csv"
expect_rejected "unknown lvsim action" "simple_output_stationary_actions.csv: line 2 column 'lvsim_action': 'multiplier' is not an lvsim action" -F -- \
  validate --only timeloop-45nm --data-dir "$T/data"
# A table row the profile does not reproduce (chip 2's 1.01 % read as 1.2 %) fails that line, exit 1.
sed 's/^2,8192,1.01,/2,8192,1.2,/' "$SRC/validation/measured-chips/stutz2021_profiled_chips.csv" \
  >"$T/data/measured-chips/stutz2021_profiled_chips.csv"
"$LVSIM" validate --only measured-chips --data-dir "$T/data" >"$T/shifted.txt" 2>&1
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c ' FAIL$' "$T/shifted.txt")" -eq 1 ] && grep -q '^measured-chips   chip 2, 0.840 V/Vmin: bit error rate.* FAIL$' "$T/shifted.txt" &&
  ok "a shifted table row fails its line (exit 1)" || fail "shifted measured-chip row: rc=$rc $(grep FAIL "$T/shifted.txt")"
printf 'chip,map_rows,p_pct,p01_pct,p10_pct,persistent_pct\n1,2048,0.5,0.2,0.3,0.1\n1,2048,0.9,0.4,0.5,0.2\n' \
  >"$T/data/measured-chips/stutz2021_profiled_chips.csv"
expect_rejected "measured-chip rows out of order" "stutz2021_profiled_chips.csv: line 3 column 'p_pct'" -F -- \
  validate --only measured-chips --data-dir "$T/data"
rm "$T/data/scale-sim-v3/golden_trace_user_os_COMPUTE_REPORT.csv"
expect_rejected "missing data file" "golden_trace_user_os_COMPUTE_REPORT.csv: cannot open" -F -- validate --only scale-sim-v3 --data-dir "$T/data"

exit $((fails > 0))
