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


def test_hopfield_amp_follows_state_evolution_and_ags():
    rng = np.random.default_rng(2)
    n, p, t = 1000, 51, 0.3
    xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(p, n))
    start = xi[0].astype(float)
    start[rng.choice(n, 200, replace=False)] *= -1  # M_0 = 0.6, q_0 = 1
    r = cavity.hopfield_amp(xi, temperature=t, start=start)
    assert r["converged"]
    se = cavity.hopfield_state_evolution(r["alpha"], t, r["mattis"][0], 1.0, steps=len(r["mattis"]) - 1)
    assert np.max(np.abs(r["mattis"] - se["mattis"])) < 4 / np.sqrt(n)
    ags = glassbox.theory.hopfield_ags(r["alpha"], t)
    assert abs(r["mattis"][-1] - ags["m"]) < 4 / np.sqrt(n)
    with pytest.raises(ValueError):
        cavity.hopfield_amp(xi, temperature=t, start=start, condensed=p)


def test_cavity_field_has_the_rs_variance():
    # SK at T = 1.5 with field 0.5 (replica symmetric): h̃ ~ N(0, q), thermal variance 1 − q.
    model = glassbox.Model.sk(299, seed=1, field=0.5)
    r = cavity.cavity_field(model, temperature=1.5, sweeps=5000, draws=2000)
    q = glassbox.theory.sk_rs(1.5, h=0.5)["q"][0]
    v = r["mean_field_variance"]
    assert abs(v["mean"] - q) < 4 * v["error"] + 0.03
    assert abs(r["thermal_variance"]["mean"] - (1 - q)) < 4 * r["thermal_variance"]["error"] + 0.03
    assert len(r["thermal"]) == 5000
