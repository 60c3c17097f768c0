"""SA vs SQA (glassbox) vs OpenJij SQA on one 2D ±J Edwards-Anderson instance.

Usage: $PEERS_VENV/bin/python scripts/bench_sqa_openjij.py GLASSBOX_BIN L P SWEEPS READS [OUTDIR]

Writes the instance as a 0-based edge list (J = ±1, H = -sum J s s), runs
  glassbox --threads 1 quantum sqa --graph FILE --format edge-list -P P -T 1/P ...
  glassbox --threads 1 anneal --graph FILE --format edge-list --sweeps SWEEPS*P ...
  openjij SQASampler (trotter P, beta = P, gamma = 3, s ramped linearly 0 -> 1, one sweep per step)
and prints one RESULT json line per solver: seconds, [mean best energy per read, its standard
error, lowest energy].
"""
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def instance(l, seed=12345):
    rng = np.random.default_rng(seed)
    edges = []
    for y in range(l):
        for x in range(l):
            i = y * l + x
            for j in (y * l + (x + 1) % l, ((y + 1) % l) * l + x):
                edges.append((i, j, float(rng.choice([-1.0, 1.0]))))
    return edges


def stats(e):
    e = np.asarray(e, dtype=float)
    return float(e.mean()), float(e.std(ddof=1) / np.sqrt(len(e))), float(e.min())


def glassbox(bin_, args, out):
    t = time.perf_counter()
    subprocess.run([bin_, "--threads", "1", *args, "-o", str(out), "--overwrite"], check=True,
                   stdout=subprocess.DEVNULL)
    secs = time.perf_counter() - t
    rows = (out / "results.csv").read_text().splitlines()[1:]
    return secs, [float(r.split(",")[1]) for r in rows]


def main():
    bin_, l, p, sweeps, reads = sys.argv[1], *map(int, sys.argv[2:6])
    outdir = Path(sys.argv[6] if len(sys.argv) > 6 else "/tmp/sqa-bench")
    outdir.mkdir(parents=True, exist_ok=True)
    edges = instance(l)
    f = outdir / f"ea{l}.txt"
    f.write_text("".join(f"{i} {j} {w}\n" for i, j, w in edges))
    common = ["--graph", str(f), "--format", "edge-list", "--reads", str(reads)]
    secs, e = glassbox(bin_, ["quantum", "sqa", *common, "-P", str(p), "-T", str(1.0 / p),
                              "--gamma0", "3", "--gamma1", "0.001", "--sweeps", str(sweeps),
                              "--no-cluster"], outdir / "sqa")
    print("RESULT", json.dumps(dict(solver="glassbox-sqa", L=l, P=p, sweeps=sweeps, reads=reads,
                                    seconds=secs, energy=stats(e))))
    secs, e = glassbox(bin_, ["anneal", *common, "--sweeps", str(sweeps * p), "--order",
                              "sequential"], outdir / "sa")
    print("RESULT", json.dumps(dict(solver="glassbox-sa", L=l, P=p, sweeps=sweeps * p,
                                    reads=reads, seconds=secs, energy=stats(e))))
    import openjij as oj
    J = {(i, j): -w for i, j, w in edges}  # openjij: H = sum J_ij s_i s_j
    sched = [[float(s), 1] for s in np.linspace(0.0, 1.0, sweeps)]
    sampler = oj.SQASampler()
    t = time.perf_counter()
    res = sampler.sample_ising({}, J, beta=float(p), gamma=3.0, trotter=p, schedule=sched,
                               num_reads=reads)
    secs = time.perf_counter() - t
    print("RESULT", json.dumps(dict(solver="openjij-sqa", L=l, P=p, sweeps=sweeps, reads=reads,
                                    seconds=secs, energy=stats(res.record.energy))))


if __name__ == "__main__":
    main()
