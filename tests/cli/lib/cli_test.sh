# Sourced by the command-line tests (tests/cli/*.sh, run as `bash TEST LVSIM SRC`): the lvsim
# binary and source tree, the shipped network and data set, a temporary directory removed on exit,
# and fail / ok reporters counting failures in $fails (exit with `exit $((fails > 0))`). Python parts
# import check / finish from lib/checks.py (this folder is put on PYTHONPATH).
set -uo pipefail
LVSIM=$1
SRC=$2
NET=$SRC/workloads/networks/fmnist-cnn.json
DATA=/usr/share/datasets/fashion-mnist
T=$(mktemp -d)
failures=()
# On exit: the failures again, last (a long test's log is often cut in the middle), then clean up.
trap '[ ${#failures[@]} -gt 0 ] && printf "FAILED: %s\n" "${failures[@]}"; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fails=0
export PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)${PYTHONPATH:+:$PYTHONPATH}"
fail() { echo "FAIL $*"; fails=$((fails + 1)); failures+=("$(printf '%s' "$*" | head -c 400)"); }
ok() { echo "ok   $*"; }

# mpirun_2 ARGS...: `mpirun -n 2 --oversubscribe ARGS` as root on one machine. Under the sanitizer
# build, leak checks are off for the ranks only: Open MPI keeps allocations of its dynamically loaded
# components until exit, in frames LeakSanitizer cannot attribute (docs/reliability.md); ASan and
# UBSan errors still end the rank, so the run fails.
mpirun_2() {
  local env=(env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1)
  [ -n "${ASAN_OPTIONS:-}" ] && env+=("ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0")
  "${env[@]}" mpirun -n 2 --oversubscribe "$@"
}

# expect_rejected NAME PATTERN [-F] [-x PATH]... -- ARGS...: the bad-input contract of every command:
# `lvsim ARGS` exits 2 with exactly one line on stderr matching PATTERN (an extended regular
# expression; -F: a fixed string), writes nothing on stdout, and leaves none of the -x paths (the
# outputs it was asked to write; removed beforehand). Reports ok / FAIL.
expect_rejected() {
  local name=$1 pattern=$2 mode=-E absent=() p
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case $1 in
      -F) mode=-F ;;
      -x) absent+=("$2"); shift ;;
    esac
    shift
  done
  shift
  for p in "${absent[@]}"; do rm -rf "$p"; done
  "$LVSIM" "$@" >"$T/rejected.stdout" 2>"$T/rejected.stderr"
  local rc=$? lines created=""
  lines=$(wc -l <"$T/rejected.stderr")
  for p in "${absent[@]}"; do [ -e "$p" ] && created="$created $p"; done
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -s "$T/rejected.stdout" ] && [ -z "$created" ] &&
     grep -q $mode -- "$pattern" "$T/rejected.stderr"; then
    ok "$name: $(cat "$T/rejected.stderr")"
  else
    fail "$name: exit $rc, $lines stderr lines, $(wc -c <"$T/rejected.stdout") bytes on stdout${created:+, wrote$created}; stderr: $(cat "$T/rejected.stderr")"
  fi
}
