#!/usr/bin/env python3
"""P(q) of parallel tempering against exact enumeration, with many independent runs.

Usage: pq_against_enumeration.py RUNS SWEEPS   (needs the glassbox Python package)

The sample is the one of the library test `overlap_histogram_against_enumeration` (SK,
N = 12, Gaussian couplings, disorder seed 21). Each run is an independent PT run (its own
seed, SWEEPS measurement sweeps after SWEEPS/2 thermalization sweeps) histogramming the
overlap into 13 bins, one per value q = -1, -5/6, ..., 1. Per bin: the mean over runs, its
error sd/sqrt(RUNS), and z = (mean - exact)/error; chi2 = sum z^2 over the bins some run
visited (13 degrees of freedom up to the normalization).
"""
import sys

import numpy as np

import glassbox as gb


def main():
    runs, sweeps = int(sys.argv[1]), int(sys.argv[2])
    model = gb.Model.from_toml(
        "graph = { kind = 'complete', n = 12 }\ncouplings = { law = 'gaussian' }\nseed = 21"
    )
    temps = [0.3, 0.45, 0.7, 1.0, 1.5]
    exact = np.asarray(gb.overlap_distribution(model, temps))
    hists = np.array(
        [
            gb.temper(model, temps, sweeps, sweeps // 2, q_bins=13, seed=1000 + k)["q_histogram"]
            for k in range(runs)
        ]
    )  # runs x temperatures x bins
    mean = hists.mean(0)
    err = hists.std(0, ddof=1) / np.sqrt(runs)
    for t, temp in enumerate(temps):
        seen = err[t] > 0
        z = (mean[t] - exact[t])[seen] / err[t][seen]
        print(
            f"T = {temp}: chi2 = {np.sum(z * z):.1f} over {seen.sum()} bins, "
            f"largest |z| = {np.abs(z).max():.1f}, unseen exact weight {exact[t][~seen].sum():.1e}"
        )


if __name__ == "__main__":
    main()
