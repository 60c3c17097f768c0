"""Times dwave-samplers' simulated annealing on a G-set / rudy Max-Cut file, with the schedule of
`glassbox bench --only gset-anneal` (1000 Metropolis sweeps, beta linear 0.1 -> 3, sequential).

Usage: $PEERS_VENV/bin/python scripts/bench_gset_dwave.py GSET_FILE [--reads 16] [--sweeps 1000]

The file's first line is `n m`, then m lines `i j w` (vertices 1-based). As in `glassbox anneal
--instance`, the Ising model has couplings J = -w, so its energy is E(s) = sum_{i<j} w_ij s_i s_j
(dimod's SPIN quadratic biases are w itself) and the cut is (W - E)/2 with W = sum w_ij.
Time = dwave's own sampling time (info timing sampling_ns), as the peers' bench_anneal.py.
Prints one line `RESULT {json}` with medians over PEER_REPS (default 3) runs of: seconds per
read, the best energy per spin and best cut of the reads, and the mean energy per spin.
"""

import argparse
import json
import os
import statistics

import numpy as np


def read_gset(path):
    with open(path) as f:
        n, m = (int(x) for x in f.readline().split())
        rows = np.loadtxt(f, ndmin=2)
    if rows.shape[0] != m:
        raise SystemExit(f"{path}: header says {m} edges, found {rows.shape[0]}")
    return n, rows[:, 0].astype(int) - 1, rows[:, 1].astype(int) - 1, rows[:, 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gset")
    ap.add_argument("--reads", type=int, default=16)
    ap.add_argument("--sweeps", type=int, default=1000)
    a = ap.parse_args()
    import dimod
    from dwave.samplers import SimulatedAnnealingSampler

    n, i, j, w = read_gset(a.gset)
    bqm = dimod.BQM.from_numpy_vectors(np.zeros(n), (i, j, w), 0.0, "SPIN")
    total = float(w.sum())
    per_read, best_e, best_cut, mean_e = [], [], [], []
    for rep in range(int(os.environ.get("PEER_REPS", "3"))):
        ss = SimulatedAnnealingSampler().sample(
            bqm,
            beta_range=[0.1, 3.0],
            beta_schedule_type="linear",
            num_sweeps=a.sweeps,
            num_reads=a.reads,
            seed=100 + rep,
        )
        s = ss.record.sample[:, np.argsort(np.array(list(ss.variables)))].astype(float)
        e = np.sum(w * s[:, i] * s[:, j], axis=1)
        per_read.append(ss.info["timing"]["sampling_ns"] * 1e-9 / a.reads)
        best_e.append(float(e.min()) / n)
        best_cut.append((total - float(e.min())) / 2)
        mean_e.append(float(e.mean()) / n)
    med = statistics.median
    print("RESULT " + json.dumps({
        "workload": f"G-set anneal n={n} m={len(w)} {a.sweeps} sweeps beta 0.1->3 linear",
        "peer": "dwave-samplers",
        "reads": a.reads,
        "seconds_per_read": med(per_read),
        "seconds_per_read_all": per_read,
        "best_energy_per_spin": med(best_e),
        "best_cut": med(best_cut),
        "mean_energy_per_spin": med(mean_e),
    }))


if __name__ == "__main__":
    main()
