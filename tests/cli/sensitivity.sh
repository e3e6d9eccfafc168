#!/usr/bin/env bash
# lvsim sensitivity on the shipped CNN (few images and chips): the table, CSV, JSON and HTML report
# and their structure; the all-layers row equals lvsim sweep on the same chips; the layer (bit)
# rows partition its wrong bits; byte-identical outputs for --threads 1 and 2; the report renders
# in headless Chromium; bad input exits 2 with one line and writes nothing.
source "$(dirname "$0")/lib/cli_test.sh"
TECH=$SRC/presets/tech/14nm-normalized.json
RUN=(sensitivity --network "$NET" --data "$DATA" --images 200 --chips 2 --tech "$TECH" --voltage 0.8 --quiet)

for t in 1 2; do
  mkdir -p "$T/t$t"
  "$LVSIM" "${RUN[@]}" --by both --threads $t --csv "$T/t$t/s.csv" --json "$T/t$t/s.json" \
    --report "$T/t$t/s.html" >"$T/t$t/stdout" 2>"$T/t$t/stderr" || fail "threads $t: $(cat "$T/t$t/stderr")"
done
for f in s.csv s.json s.html stdout; do
  cmp -s "$T/t1/$f" "$T/t2/$f" && ok "$f byte-identical for --threads 1 and 2" || fail "$f differs between --threads 1 and 2"
done
[ -s "$T/t1/stderr" ] && fail "--quiet: stderr not empty: $(cat "$T/t1/stderr")"

# The same chips as a sweep: its point at 0.8 V is the all-layers row.
"$LVSIM" sweep --network "$NET" --data "$DATA" --images 200 --chips 2 --tech "$TECH" --voltages 0.8 --quiet \
  --out "$T/sweep" >/dev/null 2>"$T/sweep.stderr" || fail "sweep: $(cat "$T/sweep.stderr")"

python3 - "$T" <<'PY'
import csv, json, sys
from checks import check, finish
t = sys.argv[1]
d = json.load(open(f"{t}/t1/s.json"))
rows = d["rows"]
check(d["format"] == "lvsim-sensitivity" and d["version"] == 1, "format lvsim-sensitivity, version 1")
check(d["chips"] == [1, 2] and d["images"] == 200 and d["v_sram_v"] == 0.8 and d["ber"] is None, "what was run")
kinds = [r["scope"] for r in rows]
check(kinds == ["all"] + ["layer"] * 4 + ["bit"] * 8, f"scopes: all, 4 layers, 8 bits ({kinds})")
check([r["layer"] for r in rows[1:5]] == ["conv1", "conv2", "fc1", "fc2"], "the weight layers, in order")
check([r["bit"] for r in rows[5:]] == list(range(8)), "bits 0..7")
a = rows[0]
check(abs(sum(r["bit_errors_mean"] for r in rows[1:5]) - a["bit_errors_mean"]) < 1e-6, "layers partition the wrong bits")
check(abs(sum(r["bit_errors_mean"] for r in rows[5:]) - a["bit_errors_mean"]) < 1e-6, "bits partition the wrong bits")
check(sum(r["bits_stored"] for r in rows[1:5]) == a["bits_stored"] == sum(r["bits_stored"] for r in rows[5:]),
      "bits stored add up")
check(a["bit_errors_mean"] > 0 and a["accuracy_drop_mean"] > 0, f"faults cost accuracy at 0.8 V ({a['accuracy_drop_mean']})")
check(all(abs(r["accuracy_drop_mean"] - (r["accuracy_clean"] - r["accuracy_mean"])) < 1e-12 for r in rows),
      "drop = clean - mean")
check(all(r["robust_error_mean"] >= 1 - r["accuracy_clean"] - 1e-12 for r in rows), "RErr never below the clean error")
s = json.load(open(f"{t}/sweep/summary.json"))["points"][0]
check(s["accuracy_mean"] == a["accuracy_mean"] and s["robust_error_mean"] == a["robust_error_mean"] and
      s["accuracy_std"] == a["accuracy_std"], "all-layers row = lvsim sweep on the same chips")
check(s["accuracy_clean"] == a["accuracy_clean"], "clean accuracy = the sweep's")
c = list(csv.reader(open(f"{t}/t1/s.csv")))
check(c[0] == list(rows[0].keys()) and len(c) == 1 + len(rows), "CSV: the JSON rows' columns, one line per row")
check(c[1][c[0].index("bit")] == "" and c[6][c[0].index("bit")] == "0", "CSV: an empty cell for null")
out = open(f"{t}/t1/stdout").read().splitlines()
check(len(out) == 3 + len(rows) and out[0].startswith("sensitivity fmnist-cnn at V_sram 0.8 V"), "the table")
finish()
PY
[ $? = 0 ] || fail "structure checks"

# A fault rate, by layer only.
"$LVSIM" sensitivity --network "$NET" --data "$DATA" --images 50 --chips 1 --ber 0.01 --ber-model stuck_at --quiet \
  --json "$T/ber.json" >/dev/null 2>"$T/ber.stderr" || fail "--ber: $(cat "$T/ber.stderr")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d['ber']==0.01 and d['fault_model']=='stuck_at'
  and len(d['rows'])==5))" "$T/ber.json" && ok "--ber 0.01 --ber-model stuck_at: 5 rows" || fail "--ber run"

# The fast path's map equals the golden reference engine's, row by row (10 images, one chip).
for mode in fast golden; do
  "$LVSIM" sensitivity --network "$NET" --data "$DATA" --images 10 --chips 3..3 --tech "$TECH" --voltage 0.78 \
    --mode $mode --quiet --json "$T/$mode.json" >/dev/null 2>"$T/$mode.stderr" || fail "--mode $mode: $(cat "$T/$mode.stderr")"
done
python3 -c "import json,sys; f,g=(json.load(open(p)) for p in sys.argv[1:]); sys.exit(not (f['rows']==g['rows'] and
  f['rows'][0]['bit_errors_mean']>0 and f['mode']=='fast' and g['mode']=='golden'))" "$T/fast.json" "$T/golden.json" &&
  ok "--mode golden: the same rows as fast" || fail "--mode golden rows differ from fast"

bash "$SRC/tests/cli/report_render.sh" "$T/t1/s.html" || fail "report does not render"

# Bad input: one line, exit 2, none of the outputs written.
X=(-x "$T/bad.csv" -x "$T/bad.json" -x "$T/bad.html")
OUTS=(--csv "$T/bad.csv" --json "$T/bad.json" --report "$T/bad.html")
BASE=(sensitivity --network "$NET" --data "$DATA" --images 20 --chips 1 --quiet)
expect_rejected no_point "--voltage: required \(or give --ber\)" "${X[@]}" -- "${BASE[@]}" "${OUTS[@]}"
expect_rejected both_points "either --voltage or --ber" "${X[@]}" -- "${BASE[@]}" --voltage 0.5 --ber 0.01 "${OUTS[@]}"
expect_rejected bad_by "--by" "${X[@]}" -- "${BASE[@]}" --voltage 0.5 --by layers "${OUTS[@]}"
expect_rejected cycle_mode "--mode: a sensitivity map runs fast or golden" "${X[@]}" -- "${BASE[@]}" --voltage 0.5 \
  --mode cycle "${OUTS[@]}"
expect_rejected two_networks "--network: a sensitivity map is of one network" "${X[@]}" -- "${BASE[@]}" \
  --network "$NET" --voltage 0.5 "${OUTS[@]}"
expect_rejected ber_model_voltage "--ber-model: needs --ber" "${X[@]}" -- "${BASE[@]}" --voltage 0.5 \
  --ber-model stuck_at "${OUTS[@]}"
expect_rejected voltage_range "V_sram 0.2 V outside" "${X[@]}" -- "${BASE[@]}" --voltage 0.2 \
  "${OUTS[@]}"
expect_rejected rate_range "ber: rates must be in \[0, 1\]" "${X[@]}" -- "${BASE[@]}" --ber 1.5 "${OUTS[@]}"
expect_rejected no_chips "--chips: required" "${X[@]}" -- sensitivity --network "$NET" --data "$DATA" --voltage 0.5 \
  "${OUTS[@]}"
expect_rejected missing_network "nope\.json" "${X[@]}" -- sensitivity --network "$T/nope.json" --data "$DATA" \
  --voltage 0.5 --chips 1 "${OUTS[@]}"
expect_rejected csv_dir_missing "--csv.*cannot write into directory" "${X[@]}" -- "${BASE[@]}" --voltage 0.5 \
  --json "$T/bad.json" --report "$T/bad.html" --csv "$T/no/such/dir/s.csv"
expect_rejected same_path "--json: .* is given for two outputs" "${X[@]}" -- "${BASE[@]}" --voltage 0.5 \
  --csv "$T/bad.csv" --json "$T/bad.csv"
cp "$NET" "$T/net.json"
expect_rejected output_is_input "--json: .*the network file" -- sensitivity --network "$T/net.json" --data "$DATA" \
  --chips 1 --voltage 0.5 --json "$T/net.json"
cmp -s "$NET" "$T/net.json" || fail "output_is_input: the network file was changed"
exit $((fails > 0))
