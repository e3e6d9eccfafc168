#!/usr/bin/env bash
# End-to-end behaviour of `lvsim run` and `lvsim chip` on the shipped network:
# - the documented JSON keys are present and consistent;
# - cycle mode (SystemC), fast and golden agree on predictions (100 images with faults), cycle mode's
#   measured cycles and action counts equal the closed form fast reports, and the fault statistics
#   cycle mode's own reads counted equal fast's bulk read (faults, SECDED, transients);
# - transient errors change predictions against the same chip without them;
# - results are byte-identical for 1 and 2 threads;
# - a chip's exported fault map, loaded back, reproduces the chip-model run;
# - bad hardware input (architecture, technology, voltage, fault map) is rejected with exit 2.
source "$(dirname "$0")/lib/cli_test.sh"
run() { "$LVSIM" run --network "$NET" --data "$DATA" "$@"; }

# Each comparison below is between independent computations, and each is made where the feature
# under test changes the outcome (faults change predictions; transients change predictions).
sed 's/"ecc": "none"/"ecc": "secded", "on_double_error": "zero_word"/' "$SRC/presets/arch/edge-16x16.json" >"$T/secded.json"
run --images 3 --mode cycle --threads 1 --json >"$T/cycle.json" || fail "cycle run"
run --images 3 --mode fast --json >"$T/fast.json" || fail "fast run"
# Persistent faults: 100 images, cycle (SystemC) vs fast vs golden.
run --images 100 --mode cycle --threads 1 --quiet --ber 0.01 --chip-seed 7 --json >"$T/cycle_ber.json" || fail "cycle run with faults"
run --images 100 --mode fast --ber 0.01 --chip-seed 7 --json >"$T/fast_ber.json" || fail "fast run with faults"
run --images 100 --mode golden --ber 0.01 --chip-seed 7 --json >"$T/golden_ber.json" || fail "golden run with faults"
# SECDED: corrected, detected (zeroed) and miscorrected words.
run --images 8 --mode cycle --threads 1 --arch "$T/secded.json" --ber 0.004 --chip-seed 3 --json >"$T/cycle_ecc.json" || fail "cycle run with SECDED"
run --images 8 --mode fast --arch "$T/secded.json" --ber 0.004 --chip-seed 3 --json >"$T/fast_ecc.json" || fail "fast run with SECDED"
# Transient read errors on top of the chip model's faults at 0.6 V.
run --images 6 --mode cycle --threads 1 --transient-ber 0.002 --voltage 0.6 --json >"$T/cycle_tr.json" || fail "cycle run with transients"
run --images 6 --mode fast --transient-ber 0.002 --voltage 0.6 --json >"$T/fast_tr.json" || fail "fast run with transients"
run --images 6 --mode golden --transient-ber 0.002 --voltage 0.6 --json >"$T/golden_tr.json" || fail "golden run with transients"
# Transients that must change predictions: the same chip with and without them, 200 images.
run --images 200 --mode fast --transient-ber 0.01 --voltage 0.6 --json >"$T/fast_tr200.json" || fail "fast run, transients"
run --images 200 --mode fast --voltage 0.6 --json >"$T/fast_no_tr200.json" || fail "fast run, no transients"
run --images 40 --threads 1 --voltage 0.5 --json >"$T/t1.json" || fail "1-thread run"
run --images 40 --threads 2 --voltage 0.5 --json >"$T/t2.json" || fail "2-thread run"

python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
load = lambda n: json.load(open(f"{t}/{n}.json"))
from checks import check, finish
c, f = load("cycle"), load("fast")
for key in ["accuracy", "images", "predictions", "layers", "total_cycles", "ber", "chip_seed", "bit_errors",
            "accuracy_clean", "energy_per_inference_pj", "energy_breakdown_pj", "action_counts"]:
    check(key in c and key in f, f"key {key}")
check(c["images"] == 3 and len(c["predictions"]) == 3, "3 predictions")
check(0 <= c["accuracy"] <= 1, "accuracy is a fraction")
# Cycle mode's cycles and counts are measured by the SystemC model; fast reports the closed form.
for a, b, name in [(c, f, "clean"), (load("cycle_ber"), load("fast_ber"), "faults"),
                   (load("cycle_ecc"), load("fast_ecc"), "secded")]:
    check(a["predictions"] == b["predictions"], f"cycle == fast predictions ({name})")
    check([l["cycles"] for l in a["layers"]] == [l["cycles"] for l in b["layers"]], f"cycle == fast layer cycles ({name})")
    check(a["action_counts"] == b["action_counts"], f"cycle == fast action counts ({name})")
    check(a["total_cycles"] == sum(l["cycles"] for l in a["layers"]), f"total cycles = sum of layers ({name})")
    check(abs(a["energy_total_pj"] - sum(a["energy_breakdown_pj"].values())) <= 1e-6 * a["energy_total_pj"], "energy = sum of parts")
# Fault statistics: cycle mode's are what its own SystemC reads counted; fast's one bulk read.
fault_keys = ["bit_errors_by_bit", "weights_changed", "ecc_corrected", "ecc_detected", "ecc_silent", "bits_stored"]
for name in ["ber", "ecc", "tr"]:
    a, b = load("cycle_" + name), load("fast_" + name)
    check(a["bit_errors"] == b["bit_errors"] > 0, f"cycle == fast bit_errors > 0 ({name}): {a['bit_errors']} {b['bit_errors']}")
    for k in fault_keys:
        check(a["faults"][k] == b["faults"][k], f"cycle == fast faults.{k} ({name}): {a['faults'][k]} {b['faults'][k]}")
cb, fb, gb = load("cycle_ber"), load("fast_ber"), load("golden_ber")
check(len(cb["predictions"]) == 100 and cb["predictions"] == gb["predictions"], "faults: cycle == golden predictions, 100 images")
check(fb["predictions"] == gb["predictions"], "faults: fast == golden predictions")
check(sum(p != q for p, q in zip(cb["predictions"], cb["predictions_clean"])) > 0, "faults at p = 1% change some predictions")
e = load("cycle_ecc")["faults"]
check(e["ecc"] == "secded" and e["ecc_corrected"] > 0 and e["ecc_detected"] > 0, f"SECDED corrects and detects: {e}")
ct, ft, gt = load("cycle_tr"), load("fast_tr"), load("golden_tr")
check(ct["predictions"] == ft["predictions"] == gt["predictions"], "transient errors: cycle == fast == golden predictions")
check(ct["faults"]["transient_bit_errors"] == ft["faults"]["transient_bit_errors"] == gt["faults"]["transient_bit_errors"] > 0,
      f"transient bit errors counted alike: {ct['faults']['transient_bit_errors']} {ft['faults']['transient_bit_errors']}")
a, b = load("fast_tr200"), load("fast_no_tr200")
check(a["bit_errors"] == b["bit_errors"] > 0, "the same chip with and without transients")
changed = sum(p != q for p, q in zip(a["predictions"], b["predictions"]))
check(changed > 0, f"transients at 1% change predictions ({changed} of 200)")
# Zero-operand MACs with each image's own weights: the SystemC model counts operands as they meet,
# fast and golden with their counters and per-image corrections.
check(ct["action_counts"] == ft["action_counts"] == gt["action_counts"], "transient errors: cycle == fast == golden action counts")
t1, t2 = load("t1"), load("t2")
for k in ["predictions", "predictions_clean", "bit_errors", "total_cycles", "action_counts", "energy_total_pj"]:
    check(t1[k] == t2[k], f"threads 1 == 2: {k}")
finish()
PY

# Transients in the batched fast path: 1 and 2 threads give the same predictions and flip counts,
# and the report says how many threads ran.
run --images 300 --mode fast --threads 1 --transient-ber 1e-3 --json >"$T/tr1.json" || fail "transients, 1 thread"
run --images 300 --mode fast --threads 2 --transient-ber 1e-3 --json >"$T/tr2.json" || fail "transients, 2 threads"
# Stuck cells named as such: --stuck-cell-fraction p is --ber p --ber-model stuck_at; the measured
# bit error rate is ~p/2 for a 50/50 stuck-at mix and p * (share of stored 0 bits) when every stuck
# cell is stuck at 1 (expected values from the network file's own codes, below).
run --images 5 --stuck-cell-fraction 0.02 --chip-seed 3 --json >"$T/sc.json" || fail "stuck cell fraction"
run --images 5 --ber 0.02 --ber-model stuck_at --chip-seed 3 --json >"$T/sc_ber.json" || fail "stuck_at via --ber"
run --images 5 --stuck-cell-fraction 0.02 --stuck-at-1-fraction 1 --chip-seed 3 --json >"$T/sc1.json" || fail "all stuck at 1"
run --images 5 --ber 0.01 --chip-seed 3 --json >"$T/bf.json" || fail "bit_flip"
python3 - "$T" "$NET" <<'PY' || fails=$((fails + 1))
import base64, json, sys
t, net = sys.argv[1], json.load(open(sys.argv[2]))
load = lambda n: json.load(open(f"{t}/{n}.json"))
from checks import check, finish
a, b = load("tr1"), load("tr2")
check(a["predictions"] == b["predictions"], "transients: threads 1 == 2 predictions")
check(a["faults"]["transient_bit_errors"] == b["faults"]["transient_bit_errors"] > 0, "transients: threads 1 == 2 flips")
check(a["threads"] == 1 and b["threads"] == 2, "transients: the report's thread count is the one used")
sc, scb, sc1, bf = load("sc"), load("sc_ber"), load("sc1"), load("bf")
f = sc["faults"]
check(f["rate_model"] == "stuck_at" and f["stuck_cell_fraction"] == 0.02 and f["stuck_at_1_fraction"] == 0.5,
      "stuck_at named in the report")
check(sc["ber"] == 0.02 and sc["predictions"] == scb["predictions"] and sc["bit_errors"] == scb["bit_errors"],
      "--stuck-cell-fraction == --ber --ber-model stuck_at")
check(abs(f["bit_error_rate"] - sc["bit_errors"] / f["bits_stored"]) < 1e-12, "bit_error_rate = bit_errors / bits_stored")
check(0.009 < f["bit_error_rate"] < 0.011, f"stuck cells 2%: bit error rate ~1% (is {f['bit_error_rate']})")
# Stored 0 bits per bit position k: cells stuck at 1 corrupt exactly those, each with p = 0.02.
zeros, bits = [0] * 8, 0
for l in net["layers"]:
    q = l.get("weight", {}).get("quantized")
    if not q: continue
    codes = base64.b64decode(q["codes"]["base64"])
    bits += 8 * len(codes)
    for k in range(8): zeros[k] += sum(1 for c in codes if not (c >> k) & 1)
check(sc1["faults"]["stuck_at_1_fraction"] == 1 and sc1["faults"]["stuck_at_0"] == 0, "all stuck cells at 1")
got = sc1["faults"]["bit_error_rate"]
expected = 0.02 * sum(zeros) / bits
check(abs(got - expected) < 0.02 * expected, f"all stuck at 1: bit error rate {got} vs 0.02 x zero bits {expected}")
for k in range(8):  # binomial: 5 standard deviations
    e = 0.02 * zeros[k]
    check(abs(sc1["faults"]["bit_errors_by_bit"][k] - e) < 5 * (e * 0.98) ** 0.5 + 1, f"stuck at 1: bit {k} errors")
check(bf["faults"]["rate_model"] == "bit_flip" and bf["faults"]["stuck_cell_fraction"] is None, "bit_flip named")
check(0.0095 < bf["faults"]["bit_error_rate"] < 0.0105, "bit_flip 1%: bit error rate ~1%")
finish()
PY

# Chip = seed: the exported map of chip 5 (cells failing at >= 0.5 V with their failure voltages),
# loaded back at 0.55 V, gives exactly the chip-model run of chip 5 at 0.55 V.
"$LVSIM" chip --chip-seed 5 --voltages 0.5,0.6,0.7,0.8,0.9 --export "$T/map.json" >"$T/chip.txt" || fail "chip command"
grep -q "0.5" "$T/chip.txt" || fail "chip report lists voltages"
"$LVSIM" chip --chip-seed 5 --voltages 0.5,0.9 --json >"$T/chip.json" || fail "chip --json"
run --images 200 --voltage 0.55 --chip-seed 5 --json >"$T/chip_run.json" || fail "chip run"
run --images 200 --voltage 0.55 --fault-map "$T/map.json" --json >"$T/map_run.json" || fail "map run"
python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
a, b = json.load(open(f"{t}/chip_run.json")), json.load(open(f"{t}/map_run.json"))
ok = a["predictions"] == b["predictions"] and a["bit_errors"] == b["bit_errors"] and a["bit_errors"] > 0 \
     and a["faults"]["failing_cells"] == b["faults"]["failing_cells"]
if not ok: print("FAIL exported map does not reproduce the chip", a["bit_errors"], b["bit_errors"])
json.load(open(f"{t}/chip.json"))
sys.exit(0 if ok else 1)
PY

# Bad hardware input: exit 2, one line naming the file / field, no output file.
expect_error() {  # NAME PATTERN -- ARGS...
  local name=$1 pattern=$2
  shift 3
  expect_rejected "$name" "$pattern" -- "$@"
}
sed 's/"rows": 16,/"rows": 16, "rowz": 3,/' "$SRC/presets/arch/edge-16x16.json" >"$T/arch_key.json"
expect_error arch_unknown_key "arch_key\.json.*rowz" -- run --network "$NET" --data "$DATA" --images 2 --arch "$T/arch_key.json"
sed 's/"banks": 16, "rows_per_bank": 8192/"banks": 1, "rows_per_bank": 16/' "$SRC/presets/arch/edge-16x16.json" >"$T/arch_small.json"
expect_error weight_sram_too_small "arch_small\.json.*too small" -- run --network "$NET" --data "$DATA" --images 2 --arch "$T/arch_small.json"
expect_error voltage_out_of_range "--v-sram/--voltage: 5 V is outside the weight-SRAM range.*45nm" -- run --network "$NET" --data "$DATA" --images 2 --voltage 5
expect_error clock_above_fmax "f_max" -- run --network "$NET" --data "$DATA" --images 2 --v-logic 0.5
expect_error ber_above_one "ber" -- run --network "$NET" --data "$DATA" --images 2 --ber 1.5
printf '{"format": "lvsim-fault-map", "version": 1}' >"$T/badmap.json"
expect_error bad_fault_map "badmap\.json" -- run --network "$NET" --data "$DATA" --images 2 --fault-map "$T/badmap.json"
sed 's/"dram_pj_per_byte"/"dram_pj_per_bite"/' "$SRC/presets/tech/45nm.json" >"$T/tech_key.json"
expect_error tech_unknown_key "tech_key\.json" -- run --network "$NET" --data "$DATA" --images 2 --tech "$T/tech_key.json"
# The technology's bit-cell failure block is validated when the file loads, also when --ber replaces it.
sed 's/"model": "normal"/"model": "weibull"/' "$SRC/presets/tech/45nm.json" >"$T/tech_model.json"
expect_error tech_unknown_failure_model "tech_model\.json: bitcell_failure\.model" -- run --network "$NET" --data "$DATA" --images 2 --tech "$T/tech_model.json" --ber 0.01
sed 's/"model": "normal",/"model": "normal", "sigma": 1,/' "$SRC/presets/tech/45nm.json" >"$T/tech_fkey.json"
expect_error tech_unknown_failure_key "tech_fkey\.json: bitcell_failure\.sigma" -- run --network "$NET" --data "$DATA" --images 2 --tech "$T/tech_fkey.json" --ber 0.01

expect_error transient_ber_above_one "transient-ber" -- run --network "$NET" --data "$DATA" --images 2 --transient-ber 2
expect_error bad_clock_mode "clock-mode" -- run --network "$NET" --data "$DATA" --images 2 --clock-mode turbo
expect_error voltage_and_v_sram "--voltage" -- run --network "$NET" --data "$DATA" --images 2 --voltage 0.8 --v-sram 0.7
expect_error ber_with_fault_map "--ber" -- run --network "$NET" --data "$DATA" --images 2 --ber 0.01 --fault-map "$T/map.json"
expect_error vcd_needs_cycle_mode "--vcd" -- run --network "$NET" --data "$DATA" --images 2 --vcd "$T/t.vcd"
expect_error bad_trace_cycles "--trace-cycles" -- run --network "$NET" --data "$DATA" --images 2 --mode cycle --threads 1 --vcd "$T/t.vcd" --trace-cycles 9:3
expect_error bad_calib "calib" -- run --network "$NET" --data "$DATA" --images 2 --calib median
expect_error cycle_mode_threads "--threads" -- run --network "$NET" --data "$DATA" --images 2 --mode cycle --threads 2
printf '%s' "$(sed 's/"clock_hz": 500000000/"clock_hz": 2147483648/' "$SRC/presets/arch/edge-16x16.json")" >"$T/fast_clock.json"
expect_error clock_above_fmax_names_arch "fast_clock\.json: clock_hz: .*exceeds f_max" -- run --network "$NET" --data "$DATA" --images 2 --arch "$T/fast_clock.json"
expect_error v_logic_out_of_range "--v-logic: 0.2 V is outside the logic range" -- run --network "$NET" --data "$DATA" --images 2 --v-logic 0.2
expect_error chip_voltage_out_of_range "voltage" -- chip --voltages 0.1,0.5
sed 's/"energy_unit": "normalized"/"energy_unit": "joules"/' "$SRC/presets/tech/14nm-normalized.json" >"$T/tech_unit.json"
expect_error tech_bad_energy_unit "tech_unit\.json.*energy_unit" -- run --network "$NET" --data "$DATA" --images 2 --tech "$T/tech_unit.json"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d.pop('bitcell_failure'); json.dump(d, open(sys.argv[2],'w'))" \
  "$SRC/presets/tech/45nm.json" "$T/tech_nofail.json"
expect_error chip_without_failure_model "tech_nofail\.json.*bitcell_failure" -- chip --tech "$T/tech_nofail.json"

# Memory follows what the network uses, not the declared SRAM: 16 banks x 2^23 rows (2^27 words, 1.2
# GB if every word were held) run in well under 400 MB; a failure rate that would materialise
# hundreds of millions of failing cells over it is refused with exit 2.
sed 's/"rows_per_bank": 8192/"rows_per_bank": 8388608/' "$SRC/presets/arch/edge-16x16.json" >"$T/huge_sram.json"
python3 - "$LVSIM" "$NET" "$DATA" "$T/huge_sram.json" <<'PY' || fails=$((fails + 1))
import resource, subprocess, sys
lvsim, net, data, arch = sys.argv[1:]
r = subprocess.run([lvsim, "run", "--network", net, "--data", data, "--images", "20", "--arch", arch, "--ber", "1e-5", "--json"],
                   capture_output=True, text=True)
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
ok = r.returncode == 0 and rss_mb < 400
print(("ok  " if ok else "FAIL") + f" huge declared SRAM: exit {r.returncode}, peak {rss_mb:.0f} MB {r.stderr.strip()}")
sys.exit(0 if ok else 1)
PY
expect_error huge_sram_high_rate "fault model: .*failing cells in memory, more than the limit" -- run --network "$NET" --data "$DATA" --images 2 --arch "$T/huge_sram.json" --ber 0.05

# Every shipped technology works with lvsim chip's default voltage grid (the 14 nm curve ends at
# 1.0 Vmin, below its SRAM range's 1.1: the grid spans what both describe).
for tech in "$SRC"/presets/tech/*.json; do
  "$LVSIM" chip --tech "$tech" --json >"$T/chip.json" 2>"$T/err" ||
    { echo "FAIL lvsim chip --tech $tech with the default grid: $(cat "$T/err")"; fails=$((fails + 1)); }
done

if [ $fails -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "run and chip behave as documented"
