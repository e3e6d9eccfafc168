#!/usr/bin/env bash
# lvsim explore with an "accuracy" block: each network row's accuracy over chips equals the mean,
# min and max over those chips of independent `lvsim run` calls on the same architecture, voltage
# and images; topology rows have none; the energy-accuracy Pareto flags equal a recomputation;
# outputs are byte-identical for 1 and 2 threads, after a rerun into the same folder (the studies'
# journals resume), and under 2 MPI ranks; the report renders its accuracy plot; bad accuracy
# blocks give exit 2 and one line.
source "$(dirname "$0")/lib/cli_test.sh"
trap 'pkill -KILL -f "$T" 2>/dev/null; rm -rf "$T"' EXIT
cat >"$T/ex.json" <<JSON
{"format": "lvsim-exploration", "version": 1,
 "workloads": [{"network": "$NET"}, {"topology": "$SRC/workloads/topologies/fmnist-cnn.csv", "name": "topo"}],
 "axes": {"weight_sram.ecc": ["none", "secded"], "v_sram_v": [0.9, 0.55]},
 "accuracy": {"data": "$DATA", "images": 300, "chips": {"count": 3, "first_seed": 5}}}
JSON
/usr/bin/python3 -c "
import json, jsonschema, sys
schema = json.load(open('$SRC/docs/lvsim-exploration.schema.json'))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open('$T/ex.json')), schema)
jsonschema.validate(json.load(open('$SRC/presets/explorations/edge-ecc-accuracy.json')), schema)
jsonschema.validate(json.load(open('$SRC/presets/explorations/edge-arrays.json')), schema)
bad = json.load(open('$T/ex.json')); bad['accuracy']['chip'] = 2
sys.exit(0 if not jsonschema.Draft202012Validator(schema).is_valid(bad) else 1)" || fail "exploration schema and the accuracy block"
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/a" --threads 2 --quiet || fail "explore with accuracy"
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/b" --threads 1 --quiet || fail "explore with accuracy, 1 thread"
for f in points.json points.csv layers.csv report.html; do
  cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between 1 and 2 threads"
done
cp "$T/a/points.json" "$T/first.json"
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/a" --threads 2 --quiet || fail "rerun into the same folder"
cmp -s "$T/a/points.json" "$T/first.json" || fail "rerun (resumed studies) changed points.json"

# A study folder is resumed only for the same architecture: another exploration written into the
# same folder (its first architecture now SECDED) is refused, as a sweep refuses another study's
# journal, and the folder's results stay as they were.
sed 's/"weight_sram.ecc": \["none", "secded"\]/"weight_sram.ecc": ["secded"]/' "$T/ex.json" >"$T/ex2.json"
cp "$T/a/points.json" "$T/before.json"
"$LVSIM" explore --exploration "$T/ex2.json" --out "$T/a" --threads 2 --quiet 2>"$T/ex2.err"
rc=$?
if [ $rc -ne 2 ] || ! grep -q "arch-0000/journal.jsonl: fingerprint: journal of another study" "$T/ex2.err"; then
  fail "another architecture's study folder: exit $rc, $(cat "$T/ex2.err")"
fi
cmp -s "$T/a/points.json" "$T/before.json" || fail "a refused exploration changed points.json"

# Independent: lvsim run per (ecc, voltage, chip) on the point's architecture.
for ecc in none secded; do
  /usr/bin/python3 -c "import json; a=json.load(open('$SRC/presets/arch/edge-16x16.json')); a['weight_sram']['ecc']='$ecc'; json.dump(a, open('$T/arch-$ecc.json','w'))"
  for v in 0.9 0.55; do
    for chip in 5 6 7; do
      "$LVSIM" run --network "$NET" --data "$DATA" --images 300 --arch "$T/arch-$ecc.json" --v-sram $v \
        --chip-seed $chip --output "$T/run-$ecc-$v-$chip.json" >/dev/null || fail "run $ecc $v $chip"
    done
  done
done
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
rows = json.load(open(f"{t}/a/points.json"))["points"]
bad = []
for r in rows:
    if r["workload"] == "topo":
        if r["accuracy_mean"] is not None: bad.append("a topology row has an accuracy")
        continue
    accs = [json.load(open(f"{t}/run-{r['weight_sram.ecc']}-{r['v_sram_v']}-{c}.json"))["accuracy"] for c in (5, 6, 7)]
    want = (sum(accs) / 3, min(accs), max(accs))
    got = (r["accuracy_mean"], r["accuracy_min"], r["accuracy_max"])
    if any(abs(a - b) > 1e-12 for a, b in zip(got, want)) or r["chips"] != 3:
        bad.append(f"point {r['point']}: accuracy {got} vs lvsim run {want}")
net = [r for r in rows if r["workload"] != "topo"]
if len({r["accuracy_mean"] for r in net}) < 2: bad.append("accuracy does not vary over the grid (test cannot fail)")
for a in net:
    dom = any(b is not a and b["energy_per_inference_pj"] <= a["energy_per_inference_pj"]
              and b["accuracy_mean"] >= a["accuracy_mean"]
              and (b["energy_per_inference_pj"] < a["energy_per_inference_pj"] or b["accuracy_mean"] > a["accuracy_mean"])
              for b in net)
    if a["pareto_energy_accuracy"] == dom: bad.append(f"point {a['point']}: pareto_energy_accuracy")
print("\n".join("FAIL " + b for b in bad) or "ok   accuracy equals lvsim run per chip; Pareto flags recomputed")
sys.exit(1 if bad else 0)
PY

# The report draws the accuracy plot (rendered in headless Chromium: no JS error, no empty plot).
grep -q 'data-lvsim-plot="accuracy"' "$T/a/report.html" || fail "report.html has no accuracy plot"
bash "$SRC/tests/cli/report_render.sh" "$T/a/report.html" >"$T/render.log" 2>&1 || fail "report render: $(cat "$T/render.log")"

# MPI (Debian openmpi-bin; CI installs it): 2 ranks, same bytes.
mpirun_2 "$LVSIM" explore --exploration "$T/ex.json" --out "$T/mpi" --threads 1 --quiet \
  >"$T/log" 2>&1 || fail "2-rank explore: $(cat "$T/log")"
cmp -s "$T/mpi/points.json" "$T/first.json" || fail "2 MPI ranks: points.json differs"

expect_error() {  # name, expected text, exploration JSON
  echo "$3" >"$T/$1.json"
  expect_rejected "$1" "$2" -F -x "$T/out-$1" -- explore --exploration "$T/$1.json" --out "$T/out-$1" --quiet
}
expect_error only_topology "accuracy: needs a network workload" \
  '{"format": "lvsim-exploration", "version": 1, "workloads": [{"topology": "'$SRC/workloads/topologies/fmnist-cnn.csv'"}], "axes": {"v_sram_v": [0.9]}, "accuracy": {"data": "'$DATA'", "chips": {"count": 2}}}'
expect_error unknown_key "accuracy.chip" \
  '{"format": "lvsim-exploration", "version": 1, "workloads": [{"network": "'$NET'"}], "axes": {"v_sram_v": [0.9]}, "accuracy": {"data": "'$DATA'", "chip": 2}}'
expect_error no_data "accuracy.data" \
  '{"format": "lvsim-exploration", "version": 1, "workloads": [{"network": "'$NET'"}], "axes": {"v_sram_v": [0.9]}, "accuracy": {"chips": {"count": 2}}}'
expect_error missing_data "data set directory does not exist" \
  '{"format": "lvsim-exploration", "version": 1, "workloads": [{"network": "'$NET'"}], "axes": {"v_sram_v": [0.9]}, "accuracy": {"data": "'$T/none'", "chips": {"count": 2}}}'
exit $((fails > 0))
