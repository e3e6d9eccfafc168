#!/usr/bin/env bash
# Bad study input: exit code 2, exactly one line on stderr naming the file or option and the field,
# nothing on stdout, and nothing written (the output directory is not even created).
source "$(dirname "$0")/lib/cli_test.sh"

# expect_error NAME PATTERN -- sweep arguments... (--out is added: it must stay absent)
expect_error() {  # NAME PATTERN -- SWEEP-ARGS...: the output directory must not be created
  local name=$1 pattern=$2
  shift 3
  expect_rejected "$name" "$pattern" -x "$T/out" -- sweep "$@" --out "$T/out"
}
BASE=(--network "$NET" --data "$DATA" --images 20 --chips 2 --quiet)
study() {  # study NAME JSON: a study file
  printf '%s\n' "$2" >"$T/$1.json"
}
GOOD='{"format": "lvsim-study", "version": 1, "networks": ["'$NET'"], "data": {"dir": "'$DATA'", "images": 20},
 "sweep": {"v_sram_v": {"from": 0.6, "to": 0.5, "step": -0.05}}, "chips": {"count": 2}, "max_drop": [0.01]}'
study good "$GOOD"
# The good study and flags work, so the failures below come from the edits.
"$LVSIM" sweep --study "$T/good.json" --quiet --out "$T/good-out" 2>"$T/stderr" ||
  { echo "FAIL good study: $(cat "$T/stderr")"; fails=$((fails + 1)); }
"$LVSIM" sweep "${BASE[@]}" --voltages 0.6,0.5 --out "$T/good-flags" 2>"$T/stderr" ||
  { echo "FAIL good flags: $(cat "$T/stderr")"; fails=$((fails + 1)); }

expect_error reversed_range "--voltages: empty range.*reversed" -- "${BASE[@]}" --voltages 0.70:0.90:-0.01
expect_error zero_step "--voltages: step must not be 0" -- "${BASE[@]}" --voltages 0.90:0.70:0
expect_error not_a_number "--voltages: expected a number" -- "${BASE[@]}" --voltages 0.9,abc
expect_error below_technology "0.3 V.*outside" -- "${BASE[@]}" --voltages 0.5,0.3
expect_error above_technology "voltage_range.sram|outside" -- "${BASE[@]}" --voltages 1.3
expect_error duplicate_voltage "given twice" -- "${BASE[@]}" --voltages 0.5,0.6,0.5
expect_error zero_chips "--chips: zero chips" -- --network "$NET" --data "$DATA" --voltages 0.5 --chips 0
expect_error empty_chip_range "--chips: empty chip range" -- --network "$NET" --data "$DATA" --voltages 0.5 --chips 5..2
expect_error threshold_range "max_drop: thresholds must be in \[0, 1\]" -- "${BASE[@]}" --voltages 0.5 --max-drop 0.01,1.5
expect_error negative_threshold "max_drop" -- "${BASE[@]}" --voltages 0.5 --max-drop -0.1
expect_error rerr_threshold_range "max_rerr_increase: thresholds must be in \[0, 1\]" -- "${BASE[@]}" --voltages 0.5 \
  --max-rerr-increase 0.01,1.5
expect_error rerr_threshold_twice "max_rerr_increase: threshold 0.01 given twice" -- "${BASE[@]}" --voltages 0.5 \
  --max-rerr-increase 0.01,0.01
expect_error ci_width "ci_width: must be in \(0, 1\)" -- "${BASE[@]}" --voltages 0.5 --ci-width 2
expect_error transient_nan "faults.transient_ber: must be in" -- "${BASE[@]}" --voltages 0.5 --transient-ber nan
expect_error min_chips_alone "--min-chips: needs --ci-width" -- "${BASE[@]}" --voltages 0.5 --min-chips 3
expect_error stuck_share_bit_flip "stuck_at_1_fraction: applies to the stuck_at model" -- "${BASE[@]}" --ber-list 0.01 --stuck-at-1-fraction 0.2
expect_error both_axes "either --voltages or --ber-list" -- "${BASE[@]}" --voltages 0.5 --ber-list 0.01
expect_error no_axis "--voltages: give --voltages or --ber-list" -- --network "$NET" --data "$DATA" --chips 2
expect_error ber_model_alone "--ber-model: needs --ber-list" -- "${BASE[@]}" --voltages 0.5 --ber-model stuck_at
expect_error ber_out_of_range "ber: rates must be in \[0, 1\]" -- "${BASE[@]}" --ber-list 0.1,2
expect_error missing_network "nope\.json" -- --network "$T/nope.json" --data "$DATA" --voltages 0.5 --chips 1
expect_error missing_data "nodata" -- --network "$NET" --data "$T/nodata" --voltages 0.5 --chips 1
expect_error same_names "two networks .*named \"x\"" -- --network "x=$NET" --network "x=$NET" --data "$DATA" \
  --voltages 0.5 --chips 1
study unknown_key "${GOOD/\"max_drop\"/\"max_dorp\"}"
expect_error unknown_key "unknown_key\.json.*max_dorp" -- --study "$T/unknown_key.json"
study bad_format "${GOOD/lvsim-study/lvsim-network}"
expect_error bad_format "bad_format\.json: format" -- --study "$T/bad_format.json"
study bad_version "${GOOD/\"version\": 1/\"version\": 7}"
expect_error bad_version "bad_version\.json: version" -- --study "$T/bad_version.json"
study both_sweeps "${GOOD/\"sweep\": \{/\"sweep\": \{\"ber\": [0.1], }"
expect_error both_sweeps "both_sweeps\.json: sweep: give exactly one" -- --study "$T/both_sweeps.json"
study bad_chips "${GOOD/\"count\": 2/\"count\": 0}"
expect_error bad_chips "bad_chips\.json: chips\.count" -- --study "$T/bad_chips.json"
study wrong_type "${GOOD/\"images\": 20/\"images\": \"all\"}"
expect_error wrong_type "wrong_type\.json: data\.images" -- --study "$T/wrong_type.json"
printf '{"format": "lvsim-study", "version": 1, "networks": [' >"$T/truncated.json"
expect_error truncated "truncated\.json" -- --study "$T/truncated.json"

# An output directory that cannot be created or written: refused before any work.
touch "$T/a-file"
rm -rf "$T/out"
"$LVSIM" sweep "${BASE[@]}" --voltages 0.5 --out "$T/a-file/sub" >"$T/stdout" 2>"$T/stderr"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q -- "--out: cannot create directory" "$T/stderr"; then
  echo "ok   out_not_creatable: $(cat "$T/stderr")"; else
  echo "FAIL out_not_creatable: rc=$rc $(cat "$T/stderr")"; fails=$((fails + 1)); fi
mkdir "$T/readonly" && chmod a-w "$T/readonly"
if [ "$(id -u)" != 0 ]; then  # root writes anywhere: the check needs an unprivileged user
  "$LVSIM" sweep "${BASE[@]}" --voltages 0.5 --out "$T/readonly" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  if [ $rc -eq 2 ] && grep -q "not writable" "$T/stderr" && [ -z "$(ls -A "$T/readonly")" ]; then
    echo "ok   out_readonly: $(cat "$T/stderr")"; else
    echo "FAIL out_readonly: rc=$rc $(cat "$T/stderr")"; fails=$((fails + 1)); fi
fi
exit $((fails > 0))
