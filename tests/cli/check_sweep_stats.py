#!/usr/bin/env python3
"""Recomputes a sweep's summary.csv from its points.csv with the Python standard library only and
compares every statistic (an independent computation of what lvsim's study engine reports).

usage: check_sweep_stats.py OUT_DIR [MAX_DROP ...]
Exit 1 with one line per mismatch."""
import csv
import math
import statistics
import sys

# Student's t, 0.975 quantile, by degrees of freedom (printed tables, e.g. NIST/SEMATECH 1.3.6.7.2).
T975 = {1: 12.706204736, 2: 4.302652730, 3: 3.182446305, 4: 2.776445105, 5: 2.570581836, 6: 2.446911851,
        7: 2.364624252, 8: 2.306004135, 9: 2.262157163, 10: 2.228138852, 11: 2.200985160, 12: 2.178812830,
        13: 2.160368656, 14: 2.144786688, 15: 2.131449546, 19: 2.093024054, 24: 2.063898562, 29: 2.045229642}


def close(a, b, tol=1e-9):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def main():
    out = sys.argv[1]
    points = list(csv.DictReader(open(f"{out}/points.csv")))
    summary = list(csv.DictReader(open(f"{out}/summary.csv")))
    axis = "v_sram_v" if summary[0]["v_sram_v"] != "" else "ber"
    errors = []
    groups = {}
    for p in points:
        groups.setdefault((p["network"], p[axis]), []).append(p)
    if len(groups) != len(summary):
        errors.append(f"{len(groups)} (network, value) groups in points.csv, {len(summary)} rows in summary.csv")
    for row in summary:
        pts = groups.get((row["network"], row[axis]), [])
        label = f"{row['network']} {axis}={row[axis]}"
        acc = [int(p["correct"]) / int(p["images"]) for p in pts]
        n = len(acc)
        if n != int(row["chips"]):
            errors.append(f"{label}: chips {row['chips']} but {n} points")
            continue
        mean = sum(acc) / n
        checks = {"accuracy_mean": mean, "accuracy_min": min(acc), "accuracy_max": max(acc),
                  "accuracy_std": statistics.stdev(acc) if n > 1 else 0.0,
                  "robust_error_mean": statistics.fmean(float(p["robust_error"]) for p in pts),
                  "robust_error_max": max(float(p["robust_error"]) for p in pts),
                  "robust_error_min": min(float(p["robust_error"]) for p in pts),
                  "robust_error_std": statistics.stdev([float(p["robust_error"]) for p in pts]) if n > 1 else 0.0,
                  "ber_measured": sum(int(p["bit_errors"]) for p in pts) / sum(int(p["bits_stored"]) for p in pts),
                  "energy_per_inference_pj": statistics.fmean(float(p["energy_per_inference_pj"]) for p in pts)}
        if n > 1 and n - 1 in T975:
            half = T975[n - 1] * statistics.stdev(acc) / math.sqrt(n)
            checks["accuracy_ci95_low"] = mean - half
            checks["accuracy_ci95_high"] = mean + half
            rerr = [float(p["robust_error"]) for p in pts]
            rhalf = T975[n - 1] * statistics.stdev(rerr) / math.sqrt(n)
            checks["robust_error_ci95_low"] = statistics.fmean(rerr) - rhalf
            checks["robust_error_ci95_high"] = statistics.fmean(rerr) + rhalf
        for key, want in checks.items():
            if not close(float(row[key]), want, 1e-8):
                errors.append(f"{label}: {key} = {row[key]}, recomputed {want!r}")
    # Lowest safe value per network and threshold, from the summary rows in study order.
    drops = [float(x) for x in sys.argv[2:]]
    import json
    s = json.load(open(f"{out}/summary.json"))
    # Adaptive chip count: the reported chips are the shortest prefix (>= min_chips) whose 95% CI
    # is at most ci_width wide, or all chips if none is.
    width, min_chips, total = s["study"]["ci_width"], s["study"]["min_chips"], len(s["study"]["chips"])
    for row in summary if width is not None else []:
        acc = [int(p["correct"]) / int(p["images"]) for p in groups[(row["network"], row[axis])]]
        want = total
        for m in range(max(min_chips, 2), len(acc) + 1):
            ci = 2 * T975[m - 1] * statistics.stdev(acc[:m]) / math.sqrt(m)
            if ci <= width:
                want = m
                break
        if len(acc) != want:
            errors.append(f"{row['network']} {axis}={row[axis]}: {len(acc)} chips reported, the CI rule gives {want}")
    for net in s["networks"]:
        rows = [r for r in summary if r["network"] == net["name"]]
        clean = float(rows[0]["accuracy_clean"])
        for t in net["thresholds"]:
            d = t["max_drop"]
            if drops and d not in drops:
                errors.append(f"{net['name']}: unexpected threshold {d}")
            for kind, col in (("mean", "accuracy_mean"), ("worst_chip", "accuracy_min")):
                best = None
                for r in rows:
                    if float(r[col]) < clean - d - 1e-12:
                        break
                    best = float(r[axis])
                got = t[kind][axis]
                if got != best:
                    errors.append(f"{net['name']} max_drop {d} {kind}: {got}, recomputed {best}")
        # Robust-error thresholds: RErr (mean over chips, or worst chip) within D of the clean error.
        if not net.get("rerr_thresholds"):
            errors.append(f"{net['name']}: no rerr_thresholds in summary.json")
        csv_rows = list(csv.DictReader(open(f"{out}/thresholds.csv")))
        for t in net.get("rerr_thresholds", []):
            d = t["max_rerr_increase"]
            for kind, col in (("mean", "robust_error_mean"), ("worst_chip", "robust_error_max")):
                best = None
                for r in rows:
                    if float(r[col]) > (1 - clean) + d + 1e-12:
                        break
                    best = float(r[axis])
                got = t[kind][axis]
                if got != best:
                    errors.append(f"{net['name']} max_rerr_increase {d} {kind}: {got}, recomputed {best}")
                line = [c for c in csv_rows if c["network"] == net["name"] and c["criterion"] == "rerr_increase"
                        and float(c["threshold"]) == d and c["statistic"] == kind]
                if len(line) != 1 or (line[0][axis] == "" and best is not None) or \
                        (line[0][axis] != "" and float(line[0][axis]) != best):
                    errors.append(f"{net['name']} thresholds.csv rerr_increase {d} {kind}: {line}, want {best}")
    for e in errors:
        print("FAIL", e)
    if not errors:
        print(f"ok   statistics of {len(summary)} summary rows recomputed from {len(points)} points")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
