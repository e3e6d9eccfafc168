#!/usr/bin/env bash
# Behaviour check for refactors: runs a fixed set of lvsim commands and compares every output byte
# for byte (wall-clock fields stripped) against a reference recorded with the build of the commit
# before the change.
#
#   tools/refactor-check.sh record DIR [LVSIM]    outputs of LVSIM (default build/lvsim) into DIR
#   tools/refactor-check.sh compare DIR [LVSIM]   the same commands, diffed against DIR; exit 1 on a difference
#
# Typical use: build the commit before the change, `record /tmp/ref`; after each step, `compare /tmp/ref`.
# The commands: lvsim run in fast, golden and cycle modes on the shipped CNN with faults (chip
# model, fixed BER, SECDED, transients, streamed weights, each dataflow), run --topology, a small
# sweep, a small exploration, recost and chip. Stripped: wall_time_s, images_per_second (JSON) and
# the text report's "speed" line; sweep/explore journals and progress logs are not compared.
set -uo pipefail
usage() { echo "usage: $0 record|compare DIR [LVSIM]" >&2; exit 2; }
[ $# -ge 2 ] || usage
ACTION=$1
DIR=$2
SRC=$(cd "$(dirname "$0")/.." && pwd)
LVSIM=$(realpath "${3:-$SRC/build/lvsim}")
NET=$SRC/workloads/networks/fmnist-cnn.json
DATA=/usr/share/datasets/fashion-mnist
TOPO=$SRC/workloads/topologies
case $ACTION in
  record) OUT=$DIR; rm -rf "$OUT"; mkdir -p "$OUT" ;;
  compare) [ -d "$DIR" ] || { echo "no reference in $DIR" >&2; exit 2; }; OUT=$(mktemp -d) ;;
  *) usage ;;
esac
W=$(mktemp -d)
trap 'rm -rf "$W"; [ "$ACTION" = compare ] && rm -rf "$OUT"' EXIT
errors=0
# A private copy of the binary: a rebuild while the commands run does not change what they run.
cp "$LVSIM" "$W/lvsim" || exit 2
LVSIM=$W/lvsim

# cmd NAME ARGS...: stdout of `lvsim ARGS` into NAME, plus NAME.rc (exit status) and NAME.err.
cmd() {
  local name=$1
  shift
  "$LVSIM" "$@" >"$OUT/$name" 2>"$OUT/$name.err"
  echo $? >"$OUT/$name.rc"
}
# keep NAME DIR FILES...: copies the named output files of a study directory.
keep() {
  local name=$1 dir=$2 f
  shift 2
  for f in "$@"; do [ -f "$dir/$f" ] && cp "$dir/$f" "$OUT/$name.$f"; done
}

sed 's/"ecc": "none"/"ecc": "secded", "on_double_error": "zero_word"/' "$SRC/presets/arch/edge-16x16.json" >"$W/secded.json"
for df in output_stationary input_stationary; do
  sed "s/\"weight_stationary\"/\"$df\"/" "$SRC/presets/arch/edge-16x16.json" >"$W/$df.json"
  sed "s/\"weight_stationary\"/\"$df\"/" "$SRC/presets/arch/edge-16x16-streamed.json" >"$W/$df-streamed.json"
done
grep -q '"weight_stationary"' "$SRC/presets/arch/edge-16x16.json" || { echo "edge-16x16.json: no dataflow to vary" >&2; exit 2; }

R=(run --network "$NET" --data "$DATA" --json)
for mode in fast golden cycle; do
  cmd run-$mode-chip.json "${R[@]}" --images 12 --mode $mode --threads 1 --quiet --voltage 0.6 --chip-seed 5
  cmd run-$mode-ber.json "${R[@]}" --images 12 --mode $mode --threads 1 --quiet --ber 0.01 --chip-seed 7 --robust-error
  cmd run-$mode-ecc.json "${R[@]}" --images 6 --mode $mode --threads 1 --quiet --arch "$W/secded.json" --ber 0.004 --chip-seed 3
  cmd run-$mode-tr.json "${R[@]}" --images 6 --mode $mode --threads 1 --quiet --transient-ber 0.002 --voltage 0.6
  cmd run-$mode-streamed.json "${R[@]}" --images 4 --mode $mode --threads 1 --quiet \
    --arch "$SRC/presets/arch/edge-16x16-streamed.json" --voltage 0.65
  for df in output_stationary input_stationary; do
    cmd run-$mode-$df.json "${R[@]}" --images 4 --mode $mode --threads 1 --quiet --arch "$W/$df.json" --voltage 0.6
    cmd run-$mode-$df-streamed.json "${R[@]}" --images 4 --mode $mode --threads 1 --quiet --arch "$W/$df-streamed.json"
  done
done
cmd run-fast-text.txt run --network "$NET" --data "$DATA" --images 50 --voltage 0.55 --chip-seed 2
cmd run-fast-stuck.json "${R[@]}" --images 50 --ber 0.002 --ber-model stuck_at --chip-seed 4 --weight-bits 4
cmd run-fast-threads2.json "${R[@]}" --images 50 --threads 2 --voltage 0.5 --compute-report "$OUT/compute-report.csv"
cmd run-fast-dump.json "${R[@]}" --images 2 --voltage 0.55 --dump-layers "$W/dump"
[ -d "$W/dump" ] && (cd "$W/dump" && for f in *; do cp "$f" "$OUT/dump.$f"; done)
# Topologies: resident where they fit, streamed in each dataflow (IS streams a group's filters at
# once: a larger SRAM).
sed 's/"rows_per_bank": [0-9]*/"rows_per_bank": 65536/' "$W/input_stationary-streamed.json" >"$W/is-big-streamed.json"
cmd topo-fmnist-cnn.json run --topology "$TOPO/fmnist-cnn.csv" --json
cmd topo-mobilenet-v1.json run --topology "$TOPO/mobilenet-v1.csv" --arch "$SRC/presets/arch/tpu-128x128.json" --json
for t in fmnist-cnn alexnet resnet18 bert-base-encoder mobilenet-v1; do
  cmd topo-$t-ws-streamed.json run --topology "$TOPO/$t.csv" --arch "$SRC/presets/arch/edge-16x16-streamed.json" --json
  cmd topo-$t-os-streamed.json run --topology "$TOPO/$t.csv" --arch "$W/output_stationary-streamed.json" --json
  cmd topo-$t-is-streamed.json run --topology "$TOPO/$t.csv" --arch "$W/is-big-streamed.json" --json
done
cmd topo-text.txt run --topology "$TOPO/resnet18.csv" --arch "$SRC/presets/arch/edge-16x16-streamed.json"

cmd recost-saved.json "${R[@]}" --images 20 --ber 0.001 --chip-seed 3
cmd recost-v.json recost --report "$OUT/recost-saved.json" --v-sram 0.7 --v-logic 0.8 --json
cmd recost-t.json recost --report "$OUT/recost-saved.json" --tech "$SRC/presets/tech/14nm-normalized.json" --v-sram 0.88 --json
cmd recost-c.txt recost --report "$OUT/recost-saved.json" --v-logic 0.7 --clock-mode follow_fmax
cmd recost-bad.txt recost --report "$OUT/recost-saved.json" --v-sram 7

cmd chip.txt chip --chip-seed 5 --voltages 0.5,0.6,0.7,0.8,0.9 --export "$W/map.json"
cp "$W/map.json" "$OUT/chip-map.json" 2>/dev/null
cmd chip.json chip --chip-seed 5 --voltages 0.5,0.9 --json
cmd chip-14nm.json chip --tech "$SRC/presets/tech/14nm-normalized.json" --json
cmd run-fast-map.json "${R[@]}" --images 20 --fault-map "$W/map.json"
cmd run-bad-voltage.txt run --network "$NET" --data "$DATA" --images 2 --v-sram 3
cmd run-bad-vlogic.txt run --network "$NET" --data "$DATA" --images 2 --v-logic 0.01

STUDY=(--network "$NET" --data "$DATA" --images 40 --voltages 0.6,0.52,0.5 --chips 2 --quiet --threads 2 --max-drop 0.01,0.05)
cmd sweep.txt sweep "${STUDY[@]}" --out "$W/sweep"
keep sweep "$W/sweep" points.json points.csv summary.json summary.csv report.html
cmd sweep-cycle.txt sweep --network "$NET" --data "$DATA" --images 4 --voltages 0.55 --chips 1 --quiet --mode cycle --out "$W/sweep-cycle"
keep sweep-cycle "$W/sweep-cycle" points.json points.csv summary.json summary.csv
cmd sweep-ber.txt sweep --network "$NET" --data "$DATA" --images 30 --ber-list 1e-3,1e-2 --ber-model stuck_at --chips 2 --quiet --out "$W/sweep-ber"
keep sweep-ber "$W/sweep-ber" points.json points.csv summary.json summary.csv
cmd sweep-bad.txt sweep --network "$NET" --data "$DATA" --voltages 0.6,9 --chips 1 --quiet --out "$W/sweep-bad"

cat >"$W/ex.json" <<JSON
{"format": "lvsim-exploration", "version": 1,
 "workloads": [{"network": "$NET"}, {"topology": "$TOPO/alexnet.csv"}],
 "axes": {"array.rows": [8, 32], "array.dataflow": ["weight_stationary", "output_stationary", "input_stationary"],
          "dram.weights": ["resident", "streamed"], "weight_sram.rows_per_bank": [1024, 65536], "v_sram_v": [0.9, 0.7]}}
JSON
cmd explore.txt explore --exploration "$W/ex.json" --out "$W/explore" --threads 2 --quiet
keep explore "$W/explore" points.json points.csv layers.csv report.html
cat >"$W/ex-acc.json" <<JSON
{"format": "lvsim-exploration", "version": 1,
 "workloads": [{"network": "$NET"}],
 "axes": {"weight_sram.ecc": ["none", "secded"], "v_sram_v": [0.9, 0.55, 0.5]},
 "accuracy": {"data": "$DATA", "images": 100, "chips": {"count": 2}}}
JSON
cmd explore-acc.txt explore --exploration "$W/ex-acc.json" --out "$W/explore-acc" --threads 2 --quiet
keep explore-acc "$W/explore-acc" points.json points.csv layers.csv report.html

# Wall-clock fields and the temporary directory's name differ from run to run.
for f in "$OUT"/*; do
  sed -i -E -e 's/"(wall_time_s|images_per_second)": [-0-9.eE+]+/"\1": 0/g' \
    -e 's/^(speed|sweep:|explore:).*$/\1 (stripped)/' -e "s#$W#WORK#g" -e "s#$OUT#OUT#g" -e "s#$SRC#SRC#g" "$f"
done

if [ "$ACTION" = record ]; then
  echo "recorded $(ls "$OUT" | wc -l) files in $OUT"
  exit 0
fi
if diff -r "$DIR" "$OUT" >"$W/diff"; then
  echo "refactor-check: $(ls "$OUT" | wc -l) outputs byte-identical to $DIR"
else
  echo "refactor-check: DIFFERENCES against $DIR:"
  head -60 "$W/diff"
  errors=1
fi
exit $errors
