#!/usr/bin/env bash
# `lvsim recost`: a saved run's counts re-costed under another operating point, technology file or
# architecture gating give exactly the energy keys of a fresh run there; bad input -> exit 2, one
# line naming the file and field, nothing written.
set -uo pipefail
LVSIM=$1
SRC=$2
DATA=/usr/share/datasets/fashion-mnist
NET=$SRC/workloads/networks/fmnist-cnn.json
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
run() { "$LVSIM" run --network "$NET" --data "$DATA" --images 20 --json "$@"; }

# An architecture with both gatings off (same counts, other costs).
python3 -c "import json,sys; a=json.load(open('$SRC/presets/arch/edge-16x16.json')); a['gating']={'pe_clock_gating':False,'zero_operand_gating':False}; json.dump(a,open('$T/ungated.json','w'))"

# Faults from a fixed bit error rate, so every run below computes on the same weights (a run at
# another V_sram with the chip model would see other faults, other activations, other counts).
B="--ber 0.001 --chip-seed 3"
run $B >"$T/saved.json" || fail "saved run"
run $B --v-sram 0.7 --v-logic 0.8 >"$T/fresh_v.json" || fail "fresh run at 0.7/0.8 V"
"$LVSIM" recost --report "$T/saved.json" --v-sram 0.7 --v-logic 0.8 --json >"$T/re_v.json" || fail "recost at 0.7/0.8 V"
run $B --tech "$SRC/presets/tech/14nm-normalized.json" --v-sram 0.88 >"$T/fresh_t.json" || fail "fresh 14 nm run"
"$LVSIM" recost --report "$T/saved.json" --tech "$SRC/presets/tech/14nm-normalized.json" --v-sram 0.88 --json \
  >"$T/re_t.json" || fail "recost 14 nm"
run $B --arch "$T/ungated.json" --v-logic 0.7 --clock-mode follow_fmax >"$T/fresh_a.json" || fail "fresh ungated run"
"$LVSIM" recost --report "$T/saved.json" --arch "$T/ungated.json" --v-logic 0.7 --clock-mode follow_fmax --json \
  >"$T/re_a.json" || fail "recost ungated"
"$LVSIM" recost --report "$T/saved.json" --v-logic 0.7 --clock-mode follow_fmax --json >"$T/re_g.json" || fail "recost gated"

python3 - "$T" <<'PY' || fails=$((fails + 1))
import json, sys
t = sys.argv[1]
load = lambda n: json.load(open(f"{t}/{n}.json"))
ok = True
for fresh, re in [("fresh_v", "re_v"), ("fresh_t", "re_t"), ("fresh_a", "re_a")]:
    f, r = load(fresh), load(re)
    for key, value in r.items():
        if f.get(key) != value:  # exact: same counts, same arithmetic
            print("FAIL", re, key, value, "!=", f.get(key)); ok = False
    for key in ["energy_per_inference_pj", "accountings", "model_load", "saving_by_component_pj", "gating"]:
        if key not in r:
            print("FAIL", re, "lacks", key); ok = False
g, a = load("re_g"), load("re_a")
if a["energy_per_inference_pj"] <= g["energy_per_inference_pj"]:
    print("FAIL ungated is not dearer"); ok = False
sys.exit(0 if ok else 1)
PY

# Bad input: one line naming the file and the field, exit 2, no output file.
expect_bad() {  # name, expected text, args...
  local name=$1 want=$2
  shift 2
  "$LVSIM" recost "$@" --output "$T/out_$name.json" >"$T/stdout" 2>"$T/stderr"
  local rc=$?
  [ $rc -eq 2 ] || fail "$name: exit $rc"
  [ "$(wc -l <"$T/stderr")" -eq 1 ] || fail "$name: stderr not one line: $(cat "$T/stderr")"
  grep -q -- "$want" "$T/stderr" || fail "$name: '$want' not in: $(cat "$T/stderr")"
  [ ! -s "$T/stdout" ] || fail "$name: wrote to stdout"
  [ ! -e "$T/out_$name.json" ] || fail "$name: wrote the output file"
}
python3 -c "import json; j=json.load(open('$T/saved.json')); del j['action_counts']; json.dump(j,open('$T/no_counts.json','w'))"
python3 -c "import json; j=json.load(open('$T/saved.json')); j['action_counts']['pe_hops']=-1; json.dump(j,open('$T/neg.json','w'))"
python3 -c "import json; j=json.load(open('$T/saved.json')); j['action_counts']['macs']+=1; json.dump(j,open('$T/macs.json','w'))"
echo '{"images": 3' >"$T/truncated.json"
expect_bad no_counts "no_counts.json: action_counts" --report "$T/no_counts.json"
expect_bad negative "neg.json: action_counts.pe_hops" --report "$T/neg.json"
expect_bad macs "macs.json: action_counts.macs" --report "$T/macs.json"
expect_bad truncated "truncated.json" --report "$T/truncated.json"
expect_bad missing "nope.json" --report "$T/nope.json"
expect_bad voltage "voltage_range.sram" --report "$T/saved.json" --v-sram 0.2

[ $fails -eq 0 ] && echo "recost: all checks passed"
exit $((fails > 0))
