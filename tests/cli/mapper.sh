#!/usr/bin/env bash
# The per-layer mapper from the command line (array.dataflows, array.mapping_objective):
# - lvsim run on the shipped CNN with an array supporting WS, OS and IS: each layer's dataflow and
#   cycles are those of the fastest of the three single-dataflow runs (ties: WS, OS, IS), computed
#   here from the three runs; totals are the sums; the text table and the compute report gain a
#   dataflow column only when the array maps its layers;
# - predictions, accuracy and weight bit errors on a faulty chip (14 nm at 0.84 Vmin) are the same
#   whatever the mapping (the weight placement does not depend on the dataflow);
# - cycle mode with the mixed dataflows gives the closed form's cycles and the same predictions;
# - lvsim run --topology with objectives cycles, energy and edp: each layer's choice minimizes that
#   objective over the single-dataflow runs' layer figures (energy at the nominal point);
# - lvsim explore with an array.dataflows axis (fixed per dataflow vs chosen per layer): the
#   mapped point is never slower than the fixed ones, and says what it chose; a dataflow whose
#   streamed weights do not fit the SRAM (BERT's FFN in IS) is not chosen;
# - bad files: exit 2, one line naming the file and field.
source "$(dirname "$0")/lib/cli_test.sh"
/usr/bin/python3 - "$SRC" "$T" <<'PY'
import json, sys
src, t = sys.argv[1], sys.argv[2]
base = json.load(open(f"{src}/presets/arch/edge-16x16.json"))
names = {"ws": "weight_stationary", "os": "output_stationary", "is": "input_stationary"}
for k, v in names.items():
    a = json.loads(json.dumps(base)); a["array"]["dataflow"] = v; json.dump(a, open(f"{t}/{k}.json", "w"))
for obj in ["cycles", "energy", "edp"]:
    a = json.loads(json.dumps(base)); del a["array"]["dataflow"]
    a["array"]["dataflows"] = ["input_stationary", "weight_stationary", "output_stationary"]
    a["array"]["mapping_objective"] = obj
    json.dump(a, open(f"{t}/mapped-{obj}.json", "w"))
bad = json.loads(json.dumps(base)); bad["array"]["dataflows"] = ["weight_stationary"]
json.dump(bad, open(f"{t}/both.json", "w"))
bad = json.loads(json.dumps(base)); bad["array"]["mapping_objective"] = "energy"
json.dump(bad, open(f"{t}/objective-alone.json", "w"))
PY
FAULTS=(--tech "$SRC/presets/tech/14nm-normalized.json" --voltage 0.84 --chip-seed 1)
for a in ws os is mapped-cycles; do
  "$LVSIM" run --network "$NET" --data "$DATA" --images 200 --arch "$T/$a.json" "${FAULTS[@]}" --output "$T/$a.out.json" \
    --compute-report "$T/$a.csv" >"$T/$a.txt" || fail "run on $a"
done
"$LVSIM" run --network "$NET" --data "$DATA" --images 2 --arch "$T/mapped-cycles.json" --mode cycle --threads 1 \
  --output "$T/cycle.out.json" >/dev/null || fail "cycle mode, mapped"
"$LVSIM" run --network "$NET" --data "$DATA" --images 2 --arch "$T/mapped-cycles.json" --threads 1 \
  --output "$T/fast2.out.json" >/dev/null || fail "fast mode, 2 images, mapped"
for obj in cycles energy edp; do
  "$LVSIM" run --topology "$SRC/workloads/topologies/fmnist-cnn.csv" --arch "$T/mapped-$obj.json" --json \
    --compute-report "$T/topo-$obj.csv" >"$T/topo-$obj.json" || fail "topology, mapped by $obj"
done
for a in ws os is; do
  "$LVSIM" run --topology "$SRC/workloads/topologies/fmnist-cnn.csv" --arch "$T/$a.json" --json >"$T/topo-$a.json" ||
    fail "topology on $a"
done
cat >"$T/ex.json" <<EOF
{"format": "lvsim-exploration", "version": 1, "architecture": "$SRC/presets/arch/edge-16x16.json",
 "workloads": [{"network": "$NET"}, {"topology": "$SRC/workloads/topologies/bert-base-encoder.csv"}],
 "axes": {"array.rows": [8, 32],
          "array.dataflows": [["weight_stationary"], ["output_stationary"], ["input_stationary"],
                              ["weight_stationary", "output_stationary", "input_stationary"]],
          "dram.weights": ["streamed"]}}
EOF
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/ex" --quiet || fail "explore with a mapping axis"
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import csv, json, sys
t = sys.argv[1]
from checks import check, finish
load = lambda n: json.load(open(f"{t}/{n}"))
order = ["weight_stationary", "output_stationary", "input_stationary"]
single = {d: load(f"{k}.out.json") for k, d in zip(["ws", "os", "is"], order)}
m = load("mapped-cycles.out.json")
bad = []
for i, l in enumerate(m["layers"]):
    if l["type"] not in ("conv2d", "linear"):
        if "dataflow" in l: bad.append(f"{l['name']} has a dataflow")
        continue
    best = min(order, key=lambda d: (single[d]["layers"][i]["cycles"], order.index(d)))
    if l.get("dataflow") != best or l["cycles"] != single[best]["layers"][i]["cycles"]:
        bad.append(f"{l['name']}: {l.get('dataflow')} {l['cycles']} vs fastest {best} {single[best]['layers'][i]['cycles']}")
chosen = {l.get("dataflow") for l in m["layers"]} - {None}
check(not bad and len(chosen) >= 2, f"run: each layer's dataflow is the fastest single one ({sorted(chosen)}) {bad}")
check(m["total_cycles"] == sum(l["cycles"] for l in m["layers"]) < min(s["total_cycles"] for s in single.values()),
      f"run: total {m['total_cycles']} = sum of layers, below every single dataflow's {[s['total_cycles'] for s in single.values()]}")
check(m["arch"]["dataflow"] == "per_layer" and m["arch"]["dataflows"] == order and m["arch"]["mapping_objective"] == "cycles",
      "run JSON: arch.dataflow per_layer, the dataflows and the objective")
check(all("dataflow" not in l for s in single.values() for l in s["layers"]) and all("dataflows" not in s["arch"] for s in single.values()),
      "single-dataflow JSON: no per-layer dataflow, no mapping fields")
same = all(s["predictions"] == m["predictions"] and s["correct"] == m["correct"] and
           s["faults"]["bit_errors_by_bit"] == m["faults"]["bit_errors_by_bit"] for s in single.values())
check(same and sum(m["faults"]["bit_errors_by_bit"]) > 0,
      f"predictions, accuracy and {sum(m['faults']['bit_errors_by_bit'])} weight bit errors equal whatever the mapping")
cyc, fast = load("cycle.out.json"), load("fast2.out.json")
check(cyc["total_cycles"] == fast["total_cycles"] and [l["cycles"] for l in cyc["layers"]] == [l["cycles"] for l in fast["layers"]]
      and cyc["predictions"] == fast["predictions"], f"cycle mode, mixed dataflows: {cyc['total_cycles']} cycles == closed form")
text = open(f"{t}/mapped-cycles.txt").read()
check("per-layer dataflow" in text and " dataflow" in text.split("\nlayer ")[1].splitlines()[0],
      "run text: the hardware line names the mapper, the layer table has a dataflow column")
check("dataflow" not in open(f"{t}/ws.txt").read().split("\nlayer ")[1].splitlines()[0], "single-dataflow text: no dataflow column")
rep = list(csv.reader(open(f"{t}/mapped-cycles.csv")))
gemm = [l for l in m["layers"] if "dataflow" in l]
check(rep[0][-2].strip() == "Dataflow" and [r[-2].strip() for r in rep[1:]] == [l["dataflow"] for l in gemm],
      "compute report: a Dataflow column with each layer's choice")
check(all(list(csv.reader(open(f"{t}/{k}.csv")))[0][-2].strip() == "Compute Util %" for k in ["ws", "os", "is"]),
      "single-dataflow compute report: SCALE-Sim's columns only")
tops = {d: load(f"topo-{k}.json") for k, d in zip(["ws", "os", "is"], order)}
for obj in ["cycles", "energy", "edp"]:
    tm = load(f"topo-{obj}.json")
    value = {"cycles": lambda l: l["cycles"], "energy": lambda l: l["energy_pj"], "edp": lambda l: l["energy_pj"] * l["cycles"]}[obj]
    bad = []
    for i, l in enumerate(tm["layers"]):
        best = min(order, key=lambda d: (value(tops[d]["layers"][i]), order.index(d)))
        if l["dataflow"] != best: bad.append(f"{l['name']}: {l['dataflow']} vs {best}")
    check(not bad and tm["architecture"]["mapping_objective"] == obj,
          f"topology, objective {obj}: every layer's choice minimizes {obj} ({[l['dataflow'][:1] for l in tm['layers']]}) {bad}")
pts = list(csv.DictReader(open(f"{t}/ex/points.csv")))
bad = []
for w in ["fmnist-cnn", "bert-base-encoder"]:
    for rows in ["8", "32"]:
        group = [r for r in pts if r["workload"] == w and r["array.rows"] == rows and r["feasible"] == "true"]
        mapped = [r for r in group if r["dataflow"].startswith("mapped:")]
        fixed = [r for r in group if not r["dataflow"].startswith("mapped:")]
        if len(mapped) != 1 or len(fixed) < 2: bad.append(f"{w} rows {rows}: {len(mapped)} mapped, {len(fixed)} fixed"); continue
        if int(mapped[0]["cycles_per_inference"]) > min(int(r["cycles_per_inference"]) for r in fixed):
            bad.append(f"{w} rows {rows}: mapped slower")
check(not bad, f"explore: the mapped point is never slower than a fixed dataflow ({len(pts)} rows) {bad}")
bert_is = [r for r in pts if r["workload"] == "bert-base-encoder" and r["dataflow"] == "input_stationary"]
check(bert_is and all(r["feasible"] == "false" and "streamed" in r["reason"] for r in bert_is),
      "explore: BERT cannot stream its FFN weights in IS alone; the mapper, which must respect that, still maps it (above)")
lay = list(csv.DictReader(open(f"{t}/ex/layers.csv")))
check(lay and "Dataflow" in lay[0] and {r["Dataflow"] for r in lay} == set(order), "explore layers.csv: each layer's dataflow")
finish()
PY
expect_rejected "dataflow and dataflows" "both\.json.*array\.dataflow.*not both" -x "$T/o.json" -- \
  run --network "$NET" --data "$DATA" --images 2 --arch "$T/both.json" --output "$T/o.json"
expect_rejected "objective without dataflows" "objective-alone\.json.*array\.mapping_objective.*needs array\.dataflows" \
  -x "$T/o.json" -- run --topology "$SRC/workloads/topologies/fmnist-cnn.csv" --arch "$T/objective-alone.json" --output "$T/o.json"
exit $((fails > 0))
