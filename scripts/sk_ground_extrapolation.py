#!/usr/bin/env python3
"""SK ground-state energies e0(N) by `glassbox ground` (annealing restarts), disorder
averaged, and the fit e(N) = e_inf + a N^(-2/3). Usage: sk_ground.py BIN OUTDIR "N:samples:reads:sweeps" ..."""
import json, math, subprocess, sys, os, time
binary, outdir = sys.argv[1], sys.argv[2]
plan = [tuple(int(x) for x in a.split(":")) for a in sys.argv[3:]]
os.makedirs(outdir, exist_ok=True)
rows = []
for n, samples, reads, sweeps in plan:
    es, repeats, t0 = [], [], time.time()
    for s in range(1, samples + 1):
        out = f"{outdir}/N{n}-s{s}"
        if not os.path.exists(f"{out}/results.json"):
            subprocess.run([binary, "ground", "--sk", str(n), "--seed", str(s), "--max-reads", str(reads),
                            "--sweeps", str(sweeps), "--time", "1e9", "--runs", "1", "--overwrite", "-o", out],
                           check=True, stdout=subprocess.DEVNULL)
        r = json.load(open(f"{out}/results.json"))
        es.append(r["best_energy_per_spin"])
        repeats.append(round(r["time_to_target"]["read_success_probability"] * reads))
    k = len(es); m = sum(es) / k
    err = math.sqrt(sum((e - m) ** 2 for e in es) / (k - 1) / k)
    once = sum(1 for c in repeats if c < 2)
    print(f"N={n}: e0 = {m:.5f} ± {err:.5f} over {k} samples ({reads} reads × {sweeps} sweeps); "
          f"best found by a single read only in {once}/{k} samples; median repeats {sorted(repeats)[k//2]}; {time.time()-t0:.0f} s", flush=True)
    rows.append((n, m, err))
def fit(rows):
    s = sx = sxx = sy = sxy = 0.0
    for n, e, d in rows:
        w, x = 1 / d**2, n ** (-2 / 3)
        s += w; sx += w * x; sxx += w * x * x; sy += w * e; sxy += w * x * e
    det = s * sxx - sx * sx
    einf, a = (sxx * sy - sx * sxy) / det, (s * sxy - sx * sy) / det
    chi2 = sum(((e - einf - a * n ** (-2 / 3)) / d) ** 2 for n, e, d in rows)
    return einf, math.sqrt(sxx / det), a, chi2
if len(rows) >= 3:
    einf, de, a, chi2 = fit(rows)
    print(f"fit e(N) = e_inf + a N^(-2/3) over N = {[r[0] for r in rows]}: e_inf = {einf:.4f} ± {de:.4f}, a = {a:.3f}, chi2 = {chi2:.2f} for {len(rows)-2} dof; Parisi -0.7632 is {abs(einf+0.763166)/de:.1f} sigma away")
    if len(rows) >= 4:
        einf, de, a, chi2 = fit(rows[1:])
        print(f"  without the smallest N: e_inf = {einf:.4f} ± {de:.4f}, a = {a:.3f}, chi2 = {chi2:.2f} for {len(rows)-3} dof")
