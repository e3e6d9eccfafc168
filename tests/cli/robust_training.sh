#!/usr/bin/env bash
# Robust training tools (tools/torch/robust.py, train.py, export.py) against lvsim's C++ quantizer and
# --ber model and against independent step computations: tests/tools/robust_training_checks.py.
set -uo pipefail
exec /usr/bin/python3 "$2/tests/tools/robust_training_checks.py" "$1" "$2"
