#!/usr/bin/env bash
# Where GroupNorm's alpha' and beta live (docs/fault-maps.md, "Normalization parameters"):
# `--norm-params sram|register` of lvsim run, in lvsim sweep (flag and study file "norm_params") and
# lvsim explore (the accuracy block's "norm_params"). Each point of a sweep equals lvsim run with the
# same option at that chip; the two placements give different results on a GroupNorm network; bad
# values give one line naming the file (or option) and the field, exit 2.
source "$(dirname "$0")/lib/cli_test.sh"
SN=$SRC/workloads/networks/fmnist-simplenet-rquant-q8.json
P=0.02

for where in sram register; do
  "$LVSIM" sweep --network "$SN" --data "$DATA" --images 100 --ber-list $P --chips 1..2 --norm-params $where --quiet \
    --out "$T/sweep-$where" >/dev/null 2>"$T/err" || fail "sweep --norm-params $where: $(cat "$T/err")"
  for chip in 1 2; do
    "$LVSIM" run --network "$SN" --data "$DATA" --images 100 --ber $P --chip-seed $chip --norm-params $where --json \
      >"$T/run-$where-$chip.json" 2>"$T/err" || fail "run --norm-params $where: $(cat "$T/err")"
  done
done
/usr/bin/python3 - "$T" $P <<'PY' && ok "sweep --norm-params: every point = lvsim run with the option; sram != register" || fail "sweep --norm-params"
import json, sys
t, p = sys.argv[1], float(sys.argv[2])
got = {}
for where in ("sram", "register"):
    s = json.load(open(f"{t}/sweep-{where}/summary.json"))
    assert s["study"]["norm_params"] == where, s["study"]
    for pt in json.load(open(f"{t}/sweep-{where}/points.json"))["points"]:
        r = json.load(open(f"{t}/run-{where}-{pt['chip_seed']}.json"))
        assert pt["correct"] == r["correct"] and pt["bit_errors"] == r["bit_errors"], (where, pt, r["correct"])
        assert pt["bits_stored"] == r["faults"]["bits_stored"], (where, pt["bits_stored"])
        got[(where, pt["chip_seed"])] = pt
# In the register file alpha' and beta are not stored in the SRAM: fewer stored bits, other results.
for chip in (1, 2):
    assert got[("register", chip)]["bits_stored"] < got[("sram", chip)]["bits_stored"]
assert [got[("sram", c)]["correct"] for c in (1, 2)] != [got[("register", c)]["correct"] for c in (1, 2)], got
PY

# A finished GroupNorm study rerun into its folder reads its journal back (every point's bit counts
# within the study's bounds, norm parameters in the SRAM or not) and writes the same outputs.
for where in sram register; do
  cp "$T/sweep-$where/points.csv" "$T/points-$where.csv"
  "$LVSIM" sweep --network "$SN" --data "$DATA" --images 100 --ber-list $P --chips 1..2 --norm-params $where --quiet \
    --out "$T/sweep-$where" >/dev/null 2>"$T/err" && cmp -s "$T/sweep-$where/points.csv" "$T/points-$where.csv" &&
    ok "rerun of the $where study: journal read back, same points" || fail "rerun of the $where study: $(cat "$T/err")"
done

# The study file's "norm_params" gives the same study as the flag.
cat >"$T/study.json" <<EOF
{"format": "lvsim-study", "version": 1, "networks": ["$SN"], "data": {"dir": "$DATA", "images": 100},
 "sweep": {"ber": [$P]}, "chips": {"seeds": [1, 2]}, "faults": {"model": "bit_flip"}, "norm_params": "register"}
EOF
"$LVSIM" sweep --study "$T/study.json" --quiet --out "$T/sweep-file" >/dev/null 2>"$T/err" || fail "study file: $(cat "$T/err")"
cmp -s "$T/sweep-file/points.csv" "$T/sweep-register/points.csv" && ok "study file norm_params = --norm-params register" ||
  fail "study file norm_params: points differ from --norm-params register"
# The flag overrides the file.
"$LVSIM" sweep --study "$T/study.json" --norm-params sram --quiet --out "$T/sweep-override" >/dev/null 2>"$T/err" ||
  fail "override: $(cat "$T/err")"
cmp -s "$T/sweep-override/points.csv" "$T/sweep-sram/points.csv" && ok "--norm-params overrides the study file" ||
  fail "--norm-params sram over a register study file"

# Bad values: one line naming the file and the field, exit 2, nothing written.
sed 's/"norm_params": "register"/"norm_params": "flash"/' "$T/study.json" >"$T/bad-study.json"
expect_rejected study_bad_norm_params "bad-study.json.*norm_params" -x "$T/bad" -- \
  sweep --study "$T/bad-study.json" --out "$T/bad"
sed 's/"norm_params": "register"/"norm_params": 1/' "$T/study.json" >"$T/bad-study2.json"
expect_rejected study_norm_params_not_text "bad-study2.json.*norm_params" -x "$T/bad" -- \
  sweep --study "$T/bad-study2.json" --out "$T/bad"
expect_rejected sweep_flag_bad_norm_params "--norm-params: expected sram or register" -x "$T/bad" -- \
  sweep --network "$SN" --data "$DATA" --ber-list 0.01 --chips 1 --norm-params flash --out "$T/bad"
expect_rejected run_flag_bad_norm_params "--norm-params" -- run --network "$SN" --data "$DATA" --images 2 \
  --norm-params flash

# lvsim explore: the accuracy block's norm_params reaches every architecture's study.
for where in sram register; do
  cat >"$T/explore-$where.json" <<EOF
{"format": "lvsim-exploration", "version": 1, "architecture": "$SRC/presets/arch/edge-16x16.json",
 "workloads": [{"network": "$SN", "name": "simplenet"}], "axes": {"v_sram_v": [0.9, 0.55]},
 "accuracy": {"data": "$DATA", "images": 100, "chips": {"count": 2}, "norm_params": "$where"}}
EOF
  "$LVSIM" explore --exploration "$T/explore-$where.json" --out "$T/explore-$where" >/dev/null 2>"$T/err" ||
    fail "explore $where: $(cat "$T/err")"
done
/usr/bin/python3 - "$T" <<'PY' && ok "explore: accuracy norm_params reaches the study; sram != register" || fail "explore norm_params"
import glob, json, sys
t = sys.argv[1]
acc = {}
for where in ("sram", "register"):
    (summary,) = glob.glob(f"{t}/explore-{where}/accuracy/arch-*/summary.json")
    s = json.load(open(summary))
    assert s["study"]["norm_params"] == where, s["study"]
    acc[where] = [(p["v_sram_v"], p["accuracy_mean"]) for p in s["points"]]
assert acc["sram"] != acc["register"], acc
PY
sed 's/"norm_params": "register"/"norm_params": "flash"/' "$T/explore-register.json" >"$T/bad-explore.json"
expect_rejected explore_bad_norm_params "bad-explore.json.*accuracy.*norm_params" -x "$T/bad" -- \
  explore --exploration "$T/bad-explore.json" --out "$T/bad"

exit $((fails > 0))
