#!/usr/bin/env bash
# The study-file schema (docs/lvsim-study.schema.json) and lvsim agree: the shipped studies and
# the example in docs/studies.md validate and run; edited copies that the schema refuses, lvsim
# refuses too (Debian python3-jsonschema, /usr/bin/python3).
set -uo pipefail
LVSIM=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
# Copies of the shipped studies and of the docs example (its first ```json block) with relative
# paths resolved against presets/studies/, so the copies run from $T.
/usr/bin/python3 - "$SRC" "$T" <<'PY' || fails=$((fails + 1))
import copy, glob, json, os, re, sys
import jsonschema
src, tmp = sys.argv[1], sys.argv[2]
base = f"{src}/presets/studies"
def absolute(s):
    fix = lambda p: p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))
    s = copy.deepcopy(s)
    s["networks"] = [fix(n) if isinstance(n, str) else dict(n, file=fix(n["file"])) for n in s["networks"]]
    for k in ("architecture", "technology"):
        if k in s: s[k] = fix(s[k])
    return s
studies = {os.path.basename(p): json.load(open(p)) for p in sorted(glob.glob(f"{base}/*.json"))}
doc = open(f"{src}/docs/studies.md").read()
studies["docs-example.json"] = json.loads(re.search(r"```json\n(.*?)```", doc, re.S).group(1))
schema = json.load(open(f"{src}/docs/lvsim-study.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
bad = 0
for name, s in studies.items():
    errs = list(v.iter_errors(s))
    print(("ok  " if not errs else "FAIL") + f" schema accepts {name}" + (f": {errs[0].message}" if errs else ""))
    bad += bool(errs)
    json.dump(absolute(s), open(f"{tmp}/good-{name}", "w"))
edits = {
    "unknown_key": lambda s: s.update({"max_dorp": [0.1]}),
    "zero_chips": lambda s: s.update({"chips": {"count": 0}}),
    "two_axes": lambda s: s["sweep"].update({"ber": [0.1]}),
    "threshold": lambda s: s.update({"max_drop": [1.5]}),
    "bad_model": lambda s: s.update({"faults": {"model": "melt"}}),
    "version": lambda s: s.update({"version": 2}),
    "no_sweep": lambda s: s.pop("sweep"),
}
for name, edit in edits.items():
    s = absolute(studies["fmnist-14nm.json"])
    edit(s)
    json.dump(s, open(f"{tmp}/bad-{name}.json", "w"))
    if v.is_valid(s):
        print(f"FAIL schema accepts the {name} edit")
        bad += 1
sys.exit(1 if bad else 0)
PY
for f in "$T"/bad-*.json; do
  "$LVSIM" sweep --study "$f" --out "$T/o" >/dev/null 2>"$T/err"
  rc=$?
  [ $rc -eq 2 ] && [ ! -e "$T/o" ] && echo "ok   lvsim refuses $(basename "$f"): $(cat "$T/err")" ||
    { echo "FAIL lvsim: rc=$rc for $(basename "$f")"; fails=$((fails + 1)); }
done
for f in "$T"/good-*.json; do
  "$LVSIM" sweep --study "$f" --images 20 --chips 5 --quiet --out "$T/run" >/dev/null 2>"$T/err" ||
    { echo "FAIL lvsim cannot run $f: $(cat "$T/err")"; fails=$((fails + 1)); continue; }
  echo "ok   lvsim runs $(basename "$f")"
  rm -rf "$T/run"
done
exit $((fails > 0))
