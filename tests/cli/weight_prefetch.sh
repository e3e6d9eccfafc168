#!/usr/bin/env bash
# array.weight_prefetch from the command line (docs/timing-model.md, "Weight prefetch"):
# - lvsim run on the shipped CNN (edge preset, option on vs off): no layer is slower, the total is
#   lower, predictions are the same; the JSON's arch says weight_prefetch only when it is on;
# - cycle mode with the option on gives the closed form's cycles, per layer and in total;
# - lvsim run --topology reports the option in its architecture;
# - bad files: exit 2, one line naming the file and field (a non-boolean value; the option with
#   streamed weights).
source "$(dirname "$0")/lib/cli_test.sh"
/usr/bin/python3 - "$SRC" "$T" <<'PY'
import json, sys
src, t = sys.argv[1], sys.argv[2]
base = json.load(open(f"{src}/presets/arch/edge-16x16.json"))
for name, value in [("on", True), ("off", False), ("bad", "yes")]:
    a = json.loads(json.dumps(base)); a["array"]["weight_prefetch"] = value; json.dump(a, open(f"{t}/{name}.json", "w"))
s = json.load(open(f"{src}/presets/arch/edge-16x16-streamed.json")); s["array"]["weight_prefetch"] = True
json.dump(s, open(f"{t}/streamed.json", "w"))
PY
for a in on off; do
  "$LVSIM" run --network "$NET" --data "$DATA" --images 2 --arch "$T/$a.json" --threads 1 --output "$T/$a.out.json" \
    >/dev/null || fail "run, prefetch $a"
done
"$LVSIM" run --network "$NET" --data "$DATA" --images 2 --arch "$T/on.json" --mode cycle --threads 1 \
  --output "$T/cycle.out.json" >/dev/null || fail "cycle mode, prefetch on"
"$LVSIM" run --topology "$SRC/workloads/topologies/fmnist-cnn.csv" --arch "$T/on.json" --json >"$T/topo.json" ||
  fail "topology, prefetch on"
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
from checks import check, finish
load = lambda n: json.load(open(f"{t}/{n}"))
on, off, cyc, topo = load("on.out.json"), load("off.out.json"), load("cycle.out.json"), load("topo.json")
pairs = list(zip(on["layers"], off["layers"]))
check(all(a["cycles"] <= b["cycles"] for a, b in pairs) and on["total_cycles"] < off["total_cycles"],
      f"run: no layer slower with prefetch, total {on['total_cycles']} < {off['total_cycles']}")
check(on["predictions"] == off["predictions"], "run: predictions unchanged")
check(on["arch"].get("weight_prefetch") is True and "weight_prefetch" not in off["arch"],
      "run JSON: arch.weight_prefetch only when on")
check(cyc["total_cycles"] == on["total_cycles"] and [l["cycles"] for l in cyc["layers"]] == [l["cycles"] for l in on["layers"]]
      and [l["stall_cycles"] for l in cyc["layers"]] == [l["stall_cycles"] for l in on["layers"]],
      f"cycle mode, prefetch on: {cyc['total_cycles']} cycles == closed form, per layer too")
check(topo["architecture"].get("weight_prefetch") is True, "topology JSON: architecture.weight_prefetch")
finish()
PY
expect_rejected "non-boolean value" "bad\.json: array\.weight_prefetch: expected true or false" -x "$T/o.json" -- \
  run --network "$NET" --data "$DATA" --images 2 --arch "$T/bad.json" --output "$T/o.json"
expect_rejected "with streamed weights" "streamed\.json: array\.weight_prefetch: needs resident weights" -x "$T/o.json" -- \
  run --topology "$SRC/workloads/topologies/fmnist-cnn.csv" --arch "$T/streamed.json" --output "$T/o.json"
exit $((fails > 0))
