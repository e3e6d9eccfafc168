#!/usr/bin/env bash
# Benchmark of the Python API (issue 16) against the command line, side by side in one run:
#  1. a 10,000-image `run` (shipped CNN, Fashion-MNIST test set, 14 nm curve at 0.84 Vmin, chip 1):
#     `lvsim run --json` (process, loading, simulation, printing) vs `lvsim.run(...)` in a warm
#     interpreter, and the API's own overhead: its wall time minus the time inside the C++ run;
#  2. a 25-point sweep (5 voltages x 5 chips x 10,000 images, 14 nm): `lvsim sweep` vs `lvsim.sweep`.
# Each timing is the median of REPS runs (default 3), alternating CLI and API so load drifts hit
# both. Outputs are compared for equality. Usage: tools/bench-python.sh [BUILD_DIR] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
REPS=${2:-3}
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
PYTHONPATH="$BUILD/python" exec /usr/bin/python3 - "$BUILD/lvsim" "$REPS" <<'PYEOF'
import json, os, statistics, subprocess, sys, tempfile, time
import lvsim
import lvsim._lvsim as core

cli, reps = sys.argv[1], int(sys.argv[2])
net, data, tech = "workloads/networks/fmnist-cnn.json", "/usr/share/datasets/fashion-mnist", \
    "presets/tech/14nm-normalized.json"
run_args = ["--network", net, "--data", data, "--tech", tech, "--v-sram", "0.84", "--chip-seed", "1"]
cpu = open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].split(":", 1)[1].strip()
print(f"lvsim Python API vs CLI, {os.cpu_count()} cores ({cpu}), load average {os.getloadavg()[0]:.1f}, "
      f"median of {reps}")

# Time spent inside the C++ call, so the binding's own cost is measured, not guessed.
inside = []
orig_run = core.run
def timed_run(a):
    t = time.perf_counter(); r = orig_run(a); inside.append(time.perf_counter() - t); return r
core.run = timed_run

def strip(d):
    return {k: v for k, v in d.items() if k not in ("wall_time_s", "images_per_second")}

lvsim.run(net, data, images=100)  # warm the interpreter and page cache alike for both
cli_t, api_t, over = [], [], []
for _ in range(reps):
    t = time.perf_counter()
    out = subprocess.run([cli, "run", *run_args, "--json"], check=True, capture_output=True, text=True).stdout
    cli_t.append(time.perf_counter() - t)
    t = time.perf_counter()
    r = lvsim.run(net, data, tech=tech, v_sram=0.84, chip_seed=1)
    api_t.append(time.perf_counter() - t)
    over.append(api_t[-1] - inside[-1])
assert strip(r.to_dict()) == strip(json.loads(out)), "API and CLI reports differ"
c, a, o = statistics.median(cli_t), statistics.median(api_t), statistics.median(over)
print(f"run, 10,000 images:   CLI {c:7.3f} s   API {a:7.3f} s   API overhead outside the C++ run "
      f"{o * 1e3:6.2f} ms = {100 * o / a:.2f} % of the API call; reports equal")

study = {"format": "lvsim-study", "version": 1, "networks": [{"name": "fmnist-cnn", "file": os.path.abspath(net)}],
         "data": {"dir": data}, "technology": os.path.abspath(tech), "sweep": {"v_sram_v": [0.88, 0.86, 0.84, 0.82, 0.80]},
         "chips": {"count": 5}}
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "study.json")
    with open(path, "w") as f:
        json.dump(study, f)
    cli_t, api_t = [], []
    for i in range(reps):
        t = time.perf_counter()
        subprocess.run([cli, "sweep", "--study", path, "--out", f"{d}/cli{i}", "--quiet"], check=True,
                       capture_output=True)
        cli_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = lvsim.sweep(path, out=f"{d}/api{i}", progress=False)
        api_t.append(time.perf_counter() - t)
    for f in ("points.json", "summary.json", "points.csv", "summary.csv", "report.html"):
        assert open(f"{d}/cli0/{f}", "rb").read() == open(f"{d}/api0/{f}", "rb").read(), f
    c, a = statistics.median(cli_t), statistics.median(api_t)
    print(f"sweep, 25 points x 10,000 images:   CLI {c:7.2f} s   API {a:7.2f} s   API/CLI {a / c:.3f}; "
          f"outputs byte-identical ({len(res)} points)")
PYEOF
