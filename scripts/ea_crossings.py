#!/usr/bin/env python3
"""Finite-size crossings of xi_L/L and of the Binder ratio g from `glassbox temper` runs.

Usage: ea_crossings.py L:FOLDER [L:FOLDER ...]   (sizes increasing; each FOLDER holds the
results.csv of a disorder-averaged tempering run over the same temperatures)

For each pair of consecutive sizes it prints, per temperature, the difference
y(L2) - y(L1) in units of its error (errors of the two sizes added in quadrature), and every
sign change of the difference, located by linear interpolation between the two bracketing
temperatures; its error is the difference's error there divided by the slope. A crossing
near T_c is what a finite-temperature transition predicts (3D EA, T_c = 1.12 for +-J,
Katzgraber, Koerner & Young 2006); no crossing, with the larger size below at every T, is what
T_c = 0 predicts (2D EA)."""
import csv
import math
import sys


def load(spec):
    size, folder = spec.split(":", 1)
    rows = list(csv.DictReader(open(f"{folder}/results.csv")))
    size = int(size)
    temps = [float(r["T"]) for r in rows]
    xi = [(float(r["xi"]) / size, float(r["xi_err"]) / size) for r in rows]
    g = [(float(r["binder_q"]), float(r["binder_q_err"])) for r in rows]
    return size, temps, {"xi_L/L": xi, "g": g}


def crossings(temps, a, b):
    """Sign changes of b - a: (T_x, error) by linear interpolation."""
    d = [(y2 - y1, math.hypot(e1, e2)) for (y1, e1), (y2, e2) in zip(a, b)]
    out = []
    for i in range(len(d) - 1):
        (d0, s0), (d1, s1) = d[i], d[i + 1]
        if d0 == 0 or d0 * d1 < 0:
            w = d0 / (d0 - d1)
            slope = (d1 - d0) / (temps[i + 1] - temps[i])
            err = math.hypot((1 - w) * s0, w * s1) / abs(slope)
            out.append((temps[i] + w * (temps[i + 1] - temps[i]), err))
    return d, out


def main():
    runs = [load(s) for s in sys.argv[1:]]
    temps = runs[0][1]
    if any(r[1] != temps for r in runs):
        sys.exit("error: the runs have different temperatures")
    for what in ("xi_L/L", "g"):
        print(f"\n{what}")
        print("       T " + "".join(f"{'L = ' + str(r[0]):>20}" for r in runs))
        for i, t in enumerate(temps):
            cells = "".join(f"{r[2][what][i][0]:>11.4f} ± {r[2][what][i][1]:.4f}" for r in runs)
            print(f"{t:8.4f} {cells}")
        for (l1, _, y1), (l2, _, y2) in zip(runs, runs[1:]):
            d, xs = crossings(temps, y1[what], y2[what])
            sig = " ".join(f"{x / s:+.1f}" for x, s in d)
            found = ", ".join(f"T = {t:.3f} ± {e:.3f}" for t, e in xs) or "none"
            print(f"  L = {l2} minus L = {l1}, in sigmas per T: {sig}")
            print(f"  crossings: {found}")


if __name__ == "__main__":
    main()
