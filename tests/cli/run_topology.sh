#!/usr/bin/env bash
# lvsim run --topology FILE.csv (SCALE-Sim topologies: timing and energy without weights or data):
# - the shipped CNN's topology file gives, layer by layer, the cycles, stalls, folds, MACs and
#   utilization `lvsim run --network` reports for the network's conv and linear layers (two
#   independent constructions of the same layers);
# - AlexNet's first layer on a 32x32 WS array: SCALE-Sim's own published cycle count (112283);
# - GEMM rows (the BERT encoder): array cycles = folds x (2R + C + T - 2), computed here from the CSV;
# - totals are the sums of the layers; --compute-report has one row per layer; --weight-bits halves
#   the weight bytes; ResNet-18 on the edge preset is refused resident (the message names
#   dram.weights) and runs streamed;
# - bad combinations: exit 2, one line, nothing written.
source "$(dirname "$0")/lib/cli_test.sh"
TOPO=$SRC/workloads/topologies
"$LVSIM" run --topology "$TOPO/fmnist-cnn.csv" --json >"$T/topo.json" || fail "run --topology fmnist-cnn.csv"
"$LVSIM" run --network "$NET" --data "$DATA" --images 2 --json >"$T/net.json" || fail "run --network"
/usr/bin/python3 -c "
import json; a = json.load(open('$SRC/presets/arch/edge-16x16.json'))
a['array'] = {'rows': 32, 'cols': 32, 'dataflow': 'weight_stationary'}
a['input_buffer_bytes'], a['output_buffer_bytes'] = 1 << 20, 1 << 24
a['dram'] = {'weights': 'streamed'}  # AlexNet's 61 M weights (SCALE-Sim's cycles do not depend on it)
json.dump(a, open('$T/ws32.json', 'w'))
a = json.load(open('$SRC/presets/arch/edge-16x16.json')); a['dram'] = {'weights': 'streamed'}
json.dump(a, open('$T/streamed.json', 'w'))"
"$LVSIM" run --topology "$TOPO/alexnet.csv" --arch "$T/ws32.json" --json >"$T/alexnet.json" || fail "alexnet on 32x32"
"$LVSIM" run --topology "$TOPO/bert-base-encoder.csv" --arch "$T/streamed.json" --json \
  --compute-report "$T/bert.csv" --output "$T/bert_out.json" >"$T/bert.json" || fail "bert streamed"
"$LVSIM" run --topology "$TOPO/bert-base-encoder.csv" --arch "$T/streamed.json" --weight-bits 4 --json >"$T/bert4.json" ||
  fail "bert at 4 bits"
"$LVSIM" run --topology "$TOPO/resnet18.csv" --arch "$T/streamed.json" --json >"$T/resnet.json" || fail "resnet18 streamed"
/usr/bin/python3 - "$T" "$TOPO" <<'PY' || fails=$((fails + 1))
import csv, json, math, sys
t, topo = sys.argv[1], sys.argv[2]
load = lambda n: json.load(open(f"{t}/{n}"))
from checks import check, finish
tp, net = load("topo.json"), load("net.json")
gemm = [l for l in net["layers"] if l["type"] in ("conv2d", "linear")]
n = net["images"]  # the network report's cycles are summed over its images
same = len(tp["layers"]) == len(gemm) and all(
    a["cycles"] * n == b["cycles"] and a["stall_cycles"] * n == b["stall_cycles"] and
    all(a[k] == b[k] for k in ["folds", "macs", "utilization", "mapping_efficiency"]) for a, b in zip(tp["layers"], gemm))
check(same, f"fmnist-cnn.csv == the network's conv/linear layers ({', '.join(str(l['cycles']) for l in tp['layers'])} cycles)")
check(tp["macs"] == sum(l["macs"] for l in net["layers"]), f"MACs {tp['macs']} == the network's")
ax = load("alexnet.json")
check(ax["layers"][0]["scalesim_cycles"] == 112283, f"AlexNet conv1, 32x32 WS: SCALE-Sim cycles {ax['layers'][0]['scalesim_cycles']} == 112283 (SCALE-Sim's published run)")
b = load("bert.json")
R = C = 16
rows = [r for r in csv.reader(open(f"{topo}/bert-base-encoder.csv"))][1:]
bad = []
for r, l in zip(rows, b["layers"]):
    M, N, K = int(r[1]), int(r[2]), int(r[3])
    folds = math.ceil(K / R) * math.ceil(N / C)  # WS: rows = K, cols = N, streamed T = M
    if l["array_cycles"] != folds * (2 * R + C + M - 2) or l["folds"] != folds: bad.append(r[0])
check(not bad and len(b["layers"]) == len(rows), f"BERT GEMMs: array cycles = folds x (2R + C + M - 2) ({len(rows)} layers) {bad}")
check(b["total_cycles"] == sum(l["cycles"] for l in b["layers"]), "total cycles = sum of the layers")
check(abs(b["energy_per_inference_pj"] - sum(l["energy_pj"] for l in b["layers"])) <= 1e-9 * b["energy_per_inference_pj"],
      "energy = sum of the layers")
check(abs(b["latency_s"] - b["total_cycles"] / b["architecture"]["clock_hz"]) < 1e-15, "latency = cycles / clock")
check(b["architecture"]["weights"] == "streamed" and b["action_counts"]["weight_sram_writes"] > 0, "streamed weights counted")
report = [r for r in csv.reader(open(f"{t}/bert.csv"))]
check(len(report) == len(rows) + 1 and all(int(r[1]) == l["array_cycles"] + l["stall_cycles"] for r, l in zip(report[1:], b["layers"])),
      "--compute-report: one row per layer, Total Cycles = array + stall")
check(load("bert_out.json") == b, "--output == --json")
b4 = load("bert4.json")
check(b4["weight_bytes"] * 2 == b["weight_bytes"] and b4["weight_bits"] == 4, f"--weight-bits 4: {b4['weight_bytes']} weight bytes, half")
rn = load("resnet.json")
check(len(rn["layers"]) == 21 and rn["total_cycles"] > 0, f"ResNet-18 streamed on the edge preset: {rn['total_cycles']} cycles, {rn['energy_per_inference_pj'] / 1e9:.2f} mJ")
finish()
PY
expect_error() {  # name, message fragment, run options...: with --output, which must not be written
  local name=$1 msg=$2
  shift 2
  expect_rejected "$name" "$msg" -F -x "$T/err_out.json" -- run "$@" --output "$T/err_out.json"
}
expect_error resident_too_large 'weight SRAM too small: network needs 147456 words, banks*rows_per_bank = 131072 (dram.weights "streamed"' \
  --topology "$TOPO/resnet18.csv"
expect_error with_data "--data: not with --topology" --topology "$TOPO/resnet18.csv" --data "$DATA"
expect_error with_ber "--ber: not with --topology" --topology "$TOPO/alexnet.csv" --ber 0.01
expect_error with_mode "--mode: not with --topology" --topology "$TOPO/alexnet.csv" --mode cycle
expect_error no_workload "--network is required (or --topology FILE.csv" --data "$DATA"
printf 'Layer Name, M, N, K,\nx, 4, 0, 3,\n' >"$T/zero.csv"
expect_error zero_size "zero.csv" --topology "$T/zero.csv"
exit $((fails > 0))
