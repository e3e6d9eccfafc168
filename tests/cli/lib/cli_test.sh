# Sourced by the command-line tests (tests/cli/*.sh, run as `bash TEST LVSIM SRC`): the lvsim
# binary and source tree, the shipped network and data set, a temporary directory removed on exit,
# and fail / ok reporters counting failures in $fails (exit with `exit $((fails > 0))`).
set -uo pipefail
LVSIM=$1
SRC=$2
NET=$SRC/workloads/networks/fmnist-cnn.json
DATA=/usr/share/datasets/fashion-mnist
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }
