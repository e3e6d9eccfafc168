#!/usr/bin/env bash
# Renders study reports (report.html) in a headless Chromium and fails on any JavaScript error or
# empty plot. The page itself reports, after drawing, "ok N charts" or "error: ..." in
# #lvsim-status (sim/report/study_report_html.cpp); this script reads it from the rendered DOM and
# checks that N is the number of canvases. A screenshot is written next to each report.
# Usage: report_render.sh REPORT.html            check one report (e.g. a study's output)
#        report_render.sh WRITER OUT_DIR         write the voltage- and BER-axis sample reports with
#                                                tests/tools/write_sample_report into OUT_DIR, check both
set -uo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  # Not a skip: a report nobody rendered is an untested report. CI installs chromium.
  echo "FAIL: $CHROMIUM not found: install the Debian package chromium (tools/install-deps.sh)"
  exit 1
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# One fresh profile per Chromium process (a profile is locked while in use); no network, no
# background services. The virtual time budget lets the page's scripts finish before the dump.
chromium() {
  local profile
  profile=$(mktemp -d -p "$T")
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --virtual-time-budget=5000 "$@" 2>>"$T/chromium.log"
}

check() {
  local html=$1 url dom status canvases png=${1%.html}.png
  url="file://$(realpath "$html")"
  dom=$(chromium --dump-dom "$url") || { fail "$html: chromium --dump-dom failed"; tail -5 "$T/chromium.log"; return; }
  status=$(sed -n 's/.*<span id="lvsim-status">\([^<]*\)<\/span>.*/\1/p' <<<"$dom")
  canvases=$(grep -o '<canvas ' <<<"$dom" | wc -l)
  if [ "$canvases" -lt 1 ]; then fail "$html: no plot on the page"; fi
  if [ "$status" != "ok $canvases charts" ]; then
    fail "$html: page status '${status:-<none>}', expected 'ok $canvases charts'"
  else
    echo "ok   $html: $status"
  fi
  rm -f "$png"
  chromium --screenshot="$png" --window-size=1200,3000 "$url" >/dev/null || fail "$html: chromium --screenshot failed"
  [ -s "$png" ] && echo "     screenshot $png" || fail "$html: no screenshot written"
}

if [[ $1 == *.html ]]; then
  check "$1"
else
  WRITER=$1
  OUT=${2:?usage: report_render.sh WRITER OUT_DIR}
  mkdir -p "$OUT"
  for axis in voltage ber; do
    "$WRITER" "$OUT/report-$axis.html" "$axis" || { fail "$WRITER $axis"; continue; }
    check "$OUT/report-$axis.html"
  done
fi
[ "$fails" = 0 ] || { echo "chromium log (last lines):"; tail -5 "$T/chromium.log"; }
exit $((fails > 0))
