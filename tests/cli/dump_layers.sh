#!/usr/bin/env bash
# lvsim run --dump-layers: every layer's codes of the evaluated images equal an independent integer
# reference (tools/torch/int_reference.py, NumPy + PyTorch, from the network file alone), the values
# are scale * (code - zero point), the output layer's argmax is the run's prediction, faults reach
# the dump (the weights as read), and a bad directory is refused before any work.
source "$(dirname "$0")/lib/cli_test.sh"
/usr/bin/python3 -c "import numpy, torch" 2>/dev/null ||
  { echo "FAIL: /usr/bin/python3 lacks numpy/torch (Debian python3-numpy, python3-torch; tools/install-deps.sh)"; exit 1; }

"$LVSIM" run --network "$NET" --data "$DATA" --images 7 --dump-layers "$T/clean" --json >"$T/clean.json" || fail "run"
"$LVSIM" run --network "$NET" --data "$DATA" --images 7 --ber 0.02 --chip-seed 3 --dump-layers "$T/faulty" \
  --json >"$T/faulty.json" || fail "run with faults"
PYTHONPATH="$SRC/tools/torch" /usr/bin/python3 - "$NET" "$DATA" "$T" <<'PY' || fails=$((fails + 1))
import gzip, json, sys
import numpy as np
import int_reference
net_path, data, out = sys.argv[1:4]
with gzip.open(f"{data}/t10k-images-idx3-ubyte.gz") as f:
    pixels = np.frombuffer(f.read(), np.uint8, offset=16)[: 7 * 784].reshape(7, 1, 28, 28)
ref = int_reference.Network(net_path).run(pixels)
bad = []
for case in ("clean", "faulty"):
    index = json.load(open(f"{out}/{case}/layers.json"))
    run = json.load(open(f"{out}/{case}.json"))
    tensors = [("input", index["input"])] + [(e["name"], e) for e in index["layers"]]
    for name, e in tensors:
        codes = np.load(f"{out}/{case}/{e['codes']}")
        values = np.load(f"{out}/{case}/{e['values']}")
        if codes.shape != (7, *e["shape"]) or codes.dtype != np.uint8 or values.dtype != np.float32:
            bad.append(f"{case} {name}: shape {codes.shape} {codes.dtype} {values.dtype}")
            continue
        want = (np.float32(e["scale"]) * (codes.astype(np.float64) - e["zero_point"])).astype(np.float32)
        if not np.allclose(values, want, rtol=1e-6, atol=0):
            bad.append(f"{case} {name}: values are not scale * (code - zero point)")
        if case == "clean" and not np.array_equal(codes, ref[name].astype(np.uint8)):
            bad.append(f"clean {name}: codes differ from the integer reference")
    out_codes = np.load(f"{out}/{case}/" + [e for e in index["layers"] if e["name"] == index["output_layer"]][0]["codes"])
    if list(np.argmax(out_codes.reshape(7, -1), axis=1)) != run["predictions"]:
        bad.append(f"{case}: argmax of the output layer differs from the run's predictions")
# 2% bit errors must change some layer codes (the dump shows the weights as read).
changed = sum(not np.array_equal(np.load(f"{out}/clean/{e['codes']}"), np.load(f"{out}/faulty/{e['codes']}"))
              for e in json.load(open(f"{out}/clean/layers.json"))["layers"])
if changed == 0:
    bad.append("faults changed no layer's codes")
for b in bad:
    print("FAIL", b)
print("ok   every layer of 7 images equals the integer reference; values, predictions and faults check" if not bad else "")
sys.exit(1 if bad else 0)
PY
touch "$T/file"
"$LVSIM" run --network "$NET" --data "$DATA" --images 3 --dump-layers "$T/file/sub" --output "$T/out.json" \
  >"$T/stdout" 2>"$T/stderr"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q -- "--dump-layers" "$T/stderr" && [ ! -e "$T/out.json" ]; then
  echo "ok   bad directory: $(cat "$T/stderr")"; else fail "bad directory: rc=$rc $(cat "$T/stderr")"; fi
# A run that fails after the check (here: its architecture) leaves no folder behind.
echo '{' >"$T/bad_arch.json"
"$LVSIM" run --network "$NET" --data "$DATA" --images 3 --dump-layers "$T/never/sub" --arch "$T/bad_arch.json" \
  >"$T/stdout" 2>"$T/stderr"
rc=$?
[ $rc -eq 2 ] && [ ! -e "$T/never" ] && echo "ok   failed run leaves no dump folder: $(cat "$T/stderr")" ||
  fail "failed run with --dump-layers: rc=$rc, folder $(ls -d "$T/never" 2>&1)"
"$LVSIM" run --network "$NET" --data "$DATA" --dump-layers "$T/huge" >"$T/stdout" 2>"$T/stderr"
rc=$?
[ $rc -eq 2 ] && grep -q "give fewer --images" "$T/stderr" && [ ! -e "$T/huge/layers.json" ] &&
  echo "ok   too large: $(cat "$T/stderr")" || fail "10k-image dump: rc=$rc $(cat "$T/stderr")"
exit $((fails > 0))
