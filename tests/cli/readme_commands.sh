#!/usr/bin/env bash
# Every `build/lvsim ...` command shown in README.md runs (exit 0), as a newcomer would copy it.
# The commands are extracted from the README's ```sh blocks (continuation lines joined, trailing
# comments dropped) and run in order in a scratch folder holding the shipped presets and networks,
# so files one command writes (chip7.json, run.json, net.json) are there for the next. Bounded work
# so that the suite stays fast, stated here rather than hidden:
#   - "..." stands for the first command's network and data ("--data ..." for its data);
#   - `run` and `sweep` without --images get --images 20; the study and exploration presets that
#     evaluate accuracy are run from copies with 2 chips and 50 images;
#   - `mpirun -n 4 ...` runs without mpirun (tests/cli/sweep_mpi.sh covers MPI);
#   - model.onnx is a small float model made here (ONNX, with the preprocessing in its metadata
#     as tools/torch/export.py writes it, no weight quantization: what a float export gives).
# Lines that are not lvsim commands (tools/setup-and-run.sh, tools/test.sh, the Python one-liner:
# tests/python/test_docs_example.py) are not run here.
#   bash tests/cli/readme_commands.sh LVSIM SRC
set -uo pipefail
LVSIM=$(realpath "$1")
SRC=$(realpath "$2")
DATA=/usr/share/datasets/fashion-mnist
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 count=0

cp -r "$SRC/presets" "$T/presets"
ln -s "$SRC/workloads" "$T/workloads"
/usr/bin/python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
for f, edit in [("presets/studies/fmnist-14nm.json", lambda d: d["chips"].update(count=2)),
                ("presets/explorations/edge-ecc-accuracy.json",
                 lambda d: d["accuracy"].update(images=50, chips={"count": 2}))]:
    d = json.load(open(f"{t}/{f}"))
    edit(d)
    json.dump(d, open(f"{t}/{f}", "w"), indent=1)
import numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
w = numpy_helper.from_array(np.random.default_rng(1).normal(0, 0.05, (10, 784)).astype(np.float32), "w")
b = numpy_helper.from_array(np.zeros(10, np.float32), "b")
g = helper.make_graph([helper.make_node("Flatten", ["x"], ["f"], name="flat"),
                       helper.make_node("Gemm", ["f", "w", "b"], ["y"], name="fc", transB=1)], "readme",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], [w, b])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
p = m.metadata_props.add()
p.key, p.value = "lvsim", json.dumps({"preprocess": {"pixel_scale": 1 / 255}})
onnx.save(m, f"{t}/model.onnx")
EOF

# The commands, one per line: continuation lines joined, comments dropped.
/usr/bin/python3 - "$SRC/README.md" >"$T/commands" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
for block in re.findall(r"```sh\n(.*?)```", text, re.S):
    for cmd in re.sub(r"\\\n\s*", " ", block).splitlines():
        cmd = re.sub(r"\s+#.*$", "", cmd).strip()
        if re.match(r"^(mpirun .*)?build/lvsim ", cmd):
            print(cmd)
EOF
[ "$(wc -l <"$T/commands")" -ge 15 ] || { echo "FAIL: only $(wc -l <"$T/commands") commands found in README.md"; exit 1; }

while IFS= read -r cmd; do
  count=$((count + 1))
  line=${cmd#mpirun -n 4 }
  line=${line//--data .../--data $DATA}
  line=${line//.../--network workloads\/networks\/fmnist-cnn.json --data $DATA}
  line=${line/build\/lvsim/$LVSIM}
  if [[ $line =~ ^[^\ ]+\ (run|sweep)\  ]] && [[ $line != *--images* ]] && [[ $line != *--topology* ]]; then
    line="$line --images 20"
  fi
  read -r -a argv <<<"$line"
  if (cd "$T" && timeout 600 "${argv[@]}") >"$T/stdout" 2>"$T/stderr"; then
    echo "ok   $cmd"
  else
    echo "FAIL $cmd"
    echo "     ran: $line"
    echo "     $(tail -3 "$T/stderr")"
    fails=$((fails + 1))
  fi
done <"$T/commands"
echo "$count README commands, $fails failed"
exit $((fails > 0))
