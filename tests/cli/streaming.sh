#!/usr/bin/env bash
# Streamed weights (architecture dram.weights = "streamed") end to end on the shipped network:
# - on an SRAM that holds the network the ring places every word where the resident layout does:
#   same faults, same predictions; streaming adds the weights' DRAM bytes and never saves cycles;
# - on an SRAM 6.5x smaller than the network, cycle mode (SystemC), fast and golden agree on
#   predictions, per-layer cycles, action counts and fault statistics (persistent faults, SECDED);
# - every weight word is written once per inference; a slow DRAM stalls the array (cycles above the
#   DRAM's own lower bound); buffers too small spill through DRAM, cycle mode == fast;
# - lvsim explore on the edge preset: ResNet-18, AlexNet and BERT run streamed (AlexNet's FC6 tile does
#   not fit 128 KiB: infeasible, with the reason), a point equals lvsim run;
# - bad input: an unknown dram.weights value, an SRAM smaller than one streaming unit: exit 2.
source "$(dirname "$0")/lib/cli_test.sh"
run() { "$LVSIM" run --network "$NET" --data "$DATA" "$@"; }

/usr/bin/python3 - "$SRC/presets/arch/edge-16x16.json" "$T" <<'PY'
import json, sys
base, t = json.load(open(sys.argv[1])), sys.argv[2]
def write(name, rows=None, bandwidth=None, ecc=None, weights="streamed"):
    a = json.loads(json.dumps(base))
    a["dram"] = {"weights": weights}
    if rows: a["weight_sram"]["rows_per_bank"] = rows
    if bandwidth: a["dram"]["bandwidth_bytes_per_s"] = bandwidth
    if ecc: a["weight_sram"]["ecc"] = ecc
    json.dump(a, open(f"{t}/{name}.json", "w"))
write("edge")                            # 1 MiB: holds the network (858 kB)
write("small", rows=1024)                # 128 KiB
write("slow", rows=1024, bandwidth=2e8)  # 0.4 bytes per cycle at 500 MHz
write("secded", rows=1024, ecc="secded")
write("bogus", weights="sometimes")
write("tiny", rows=256)                  # 4,096 words: fc1's 16 filters need 6,272
a = json.loads(json.dumps(base))           # resident weights, buffers far too small: spilled through DRAM
a["input_buffer_bytes"], a["output_buffer_bytes"] = 4096, 8192
json.dump(a, open(f"{t}/buffers.json", "w"))
PY

run --images 200 --ber 0.01 --chip-seed 7 --json >"$T/resident.json" || fail "resident run"
run --images 200 --ber 0.01 --chip-seed 7 --arch "$T/edge.json" --json >"$T/edge.json.out" || fail "streamed run, large SRAM"
run --images 200 --ber 0.01 --chip-seed 7 --arch "$T/small.json" --json >"$T/small_fast.json" || fail "streamed run, small SRAM"
run --images 20 --mode cycle --threads 1 --quiet --ber 0.01 --chip-seed 7 --arch "$T/small.json" --json >"$T/small_cycle.json" || fail "cycle run, small SRAM"
run --images 20 --ber 0.01 --chip-seed 7 --arch "$T/small.json" --json >"$T/small_fast20.json" || fail "fast run, small SRAM"
run --images 20 --mode golden --ber 0.01 --chip-seed 7 --arch "$T/small.json" --json >"$T/small_golden.json" || fail "golden run, small SRAM"
run --images 6 --mode cycle --threads 1 --quiet --ber 0.004 --chip-seed 3 --arch "$T/secded.json" --json >"$T/secded_cycle.json" || fail "cycle run, SECDED"
run --images 6 --ber 0.004 --chip-seed 3 --arch "$T/secded.json" --json >"$T/secded_fast.json" || fail "fast run, SECDED"
run --images 3 --mode cycle --threads 1 --quiet --arch "$T/slow.json" --json >"$T/slow_cycle.json" || fail "cycle run, slow DRAM"
run --images 3 --arch "$T/slow.json" --json >"$T/slow_fast.json" || fail "fast run, slow DRAM"
run --images 3 --arch "$T/small.json" --json >"$T/small3.json" || fail "fast run, 3 images"
run --images 3 --mode cycle --threads 1 --quiet --arch "$T/buffers.json" --json >"$T/buffers_cycle.json" || fail "cycle run, small buffers"
run --images 3 --arch "$T/buffers.json" --json >"$T/buffers_fast.json" || fail "fast run, small buffers"
run --images 3 --json >"$T/edge3.json" || fail "fast run, edge preset"

/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, math, sys
t = sys.argv[1]
load = lambda n: json.load(open(f"{t}/{n}"))
from checks import check, finish
res, edge, small = load("resident.json"), load("edge.json.out"), load("small_fast.json")
# The network's weight words (8-bit codes, 8 per 64-bit word, each layer from a fresh word), from
# the network file's own layer sizes.
words = sum(math.ceil(l["weights"] / 8) for l in res["layers"] if l["weights"])
check(edge["predictions"] == res["predictions"] and edge["bit_errors"] == res["bit_errors"] > 0,
      f"SRAM holding the network: streamed == resident predictions and bit errors ({edge['bit_errors']})")
check(edge["faults"]["bits_stored"] == res["faults"]["bits_stored"], "same stored bits")
check(edge["total_cycles"] >= res["total_cycles"], f"streaming never saves cycles ({edge['total_cycles']} >= {res['total_cycles']})")
per = lambda r, k: r["action_counts"][k] / r["images"]
check(per(edge, "weight_sram_writes") == words, f"every weight word written once per inference ({words})")
check(per(edge, "dram_bytes") == per(res, "dram_bytes") + 8 * words, "DRAM bytes: the resident run's plus the weight words")
check("model_load" not in edge and "model_load" in res, "no one-time model load with streamed weights")
check(edge["dram"]["weights"] == "streamed" and res["dram"]["weights"] == "resident", "dram.weights reported")
# A 128 KiB SRAM: every physical word holds 6 or 7 global words; the faults are the small SRAM's cells.
check(small["faults"]["bits_stored"] == res["faults"]["bits_stored"] and small["bit_errors"] != res["bit_errors"],
      f"small SRAM: other cells, other errors ({small['bit_errors']} vs {res['bit_errors']})")
rate = small["faults"]["bit_error_rate"]
check(0.007 < rate < 0.013, f"small SRAM: every stored bit sees p = 1% (measured {rate:.4f})")
check(sum(p != q for p, q in zip(small["predictions"], small["predictions_clean"])) > 0, "faults change predictions")
c, f, g = load("small_cycle.json"), load("small_fast20.json"), load("small_golden.json")
check(c["predictions"] == f["predictions"] == g["predictions"], "small SRAM: cycle == fast == golden predictions")
check([l["cycles"] for l in c["layers"]] == [l["cycles"] for l in f["layers"]], "small SRAM: cycle == fast layer cycles")
check(c["action_counts"] == f["action_counts"], "small SRAM: cycle == fast action counts")
for k in ["bit_errors_by_bit", "weights_changed", "bits_stored"]:
    check(c["faults"][k] == f["faults"][k], f"small SRAM: cycle == fast faults.{k}")
sc, sf = load("secded_cycle.json"), load("secded_fast.json")
check(sc["predictions"] == sf["predictions"] and sc["action_counts"] == sf["action_counts"], "SECDED: cycle == fast")
check(sc["faults"]["ecc_corrected"] == sf["faults"]["ecc_corrected"] > 0, "SECDED corrects, counted alike")
check(sc["action_counts"]["ecc_encodes"] == sc["action_counts"]["weight_sram_writes"] > 0, "one encode per streamed word")
slc, slf, s3 = load("slow_cycle.json"), load("slow_fast.json"), load("small3.json")
check(slc["total_cycles"] == slf["total_cycles"] and slc["action_counts"] == slf["action_counts"], "slow DRAM: cycle == fast")
bound = 3 * 8 * words / 0.4  # the weight bytes at 0.4 bytes per cycle, 3 images
check(slf["total_cycles"] >= bound and slf["total_cycles"] > s3["total_cycles"],
      f"slow DRAM stalls: {slf['total_cycles']} cycles >= DRAM bound {bound:.0f}, > {s3['total_cycles']} at 12.8 GB/s")
# Buffers too small: the SystemC model waits for the spilled data like the closed form; same results.
bc, bf, e3 = load("buffers_cycle.json"), load("buffers_fast.json"), load("edge3.json")
check(bc["predictions"] == bf["predictions"] == e3["predictions"], "small buffers: same predictions")
check([l["cycles"] for l in bc["layers"]] == [l["cycles"] for l in bf["layers"]] and bc["action_counts"] == bf["action_counts"],
      "small buffers: cycle == fast layer cycles and action counts")
check(bf["action_counts"]["dram_bytes"] > e3["action_counts"]["dram_bytes"] and bf["total_cycles"] >= e3["total_cycles"],
      f"small buffers: more DRAM bytes ({bf['action_counts']['dram_bytes'] // 3} vs {e3['action_counts']['dram_bytes'] // 3} per image)")
finish()
PY

# lvsim explore over dram.weights, DRAM bandwidth and SRAM size on the edge preset
# (presets/explorations/edge-streaming.json): ResNet-18 and the other shipped topologies run when
# streamed; a point equals lvsim run on the same architecture (cycles, DRAM bytes).
"$LVSIM" explore --exploration "$SRC/presets/explorations/edge-streaming.json" --out "$T/explore" >/dev/null 2>"$T/explore.log" ||
  fail "explore edge-streaming: $(cat "$T/explore.log")"
/usr/bin/python3 - "$SRC/presets/arch/edge-16x16.json" "$T" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
a["dram"] = {"weights": "streamed", "bandwidth_bytes_per_s": 3.2e9}
a["weight_sram"]["rows_per_bank"] = 1024
a["array"]["dataflow"] = "output_stationary"
json.dump(a, open(f"{sys.argv[2]}/point.json", "w"))
PY
run --images 4 --arch "$T/point.json" --voltage 0.7 --json >"$T/point_run.json" || fail "run of an explored point"
/usr/bin/python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
rows = json.load(open(f"{t}/explore/points.json"))["points"]
from checks import check, finish
streamed = [r for r in rows if r["dram.weights"] == "streamed"]
resident = [r for r in rows if r["dram.weights"] == "resident"]
# One streaming unit of AlexNet's FC6 is 16 filters x 9216 weights (18,432 words): more than the
# 128 KiB SRAM holds, less than the edge preset's 1 MiB.
small_fc6 = lambda r: r["workload"] == "alexnet" and r["weight_sram.rows_per_bank"] == 1024
check(all(r["feasible"] for r in streamed if not small_fc6(r)),
      f"streamed: every row feasible (ResNet-18, AlexNet, BERT on the edge preset) but AlexNet on 128 KiB")
check(all(not r["feasible"] and "layer 'FC6' streams 16 filters x 9216 weights at once (18432 words)" in r["reason"]
          for r in streamed if small_fc6(r)), "AlexNet on 128 KiB: infeasible, its FC6 tile named")
streamed = [r for r in streamed if r["feasible"]]
big = [r for r in resident if r["workload"] in ("resnet18", "alexnet", "bert-base-encoder")]
check(big and all(not r["feasible"] and 'dram.weights \"streamed\"' in r["reason"] for r in big),
      "resident: the networks larger than the SRAM are infeasible, the reason names dram.weights")
key = lambda r: (r["workload"], r["weight_sram.rows_per_bank"], r["array.dataflow"], r["v_sram_v"])
by = {}
for r in streamed: by.setdefault(key(r), {})[r["dram.bandwidth_bytes_per_s"]] = r["cycles_per_inference"]
check(all(c[3.2e9] >= c[12.8e9] >= c[25.6e9] for c in by.values()), "more DRAM bandwidth never costs cycles")
check(any(c[3.2e9] > c[25.6e9] for c in by.values()), "some streamed points are DRAM-bound")
# The bandwidth changes only how long the array waits: the cycles it adds are all stall cycles.
st = {}
for r in streamed: st.setdefault(key(r), {})[r["dram.bandwidth_bytes_per_s"]] = r["stall_cycles_per_inference"]
check(all(by[k][3.2e9] - by[k][25.6e9] == st[k][3.2e9] - st[k][25.6e9] for k in by),
      "bandwidth adds stall cycles only (stall_cycles_per_inference)")
run = json.load(open(f"{t}/point_run.json"))
p = [r for r in streamed if key(r) == ("fmnist-cnn", 1024, "output_stationary", 0.7) and r["dram.bandwidth_bytes_per_s"] == 3.2e9][0]
check(p["cycles_per_inference"] == run["total_cycles"] // run["images"] and
      p["dram_bytes_per_inference"] == run["action_counts"]["dram_bytes"] // run["images"],
      f"explore point == lvsim run: cycles {p['cycles_per_inference']}, DRAM bytes {p['dram_bytes_per_inference']}")
finish()
PY

expect_error() {  # name, expected message fragment, run options...
  local name=$1 msg=$2
  shift 2
  expect_rejected "$name" "$msg" -F -- run --network "$NET" --data "$DATA" --images 5 "$@"
}
expect_error bogus "dram.weights: unknown value \"sometimes\" (expected one of: resident, streamed)" --arch "$T/bogus.json"
expect_error tiny "weight_sram: weight SRAM too small for streamed weights: layer 'fc1' streams 16 filters x 3136 weights at once (6272 words), banks*rows_per_bank = 4096" --arch "$T/tiny.json"
[ "$fails" -eq 0 ] && echo "streaming: all checks passed"
exit $((fails > 0))
