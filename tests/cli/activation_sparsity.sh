#!/usr/bin/env bash
# Activation sparsity and the energy zero-operand gating saves (docs/report.md, docs/studies.md):
# - lvsim run's per-layer activation_sparsity against an independent count over the layer dumps
#   (--dump-layers: every layer's output codes and zero point), in fast, golden and cycle mode;
# - gating_saved_energy_per_inference_pj against the same run on hardware without zero-operand
#   gating (the difference of the two energies) and against the technology's per-MAC energies;
# - lvsim sweep: summary.json's clean activation sparsity equals a clean lvsim run's, and every
#   point's gating saving equals lvsim run at that chip and rate.
source "$(dirname "$0")/lib/cli_test.sh"
SN=$SRC/workloads/networks/fmnist-simplenet-rquant-q8.json

for mode in fast golden; do
  rm -rf "$T/dump"
  "$LVSIM" run --network "$SN" --data "$DATA" --images 16 --mode $mode --ber 0.01 --chip-seed 3 --dump-layers "$T/dump" \
    --json >"$T/run-$mode.json" 2>"$T/err" || fail "run $mode: $(cat "$T/err")"
  /usr/bin/python3 - "$T/run-$mode.json" "$T/dump" <<'PY' && ok "$mode: activation_sparsity per layer = count over the dumped codes" || fail "$mode: activation sparsity"
import json, sys, numpy as np
r = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2] + "/layers.json"))
prev = d["input"]  # SimpleNet is a chain: each layer reads the previous one's output
zeros = codes = 0
for lay, entry in zip(r["layers"], d["layers"]):
    assert lay["name"] == entry["name"]
    if lay["type"] in ("conv2d", "linear"):
        x = np.load(sys.argv[2] + "/" + prev["codes"])
        want = float(np.count_nonzero(x == prev["zero_point"])) / x.size
        assert abs(lay["activation_sparsity"] - want) < 1e-12, (lay["name"], lay["activation_sparsity"], want)
        zeros += np.count_nonzero(x == prev["zero_point"]); codes += x.size
    else:
        assert lay["activation_sparsity"] is None, lay["name"]
    prev = entry
assert abs(r["activation_sparsity"] - zeros / codes) < 1e-12, (r["activation_sparsity"], zeros / codes)
assert 0.2 < r["activation_sparsity"] < 0.9, r["activation_sparsity"]  # relus: many zeros
PY
done
/usr/bin/python3 - "$T/run-fast.json" "$T/run-golden.json" <<'PY' && ok "fast and golden: same sparsity and gating saving" || fail "fast vs golden"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert [l["activation_sparsity"] for l in a["layers"]] == [l["activation_sparsity"] for l in b["layers"]]
assert a["gating_saved_energy_per_inference_pj"] == b["gating_saved_energy_per_inference_pj"]
PY

# Cycle mode (the SystemC netlist's own layer outputs) against fast, on the shipped CNN.
"$LVSIM" run --network "$NET" --data "$DATA" --images 3 --mode cycle --threads 1 --quiet --json >"$T/cycle.json" \
  2>"$T/err" || fail "cycle: $(cat "$T/err")"
"$LVSIM" run --network "$NET" --data "$DATA" --images 3 --json >"$T/fast3.json" 2>"$T/err" || fail "fast: $(cat "$T/err")"
/usr/bin/python3 - "$T/cycle.json" "$T/fast3.json" <<'PY' && ok "cycle: activation sparsity and gating saving = fast" || fail "cycle vs fast"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sa = [l["activation_sparsity"] for l in a["layers"]]
assert sa == [l["activation_sparsity"] for l in b["layers"]], sa
assert any(s and s > 0 for s in sa), sa
assert abs(a["gating_saved_energy_per_inference_pj"] - b["gating_saved_energy_per_inference_pj"]) < 1e-9
PY

# The saving = the energy of the same run without zero-operand gating minus with it; and = the gated
# MACs x (multiply + add energy of their width) at nominal V_logic, from the technology file.
/usr/bin/python3 -c "import json, sys; a = json.load(open(sys.argv[1])); a['gating'] = {'pe_clock_gating': True,
'zero_operand_gating': False}; json.dump(a, open(sys.argv[2], 'w'))" "$SRC/presets/arch/edge-16x16.json" "$T/nogate.json"
"$LVSIM" run --network "$SN" --data "$DATA" --images 16 --ber 0.01 --chip-seed 3 --arch "$T/nogate.json" --json \
  >"$T/nogate-run.json" 2>"$T/err" || fail "run without gating: $(cat "$T/err")"
/usr/bin/python3 - "$T/run-fast.json" "$T/nogate-run.json" "$SRC/presets/tech/45nm.json" <<'PY' && ok "gating saving = energy without gating - with; = gated MACs x MAC energy" || fail "gating saving"
import json, sys
on, off, tech = (json.load(open(p)) for p in sys.argv[1:])
saved = on["gating_saved_energy_per_inference_pj"]
assert saved > 0 and off["gating_saved_energy_per_inference_pj"] == 0
diff = off["energy_per_inference_pj"] - on["energy_per_inference_pj"]
assert abs(saved - diff) <= 1e-9 * off["energy_per_inference_pj"], (saved, diff)
de = tech["dynamic_energy"]
mac = de["mac_multiply_pj_by_weight_bits"]["8"] + de["accumulator_add_pj"]
gated = on["action_counts"]["zero_operand_macs_by_weight_bits"]["8"]
want = gated * mac / on["images"]  # nominal V_logic: scale 1
assert abs(saved - want) <= 1e-9 * want, (saved, want)
per_layer = sum(l["gating_saved_energy_per_inference_pj"] for l in on["layers"])
assert abs(per_layer - saved) <= 1e-9 * saved, (per_layer, saved)
PY
"$LVSIM" run --network "$SN" --data "$DATA" --images 16 >"$T/run.txt" 2>&1 &&
  grep -qE "zero-operand gating saved .*/inference \([0-9.]+% of the energy without it\); activation sparsity [0-9.]+%" \
    "$T/run.txt" && grep -qE "^layer .* sparsity%$" "$T/run.txt" && ok "text report: gating saving, sparsity column" ||
  fail "text report: $(cat "$T/run.txt")"

# lvsim sweep: the networks' clean sparsity = lvsim run's without faults; each point's gating saving =
# lvsim run's at that chip and rate.
"$LVSIM" sweep --network "$SN" --data "$DATA" --images 16 --ber-list 0.005,0.02 --chips 2 --quiet --out "$T/s" \
  >"$T/sweep.txt" 2>"$T/err" || fail "sweep: $(cat "$T/err")"
"$LVSIM" run --network "$SN" --data "$DATA" --images 16 --json >"$T/clean.json" 2>"$T/err" || fail "clean run"
"$LVSIM" run --network "$SN" --data "$DATA" --images 16 --ber 0.02 --chip-seed 2 --json >"$T/p2.json" 2>"$T/err" ||
  fail "run p=0.02"
/usr/bin/python3 - "$T/s" "$T/clean.json" "$T/p2.json" <<'PY' && ok "sweep: clean sparsity by layer = run; point gating saving = run" || fail "sweep outputs"
import csv, json, sys
d, clean, p2 = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
s = json.load(open(d + "/summary.json"))
n = s["networks"][0]
want = {l["name"]: l["activation_sparsity"] for l in clean["layers"] if l["activation_sparsity"] is not None}
assert n["activation_sparsity_clean_by_layer"] == want, (n["activation_sparsity_clean_by_layer"], want)
assert n["activation_sparsity_clean"] == clean["activation_sparsity"]
for row in s["points"]:
    assert row["activation_sparsity_clean_by_layer"] == list(want.values())
pts = json.load(open(d + "/points.json"))["points"]
pt = [x for x in pts if x["ber"] == 0.02 and x["chip_seed"] == 2][0]
assert abs(pt["gating_saved_energy_per_inference_pj"] - p2["gating_saved_energy_per_inference_pj"]) <= 1e-9 * pt["gating_saved_energy_per_inference_pj"], (pt, p2["gating_saved_energy_per_inference_pj"])
rows = list(csv.DictReader(open(d + "/summary.csv")))
assert json.loads(rows[0]["activation_sparsity_clean_by_layer"]) == list(want.values())
assert float(rows[0]["gating_saved_energy_per_inference_pj"]) > 0
PY
grep -q "clean accuracy [0-9.]* %, activation sparsity [0-9.]* % (clean)" "$T/sweep.txt" &&
  ok "sweep text: clean activation sparsity" || fail "sweep text summary: $(cat "$T/sweep.txt")"

exit $((fails > 0))
