#!/usr/bin/env bash
# Output files of `lvsim run` (--output, --vcd, --compute-report) are all checked before any work
# and written together at the end: a run that exits 2 leaves none of them (and no temporary file)
# behind. Cycle mode on a large array says so and shows progress on stderr unless --quiet.
source "$(dirname "$0")/lib/cli_test.sh"

cycle() { "$LVSIM" run --network "$NET" --data "$DATA" --images 2 --mode cycle --threads 1 "$@"; }
# A failing run: exit 2, one error line naming the option, and the directory holds nothing new.
expect_nothing_written() {
  local name=$1 pattern=$2
  shift 2
  find "$T/out" -mindepth 1 -maxdepth 1 ! -name fifo ! -name dir ! -name link -exec rm -rf {} +
  "$@" >"$T/stdout" 2>"$T/stderr"
  local rc=$? left
  left=$(ls -A "$T/out" | grep -v -e '^fifo$' -e '^dir$' -e '^link$')
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/stderr")" -ne 1 ] || ! grep -qE -- "$pattern" "$T/stderr" || [ -n "$left" ]; then
    fail "$name: rc=$rc, left behind: [$left], stderr: $(cat "$T/stderr")"
  else
    ok "$name: $(cat "$T/stderr")"
  fi
}
O=$T/out
mkdir -p "$O/dir" && mkfifo "$O/fifo" && ln -s /dev/null "$O/link"
expect_nothing_written output_dir_missing "--output.*cannot write into directory" \
  cycle --vcd "$O/t.vcd" --compute-report "$O/c.csv" --output "$O/missing/r.json"
expect_nothing_written output_is_fifo "--output.*not a regular file" \
  cycle --vcd "$O/t.vcd" --compute-report "$O/c.csv" --output "$O/fifo"
expect_nothing_written output_is_directory "--output.*not a regular file" \
  cycle --vcd "$O/t.vcd" --compute-report "$O/c.csv" --output "$O/dir"
expect_nothing_written output_is_symlink "--output.*not a regular file" \
  cycle --vcd "$O/t.vcd" --compute-report "$O/c.csv" --output "$O/link"
expect_nothing_written compute_report_dir_missing "--compute-report.*cannot write" \
  cycle --vcd "$O/t.vcd" --compute-report "$O/no/c.csv" --output "$O/r.json"
expect_nothing_written vcd_dir_missing "--vcd.*cannot write" \
  cycle --vcd "$O/no/t.vcd" --compute-report "$O/c.csv" --output "$O/r.json"
# A bad input found after the outputs were reserved (the data set) leaves nothing either.
expect_nothing_written bad_data_after_reserve "data|images" \
  "$LVSIM" run --network "$NET" --data "$T/nodata" --images 2 --mode cycle --threads 1 --vcd "$O/t.vcd" \
  --compute-report "$O/c.csv" --output "$O/r.json"

# A successful run writes all three, complete, and nothing else.
rm -rf "$O" && mkdir -p "$O"
if cycle --quiet --vcd "$O/t.vcd" --compute-report "$O/c.csv" --output "$O/r.json" >/dev/null 2>"$T/stderr" &&
  [ "$(ls -A "$O" | tr '\n' ' ')" = "c.csv r.json t.vcd " ] && grep -q '\$enddefinitions' "$O/t.vcd" &&
  python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$O/r.json" && [ "$(wc -l <"$O/c.csv")" -gt 1 ] &&
  [ ! -s "$T/stderr" ]; then
  ok "a successful run writes the VCD, the compute report and the report"
else
  fail "successful run: files $(ls -A "$O" | tr '\n' ' '), stderr: $(cat "$T/stderr")"
fi

# A 1024 x 1024 array: the notice before the run and a progress line within seconds (the run is
# stopped after 8 s); with --quiet, nothing on stderr.
sed 's/"rows": 16, "cols": 16/"rows": 1024, "cols": 1024/' "$SRC/presets/arch/edge-16x16.json" >"$T/big.json"
timeout 8 "$LVSIM" run --network "$NET" --data "$DATA" --images 2 --mode cycle --threads 1 --arch "$T/big.json" \
  >/dev/null 2>"$T/progress"
if grep -q "cycle mode: 2 image(s) x .* on a 1024 x 1024 array" "$T/progress" &&
  grep -qE "cycle mode: image [12]/2, layer [0-9]+/[0-9]+ '.*', cycle [0-9]+ of [0-9]+" "$T/progress"; then
  ok "large cycle-mode run: notice and progress"
else
  fail "large cycle-mode run: no notice or progress on stderr: $(cat "$T/progress")"
fi
timeout 4 "$LVSIM" run --network "$NET" --data "$DATA" --images 2 --mode cycle --threads 1 --arch "$T/big.json" \
  --quiet >/dev/null 2>"$T/progress"
if [ -s "$T/progress" ]; then fail "--quiet still prints: $(cat "$T/progress")"; else ok "--quiet: no progress"; fi

exit $((fails > 0))
