#!/usr/bin/python3
"""Writes docs/results-fashion-mnist.md and its report (one self-contained HTML file) from the two
`lvsim sweep` studies of tools/reproduce-seed-results.sh (bit error rate and V_sram on the 14 nm-
normalized technology, all zoo models on the same chips). Called by that script; not by hand.

  seed_results.py --ber DIR --vsram DIR --whole DIR --lvsim LVSIM --md OUT.md --html OUT.html
                  --ber-seconds S --vsram-seconds S

The drop thresholds are relative to ONE reference: the clean accuracy of the normally trained 8-bit
model (normal-q8), which lvsim's own thresholds (each network against its own clean accuracy) cannot
express; the walk is lvsim's (docs/studies.md, "Lowest safe voltage"): values in study order, the
last one before the first whose mean accuracy falls below reference - drop.
"""

import argparse
import html
import json
import os
import subprocess

REFERENCE = "normal-q8"
IMAGES_45NM = 200  # images of the `lvsim run` on the 45 nm preset that the recosts start from
DROPS = (0.01, 0.025)
CHART_JS = "/usr/share/javascript/chart.js/chart.min.js"
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
DISCUSSION = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "results-fashion-mnist-discussion.md")


def load(d):
    s = json.load(open(os.path.join(d, "summary.json")))
    rows = {}
    for r in s["points"]:
        rows.setdefault(r["network"], []).append(r)
    return s, rows


def lowest_safe(rows, axis, ref, drop):
    """Last value (in study order) before the first one whose mean accuracy < ref - drop; None if the
    first value already fails."""
    best = None
    for r in rows:
        if r["accuracy_mean"] < ref - drop - 1e-12:
            break
        best = r
    return best


def run_45nm(lvsim, net_file, data, tmp):
    """`lvsim run` of one network on the 45 nm preset at nominal voltages (default architecture,
    edge-16x16), IMAGES_45NM images; the report is kept in tmp and reused. Returns (path, report)."""
    rep = os.path.join(tmp, os.path.basename(net_file) + ".run45.json")
    if not os.path.exists(rep):
        subprocess.run([lvsim, "run", "--network", net_file, "--data", data, "--images", str(IMAGES_45NM),
                        "--threads", "2", "--tech", "presets/tech/45nm.json", "--output", rep],
                       check=True, capture_output=True)
    return rep, json.load(open(rep))


def whole_accelerator_45nm(lvsim, net_file, data, v_ratio, tmp):
    """Whole-accelerator saving with the 45 nm preset's component energies (every component, not
    only the weight SRAM), the weight SRAM's supply lowered by the same factor V/V_nominal as on
    the 14 nm curve and the logic at nominal: `lvsim run` at nominal, then `lvsim recost`."""
    rep, base = run_45nm(lvsim, net_file, data, tmp)
    r = json.loads(subprocess.run([lvsim, "recost", "--report", rep, "--tech", "presets/tech/45nm.json",
                                   "--v-sram", f"{0.9 * v_ratio:.6f}", "--json"], check=True, capture_output=True,
                                  text=True).stdout)
    return 1.0 - r["energy_per_inference_pj"] / base["energy_per_inference_pj"]


def weight_sram_split(report):
    """The weight SRAM's access energy and its leakage, each as a fraction of the whole
    accelerator's energy, from a run report (`energy_breakdown_pj`, `leakage_breakdown_pj`)."""
    total = report["energy_total_pj"]
    return report["energy_breakdown_pj"]["weight_sram"] / total, report["leakage_breakdown_pj"]["weight_sram"] / total


def pct(x, nd=2):
    return "–" if x is None else f"{100 * x:.{nd}f}"


def md_tables(ber_rows, v_rows, names, ref):
    out = []
    out.append("### Accuracy vs bit error rate (mean over chips, %; robust error RErr in parentheses)\n")
    ps = [r["ber"] for r in ber_rows[names[0]]]
    out.append("| p | " + " | ".join(names) + " |")
    out.append("|---|" + "---|" * len(names))
    out.append("| 0 (clean) | " + " | ".join(pct(ber_rows[n][0]["accuracy_clean"]) for n in names) + " |")
    for i, p in enumerate(ps):
        out.append(f"| {p:g} | " + " | ".join(
            f"{pct(ber_rows[n][i]['accuracy_mean'])} ({pct(ber_rows[n][i]['robust_error_mean'], 1)})" for n in names) + " |")
    out.append("\n### Accuracy vs V_sram, 14 nm-normalized (mean over chips, %; worst chip; RErr)\n")
    out.append("| V/Vmin | p (expected) | " + " | ".join(names) + " |")
    out.append("|---|---|" + "---|" * len(names))
    for i, r0 in enumerate(v_rows[names[0]]):
        cells = []
        for n in names:
            r = v_rows[n][i]
            cells.append(f"{pct(r['accuracy_mean'])} / {pct(r['accuracy_min'], 1)} ({pct(r['robust_error_mean'], 1)})")
        out.append(f"| {r0['v_sram_v']:.2f} | {r0['cell_failure_expected']:.1e} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def chart(cid, title, xlabel, ylabel, datasets, logx=False, reverse=False):
    cfg = {"type": "line", "data": {"datasets": datasets},
           "options": {"animation": False, "parsing": False, "maintainAspectRatio": False, "plugins": {"title": {"display": True, "text": title}},
                       "scales": {"x": {"type": "logarithmic" if logx else "linear", "reverse": reverse,
                                        "title": {"display": True, "text": xlabel}},
                                  "y": {"title": {"display": True, "text": ylabel}}}}}
    return f'<div class="c"><canvas id="{cid}"></canvas></div><script>new Chart(document.getElementById("{cid}"),{json.dumps(cfg)});</script>'


def series(rows_by_net, names, xkey, ykey, scale=100.0):
    ds = []
    for i, n in enumerate(names):
        pts = [{"x": r[xkey], "y": scale * r[ykey]} for r in rows_by_net[n]]
        ds.append({"label": n, "data": pts, "borderColor": COLORS[i % len(COLORS)],
                   "backgroundColor": COLORS[i % len(COLORS)], "fill": False, "pointRadius": 3})
    return ds


def write_html(path, md_text, ber_rows, v_rows, names, chips):
    js = open(CHART_JS).read()
    charts = [
        chart("a", f"Mean accuracy vs bit error rate ({chips} chips per point)", "bit error rate p", "accuracy %",
              series(ber_rows, names, "ber", "accuracy_mean"), logx=True),
        chart("b", "Robust error RErr vs bit error rate (mean over chips)", "bit error rate p", "RErr %",
              series(ber_rows, names, "ber", "robust_error_mean"), logx=True),
        chart("c", f"Mean accuracy vs V_sram (14 nm-normalized, {chips} chips per point)", "V_sram / Vmin", "accuracy %",
              series(v_rows, names, "v_sram_v", "accuracy_mean"), reverse=True),
        chart("d", "Worst chip's accuracy vs V_sram", "V_sram / Vmin", "accuracy %",
              series(v_rows, names, "v_sram_v", "accuracy_min"), reverse=True),
    ]
    body = "\n".join(charts)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>lvsim: the seed results on Fashion-MNIST</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} .c{{position:relative;height:380px;margin:20px 0}}
pre{{white-space:pre-wrap;background:#f6f6f6;padding:10px;font-size:12px}}</style>
<script>{js}</script></head><body><h1>lvsim: the seed results reproduced on Fashion-MNIST</h1>
<p>Generated by <code>tools/reproduce-seed-results.sh</code>; the text below is docs/results-fashion-mnist.md.</p>
{body}
<pre>{html.escape(md_text)}</pre></body></html>
"""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(page)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    for k in ("--ber", "--vsram", "--lvsim", "--md", "--html", "--work"):
        ap.add_argument(k, required=True)
    ap.add_argument("--ber-seconds", type=float, required=True)
    ap.add_argument("--vsram-seconds", type=float, required=True)
    ap.add_argument("--load-average", type=float, required=True,
                    help="the machine's 1-minute load average when the sweeps ended (/proc/loadavg)")
    a = ap.parse_args()
    ber_s, ber_rows = load(a.ber)
    v_s, v_rows = load(a.vsram)
    names = [n["name"] for n in ber_s["networks"]]
    nets = {n["name"]: n for n in v_s["networks"]}
    ref = {n["name"]: n["accuracy_clean"] for n in ber_s["networks"]}[REFERENCE]
    study = v_s["study"]
    n_points = sum(len(r) for r in ber_rows.values()) * len(ber_s["study"]["chips"]) + \
        sum(len(r) for r in v_rows.values()) * len(study["chips"])
    chips = len(study["chips"])
    images = study["images"]

    lines = []
    lines.append("| model | bits | clean % | drop ≤ d | lowest V_sram/Vmin (mean) | accuracy there % | RErr % | weight-SRAM energy saved % | whole accelerator saved % (14 nm-norm.) | whole accelerator saved % (45 nm components, est.) | weight-SRAM energy there, × normal-q8 at nominal | highest p (BER study) |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    if v_rows[REFERENCE][0]["v_sram_v"] != study["v_sram_nominal_v"]:
        raise SystemExit("seed_results.py: the V_sram study must start at the nominal voltage (energy reference)")
    e_ref = v_rows[REFERENCE][0]["energy_breakdown_pj"]["weight_sram"]
    headline = {}
    for n in names:
        clean = nets[n]["accuracy_clean"]
        bits = 4 if "q4" in n else 8
        for d in DROPS:
            r = lowest_safe(v_rows[n], "v_sram_v", ref, d)
            rb = lowest_safe(ber_rows[n], "ber", ref, d)
            whole45 = None
            if r is not None:
                whole45 = whole_accelerator_45nm(a.lvsim, nets[n]["file"], study["data"], r["v_sram_v"], a.work)
            end = " (end of sweep)" if r is not None and r is v_rows[n][-1] else ""
            end_b = " (end of sweep)" if rb is not None and rb is ber_rows[n][-1] else ""
            lines.append(f"| {n} | {bits} | {pct(clean)} | {100 * d:g} % | "
                         + (f"{r['v_sram_v']:.2f}{end} | {pct(r['accuracy_mean'])} | {pct(r['robust_error_mean'])} | "
                            f"{pct(r['energy_saved_weight_sram'], 1)} | {pct(r['energy_saved_total'], 1)} | {pct(whole45, 1)} | "
                            f"{r['energy_breakdown_pj']['weight_sram'] / e_ref:.2f}"
                            if r else "none | – | – | – | – | – | –")
                         + (f" | {rb['ber']:g}{end_b} |" if rb else " | none |"))
            headline[(n, d)] = r
    own = ["| model | own clean % | lvsim's threshold ≤ 1 % of own clean: V (saved SRAM %) | ≤ 2.5 %: V (saved SRAM %) |", "|---|---|---|---|"]
    for n in names:
        cells = []
        for t in nets[n]["thresholds"]:
            m = t["mean"]
            cells.append("none" if m["v_sram_v"] is None else f"{m['v_sram_v']:.2f} ({pct(m['energy_saved_weight_sram'], 1)})")
        own.append(f"| {n} | {pct(nets[n]['accuracy_clean'])} | " + " | ".join(cells) + " |")

    access45, leak45 = weight_sram_split(run_45nm(a.lvsim, nets[REFERENCE]["file"], study["data"], a.work)[1])
    disc = open(DISCUSSION).read() if os.path.exists(DISCUSSION) else ""
    md = f"""# The seed results on Fashion-MNIST (generated)

*Generated by `tools/reproduce-seed-results.sh` from two `lvsim sweep` studies; do not edit by hand
(the discussion comes from `docs/results-fashion-mnist-discussion.md`). Report with plots:
[results-fashion-mnist.html](results-fashion-mnist.html).*

The seed work (Stutz et al., MLSys 2021, [stutz21](references.md#stutz21)) shows on CIFAR-10 that
*how a network is trained* decides how low the weight SRAM's voltage can go. This page runs the
same experiment on lvsim's accelerator with the Fashion-MNIST model zoo (docs/model-zoo.md): seven trainings of the reference CNN, each on
the **same {chips} chips** (seeds {study['chips'][0]}..{study['chips'][-1]}) and the **same first {images} test images**
per point.

- Studies: `presets/studies/fmnist-zoo-ber.json` (uniform random bit errors, `bit_flip`, p =
  {", ".join(f"{r['ber']:g}" for r in ber_rows[names[0]])}) and `presets/studies/fmnist-zoo-14nm.json`
  (weight-SRAM voltage on the 14 nm-normalized technology, V/Vmin =
  {", ".join(f"{r['v_sram_v']:.2f}" for r in v_rows[names[0]])}; the chips' failing cells follow the
  profiled curve of Chandramoorthy et al., HPCA 2019, as used by the seed work,
  [chandramoorthy19](references.md#chandramoorthy19)), architecture edge-16x16, fast mode, no ECC.
- Size: {n_points} points × {images} images = {n_points * images / 1e6:.2f} M inferences ({images} images per
  point, chosen so that both sweeps finish in ≤ 10 min on 2 free cores: lvsim's fast path runs
  20,000–25,000 images/s there, docs/performance.md, i.e. ≈ {n_points * images / 22500 / 60:.1f} min; points whose
  weights are unchanged, V/Vmin = 1.00, are reused exactly). Measured on this run's machine
  ({os.cpu_count()} cores, 1-minute load average {a.load_average:.1f} when the sweeps ended): bit error rate study {a.ber_seconds:.0f} s, V_sram
  study {a.vsram_seconds:.0f} s ({n_points * images / (a.ber_seconds + a.vsram_seconds):.0f} images/s).
- Reference for every drop below: the clean accuracy of **normal-q8** on these {images} images,
  **{pct(ref)} %**. A model's "lowest V_sram" is the last voltage, walking down, before the first
  one whose mean accuracy over the chips falls below reference − d.
- RErr: the seed paper's robust test error, per chip the fraction of images misclassified clean or
  with the chip's faults, averaged over the chips.
- Energy: on 14 nm-normalized only the weight SRAM's access energy is non-zero (the seed paper's
  accounting: its ~20 % and ~30 % headline savings are savings of the weight SRAM's access energy
  alone), so the whole-accelerator saving equals the weight-SRAM one there. The "45 nm
  components" column estimates the whole accelerator with the 45 nm preset's component energies (MACs, buffers,
  registers, leakage, DRAM; each sourced in docs/energy-model.md, "Sources", and
  [references.md](references.md)), the weight SRAM lowered by the same V/V_nominal and the logic at nominal
  (`lvsim run` + `lvsim recost`). At nominal voltages, `lvsim run` of {REFERENCE} on the 45 nm preset
  ({IMAGES_45NM} images, edge-16x16) reports the weight SRAM's access energy as **{100 * access45:.1f} %** of the
  accelerator's energy per inference and its leakage as **{100 * leak45:.1f} %** (access energy: Horowitz's
  45 nm SRAM reads, [horowitz14](references.md#horowitz14); leakage: CACTI 7's LOP cells,
  [cacti7](references.md#cacti7), and lvsim's leakage law, [estimates](references.md#estimates)).
  The next column compares absolute weight-SRAM energy with normal-q8 at nominal voltage: 4-bit
  weights are read in half the words, so they start at 0.5.
  The last column is the same walk on the bit error rate study: the highest p whose mean accuracy
  stays within d of the reference.

## Lowest weight-SRAM voltage and energy saved

{chr(10).join(lines)}

lvsim's own thresholds (`summary.json`, each model against **its own** clean accuracy):

{chr(10).join(own)}

## Full results

{md_tables(ber_rows, v_rows, names, ref)}

{disc}
"""
    with open(a.md + ".tmp", "w") as f:
        f.write(md)
    os.replace(a.md + ".tmp", a.md)
    write_html(a.html, md, ber_rows, v_rows, names, chips)
    print("headline (<= 1 % drop vs normal-q8 clean):")
    for n in names:
        r = headline[(n, 0.01)]
        print(f"  {n}: " + (f"V/Vmin {r['v_sram_v']:.2f}, weight-SRAM saved {pct(r['energy_saved_weight_sram'], 1)} %"
                            if r else "none"))


if __name__ == "__main__":
    main()
