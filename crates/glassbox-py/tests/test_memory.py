"""glassbox.memory: Hopfield networks from Python."""

import numpy as np
import pytest

from glassbox import memory


def test_patterns_and_hebb_couplings():
    xi = memory.patterns(200, 10, seed=3)
    assert xi.shape == (10, 200) and xi.dtype == np.int8
    J = memory.couplings(xi)
    expected = xi.T.astype(float) @ xi.astype(float) / 200
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(J, expected, atol=1e-12)
    biased = memory.patterns(5000, 1, bias=0.5, seed=1)
    assert abs(biased.mean() - 0.5) < 0.05


def test_recall_low_rank_equals_dense():
    xi = memory.patterns(300, 21, seed=4)
    start = memory.corrupt(xi[2], 0.25, seed=5)
    a = memory.run(xi, start, rule="hebb", seed=7)
    b = memory.run(xi, start, rule="hebb-dense", seed=7)
    np.testing.assert_array_equal(a["state"], b["state"])
    assert a["period"] == 1 and a["overlaps"][2] == 1.0
    assert a["energy"] == pytest.approx(b["energy"], abs=1e-9)


def test_pseudo_inverse_and_dense_associative_memory():
    xi = memory.patterns(100, 80, seed=6)
    out = memory.run(xi, xi[5], rule="pseudo-inverse")
    assert out["flips"] == 0
    big = memory.patterns(100, 200, seed=2)
    out = memory.run(big, memory.corrupt(big[0], 0.1, seed=1), power=4)
    assert out["overlaps"][0] == 1.0


def test_capacity_and_basins():
    cap = memory.capacity([200], [0.05, 0.3], samples=3, starts=4)
    assert cap["mean_overlap"][0] > 0.95 and cap["mean_overlap"][1] < 0.8
    assert cap["histogram"].sum() == 24
    b = memory.basins(200, [0.05], [0.0, 0.45], samples=2, starts=3)
    assert b["success"][0] == 1.0 and b["mean_overlap"][1] < 0.5


def test_modern_update_is_attention():
    rng = np.random.default_rng(0)
    k, q = rng.normal(size=(7, 4)), rng.normal(size=4)
    beta = 0.5
    w = np.exp(beta * k @ q)
    np.testing.assert_allclose(memory.modern_update(k, q, beta), k.T @ (w / w.sum()), atol=1e-12)


def test_bad_input():
    xi = memory.patterns(50, 3, seed=1)
    with pytest.raises(ValueError, match="singular"):
        memory.couplings(memory.patterns(20, 30, seed=1), rule="pseudo-inverse")
    with pytest.raises(ValueError, match="±1"):
        memory.run(xi, np.zeros(50))
    with pytest.raises(ValueError, match="dynamics"):
        memory.run(xi, xi[0], dynamics="chaotic")
    with pytest.raises(ValueError, match="rule"):
        memory.couplings(xi, rule="oja")
    with pytest.raises(ValueError, match="increasing"):
        memory.capacity([100], [0.2, 0.1])
