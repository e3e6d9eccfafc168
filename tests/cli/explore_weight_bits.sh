#!/usr/bin/env bash
# The weight_bits axis of lvsim explore (and weight_bits of study networks, lvsim run --weight-bits):
# - a network workload is re-quantized: its 4-bit point's cycles and DRAM bytes equal lvsim run
#   --weight-bits 4 on the same architecture, and its accuracy over chips equals the mean / min /
#   max of independent lvsim run --weight-bits 4 calls per chip;
# - a topology's weight bytes follow the width (weights x bits / 8, weights from the CSV's columns);
# - a width above pe.weight_bits_max makes the point infeasible with the reason;
# - bad widths: exit 2, one line, nothing written.
source "$(dirname "$0")/lib/cli_test.sh"
TOPO=$SRC/workloads/topologies/resnet18.csv
cat >"$T/ex.json" <<JSON
{"format": "lvsim-exploration", "version": 1,
 "workloads": [{"network": "$NET"}, {"topology": "$TOPO"}],
 "axes": {"pe.weight_bits_max": [8, 4], "weight_bits": [8, 4], "dram.weights": ["streamed"], "v_sram_v": [0.5]},
 "accuracy": {"data": "$DATA", "images": 300, "chips": {"count": 2, "first_seed": 3}}}
JSON
/usr/bin/python3 -c "
import json, jsonschema
jsonschema.validate(json.load(open('$T/ex.json')), json.load(open('$SRC/docs/lvsim-exploration.schema.json')))" ||
  fail "the exploration schema takes weight_bits"
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/a" --quiet >/dev/null || fail "explore with weight_bits"
/usr/bin/python3 -c "
import json; a = json.load(open('$SRC/presets/arch/edge-16x16.json')); a['dram'] = {'weights': 'streamed'}
json.dump(a, open('$T/arch.json', 'w'))"
"$LVSIM" run --network "$NET" --data "$DATA" --images 5 --arch "$T/arch.json" --weight-bits 4 --json >"$T/run4.json" ||
  fail "run --weight-bits 4"
for chip in 3 4; do
  "$LVSIM" run --network "$NET" --data "$DATA" --images 300 --arch "$T/arch.json" --weight-bits 4 --v-sram 0.5 \
    --chip-seed $chip --json >"$T/acc-$chip.json" || fail "run --weight-bits 4, chip $chip"
done
/usr/bin/python3 - "$T" "$TOPO" <<'PY' || fails=$((fails + 1))
import csv, json, sys
t, topo = sys.argv[1], sys.argv[2]
rows = json.load(open(f"{t}/a/points.json"))["points"]
from checks import check, finish
def row(workload, max_bits, bits):
    return [r for r in rows if r["workload"] == workload and r["pe.weight_bits_max"] == max_bits and r["weight_bits"] == bits][0]
bad = row("fmnist-cnn", 4, 8)
check(not bad["feasible"] and "pe.weight_bits_max" in bad["reason"] and "8-bit weights" in bad["reason"],
      f"8-bit weights on 4-bit PEs: infeasible ({bad['reason'][:90]}...)")
check(row("fmnist-cnn", 4, 4)["feasible"], "4-bit weights on 4-bit PEs: feasible")
r4, run4 = row("fmnist-cnn", 8, 4), json.load(open(f"{t}/run4.json"))
check(r4["cycles_per_inference"] == run4["total_cycles"] // run4["images"] and
      r4["dram_bytes_per_inference"] == run4["action_counts"]["dram_bytes"] // run4["images"],
      f"4-bit point == lvsim run --weight-bits 4: cycles {r4['cycles_per_inference']}, DRAM bytes {r4['dram_bytes_per_inference']}")
accs = [json.load(open(f"{t}/acc-{c}.json"))["accuracy"] for c in (3, 4)]
got = (r4["accuracy_mean"], r4["accuracy_min"], r4["accuracy_max"])
want = (sum(accs) / 2, min(accs), max(accs))
check(all(abs(a - b) < 1e-12 for a, b in zip(got, want)) and want[1] < want[2], f"4-bit accuracy over chips {got} == lvsim run {want} (the chips differ)")
r8 = row("fmnist-cnn", 8, 8)
check(r8["accuracy_mean"] != r4["accuracy_mean"], "8-bit and 4-bit accuracies differ (the axis reaches the study)")
weights = 0
with open(topo) as f:
    for rec in list(csv.reader(f))[1:]:
        if len(rec) >= 7 and rec[1].strip(): weights += int(rec[3]) * int(rec[4]) * int(rec[5]) * int(rec[6])
t8, t4 = row("resnet18", 8, 8), row("resnet18", 8, 4)
check(t8["weight_bytes"] == weights and t4["weight_bytes"] == weights // 2,
      f"topology weight bytes: {t8['weight_bytes']} / {t4['weight_bytes']} for {weights} weights at 8 / 4 bits")
check(t4["cycles_per_inference"] <= t8["cycles_per_inference"], "fewer weight bits never cost cycles")
finish()
PY
# Bad widths: exit 2, one line, no folder.
for v in 9 4.5 '"4"'; do
  sed "s/\"weight_bits\": \[8, 4\]/\"weight_bits\": [$v]/" "$T/ex.json" >"$T/bad.json"
  "$LVSIM" explore --exploration "$T/bad.json" --out "$T/bad" >"$T/out" 2>"$T/err"
  rc=$?
  if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && [ ! -e "$T/bad" ] && grep -q "axes.weight_bits: weight widths are integers 2..8" "$T/err"; then
    ok "weight_bits [$v]: $(cat "$T/err")"
  else
    fail "weight_bits [$v]: exit $rc, $(cat "$T/err")"
  fi
done
"$LVSIM" run --network "$NET" --data "$DATA" --images 2 --weight-bits 1 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$T/out" ] && ok "run --weight-bits 1: $(cat "$T/err")" || fail "run --weight-bits 1: exit $rc $(cat "$T/err")"
exit $((fails > 0))
