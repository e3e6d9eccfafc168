#!/usr/bin/env bash
# lvsim import / calibrate and ONNX or NumPy inputs on the command line: a float model imported,
# calibrated, saved and loaded back to the same predictions; `--network model.onnx` and
# `--data FILE.npz` accepted directly; bad models and data sets give exit 2, one line, nothing written.
# Models are built with Debian's python3-onnx (docs/importing-models.md).
source "$(dirname "$0")/lib/cli_test.sh"
PY=/usr/bin/python3

# A float CNN (Conv -> Relu -> MaxPool -> Flatten -> Gemm) with preprocessing in its metadata, the
# same without metadata, and one with an unsupported operator.
"$PY" - "$T" <<'PYEOF' || { echo "FAIL: building the models"; exit 1; }
import json, sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
t = sys.argv[1]
rng = np.random.default_rng(3)
def model(nodes, meta=True, extra_init=()):
    inits = [numpy_helper.from_array(rng.normal(0, 0.2, (4, 1, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.normal(0, 0.1, (4,)).astype(np.float32), "b"),
             numpy_helper.from_array(rng.normal(0, 0.1, (10, 4 * 14 * 14)).astype(np.float32), "fw"),
             numpy_helper.from_array(rng.normal(0, 0.1, (10,)).astype(np.float32), "fb"), *extra_init]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    if meta:
        m.metadata_props.add(key="lvsim", value=json.dumps(
            {"preprocess": {"pixel_scale": 1 / 255, "mean": [0.286], "std": [0.353]}, "weight_quantization": {"bits": 6}}))
    return m
cnn = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
       helper.make_node("Relu", ["c"], ["r"], name="relu"),
       helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
       helper.make_node("Flatten", ["p"], ["f"], name="flat"),
       helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1)]
onnx.save(model(cnn), f"{t}/cnn.onnx")
onnx.save(model(cnn, meta=False), f"{t}/nometa.onnx")
bad = list(cnn)
bad[1] = helper.make_node("Sigmoid", ["c"], ["r"], name="squash")
onnx.save(model(bad), f"{t}/sigmoid.onnx")
PYEOF

# expect_error NAME PATTERN OUT -- lvsim arguments...: exit 2, one line matching, no stdout, OUT absent.
expect_error() {  # NAME PATTERN OUTPUT -- ARGS...: OUTPUT must not be written
  local name=$1 pattern=$2 out=$3
  shift 4
  expect_rejected "$name" "$pattern" -x "$out" -- "$@"
}

# A float model: import without data (calibrated by run), import with calibration data (saved
# quantized), the model run directly, and the saved file: all give the same predictions.
"$LVSIM" import "$T/cnn.onnx" --out "$T/float.json" >/dev/null || fail "import without calibration"
"$LVSIM" import "$T/cnn.onnx" --out "$T/cal.json" --calib-data "$DATA" --calib-images 64 >/dev/null ||
  fail "import with --calib-data"
"$LVSIM" calibrate --network "$T/float.json" --data "$DATA" --calib-images 64 --out "$T/cal2.json" >/dev/null ||
  fail "calibrate --out"
cmp -s "$T/cal.json" "$T/cal2.json" || fail "import --calib-data and calibrate --out differ"
pred() { "$LVSIM" run --network "$1" --data "$2" --images 50 --calib-images 64 --json | "$PY" -c \
  'import json,sys; print(json.load(sys.stdin)["predictions"])'; }
P1=$(pred "$T/cnn.onnx" "$DATA") P2=$(pred "$T/cal.json" "$DATA") P3=$(pred "$T/float.json" "$DATA")
[ -n "$P1" ] && [ "$P1" = "$P2" ] && [ "$P1" = "$P3" ] || fail "predictions differ: onnx $P1 / saved $P2 / float $P3"
"$LVSIM" calibrate --network "$T/cal.json" --data "$DATA" --out "$T/cal3.json" >/dev/null || fail "re-save"
cmp -s "$T/cal.json" "$T/cal3.json" || fail "a saved network does not round-trip byte for byte"

# The same test images as an .npz: the same predictions.
"$PY" - "$T" "$DATA" <<'PYEOF' || fail "writing the npz"
import gzip, sys
import numpy as np
t, d = sys.argv[1:]
def idx(n):
    b = gzip.open(f"{d}/{n}.gz").read()
    nd = b[3]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape([int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)])
np.savez(f"{t}/test.npz", x=idx("t10k-images-idx3-ubyte")[:50, None], y=idx("t10k-labels-idx1-ubyte")[:50].astype(np.int64))
np.savez(f"{t}/badlabels.npz", x=idx("t10k-images-idx3-ubyte")[:50, None], y=np.zeros(49, np.int64))
PYEOF
P4=$(pred "$T/cal.json" "$T/test.npz")
[ "$P4" = "$P2" ] || fail "npz predictions differ from IDX: $P4 vs $P2"

# Bad models and data: one line, exit 2, nothing written.
head -c 100 "$T/cnn.onnx" >"$T/truncated.onnx"
expect_error truncated "truncated\.onnx: .*ONNX" "$T/o.json" -- import "$T/truncated.onnx" --out "$T/o.json"
expect_error unsupported 'node "squash" \(Sigmoid\): unsupported operator Sigmoid' "$T/o.json" -- \
  import "$T/sigmoid.onnx" --out "$T/o.json"
expect_error no_preprocess "nometa\.onnx: preprocess: not given" "$T/o.json" -- import "$T/nometa.onnx" --out "$T/o.json"
expect_error no_bits "nometa\.onnx: weight_quantization" "$T/o.json" -- \
  import "$T/nometa.onnx" --out "$T/o.json" --pixel-scale 0.0039
expect_error run_truncated "truncated\.onnx" "$T/none" -- run --network "$T/truncated.onnx" --data "$DATA"
expect_error mean_count "mean" "$T/o.json" -- import "$T/cnn.onnx" --out "$T/o.json" --mean 0.1,0.2
expect_error npz_labels "badlabels\.npz: y: 49 labels for 50 images" "$T/none" -- \
  run --network "$T/cal.json" --data "$T/badlabels.npz"
expect_error calib_data_missing "nowhere: data set directory does not exist" "$T/o.json" -- \
  import "$T/cnn.onnx" --out "$T/o.json" --calib-data "$T/nowhere"

[ $fails -eq 0 ] && echo "all passed" || { echo "$fails failed"; exit 1; }
