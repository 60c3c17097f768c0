#!/usr/bin/env python3
"""Where xi_L/L and g of several lattice sizes cross, with errors from resampling the samples.

Usage: ea_collapse.py [--nu NU] [--window TLO:THI] [--boot B] L:FOLDER[,FOLDER...] ...

Each FOLDER is a `glassbox temper --samples S` run (or a `glassbox merge` of shards) on an
L^d lattice with equal sides; several folders of one size (independent seeds) are pooled. All
runs must share their temperatures. From the per-sample ⟨q²⟩ and ⟨|q(k_min)|²⟩ of
samples.csv the script forms the disorder averages [·] and

    xi_L / L = sqrt([q²] / [|q(k_min)|²] - 1) / (2 L sin(pi / L))

(the ratio of averages, as `glassbox temper` does), and the Binder ratio
g = (3 - [q^4] / [q^2]^2) / 2. It then resamples the disorder samples of
every size with replacement (bootstrap, B times) and reports, with the 16-84 % range of the
resamplings as the error:

1. for xi_L/L and for g, the crossing of each pair of consecutive sizes (linear interpolation of the difference
   between the two bracketing temperatures; resamplings without a crossing in the window are
   counted);
2. T_c from a finite-size-scaling collapse of all sizes in the window,
       xi_L / L = F((T - T_c) L^(1/nu)),   F a cubic polynomial,
   minimizing the chi^2 (weights from the bootstrap errors of the points) over a grid of T_c,
   with nu fixed (default 2.45, Hasenbusch, Pelissetto & Vicari 2008 for the +-J glass) and
   with nu free.
Needs numpy."""
import argparse
import csv
import math

import numpy as np


def load(spec):
    size, folders = spec.split(":", 1)
    size = int(size)
    temps, q2, q4, qk2 = None, [], [], []
    for folder in folders.split(","):
        rows = list(csv.DictReader(open(f"{folder}/samples.csv")))
        by_sample = {}
        for r in rows:
            by_sample.setdefault(int(r["sample"]), []).append(r)
        for _, rs in sorted(by_sample.items()):
            t = [float(r["T"]) for r in rs]
            if temps is None:
                temps = t
            elif not np.allclose(t, temps):
                raise SystemExit(f"error: {folder} has other temperatures than the first run")
            q2.append([float(r["q2"]) for r in rs])
            q4.append([float(r["q4"]) for r in rs])
            qk2.append([float(r["qk2"]) for r in rs])
    return size, np.array(temps), np.array(q2), np.array(q4), np.array(qk2)


def xi_over_l(size, q2, q4, qk2):
    """xi_L/L from disorder averages over the samples (the second-to-last axis)."""
    ratio = q2.mean(axis=-2) / qk2.mean(axis=-2)
    return np.sqrt(np.maximum(ratio - 1.0, 0.0)) / (2.0 * size * math.sin(math.pi / size))


def binder(size, q2, q4, qk2):
    """g = (3 - [q^4] / [q^2]^2) / 2 from disorder averages over the samples."""
    return 0.5 * (3.0 - q4.mean(axis=-2) / q2.mean(axis=-2) ** 2)


def crossing(temps, a, b):
    """First sign change of b - a going up in T (larger size above below T_c): its T or None."""
    d = b - a
    for i in range(len(d) - 1):
        if d[i] >= 0 > d[i + 1]:
            w = d[i] / (d[i] - d[i + 1])
            return temps[i] + w * (temps[i + 1] - temps[i])
    return None


def collapse_chi2(temps, ys, errs, sizes, tcs, nus):
    """chi^2 of the best cubic F for each (T_c, nu) on the grid: array [len(tcs), len(nus)]."""
    out = np.empty((len(tcs), len(nus)))
    y = np.concatenate(ys)
    w = 1.0 / np.concatenate(errs)
    for j, nu in enumerate(nus):
        scale = np.concatenate([np.full(len(temps), size ** (1.0 / nu)) for size in sizes])
        t = np.tile(temps, len(sizes))
        x = (t[None, :] - tcs[:, None]) * scale[None, :]  # [tc, point]
        a = np.stack([x**k for k in range(4)], axis=-1) * w[None, :, None]  # [tc, point, 4]
        yw = y * w
        ata = np.einsum("tpk,tpl->tkl", a, a)
        aty = np.einsum("tpk,p->tk", a, yw)
        coef = np.linalg.solve(ata, aty[..., None])[..., 0]
        resid = yw[None, :] - np.einsum("tpk,tk->tp", a, coef)
        out[:, j] = (resid**2).sum(axis=1)
    return out


def band(values):
    v = np.array([x for x in values if x is not None])
    if len(v) == 0:
        return "none"
    lo, med, hi = np.percentile(v, [16, 50, 84])
    return f"{med:.3f} (16-84 %: {lo:.3f}-{hi:.3f})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", help="L:FOLDER[,FOLDER...] with sizes increasing")
    p.add_argument("--nu", type=float, default=2.45)
    p.add_argument("--window", default="0.95:1.6", help="temperatures of the collapse")
    p.add_argument("--boot", type=int, default=400)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    runs = [load(s) for s in args.runs]
    temps = runs[0][1]
    if any(not np.allclose(r[1], temps) for r in runs):
        raise SystemExit("error: the runs have different temperatures")
    sizes = [r[0] for r in runs]
    rng = np.random.default_rng(args.seed)
    picks = [rng.integers(0, len(r[2]), size=(args.boot, len(r[2]))) for r in runs]
    curves = {}
    for name, f in (("xi_L/L", xi_over_l), ("g", binder)):
        full = [f(size, q2, q4, qk2) for size, _, q2, q4, qk2 in runs]
        boots = [f(size, q2[i], q4[i], qk2[i]) for (size, _, q2, q4, qk2), i in zip(runs, picks)]
        errs = [b.std(axis=0, ddof=1) for b in boots]
        curves[name] = full, boots, errs
        print(f"\n{name} (bootstrap errors); samples: "
              + ", ".join(f"L = {r[0]}: {len(r[2])}" for r in runs))
        print("       T" + "".join(f"{'L = ' + str(s):>19}" for s in sizes))
        for i, t in enumerate(temps):
            print(f"{t:8.4f}"
                  + "".join(f"{y[i]:>11.4f} ± {e[i]:.4f}" for y, e in zip(full, errs)))
        print(f"crossings of {name} (bootstrap median, 16-84 % range):")
        for i in range(len(runs) - 1):
            xs = [crossing(temps, boots[i][b], boots[i + 1][b]) for b in range(args.boot)]
            missing = sum(x is None for x in xs)
            whole = crossing(temps, full[i], full[i + 1])
            print(f"  L = {sizes[i]} / {sizes[i + 1]}: all samples "
                  + (f"{whole:.3f}" if whole is not None else "none")
                  + f"; resampled {band(xs)}; no crossing in {missing} of {args.boot}")
    full, boots, errs = curves["xi_L/L"]

    lo, hi = map(float, args.window.split(":"))
    sel = (temps >= lo) & (temps <= hi)
    tcs = np.arange(0.80, 1.60, 0.0025)
    nus_free = np.arange(1.2, 5.01, 0.05)

    def fit(ys, nus):
        c = collapse_chi2(temps[sel], [y[sel] for y in ys], [e[sel] for e in errs], sizes,
                          tcs, nus)
        i, j = np.unravel_index(np.argmin(c), c.shape)
        return tcs[i], nus[j], c[i, j]

    dof = sel.sum() * len(sizes) - 4 - 1
    for label, nus in ((f"nu = {args.nu} fixed", np.array([args.nu])), ("nu free", nus_free)):
        tc, nu, chi2 = fit(full, nus)
        bt = [fit([b[k] for b in boots], nus) for k in range(args.boot)]
        print(f"\ncollapse of xi_L/L, {label}, T in [{lo}, {hi}] ({sel.sum()} temperatures):")
        print(f"  all samples: T_c = {tc:.3f}, nu = {nu:.2f}, chi^2 = {chi2:.1f} for "
              f"{dof - (len(nus) > 1)} degrees of freedom")
        print(f"  resampled: T_c = {band([b[0] for b in bt])}")
        if len(nus) > 1:
            print(f"             nu = {band([b[1] for b in bt])}")


if __name__ == "__main__":
    main()
