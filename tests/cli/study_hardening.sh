#!/usr/bin/env bash
# Issue 25, studies and explorations as a hostile user would try them: the journal is an input like
# any other (no FIFO, link, directory; every field of every line checked against the study, errors
# naming the line); a folder holding another kind of study is refused; every output location is
# checked before the work; the output set is committed as a whole (manifest.json written last),
# also when the command is killed while writing; axis values that are objects stay one CSV cell.
source "$(dirname "$0")/lib/cli_test.sh"
TINY=$SRC/tests/data/cli-tiny.json
STUDY=(--network "$TINY" --data "$DATA" --images 20 --voltages 0.6,0.5 --chips 2 --quiet)
SWEEP_FILES="points.json points.csv summary.json summary.csv thresholds.csv report.html"

# expect_refused NAME PATTERN DIR -- lvsim arguments: exit 2, one line matching PATTERN, nothing on
# stdout, DIR unchanged (listing and contents)
expect_refused() {
  local name=$1 pattern=$2 dir=$3 rc before after
  shift 4
  before=$(cd "$dir" 2>/dev/null && find . -printf '%p %y %s\n' | sort && cat $(find . -type f 2>/dev/null | sort) 2>/dev/null | md5sum)
  timeout 20 "$LVSIM" "$@" >"$T/stdout" 2>"$T/stderr" </dev/null
  rc=$?
  after=$(cd "$dir" 2>/dev/null && find . -printf '%p %y %s\n' | sort && cat $(find . -type f 2>/dev/null | sort) 2>/dev/null | md5sum)
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/stderr")" -ne 1 ] || [ -s "$T/stdout" ] || ! grep -qE -- "$pattern" "$T/stderr" ||
     [ "$before" != "$after" ]; then
    fail "$name: rc=$rc, $(wc -l <"$T/stderr") stderr line(s), folder $([ "$before" = "$after" ] && echo unchanged || echo CHANGED); stderr: $(head -c 300 "$T/stderr")"
  else
    ok "$name: $(cat "$T/stderr")"
  fi
}

# A finished study to damage copies of.
"$LVSIM" sweep "${STUDY[@]}" --out "$T/ref" >/dev/null 2>"$T/err" || fail "reference sweep: $(cat "$T/err")"

# --- the journal is an input like any other (issue 25, item 2) ---
mkdir -p "$T/fifo" && mkfifo "$T/fifo/journal.jsonl"
expect_refused journal_fifo "fifo/journal.jsonl: not a regular file" "$T/fifo" -- sweep "${STUDY[@]}" --out "$T/fifo"
mkdir -p "$T/zero" && ln -s /dev/zero "$T/zero/journal.jsonl"
expect_refused journal_dev_zero "zero/journal.jsonl: not a regular file" "$T/zero" -- sweep "${STUDY[@]}" --out "$T/zero"
mkdir -p "$T/dirj/journal.jsonl"
expect_refused journal_directory "dirj/journal.jsonl: not a regular file" "$T/dirj" -- sweep "${STUDY[@]}" --out "$T/dirj"

# --- every field of every journal line is checked against the study (item 11, 13) ---
# damage ID SED-EXPRESSION PATTERN: a copy of the finished study with its line 3 edited, re-run
damage() {
  rm -rf "$T/d-$1" && cp -r "$T/ref" "$T/d-$1"
  local j="$T/d-$1/journal.jsonl" text crc
  # re-frame line 3 with a matching CRC, as a deliberate edit would
  text=$(sed -n 3p "$j" | cut -d' ' -f2- | sed -E "$2")
  crc=$(/usr/bin/python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(sys.argv[1].encode()))' "$text")
  /usr/bin/python3 - "$j" "$crc $text" <<'PY'
import sys
lines = open(sys.argv[1]).read().split("\n")
lines[2] = sys.argv[2]
open(sys.argv[1], "w").write("\n".join(lines))
PY
  expect_refused "journal_$1" "d-$1/journal.jsonl: line 3: $3" "$T/d-$1" -- sweep "${STUDY[@]}" --out "$T/d-$1"
}
damage correct_above_images 's/"correct":[0-9]+/"correct":21/' "correct: value 21 out of range \[0, 20\]"
damage correct_negative 's/"correct":[0-9]+/"correct":-7/' "correct: value -7 out of range"
damage images_other_study 's/"images":[0-9]+/"images":100/' "images: value 100 out of range \[20, 20\]"
damage bits_stored_zero 's/"bits_stored":[0-9]+/"bits_stored":0/' "bits_stored: value 0 out of range"
damage bit_errors_huge 's/"bit_errors":[0-9]+/"bit_errors":4611686018427387904/' "bit_errors: value 4611686018427387904 out of range"
damage network_index 's/"network":[0-9]+/"network":5/' "network: value 5 out of range \[0, 0\]"
damage value_index 's/"value":[0-9]+/"value":2/' "value: value 2 out of range \[0, 1\]"
damage chip_index 's/"chip":[0-9]+/"chip":-1/' "chip: index -1 out of range"
damage chip_index_huge 's/"chip":[0-9]+/"chip":4294967296/' "chip: index 4294967296 out of range"
damage zero_macs_negative 's/"zero_operand_macs_by_weight_bits":\[0,/"zero_operand_macs_by_weight_bits":[-1,/' \
  "zero_operand_macs_by_weight_bits: value -1 out of range"
# Two different results for one point: the error names both lines (issue 25, item 13).
rm -rf "$T/twice" && cp -r "$T/ref" "$T/twice"
sed -n 2p "$T/twice/journal.jsonl" >"$T/line2"
text=$(cut -d' ' -f2- "$T/line2" | sed -E 's/"correct":([0-9]+)/"correct":0/; s/"robust_wrong":[0-9]+/"robust_wrong":20/')
crc=$(/usr/bin/python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(sys.argv[1].encode()))' "$text")
echo "$crc $text" >>"$T/twice/journal.jsonl"
n=$(wc -l <"$T/twice/journal.jsonl")
expect_refused journal_two_results "twice/journal.jsonl: line $n: a second, different result for the point of line 2" \
  "$T/twice" -- sweep "${STUDY[@]}" --out "$T/twice"
# The same line twice (a resume that journaled a point again) is accepted.
rm -rf "$T/again" && cp -r "$T/ref" "$T/again" && cat "$T/line2" >>"$T/again/journal.jsonl"
"$LVSIM" sweep "${STUDY[@]}" --out "$T/again" >/dev/null 2>"$T/err" && cmp -s "$T/ref/points.csv" "$T/again/points.csv" &&
  ok "journal with one line repeated: accepted, same results" || fail "journal with a repeated line: $(cat "$T/err")"

# --- a folder holding another kind of study (item 8) ---
HEAD='"format": "lvsim-exploration", "version": 1, "workloads": [{"network": "'$TINY'"}]'
printf '{%s, "axes": {"array.rows": [8, 16]}}\n' "$HEAD" >"$T/explore.json"
"$LVSIM" explore --exploration "$T/explore.json" --out "$T/explored" --quiet 2>"$T/err" || fail "exploration: $(cat "$T/err")"
expect_refused explore_into_sweep "--out: .*ref holds the results of an lvsim sweep, not of an lvsim explore" "$T/ref" -- \
  explore --exploration "$T/explore.json" --out "$T/ref" --quiet
expect_refused sweep_into_explore "--out: .*explored holds the results of an lvsim explore, not of an lvsim sweep" \
  "$T/explored" -- sweep "${STUDY[@]}" --out "$T/explored"
# A folder of results written before manifests: recognized by the files only one kind writes.
rm -rf "$T/legacy" && cp -r "$T/ref" "$T/legacy" && rm "$T/legacy/manifest.json"
expect_refused explore_into_legacy_sweep "legacy holds the results of an lvsim sweep" "$T/legacy" -- \
  explore --exploration "$T/explore.json" --out "$T/legacy" --quiet

# --- every output location checked before the work (item 9) ---
# A sweep of 2 x 40 points at 200 images takes seconds; the refusal must come at once, before any point.
BIG=(--network "$TINY" --data "$DATA" --images 200 --voltages 0.6,0.5 --chips 40 --quiet --no-reuse)
mkdir -p "$T/o1/points.csv"
expect_refused points_csv_directory "--out: .*o1/points.csv: exists and is not a regular file" "$T/o1" -- \
  sweep "${BIG[@]}" --out "$T/o1"
mkdir -p "$T/o2" && mkfifo "$T/o2/report.html"
expect_refused report_fifo "--out: .*o2/report.html: exists and is not a regular file" "$T/o2" -- sweep "${BIG[@]}" --out "$T/o2"
mkdir -p "$T/o3" && ln -s /dev/null "$T/o3/summary.json"
expect_refused summary_link "--out: .*o3/summary.json: exists and is not a regular file" "$T/o3" -- sweep "${BIG[@]}" --out "$T/o3"
for d in o1 o2 o3; do [ -e "$T/$d/journal.jsonl" ] && fail "$d: a journal was started before the refusal"; done
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$T/ro" && chmod a-w "$T/ro"
  expect_refused explore_read_only "--out: cannot create directory .*ro/new" "$T/ro" -- \
    explore --exploration "$T/explore.json" --out "$T/ro/new" --quiet
  chmod u+w "$T/ro"
else
  ok "explore_read_only: skipped (root ignores write permissions)"
fi

# A full disk (a 200 kB tmpfs, where the test may mount one): the error gives the reason and no
# result file is left (the set is staged whole before any is renamed into place).
mkdir -p "$T/full"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=200k tmpfs "$T/full" 2>/dev/null; then
  timeout 60 "$LVSIM" sweep "${STUDY[@]}" --out "$T/full/s" >/dev/null 2>"$T/err"
  rc=$?
  left=$(ls "$T/full/s" | grep -v '^journal.jsonl$' | tr '\n' ' ')
  if [ $rc -eq 2 ] && grep -q "cannot write file (No space left on device)" "$T/err" && [ -z "$left" ]; then
    ok "full disk: $(cat "$T/err"), no result file left"
  else
    fail "full disk: rc=$rc, left [$left], stderr: $(cat "$T/err")"
  fi
  umount "$T/full"
else
  ok "full_disk: skipped (cannot mount a tmpfs here)"
fi

# --- the output set is committed as a whole, also when killed while writing (item 9) ---
# check_set DIR: the manifest, when present, lists every file of the set with its size and CRC-32,
# and the files are one run's (all equal to those of REF_A or all to those of REF_B).
check_set() {
  /usr/bin/python3 - "$@" <<'PY'
import json, os, sys, zlib
d, ref_a, ref_b = sys.argv[1:4]
m = os.path.join(d, "manifest.json")
if not os.path.exists(m):
    print("unfinished"); sys.exit(0)
man = json.load(open(m))
names = [f["name"] for f in man["files"]]
for f in man["files"]:
    data = open(os.path.join(d, f["name"]), "rb").read()
    if len(data) != f["bytes"] or "%08x" % zlib.crc32(data) != f["crc32"]:
        print("MISMATCH " + f["name"]); sys.exit(1)
def same(ref):
    return all(open(os.path.join(d, n), "rb").read() == open(os.path.join(ref, n), "rb").read() for n in names)
print("whole-a" if same(ref_a) else "whole-b" if same(ref_b) else "MIXED")
sys.exit(0 if same(ref_a) or same(ref_b) else 1)
PY
}
# Two explorations whose outputs differ in every file (~7.5k rows: the write phase takes a while).
printf '{%s, "axes": {"array.rows": [%s], "array.cols": [%s], "v_sram_v": [0.9, 0.8, 0.7]}}\n' "$HEAD" \
  "$(seq -s, 1 50)" "$(seq -s, 1 50)" >"$T/ea.json"
printf '{%s, "axes": {"array.rows": [%s], "array.cols": [%s], "v_sram_v": [0.9, 0.8, 0.75]}}\n' "$HEAD" \
  "$(seq -s, 1 50)" "$(seq -s, 1 50)" >"$T/eb.json"
"$LVSIM" explore --exploration "$T/ea.json" --out "$T/ka" --quiet || fail "exploration a"
"$LVSIM" explore --exploration "$T/eb.json" --out "$T/kb" --quiet || fail "exploration b"
cp -r "$T/ka" "$T/killed"
# Under load (CI runs the tests in parallel on 2 cores) a kill may land after the write phase; the
# loop goes on until 3 kills landed mid-write (at most 40 tries).
mid_write=0 tries=0
while [ $tries -lt 40 ] && [ $mid_write -lt 3 ]; do
  tries=$((tries + 1))
  "$LVSIM" explore --exploration "$T/eb.json" --out "$T/killed" --quiet &
  pid=$!
  # wait for the write phase (its first staged file), then kill 0-20 ms into it
  while kill -0 $pid 2>/dev/null && ! ls -A "$T/killed" | grep -q '\.tmp\.'; do sleep 0.002; done
  sleep "0.0$((RANDOM % 20))"
  kill -KILL $pid 2>/dev/null
  wait $pid 2>/dev/null
  state=$(check_set "$T/killed" "$T/ka" "$T/kb") || { fail "killed exploration left: $state"; break; }
  if [ "$state" = unfinished ] || ls -A "$T/killed" | grep -q '\.tmp\.'; then mid_write=$((mid_write + 1)); fi
  # a re-run finishes the set (and removes what the killed run staged)
  "$LVSIM" explore --exploration "$T/ea.json" --out "$T/killed" --quiet || fail "re-run after a kill"
  state=$(check_set "$T/killed" "$T/ka" "$T/kb")
  [ "$state" = whole-a ] || fail "re-run after a kill: $state"
  ls -A "$T/killed" | grep -q '\.tmp\.' && fail "re-run left staging files: $(ls -A "$T/killed")"
done
[ $mid_write -ge 3 ] && ok "explore killed $tries times while writing ($mid_write left an unfinished set): never a mixture" ||
  fail "only $mid_write of $tries kills landed while the outputs were written"

# --- an axis whose values are objects is one CSV cell (item 12) ---
printf '{%s, "axes": {"array": [{"rows": 8, "cols": 8, "dataflow": "weight_stationary"}, {"rows": 16, "cols": 16, "dataflow": "weight_stationary"}]}}\n' \
  "$HEAD" >"$T/obj.json"
if "$LVSIM" explore --exploration "$T/obj.json" --out "$T/obj" --quiet 2>"$T/err"; then
  /usr/bin/python3 - "$T/obj/points.csv" <<'PY' && ok "object axis values: one quoted cell each" || fail "object axis values shift the CSV columns"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
assert all(len(r) == len(rows[0]) for r in rows), "ragged rows"
col = rows[0].index("array")
assert json.loads(rows[1][col])["rows"] == 8 and json.loads(rows[2][col])["rows"] == 16
PY
else
  fail "exploration with an object axis: $(cat "$T/err")"
fi

exit $((fails > 0))
