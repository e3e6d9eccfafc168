#!/usr/bin/env bash
# A sweep killed with SIGKILL at several moments and re-run with the same command skips its
# finished points, loses none, and ends with outputs byte-identical to an uninterrupted run; a torn
# last journal line is dropped; a journal of another study is refused without touching anything.
source "$(dirname "$0")/lib/cli_test.sh"
ALL="points.json points.csv summary.json summary.csv report.html"
# --no-reuse and one thread: every point runs the test set (~50 ms), so kills land mid-study.
LOUD=(--network "$NET" --data "$DATA" --images 1000 --voltages 0.60:0.50:-0.02 --chips 4 --threads 1 --no-reuse)
STUDY=("${LOUD[@]}" --quiet)
TOTAL=24

"$LVSIM" sweep "${STUDY[@]}" --out "$T/ref" || fail "uninterrupted sweep"

journal_points() { [ -f "$1/journal.jsonl" ] && echo $(($(wc -l <"$1/journal.jsonl") - 1)) || echo 0; }
# Kill after the journal holds at least N points, for growing N; each run resumes the previous.
kills=0
for n in 3 9 15 20; do
  "$LVSIM" sweep "${STUDY[@]}" --out "$T/killed" &
  pid=$!
  while kill -0 $pid 2>/dev/null && [ "$(journal_points "$T/killed")" -lt $n ]; do sleep 0.005; done
  if kill -KILL $pid 2>/dev/null; then kills=$((kills + 1)); fi
  wait $pid 2>/dev/null
  have=$(journal_points "$T/killed")
  echo "     killed with $have/$TOTAL points in the journal"
  [ -e "$T/killed/summary.json" ] && [ "$have" -lt $TOTAL ] && fail "outputs written before the study finished"
done
[ $kills -ge 3 ] || fail "only $kills of 4 runs were killed mid-study (study too fast to test?)"
# A torn last line, as a kill in the middle of a write leaves it.
printf '1234abcd {"network": 0, "val' >>"$T/killed/journal.jsonl"
"$LVSIM" sweep "${STUDY[@]}" --out "$T/killed" 2>"$T/err" || fail "resumed sweep: $(cat "$T/err")"
for f in $ALL; do cmp -s "$T/ref/$f" "$T/killed/$f" || fail "$f after kills differs from the uninterrupted run"; done
[ "$(journal_points "$T/killed")" -eq $TOTAL ] || fail "journal holds $(journal_points "$T/killed") points, not $TOTAL"
[ $fails -eq 0 ] && ok "killed $kills times and resumed: outputs identical to the uninterrupted run"

# A finished study re-run computes nothing and rewrites the same outputs.
"$LVSIM" sweep "${LOUD[@]}" --out "$T/killed" 2>"$T/err" >/dev/null
grep -q "0 run, 0 with the stored weights, 0 with the previous point's weights, $TOTAL from the journal" "$T/err" &&
  ok "re-run of a finished study: $(tail -1 "$T/err")" || fail "re-run of a finished study: $(cat "$T/err")"

# Another study (more images) in the same directory: refused, nothing changed.
cp -r "$T/killed" "$T/before"
"$LVSIM" sweep "${STUDY[@]/1000/900}" --out "$T/killed" >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "journal of another study" "$T/err" &&
   diff -r "$T/before" "$T/killed" >/dev/null; then ok "other study refused: $(cat "$T/err")"; else
  fail "other study: rc=$rc, stderr: $(cat "$T/err")"; fi
# A damaged line in the middle of the journal: an error naming it, not a silent mix.
sed -i '3s/"correct":[0-9]*/"correct":1/' "$T/killed/journal.jsonl"
"$LVSIM" sweep "${STUDY[@]}" --out "$T/killed" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "line 3" "$T/err" && ok "corrupt line refused: $(cat "$T/err")" ||
  fail "corrupt journal line: rc=$rc, stderr: $(cat "$T/err")"

exit $((fails > 0))
