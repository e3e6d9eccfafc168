#!/usr/bin/env bash
# SimpleNet with GroupNorm in the PyTorch tools (tools/torch/simplenet.py, train.py, export_simplenet.py,
# int_reference.py's groupnorm, biteval.py): tests/tools/simplenet_checks.py.
set -uo pipefail
exec /usr/bin/python3 "$2/tests/tools/simplenet_checks.py" "$1" "$2"
