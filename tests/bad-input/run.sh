#!/usr/bin/env bash
# The bad-input corpus (docs/reliability.md, "Bad input: one line, exit 2"): runs lvsim on every
# case of cases.txt and checks that it exits with 2, prints exactly the expected line on stderr and
# nothing on stdout, and leaves no file behind (neither in the output folder the case names nor in
# the working directory).
#   bash tests/bad-input/run.sh LVSIM SRC [CASE-NAME-REGEX]
# cases.txt: blocks of three lines, separated by blank lines ('#' lines are comments):
#   case: NAME
#   args: lvsim arguments (split at spaces)
#   error: the exact stderr line
# Placeholders in args and error: {dir} this folder, {net} a small valid network, {data} the
# Fashion-MNIST test set, {out} an empty output folder, {src} the source tree.
set -uo pipefail
LVSIM=$(realpath "$1")
SRC=$(realpath "$2")
ONLY=${3:-}
DIR=$SRC/tests/bad-input
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0 count=0

subst() {
  local s=$1
  s=${s//\{dir\}/$DIR}
  s=${s//\{net\}/$SRC/tests/data/cli-tiny.json}
  s=${s//\{data\}/\/usr\/share\/datasets\/fashion-mnist}
  s=${s//\{out\}/$T/out}
  s=${s//\{src\}/$SRC}
  printf '%s' "$s"
}

run_case() {  # run_case NAME ARGS EXPECTED
  local name=$1 args expected rc
  args=$(subst "$2")
  expected=$(subst "$3")
  [ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]] && return
  count=$((count + 1))
  rm -rf "$T/out" "$T/cwd"
  mkdir -p "$T/out" "$T/cwd"
  local -a argv
  read -r -a argv <<<"$args"
  (cd "$T/cwd" && exec "$LVSIM" "${argv[@]}") >"$T/stdout" 2>"$T/stderr" </dev/null
  rc=$?
  local got left
  got=$(cat "$T/stderr")
  left=$(find "$T/out" "$T/cwd" -mindepth 1 | sed "s|^$T/||" | tr '\n' ' ')
  if [ $rc -ne 2 ] || [ "$(wc -l <"$T/stderr")" -ne 1 ] || [ "$got" != "$expected" ] || [ -s "$T/stdout" ] ||
     [ -n "$left" ]; then
    echo "FAIL $name: exit $rc, $(wc -l <"$T/stderr") stderr line(s), stdout $(wc -c <"$T/stdout") B, left behind: [${left}]"
    echo "     expected: $expected"
    echo "     got:      $got"
    fails=$((fails + 1))
  else
    echo "ok   $name: $got"
  fi
}

name="" args="" error="" line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  case $line in
    "#"* | "") continue ;;
    "case: "*) name=${line#case: } args="" error="" ;;
    "args: "*) args=${line#args: } ;;
    "error: "*)
      error=${line#error: }
      if [ -z "$name" ] || [ -z "$args" ]; then
        echo "FAIL cases.txt:$line_no: 'error:' without 'case:' and 'args:' before it"; fails=$((fails + 1))
      else
        run_case "$name" "$args" "$error"
      fi
      name="" ;;
    *) echo "FAIL cases.txt:$line_no: unrecognized line: $line"; fails=$((fails + 1)) ;;
  esac
done <"$DIR/cases.txt"

# Every file of the corpus is used by some case (a file nobody runs tests nothing).
while IFS= read -r f; do
  rel=${f#"$DIR"/}
  case $rel in run.sh | cases.txt | README.md) continue ;; esac
  # a case names the file itself, or its folder (data sets are folders)
  if ! grep -qF "{dir}/$rel" "$DIR/cases.txt" && ! grep -qF "{dir}/$(dirname "$rel") " "$DIR/cases.txt" &&
     ! grep -qE "\{dir\}/$(dirname "$rel")( |$)" "$DIR/cases.txt"; then
    echo "FAIL unused corpus file: $rel"; fails=$((fails + 1))
  fi
done < <(find "$DIR" -type f | sort)

if [ -z "$ONLY" ] && [ $count -lt 50 ]; then echo "FAIL only $count cases ran"; fails=$((fails + 1)); fi
if [ $fails -ne 0 ]; then echo "$fails failure(s) of $count cases"; exit 1; fi
echo "all $count bad-input cases: exit 2, the expected line, nothing written"
