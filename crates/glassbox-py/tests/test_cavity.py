"""glassbox.cavity: BP exact on trees, TAP/AMP against enumeration and state evolution."""

import numpy as np
import pytest
import scipy.sparse as sp

import glassbox
from glassbox import cavity


def test_bp_is_exact_on_a_tree():
    rng = np.random.default_rng(4)
    n = 14
    rows = np.arange(1, n)
    cols = np.array([rng.integers(0, i) for i in rows])  # each node hangs on an earlier one
    w = rng.normal(size=n - 1)
    J = sp.coo_matrix((np.r_[w, w], (np.r_[rows, cols], np.r_[cols, rows])), shape=(n, n)).tocsr()
    h = rng.normal(scale=0.3, size=n)
    model = glassbox.Model.from_sparse(J, h)
    r = cavity.bp(model, temperature=0.8)
    exact = glassbox.enumerate(model, [0.8])
    assert r["converged"]
    assert abs(r["energy"] - exact["energy"][0]) < 1e-10
    with pytest.raises(ValueError, match="positive"):
        cavity.bp(model, temperature=-1)


def test_amp_follows_state_evolution_on_sk():
    h = np.where(np.arange(1500) % 2 == 0, 0.3, -0.3)
    model = glassbox.Model.sk(1500, seed=3, field=h)
    r = cavity.amp(model, temperature=1.5, iterations=60)
    se = cavity.state_evolution(1.5, h, steps=60)
    assert r["converged"]
    assert abs(r["overlaps"][-1] - se[-1]) < 3 / np.sqrt(1500)
    t = cavity.tap(model, temperature=1.5)
    assert t["converged"] and np.sqrt(np.mean((t["magnetizations"] - r["magnetizations"]) ** 2)) < 0.02
