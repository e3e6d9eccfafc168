#!/usr/bin/env bash
# Issue 25 cases that need files made at run time (the rest are in tests/bad-input/cases.txt):
#  - an output that is one of the command's inputs (by identity: same name, another name, a hard or
#    symbolic link) is refused, and the input is left as it was;
#  - memory bounded by what the run needs: an .npz zip bomb with --images 10, a topology of 8
#    layers at the weight limit, --dump-layers over many images, --transient-ber 1;
#  - a data folder whose x.npy is a FIFO, a topology with more rows than the per-file limit.
#   bash tests/cli/inputs_and_outputs.sh LVSIM SRC
set -uo pipefail
LVSIM=$(realpath "$1")
SRC=$(realpath "$2")
DATA=/usr/share/datasets/fashion-mnist
NET=$SRC/tests/data/cli-tiny.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# expect_refused NAME PATTERN FILE-THAT-MUST-NOT-CHANGE -- lvsim arguments...
expect_refused() {
  local name=$1 pattern=$2 keep=$3
  shift 4
  local before
  before=$(sha256sum <"$keep")
  (cd "$T" && "$LVSIM" "$@") >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/stderr")" -ne 1 ] || [ -s "$T/stdout" ] || ! grep -qE -- "$pattern" "$T/stderr"; then
    fail "$name: rc=$rc; stderr: $(cat "$T/stderr")"
  elif [ "$(sha256sum <"$keep")" != "$before" ]; then
    fail "$name: $keep was changed"
  else
    echo "ok   $name: $(cat "$T/stderr")"
  fi
}

# ---- an output that is an input -----------------------------------------------------------------
/usr/bin/python3 - "$T/m.onnx" <<'EOF'
import json, sys
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
w = numpy_helper.from_array(np.full((10, 784), 0.01, np.float32), "w")
g = helper.make_graph([helper.make_node("Flatten", ["x"], ["f"], name="flat"),
                       helper.make_node("Gemm", ["f", "w"], ["y"], name="fc", transB=1)], "m",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], [w])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
p = m.metadata_props.add()
p.key, p.value = "lvsim", json.dumps({"preprocess": {"pixel_scale": 1 / 255}})
onnx.save(m, sys.argv[1])
EOF
ln -s m.onnx "$T/link.onnx"
ln "$T/m.onnx" "$T/hard.onnx"
expect_refused import_out_is_model "^lvsim: error: command line: --out: m.onnx is the model file being read" "$T/m.onnx" -- \
  import m.onnx --out m.onnx --bits 8
expect_refused import_out_is_model_by_link "command line: --out: link.onnx is the model file being read" "$T/m.onnx" -- \
  import m.onnx --out link.onnx --bits 8
expect_refused import_out_is_model_hard_link "command line: --out: .*/hard.onnx is the model file being read" "$T/m.onnx" -- \
  import "$T/m.onnx" --out "$T/hard.onnx" --bits 8
expect_refused import_out_is_model_other_path "command line: --out: \./\./m.onnx is the model file being read" "$T/m.onnx" -- \
  import m.onnx --out ././m.onnx --bits 8
cp "$NET" "$T/net.json"
expect_refused calibrate_out_is_network "command line: --out: net.json is the network file being read" "$T/net.json" -- \
  calibrate --network net.json --data "$DATA" --out net.json
expect_refused run_output_is_network "command line: --output: net.json is the network file being read" "$T/net.json" -- \
  run --network net.json --data "$DATA" --images 2 --output net.json
expect_refused run_compute_report_is_network "command line: --compute-report: net.json is the network file" "$T/net.json" -- \
  run --network net.json --data "$DATA" --images 2 --compute-report net.json
cp "$SRC/presets/arch/edge-16x16.json" "$T/arch.json"
expect_refused run_output_is_arch "command line: --output: arch.json is the architecture file being read" "$T/arch.json" -- \
  run --network net.json --data "$DATA" --images 2 --arch arch.json --output arch.json
expect_refused chip_export_is_arch "command line: --export: arch.json is the architecture file being read" "$T/arch.json" -- \
  chip --arch arch.json --export arch.json
"$LVSIM" run --network "$NET" --data "$DATA" --images 2 --output "$T/run.json" >/dev/null 2>&1 || fail "run --output"
expect_refused recost_output_is_report "command line: --output: run.json is the report file being read" "$T/run.json" -- \
  recost --report run.json --output run.json
printf 'Layer name, M, N, K,\nfc, 4, 8, 16,\n' >"$T/t.csv"
expect_refused topology_output_is_topology "command line: --output: t.csv is the topology file being read" "$T/t.csv" -- \
  run --topology t.csv --output t.csv
mkdir -p "$T/npy"
/usr/bin/python3 -c "
import numpy as np; np.save('$T/npy/x.npy', np.zeros((2, 1, 28, 28), np.uint8)); np.save('$T/npy/y.npy', np.array([1, 2]))"
expect_refused run_output_in_data_folder "command line: --output: .*x.npy is a file of the data set being read" "$T/npy/x.npy" -- \
  run --network "$NET" --data "$T/npy" --images 2 --output "$T/npy/x.npy"
# A new output beside the inputs is fine.
(cd "$T" && "$LVSIM" import m.onnx --out new.json --bits 8 >/dev/null 2>"$T/stderr") || fail "import to a new file: $(cat "$T/stderr")"

# ---- data sets ----------------------------------------------------------------------------------
mkdir -p "$T/fifo" && mkfifo "$T/fifo/x.npy"
expect_refused npy_fifo "^lvsim: error: .*/fifo/x.npy: not a regular file$" "$NET" -- \
  run --network "$NET" --data "$T/fifo" --images 2
# An .npz of 300 MB of zero images (about 300 KB compressed): --images 10 reads 10 of them.
/usr/bin/python3 - "$T/bomb.npz" <<'EOF'
import io, sys, zipfile
import numpy as np
n = 300_000_000 // 784
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    with z.open("x.npy", "w", force_zip64=True) as f:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": (n, 1, 28, 28)})
        f.write(header.getvalue())
        block = bytes(784 * 1000)
        for i in range(0, n, 1000):
            f.write(block[: 784 * min(1000, n - i)])
    b = io.BytesIO()
    np.save(b, np.zeros(n, np.uint8))
    z.writestr("y.npy", b.getvalue())
EOF
# Address-space limits (KB) measure memory in the normal suite; under the sanitizers
# (LVSIM_SANITIZER_RUN, tools/test-sanitize.sh) ASan reserves terabytes of shadow memory, so the
# commands run without the limit there and only their results are checked.
as_limit() { [ -n "${LVSIM_SANITIZER_RUN:-}" ] || ulimit -v "$1"; }
if ! (as_limit 1500000 && timeout 20 "$LVSIM" run --network "$NET" --data "$T/bomb.npz" --images 10 --threads 1 \
      >"$T/stdout" 2>"$T/stderr"); then
  fail "npz_bomb: $(tail -1 "$T/stderr")"
else
  echo "ok   npz_bomb: $(du -k "$T/bomb.npz" | cut -f1) KB archive, --images 10 within 1.5 GB and 20 s"
fi

# ---- topologies ---------------------------------------------------------------------------------
/usr/bin/python3 -c "
print('Layer name, M, N, K,')
for i in range(65537): print(f'l{i}, 4, 4, 4,')" >"$T/rows.csv"
expect_refused topology_too_many_rows "rows.csv: row 65538: more than 65536 layers \(the limit per topology file" "$T/rows.csv" -- \
  run --topology rows.csv
# 8 layers of 2^28 weights each, on a streamed architecture: refused at the second row, at once.
expect_refused topology_weights_per_file \
  "weights_per_file.csv: row 3: the file's layers so far declare more than 268435456 weights" "$NET" -- \
  run --topology "$SRC/tests/bad-input/topology/weights_per_file.csv" --arch "$SRC/presets/arch/edge-16x16-streamed.json"
# One layer at the limit runs within memory (its network is released after timing).
printf 'Layer name, M, N, K,\nbig, 1, 16384, 16384,\n' >"$T/one_big.csv"
if ! (as_limit 4000000 && timeout 60 "$LVSIM" run --topology "$T/one_big.csv" \
      --arch "$SRC/presets/arch/edge-16x16-streamed.json" >"$T/stdout" 2>"$T/stderr"); then
  fail "topology_one_layer_at_limit: $(tail -1 "$T/stderr")"
else
  echo "ok   topology_one_layer_at_limit"
fi

# ---- memory of --dump-layers and --transient-ber ------------------------------------------------
if ! (as_limit 1500000 && timeout 120 "$LVSIM" run --network "$SRC/workloads/networks/fmnist-cnn.json" --data "$DATA" \
      --images 800 --dump-layers "$T/dump" --threads 1 >"$T/stdout" 2>"$T/stderr"); then
  fail "dump_layers_800_images: $(tail -1 "$T/stderr")"
else
  /usr/bin/python3 -c "
import numpy as np, json
d = json.load(open('$T/dump/layers.json'))
a = np.load('$T/dump/' + d['layers'][-1]['codes'])
assert a.shape[0] == 800, a.shape" || fail "dump_layers_800_images: unreadable dump"
  echo "ok   dump_layers_800_images (1.5 GB limit)"
fi
if ! (as_limit 1500000 && timeout 60 "$LVSIM" run --network "$SRC/workloads/networks/fmnist-cnn.json" --data "$DATA" \
      --images 64 --transient-ber 1 --threads 2 >"$T/stdout" 2>"$T/stderr"); then
  fail "transient_ber_1: $(tail -1 "$T/stderr")"
else
  echo "ok   transient_ber_1 (64 images, 1.5 GB, 60 s)"
fi
# Above a rate where most weights change in every image the fast path runs each image on its own
# weights (models/weights_as_read.cpp): the same results and counts as the golden engine.
for m in fast golden; do
  "$LVSIM" run --network "$SRC/workloads/networks/fmnist-cnn.json" --data "$DATA" --images 24 --transient-ber 0.05 \
    --mode $m --threads 2 --json >"$T/transient_$m.json" 2>"$T/stderr" || fail "transient_$m: $(cat "$T/stderr")"
done
if /usr/bin/python3 - "$T/transient_fast.json" "$T/transient_golden.json" <<'PY'; then
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert a["accuracy"] == b["accuracy"], (a["accuracy"], b["accuracy"])
assert a["faults"]["transient_bit_errors"] == b["faults"]["transient_bit_errors"]
assert a["action_counts"]["zero_operand_macs_by_weight_bits"] == b["action_counts"]["zero_operand_macs_by_weight_bits"]
PY
  echo "ok   transient_ber_0.05: fast (each image on its own weights) == golden"
else
  fail "transient_ber_0.05: fast and golden differ"
fi

exit $((fails > 0))
