#!/usr/bin/python3
"""Every lvsim command shown in README.md and docs/*.md runs as shown (issue 25; ctest "docs: commands").

    /usr/bin/python3 tests/cli/docs_commands.py LVSIM SRC

Commands are taken from the fenced code blocks: in ```sh, ```bash, ```shell and ```console blocks every
command line (continuations joined, `$ ` prompts dropped, comment lines skipped); in unlabelled blocks
the lines that start with `lvsim `, `$ lvsim `, `build/lvsim` or `./build/lvsim`. A command is an
lvsim command when it starts with the binary; one that runs it from inside another program (mpirun,
srun, a tools/torch script's `--lvsim build/lvsim`) must be in ALLOWED below, as must any lvsim
command that cannot run here. Nothing else is skipped.

Each doc file's commands run in order in their own scratch folder (files one command writes, like
chip7.json or net.json, are there for the next), with the built binary in place of `lvsim` /
`build/lvsim`. The folder holds a copy of presets/, a link to workloads/ and the doc's inputs made
here: model.onnx, a small float CNN (Conv, Relu, MaxPool, Gemm) as any exporter writes it (no lvsim
metadata), and net.onnx, the same with the preprocessing and weight scheme in its metadata as
tools/torch/export.py writes them (`--bits 8`). The work is capped so that the test runs in well under
3 minutes on 2 cores; every change to a command is in PLACEHOLDERS, CAPS or SMALL_PRESETS and is
printed with the command (`ran: ...`). A table entry no command uses fails the test (no rot).

A command shown failing on purpose carries a trailing `# exits 2` comment; it must exit 2 with one
line on stderr. Every other command must exit 0. Failures name the doc file and line.
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

DATA = "/usr/share/datasets/fashion-mnist"  # Debian's dataset-fashion-mnist, as the docs show it
NET = "workloads/networks/fmnist-cnn.json"
TIMEOUT_S = 120  # per command

# Placeholders the docs use for the reader's own files or values: (pattern, replacement, why).
PLACEHOLDERS = [
    (r"(?<= )--data \.\.\.(?= |$)", f"--data {DATA}", "`--data ...`: the data set, as in the block's first run"),
    (r"(?<= )\.\.\.(?= |$)", f"--network {NET} --data {DATA}",
     "`...`: the shipped CNN and data set, as in the block's first run"),
    (r"(?<= )(--data|--calib-data) (DATA|DIR)(?= |$)", rf"\1 {DATA}", "DATA, DIR: your data set"),
    (r"(?<= )--network normal=a\.json --network robust=b\.json(?= |$)",
     "--network normal=workloads/networks/fmnist-cnn-normal-q8.json "
     "--network robust=workloads/networks/fmnist-cnn-randbet-clip-q8.json", "a.json, b.json: two zoo trainings"),
    (r"(?<= )--arch my-arch\.json(?= |$)", "--arch presets/arch/edge-16x16-streamed.json", "my-arch.json: a preset"),
    (r"(?<= )\[--v-sram V\](?= |$)", "--v-sram 0.7", "optional flag [--v-sram V]: given, V = 0.7"),
    (r"(?<= )\[(--weight-bits 4)\](?= |$)", r"\1", "optional flag [--weight-bits 4]: given"),
]

# Caps on the work: (subcommand, applies to argv, flag, largest value, why); the first entry for a
# flag that applies wins. A larger value is lowered; a missing flag is added (a sweep's study file or
# a run's default would otherwise use all 10,000 test images).
CAPS = [
    ("run", lambda argv: "--topology" not in argv, "--images", 20, "images per run (a topology run takes no data)"),
    ("sweep", lambda argv: True, "--images", 20, "images per study point"),
    ("sweep", lambda argv: "--ci-width" in argv, "--chips", 5, "adaptive chip count: at least --min-chips (5)"),
    ("sweep", lambda argv: True, "--chips", 2, "chips per study point"),
    ("sensitivity", lambda argv: True, "--images", 20, "images per scope and chip"),
    ("sensitivity", lambda argv: True, "--chips", 2, "chips of the map"),
]

# Presets whose work is set inside the file, edited in the scratch copy: (file, edit, why).
SMALL_PRESETS = [
    ("presets/explorations/edge-arrays.json",
     lambda d: d["axes"].update({"array.rows": [8, 128], "array.cols": [8, 128]}),
     "160 of the 1,000 design points: array sides 8 and 128 only"),
    ("presets/explorations/edge-ecc-accuracy.json", lambda d: d["accuracy"].update(images=20, chips={"count": 2}),
     "accuracy over 2 chips x 20 images"),
]

# Commands not run here, each with its reason: (doc file, command as shown, reason). An entry whose
# command no longer appears in its file fails the test.
ALLOWED = [
    ("README.md", "mpirun -n 4 build/lvsim sweep --study presets/studies/fmnist-14nm.json --out results/14nm",
     "MPI with 4 ranks: tests/cli/sweep_mpi.sh checks that 2 ranks give the 1-process outputs"),
    ("docs/studies.md", "mpirun -n 8 build/lvsim sweep --study presets/studies/fmnist-14nm.json --out results/14nm",
     "MPI with 8 ranks: tests/cli/sweep_mpi.sh checks that 2 ranks give the 1-process outputs"),
    ("docs/studies.md", "mpirun -n 2 --oversubscribe build/lvsim sweep --study S.json --out results --threads 1",
     "MPI: this form (2 ranks, --oversubscribe) is tests/cli/sweep_mpi.sh, on small studies"),
    ("docs/studies.md",
     "mpirun --hostfile hosts --map-by ppr:1:node build/lvsim sweep --study S.json --out /shared/results",
     "a cluster of MPI nodes (host file, shared file system)"),
    ("docs/studies.md",
     "srun -N 8 --ntasks-per-node=1 --cpus-per-task=32 build/lvsim sweep --study S.json --out /shared/results",
     "a Slurm cluster of 8 nodes"),
    ("docs/robust-training.md",
     "/usr/bin/python3 tools/torch/export.py --model-file tools/torch/lvsim_common.py --class FmnistCnn "
     "--checkpoint net.pt --input-shape 1,28,28 --pixel-scale 0.00392156862745098 --mean 0.2860 --std 0.3530 "
     "--bits 8 --symmetry asymmetric --storage unsigned --rounding round --out net.onnx "
     "--network net.json --lvsim build/lvsim --import-args \"--calib-data /usr/share/datasets/fashion-mnist\" "
     "--check-data /usr/share/datasets/fashion-mnist --check-images 1000",
     "a tools/torch script: needs PyTorch and a trained net.pt (tests/cli/import_torch.sh runs export.py)"),
    ("docs/results-simplenet.md",
     "/usr/bin/python3 tools/flatenn_results.py --bit-flip results/flatenn-bit-flip "
     "--stuck-at results/flatenn-stuck-at --lvsim build/lvsim --md docs/results-simplenet.md",
     "rewrites docs/results-simplenet.md from full studies (tools/reproduce-seed-results.sh runs it)"),
]

SHELL_LANGS = {"sh", "bash", "shell", "console"}
BINARY = re.compile(r"^(\$ )?(\./)?(build/)?lvsim(?= )")
MENTIONS_BINARY = re.compile(r"(^|[\s=\"'])(\./)?(build/)?lvsim(?=[\s\"']|$)")


def split_comment(line):
    """(code, comment) of one shell line: the comment starts at a `#` after a blank, outside quotes."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:].strip()
    return line.rstrip(), ""


def commands(path, rel):
    """Every command in the file's fenced code blocks: dicts with file, line (the first), text (joined,
    comment removed), comment, lvsim (starts with the binary), wrapped (the binary anywhere in it)."""
    out, lang, pending, start = [], None, "", 0
    for n, raw in enumerate(open(path, encoding="utf-8").read().split("\n"), 1):
        fence = re.match(r"^\s*(```|~~~)\s*([\w-]*)", raw)
        if fence:
            lang = None if lang is not None else fence.group(2).lower()
            pending = ""
            continue
        if lang is None or (lang and lang not in SHELL_LANGS):
            continue
        line = raw.strip()
        if not pending:
            if lang == "console" and not line.startswith("$ "):
                continue  # output shown under a prompt
            if not lang and not BINARY.match(line):
                continue
            start = n
        line = re.sub(r"^\$ ", "", line) if not pending else line
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        code, comment = split_comment(pending + line)
        pending = ""
        if code:
            out.append({"file": rel, "line": start, "text": code, "comment": comment,
                        "lvsim": bool(BINARY.match(code)), "wrapped": bool(MENTIONS_BINARY.search(code))})
    return out


EXTRACTION_SAMPLE = """```console
$ lvsim run --network n.json \\
    --images 5   # exits 2
output line
```
```
lvsim chip --voltage 0.5
not a command
./build/lvsim recost --report "a # b.json"
```
```json
{"cmd": "build/lvsim run"}
```
```sh
# build/lvsim comment
mpirun -n 2 build/lvsim sweep --out r
srun lvsim sweep --out r
/usr/bin/python3 -c 'import lvsim; lvsim.run()'

```
"""
EXTRACTION_EXPECTED = [  # (line, text, comment, lvsim, wrapped)
    (2, "lvsim run --network n.json --images 5", "exits 2", True, True),
    (7, "lvsim chip --voltage 0.5", "", True, True),
    (9, './build/lvsim recost --report "a # b.json"', "", True, True),
    (16, "mpirun -n 2 build/lvsim sweep --out r", "", False, True),
    (17, "srun lvsim sweep --out r", "", False, True),
    (18, "/usr/bin/python3 -c 'import lvsim; lvsim.run()'", "", False, False),
]


def flag_value(argv, flag):
    """The value after `flag` in argv, or None."""
    return argv[argv.index(flag) + 1] if flag in argv[:-1] else None


def adapt(cmd, lvsim, used):
    """The argv to run for a doc command: binary, placeholders and caps applied; notes what changed."""
    text = BINARY.sub(lvsim, cmd["text"])
    for i, (pattern, repl, _) in enumerate(PLACEHOLDERS):
        text, n = re.subn(pattern, repl, text)
        if n:
            used.add(("placeholder", i))
    argv = shlex.split(text)
    sub = argv[1] if len(argv) > 1 else ""
    done = set()
    for i, (command, applies, flag, cap, _) in enumerate(CAPS):
        if sub != command or flag in done or not applies(argv):
            continue
        done.add(flag)
        value = flag_value(argv, flag)
        if value is None:
            argv += [flag, str(cap)]
        elif value.isdigit() and int(value) > cap:
            argv[argv.index(flag) + 1] = str(cap)
        else:
            continue
        used.add(("cap", i))
    return argv


def make_inputs(scratch, src):
    """The scratch folder of one doc file: presets (small copies), workloads, model.onnx, net.onnx."""
    shutil.copytree(os.path.join(src, "presets"), os.path.join(scratch, "presets"))
    os.symlink(os.path.join(src, "workloads"), os.path.join(scratch, "workloads"))
    for rel, edit, _ in SMALL_PRESETS:
        with open(os.path.join(scratch, rel)) as f:
            d = json.load(f)
        edit(d)
        with open(os.path.join(scratch, rel), "w") as f:
            json.dump(d, f, indent=1)
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(3)
    inits = [numpy_helper.from_array(rng.normal(0, 0.2, (4, 1, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.normal(0, 0.1, (4,)).astype(np.float32), "b"),
             numpy_helper.from_array(rng.normal(0, 0.1, (10, 4 * 14 * 14)).astype(np.float32), "fw"),
             numpy_helper.from_array(rng.normal(0, 0.1, (10,)).astype(np.float32), "fb")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1)]
    graph = helper.make_graph(nodes, "docs", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 28, 28])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10])], inits)
    pre = {"pixel_scale": 1 / 255, "mean": [0.286], "std": [0.353]}
    scheme = {"bits": 8, "granularity": "per_tensor", "symmetry": "asymmetric", "storage": "unsigned",
              "rounding": "round"}
    for name, meta in [("model.onnx", None), ("net.onnx", {"preprocess": pre, "weight_quantization": scheme})]:
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        if meta:
            m.metadata_props.add(key="lvsim", value=json.dumps(meta))
        onnx.save(m, os.path.join(scratch, name))


def run_one(cmd, argv, scratch):
    """Runs one adapted command; returns an error string, or None when it behaved as the doc says."""
    expect = re.match(r"exits (\d+)\b", cmd["comment"])
    want = int(expect.group(1)) if expect else 0
    if want not in (0, 2):
        return f"`# exits {want}`: an error example must exit 2 (the bad-input contract)"
    try:
        p = subprocess.run(argv, cwd=scratch, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"still running after {TIMEOUT_S} s"
    except OSError as e:
        return str(e)
    stderr = p.stderr.strip().split("\n") if p.stderr.strip() else []
    if p.returncode != want:
        return f"exit {p.returncode}, expected {want}; stderr: {' | '.join(stderr[-3:])}"
    if want == 2 and len(stderr) != 1:
        return f"exit 2 with {len(stderr)} stderr lines, expected 1: {' | '.join(stderr[:3])}"
    return None


def main():
    lvsim, src = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
    if not os.path.isdir(DATA):
        print(f"FAIL: {DATA} not found: install the Debian package dataset-fashion-mnist")
        return 1
    sample = os.path.join(tempfile.mkdtemp(prefix="lvsim-docs-sample-"), "sample.md")
    with open(sample, "w") as f:
        f.write(EXTRACTION_SAMPLE)
    got = [(c["line"], c["text"], c["comment"], c["lvsim"], c["wrapped"]) for c in commands(sample, "sample.md")]
    shutil.rmtree(os.path.dirname(sample))
    if got != EXTRACTION_EXPECTED:
        print(f"FAIL: the extraction of a sample doc gives {got}, expected {EXTRACTION_EXPECTED}")
        return 1
    docs = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(src, "docs")) if f.endswith(".md"))
    found = [c for rel in docs for c in commands(os.path.join(src, rel), rel)]
    lvsim_cmds = [c for c in found if c["lvsim"] or c["wrapped"]]
    allowed = {(f, text): why for f, text, why in ALLOWED}
    fails, ran, skipped, used, seen = [], 0, 0, set(), set()
    top = tempfile.mkdtemp(prefix="lvsim-docs-")
    t0 = time.monotonic()
    try:
        scratch = {}
        for cmd in lvsim_cmds:
            where = f"{cmd['file']}:{cmd['line']}"
            key = (cmd["file"], cmd["text"])
            if key in allowed:
                seen.add(key)
                skipped += 1
                print(f"skip {where}: {cmd['text']}\n     not run: {allowed[key]}")
                continue
            if not cmd["lvsim"]:
                fails.append(f"{where}: runs lvsim inside another command; run it or add it to ALLOWED: "
                             f"{cmd['text']}")
                print(f"FAIL {fails[-1]}")
                continue
            if cmd["file"] not in scratch:
                scratch[cmd["file"]] = os.path.join(top, str(len(scratch)))
                os.mkdir(scratch[cmd["file"]])
                make_inputs(scratch[cmd["file"]], src)
            argv = adapt(cmd, lvsim, used)
            t = time.monotonic()
            error = run_one(cmd, argv, scratch[cmd["file"]])
            ran += 1
            shown = shlex.join(["lvsim"] + argv[1:])
            print(f"{'FAIL' if error else 'ok  '} {where} ({time.monotonic() - t:.1f} s): {cmd['text']}")
            if shown != BINARY.sub("lvsim", cmd["text"]):
                print(f"     ran: {shown}")
            for rel, _, why in SMALL_PRESETS:
                if rel in argv:
                    print(f"     with {rel} cut to {why}")
            if error:
                fails.append(f"{where}: {error}")
                print(f"     {error}")
    finally:
        shutil.rmtree(top, ignore_errors=True)
    for f, text, _ in ALLOWED:
        if (f, text) not in seen:
            fails.append(f"ALLOWED names a command no longer in {f}: {text}")
    for i, (pattern, _, why) in enumerate(PLACEHOLDERS):
        if ("placeholder", i) not in used:
            fails.append(f"PLACEHOLDERS entry no command uses: {pattern} ({why})")
    for i, (command, _, flag, _, why) in enumerate(CAPS):
        if ("cap", i) not in used:
            fails.append(f"CAPS entry no command uses: {command} {flag} ({why})")
    for rel, _, why in SMALL_PRESETS:
        if not any(rel in c["text"] for c in lvsim_cmds):
            fails.append(f"SMALL_PRESETS entry no command uses: {rel} ({why})")
    if len(lvsim_cmds) < 30:
        fails.append(f"only {len(lvsim_cmds)} lvsim commands found: is the extraction broken?")
    print(f"{len(lvsim_cmds)} lvsim commands found in {len(docs)} files ({len(found) - len(lvsim_cmds)} other "
          f"shell commands not in scope), {ran} run, {skipped} allow-listed, {len(fails)} failures, "
          f"{time.monotonic() - t0:.0f} s")
    for f in fails:
        print(f"FAIL {f}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
