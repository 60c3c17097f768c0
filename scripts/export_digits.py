#!/usr/bin/env python3
"""Exports scikit-learn's 8×8 digits (1,797 images, pixel values 0–16) as a CSV that
`glassbox rbm train --data digits.csv` reads: one image per line, 64 comma-separated numbers,
no header. Run it with any Python that has scikit-learn (e.g. the peers venv):

    ~/.cache/glassbox-peers/venv/bin/python scripts/export_digits.py runs/digits.csv

The data are not committed. A fixed split for the CLI: --train-size 1500 --held-out 297.
"""

import sys

import numpy as np
from sklearn.datasets import load_digits

out = sys.argv[1] if len(sys.argv) > 1 else "digits.csv"
x = load_digits().data.astype(np.float64)
np.savetxt(out, x, fmt="%g", delimiter=",")
print(f"wrote {x.shape[0]} images of {x.shape[1]} pixels to {out}")
