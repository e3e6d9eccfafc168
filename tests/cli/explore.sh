#!/usr/bin/env bash
# lvsim explore: every design point of a grid is evaluated (infeasible ones with their reason),
# a point's cycles equal `lvsim run` on the same architecture, a topology row equals SCALE-Sim's
# reported cycles computed here from its published per-fold formula, the Pareto flags equal a
# recomputation, outputs do not depend on the thread count, and bad input gives exit 2.
source "$(dirname "$0")/lib/cli_test.sh"
cat >"$T/ex.json" <<JSON
{"format": "lvsim-exploration", "version": 1,
 "workloads": [{"network": "$NET"}, {"topology": "$SRC/workloads/topologies/alexnet.csv"},
               {"name": "gemm", "topology": "$T/gemm.csv"}],
 "axes": {"array.rows": [8, 32], "array.cols": [16, 64], "array.dataflow": ["weight_stationary", "output_stationary"],
          "weight_sram.rows_per_bank": [8192, 65536], "clock_hz": [5e8, 3e9], "v_sram_v": [0.9, 0.7]}}
JSON
printf 'Layer Name, M, N, K,\nproj, 64, 96, 200,\nsmall, 7, 5, 3,\n' >"$T/gemm.csv"
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/a" --threads 2 --quiet || fail "explore"
"$LVSIM" explore --exploration "$T/ex.json" --out "$T/b" --threads 1 --quiet || fail "explore, 1 thread"
for f in points.json points.csv layers.csv report.html; do
  cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between 1 and 2 threads"
done
/usr/bin/python3 - "$T/a" <<'PY' || fails=$((fails + 1))
import csv, json, math, sys
out = sys.argv[1]
doc = json.load(open(f"{out}/points.json"))
rows = doc["points"]
bad = []
if len(rows) != 64 * 3:
    bad.append(f"{len(rows)} rows, expected 64 points x 3 workloads")
# 3 GHz exceeds f_max of the 45 nm preset: every such point is infeasible, with the reason.
for r in rows:
    if not r["feasible"] and r["reason"] == "":
        bad.append(f"point {r['point']}: infeasible without a reason")
    if (r["clock_hz"] == 3e9) or (r.get("clock_hz") is None and "f_max" not in r["reason"] and "clock" not in r["reason"] and "weight" not in r["reason"]):
        pass
n_fast = [r for r in rows if r["feasible"] is False and "clock" not in r["reason"].lower() and "f_max" not in r["reason"]]
if not any(not r["feasible"] for r in rows):
    bad.append("no infeasible point although half the grid runs at 3 GHz")
# SCALE-Sim's reported cycles of a GEMM row (docs/timing-model.md: folds x per-fold - 1; per fold
# WS 2R+C+T-2, OS R+C+T-2; GEMM M,N,K -> Npix=M, Wsz=K, filters=N), from layers.csv.
layers = list(csv.DictReader(open(f"{out}/layers.csv")))
by_point = {r["point"]: r for r in rows if r["workload"] == "gemm"}
checked = 0
for l in layers:
    if l["workload"] != "gemm":
        continue
    p = by_point[int(l["point"])]
    R, C, df = p["array_rows"], p["array_cols"], p["dataflow"]
    M, N, K = (64, 96, 200) if l["layer"] == "proj" else (7, 5, 3)
    if df == "weight_stationary":
        rows_, cols_, T = K, N, M
        per = 2 * R + C + T - 2
    else:
        rows_, cols_, T = M, N, K
        per = R + C + T - 2
    folds = math.ceil(rows_ / R) * math.ceil(cols_ / C)
    want = folds * per - 1
    if int(l["SCALE-Sim Total Cycles"]) != want:
        bad.append(f"point {l['point']} {l['layer']} {df} {R}x{C}: SCALE-Sim cycles {l['SCALE-Sim Total Cycles']}, formula {want}")
    checked += 1
if checked == 0:
    bad.append("no GEMM layer rows")
# Pareto flags, recomputed.
for r in rows:
    if not r["feasible"]:
        if r["pareto_energy_latency"]:
            bad.append(f"infeasible point {r['point']} on the front")
        continue
    dom = any(o["feasible"] and o["workload"] == r["workload"] and o is not r and
              o["energy_per_inference_pj"] <= r["energy_per_inference_pj"] and o["latency_s"] <= r["latency_s"] and
              (o["energy_per_inference_pj"] < r["energy_per_inference_pj"] or o["latency_s"] < r["latency_s"])
              for o in rows)
    if r["pareto_energy_latency"] == dom:
        bad.append(f"point {r['point']} {r['workload']}: pareto flag {r['pareto_energy_latency']}, recomputed {not dom}")
for b in bad[:20]:
    print("FAIL", b)
if not bad:
    print(f"ok   {len(rows)} rows: infeasible reasons, SCALE-Sim cycles of {checked} GEMM layers, Pareto flags")
sys.exit(1 if bad else 0)
PY
# SCALE-Sim's own figure (its regression golden, scale-sim-v3 test/general/golden_trace_calc/
# COMPUTE_REPORT.csv, docs/references.md#scalesim: AlexNet conv1 on a 32x32 WS array, 112,283 cycles).
cat >"$T/alex.json" <<JSON
{"format": "lvsim-exploration", "version": 1, "workloads": [{"topology": "$SRC/workloads/topologies/alexnet.csv"}],
 "axes": {"array.rows": [32], "array.cols": [32], "input_buffer_bytes": [1048576], "output_buffer_bytes": [4194304],
          "weight_sram.rows_per_bank": [1048576]}}
JSON
"$LVSIM" explore --exploration "$T/alex.json" --out "$T/alex" --quiet || fail "alexnet exploration"
got=$(awk -F, '$4 == "Conv1" {print $10}' "$T/alex/layers.csv")
[ "$got" = 112283 ] && ok "AlexNet conv1, 32x32 WS: SCALE-Sim cycles $got = SCALE-Sim's published 112283" ||
  fail "AlexNet conv1 on 32x32 WS: SCALE-Sim cycles '$got', SCALE-Sim reports 112283"

# A design point equals lvsim run on the same architecture (cycles and energy per inference).
cat >"$T/arch.json" <<'JSON'
{"name": "x", "array": {"rows": 32, "cols": 16, "dataflow": "output_stationary"},
 "pe": {"weight_bits_max": 8, "activation_bits": 8, "accumulator_bits": 32},
 "weight_sram": {"banks": 16, "rows_per_bank": 65536, "word_bits": 64, "ecc": "none", "read_ports_per_bank": 1},
 "input_buffer_bytes": 65536, "output_buffer_bytes": 262144, "post_processing_lanes": 16, "clock_hz": 500000000,
 "gating": {"pe_clock_gating": true, "zero_operand_gating": false}}
JSON
"$LVSIM" run --network "$NET" --data /usr/share/datasets/fashion-mnist --images 10 --arch "$T/arch.json" \
  --voltage 0.7 --json >"$T/run.json" || fail "lvsim run"
/usr/bin/python3 - "$T/a/points.json" "$T/run.json" <<'PY' || fails=$((fails + 1))
import json, sys
rows = json.load(open(sys.argv[1]))["points"]
run = json.load(open(sys.argv[2]))
r = [p for p in rows if p["workload"] == "fmnist-cnn" and p["array.rows"] == 32 and p["array.cols"] == 16 and
     p["array.dataflow"] == "output_stationary" and p["weight_sram.rows_per_bank"] == 65536 and p["clock_hz"] == 5e8
     and p["v_sram_v"] == 0.7][0]
want_cycles = run["total_cycles"] // run["images"]
ok = r["cycles_per_inference"] == want_cycles and abs(r["energy_per_inference_pj"] - run["energy_per_inference_pj"]) <= 1e-9 * run["energy_per_inference_pj"]
print(("ok  " if ok else "FAIL") + f" explore point = lvsim run: cycles {r['cycles_per_inference']} / {want_cycles}, "
      f"energy {r['energy_per_inference_pj']} / {run['energy_per_inference_pj']}")
sys.exit(0 if ok else 1)
PY

# Bad input: one line, exit 2, nothing written.
expect_error() {  # NAME PATTERN FILE-CONTENT
  printf '%s\n' "$3" >"$T/bad.json"
  expect_rejected "$1" "$2" -x "$T/o" -- explore --exploration "$T/bad.json" --out "$T/o"
}
HEAD='"format": "lvsim-exploration", "version": 1, "workloads": [{"network": "'$NET'"}]'
expect_error unknown_parameter "axes.array.rowz: not a parameter" "{$HEAD, \"axes\": {\"array.rowz\": [8]}}"
expect_error empty_axis "axes.array.rows: empty axis" "{$HEAD, \"axes\": {\"array.rows\": []}}"
expect_error no_axes "nothing to explore" "{$HEAD}"
expect_error too_large "more than 100000 points.*--force" "{$HEAD, \"axes\": {\"array.rows\": [$(seq -s, 1 400)], \"array.cols\": [$(seq -s, 1 400)]}}"
expect_error voltage_type "voltages must be numbers" "{$HEAD, \"axes\": {\"v_sram_v\": [\"low\"]}}"
printf 'Layer Name, M, N, K,\nx, 4, 0, 3,\n' >"$T/zero.csv"
expect_error zero_size "zero.csv: row 2: N" '{"format": "lvsim-exploration", "version": 1, "workloads": [{"topology": "'$T/zero.csv'"}], "axes": {"array.rows": [8]}}'
printf 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 3, 3, 5, 5, 1, 1, 1,\n' >"$T/big.csv"
expect_error filter_too_large "larger than the input" '{"format": "lvsim-exploration", "version": 1, "workloads": [{"topology": "'$T/big.csv'"}], "axes": {"array.rows": [8]}}'
printf 'Layer name, IFMAP Height, IFMAP Width\nc, 3, 3\n' >"$T/cols.csv"
expect_error bad_header "not a SCALE-Sim topology header" '{"format": "lvsim-exploration", "version": 1, "workloads": [{"topology": "'$T/cols.csv'"}], "axes": {"array.rows": [8]}}'
printf 'Layer Name, M, N, K,\nx, 4, abc, 3,\n' >"$T/nan.csv"
expect_error non_numeric "expected a whole number in \[1, 1048576\] written in digits" '{"format": "lvsim-exploration", "version": 1, "workloads": [{"topology": "'$T/nan.csv'"}], "axes": {"array.rows": [8]}}'
exit $((fails > 0))
