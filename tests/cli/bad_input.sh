#!/usr/bin/env bash
# Every kind of bad input gives exit code 2, exactly one line on stderr naming the file and the
# field, nothing on stdout and no output file.
source "$(dirname "$0")/lib/cli_test.sh"
GOOD=$SRC/tests/data/cli-tiny.json

# expect_error NAME PATTERN -- lvsim arguments...
expect_error() {  # NAME PATTERN -- ARGS...: with --output, which must not be written
  local name=$1 pattern=$2
  shift 3
  expect_rejected "$name" "$pattern" -x "$T/out.json" -- "$@" --output "$T/out.json"
}
variant() {  # variant NAME SED-EXPRESSION: a copy of the good network with one edit
  sed -e "$2" "$GOOD" >"$T/$1.json"
  if cmp -s "$GOOD" "$T/$1.json"; then echo "FAIL: variant $1 did not change the file"; fails=$((fails + 1)); fi
}

# The good file works (so the failures below are caused by the edits).
"$LVSIM" run --network "$GOOD" --data "$DATA" --images 20 --json >"$T/good.json" 2>"$T/stderr" ||
  { echo "FAIL good network: $(cat "$T/stderr")"; fails=$((fails + 1)); }

expect_error missing_network "nope\.json" -- run --network "$T/nope.json" --data "$DATA"
printf '{"format": "lvsim-network", "version": 1, "layers": [' >"$T/truncated.json"
expect_error malformed_json "truncated\.json.*byte [0-9]+" -- run --network "$T/truncated.json" --data "$DATA"
variant unknown_type 's/"type": "flatten"/"type": "squash"/'
expect_error unknown_layer_type "unknown_type\.json.*layers\[1\].*squash" -- run --network "$T/unknown_type.json" --data "$DATA"
variant unknown_key 's/"kernel": \[28, 28\]/"kernel": [28, 28], "kernal": [2, 2]/'
expect_error unknown_key "unknown_key\.json.*kernal" -- run --network "$T/unknown_key.json" --data "$DATA"
variant shape_mismatch 's/"shape": \[10, 1\]/"shape": [10, 2]/'
expect_error weight_shape_mismatch "shape_mismatch\.json.*layers\[2\].*weight" -- run --network "$T/shape_mismatch.json" --data "$DATA"
variant weight_count 's/0.1, -0.2, 0.3, /0.1, 0.3, /'
expect_error weight_count_mismatch "weight_count\.json.*layers\[2\].*weight" -- run --network "$T/weight_count.json" --data "$DATA"
variant bits 's/"bits": 8/"bits": 9/'
expect_error bits_out_of_range "bits\.json.*bits" -- run --network "$T/bits.json" --data "$DATA"
variant nan_weight 's/0.1, -0.2/NaN, -0.2/'
expect_error nan_weight "nan_weight\.json" -- run --network "$T/nan_weight.json" --data "$DATA"
variant inf_weight 's/0.1, -0.2/1e999, -0.2/'
expect_error inf_weight "inf_weight\.json.*(out of range|finite)" -- run --network "$T/inf_weight.json" --data "$DATA"
variant bad_input_ref 's/"input": "pool"/"input": "pool9"/'
expect_error bad_input_ref "bad_input_ref\.json.*layers\[1\].*pool9" -- run --network "$T/bad_input_ref.json" --data "$DATA"
variant image_shape 's/"shape": \[1, 28, 28\]/"shape": [1, 32, 32]/; s/"kernel": \[28, 28\]/"kernel": [32, 32]/'
expect_error dataset_does_not_fit "t10k-images.*(1x28x28|1x32x32)" -- run --network "$T/image_shape.json" --data "$DATA"

# Truncated and mismatched data files.
mkdir -p "$T/trunc"
zcat "$DATA/t10k-images-idx3-ubyte.gz" | head -c 100000 >"$T/trunc/t10k-images-idx3-ubyte"
zcat "$DATA/t10k-labels-idx1-ubyte.gz" >"$T/trunc/t10k-labels-idx1-ubyte"
expect_error truncated_images "t10k-images-idx3-ubyte.*" -- run --network "$GOOD" --data "$T/trunc"
mkdir -p "$T/mismatch"
zcat "$DATA/t10k-images-idx3-ubyte.gz" >"$T/mismatch/t10k-images-idx3-ubyte"
zcat "$DATA/train-labels-idx1-ubyte.gz" >"$T/mismatch/t10k-labels-idx1-ubyte"
expect_error images_labels_mismatch "t10k-(images|labels)" -- run --network "$GOOD" --data "$T/mismatch"
mkdir -p "$T/empty"
expect_error missing_data "empty" -- run --network "$GOOD" --data "$T/empty"

# Bad command-line values.
expect_error bad_mode "mode" -- run --network "$GOOD" --data "$DATA" --mode turbo
expect_error bad_images "images" -- run --network "$GOOD" --data "$DATA" --images -3

# Stuck-at options: named, checked, not combinable with the other spelling.
expect_error stuck_at_1_without_stuck_at "stuck-at-1-fraction.*stuck_at" -- run --network "$GOOD" --data "$DATA" --images 2 --stuck-at-1-fraction 0.3
expect_error stuck_at_1_with_bit_flip "stuck-at-1-fraction.*stuck_at" -- run --network "$GOOD" --data "$DATA" --images 2 --ber 0.01 --stuck-at-1-fraction 0.3
expect_error stuck_cells_and_ber "stuck-cell-fraction.*--ber" -- run --network "$GOOD" --data "$DATA" --images 2 --ber 0.01 --stuck-cell-fraction 0.01
expect_error stuck_cells_with_bit_flip "stuck-cell-fraction.*bit_flip" -- run --network "$GOOD" --data "$DATA" --images 2 --ber-model bit_flip --stuck-cell-fraction 0.01
expect_error stuck_cell_fraction_above_one "stuck-cell-fraction" -- run --network "$GOOD" --data "$DATA" --images 2 --stuck-cell-fraction 1.5
expect_error stuck_at_1_fraction_negative "stuck-at-1-fraction" -- run --network "$GOOD" --data "$DATA" --images 2 --stuck-cell-fraction 0.01 --stuck-at-1-fraction -0.1
# Inputs that are not regular files: a FIFO blocked forever, /dev/zero read without end, a
# directory read as garbage (issue 14). Each is refused by name, at once.
mkfifo "$T/fifo.json"
expect_error network_fifo "fifo\.json: not a regular file" -- run --network "$T/fifo.json" --data "$DATA" --images 2
expect_error network_directory "not a regular file" -- run --network "$T" --data "$DATA" --images 2
expect_error arch_dev_zero "/dev/zero: not a regular file" -- run --network "$GOOD" --data "$DATA" --images 2 --arch /dev/zero
expect_error tech_fifo "fifo\.json: not a regular file" -- run --network "$GOOD" --data "$DATA" --images 2 --tech "$T/fifo.json"
expect_error fault_map_fifo "fifo\.json: not a regular file" -- run --network "$GOOD" --data "$DATA" --images 2 --fault-map "$T/fifo.json"
# A key given twice in one object (nlohmann keeps the last silently): refused in every file.
sed -e '0,/"format"/s//"name": "x", "name": "y", "format"/' "$GOOD" >"$T/dup_network.json"
expect_error duplicate_key_network "dup_network\.json: name: key given twice" -- run --network "$T/dup_network.json" --data "$DATA" --images 2
sed -e 's/"rows": 16,/"rows": 16, "rows": 8,/' "$SRC/presets/arch/edge-16x16.json" >"$T/dup_arch.json"
expect_error duplicate_key_arch "dup_arch\.json: rows: key given twice" -- run --network "$GOOD" --data "$DATA" --images 2 --arch "$T/dup_arch.json"
# An output path holding a symlink or a FIFO is never replaced by a regular file.
mkfifo "$T/out-fifo"
ln -s "$T/elsewhere.json" "$T/out-link"
for target in out-fifo out-link; do
  "$LVSIM" run --network "$GOOD" --data "$DATA" --images 2 --output "$T/$target" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  if [ $rc -eq 2 ] && grep -q "not a regular file" "$T/stderr" && [ ! -f "$T/elsewhere.json" ] &&
     { [ -p "$T/out-fifo" ] && [ -L "$T/out-link" ]; }; then echo "ok   output_$target: $(cat "$T/stderr")"; else
    echo "FAIL output_$target: rc=$rc $(cat "$T/stderr")"; fails=$((fails + 1)); fi
done
# A VCD in a missing directory crashed SystemC's trace writer with SIGFPE (issue 14): refused first.
expect_error vcd_missing_dir "--vcd: cannot write into directory" -- run --network "$GOOD" --data "$DATA" --images 2 --mode cycle --threads 1 --vcd "$T/no/such/dir/t.vcd"
expect_error compute_report_missing_dir "--compute-report: cannot write into directory" -- run --network "$GOOD" --data "$DATA" --images 2 --compute-report "$T/no/such/c.csv"
# IDX headers declaring absurd sizes (issue 14: 3-4 GB zero-filled before the truncation was
# noticed, bad_alloc at 2^31 images): refused by the header's limits, or by the data that arrives.
/usr/bin/python3 - "$T" <<'PY'
import gzip, os, struct, sys
t = sys.argv[1]
for name, n, rows, cols in (("many", 100_000_000, 28, 28), ("huge", 2**31 - 1, 28, 28), ("wide", 10, 65536, 65536)):
    d = f"{t}/idx-{name}"
    os.makedirs(d)
    with gzip.open(f"{d}/t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, n, rows, cols) + bytes(1000))
    with gzip.open(f"{d}/t10k-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">BBBBI", 0, 0, 8, 1, n) + bytes(10))
PY
for case in many huge wide; do
  start=$(date +%s%N)
  "$LVSIM" run --network "$GOOD" --data "$T/idx-$case" >"$T/stdout" 2>"$T/stderr"
  rc=$? ms=$((($(date +%s%N) - start) / 1000000))
  if [ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && [ $ms -lt 5000 ]; then
    echo "ok   idx_$case (${ms} ms): $(cat "$T/stderr")"; else
    echo "FAIL idx_$case: rc=$rc ${ms} ms $(cat "$T/stderr")"; fails=$((fails + 1)); fi
done
# A weight SRAM declared far beyond what fits in the host (hung or took gigabytes): refused.
sed -e 's/"banks": 16, "rows_per_bank": 8192/"banks": 1048576, "rows_per_bank": 2147483647/' "$SRC/presets/arch/edge-16x16.json" >"$T/huge_sram.json"
expect_error huge_weight_sram "huge_sram\.json: weight_sram.rows_per_bank: banks x rows_per_bank" -- run --network "$GOOD" --data "$DATA" --images 2 --arch "$T/huge_sram.json"
# Accepted silently before (issue 14): NaN rates, options without their partner, seeds that wrap.
expect_error transient_nan "--transient-ber: must be a number in .0, 1., got .nan." -- run --network "$GOOD" --data "$DATA" --images 2 --transient-ber nan
expect_error ber_model_alone "--ber-model: needs --ber" -- run --network "$GOOD" --data "$DATA" --images 2 --ber-model stuck_at
expect_error tile_alone "--fault-map-tile: needs --fault-map" -- run --network "$GOOD" --data "$DATA" --images 2 --fault-map-tile
expect_error trace_cycles_alone "--trace-cycles: needs --vcd" -- run --network "$GOOD" --data "$DATA" --images 2 --trace-cycles 0:10
expect_error negative_seed "--chip-seed: must be an integer" -- run --network "$GOOD" --data "$DATA" --images 2 --chip-seed -1
expect_error empty_seed "--chip-seed: must be an integer" -- run --network "$GOOD" --data "$DATA" --images 2 --chip-seed ""
expect_error huge_seed "--chip-seed: must be an integer" -- run --network "$GOOD" --data "$DATA" --images 2 --chip-seed 18446744073709551616

if [ $fails -ne 0 ]; then echo "$fails failure(s)"; exit 1; fi
echo "all bad-input cases rejected cleanly"
