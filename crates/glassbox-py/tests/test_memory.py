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


def test_exponential_dense_memory():
    # N = 56, p = 1000 (α ≈ 18): Hebb (x²) fails, F(x) = eˣ recalls from 20 % flipped units.
    xi = memory.patterns(56, 1000, seed=13)
    start = memory.corrupt(xi[3], 0.2, seed=2)
    out = memory.run(xi, start, interaction="exp")
    assert out["overlaps"][3] == 1.0 and out["period"] == 1
    # Energy is ln of Demircigil's −Σ_μ exp(ξ^μ·s).
    m = xi.astype(float) @ out["state"].astype(float)
    assert out["energy"] == pytest.approx(-(m.max() + np.log(np.exp(m - m.max()).sum())), abs=1e-9)
    assert memory.run(xi, start)["overlaps"][3] < 1.0
    r = memory.recall_memory(xi, start, 3, "dense", interaction="exp")
    assert r["overlap"] == 1.0 and r["nearest"] == 3
    sc = memory.scaling(2, [16, 24], samples=4, starts=2, flip=0.25, interaction="exp")
    assert sc["p_c"][1] > sc["p_c"][0] > 16 and sc["growth_rate"] > 0
    with pytest.raises(ValueError, match="interaction"):
        memory.run(xi, start, interaction="cosh")


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


def test_hybrid_boltzmann_marginal_is_hopfield():
    xi = memory.patterns(10, 3, seed=11)
    out = memory.hybrid(xi, beta=1.5, field=0.15 * xi[0], samples=100_000, seed=3)
    assert out["counts"].sum() == 100_000 and out["exact"].shape == (1024,)
    # Brute force: P(σ) ∝ exp(β [(N/2) Σ m² + h·σ]) over all 1024 states.
    states = np.array([[1 if (k >> i) & 1 else -1 for i in range(10)] for k in range(1024)])
    m = states @ xi.T.astype(float) / 10
    logw = 1.5 * (5.0 * (m**2).sum(axis=1) + states @ (0.15 * xi[0]))
    p = np.exp(logw - logw.max())
    np.testing.assert_allclose(out["exact"], p / p.sum(), rtol=1e-9)
    mean, sd = out["exact_sampler_tv"]
    assert out["total_variation"] < mean + 4 * sd
    np.testing.assert_array_less(np.abs(out["hidden"] - out["exact_overlap"]), 4 * out["hidden_error"])
    with pytest.raises(ValueError):
        memory.hybrid(xi, hidden="euler")


def test_mnist_store_classical_fails_modern_succeeds():
    try:
        out = memory.store(count=10, seed=2)
    except ValueError as e:
        pytest.skip(f"MNIST not available: {e}")
    assert out["patterns"].shape == (10, 784)
    assert sorted(out["labels"].tolist()) == list(range(10))
    for kind in ("corrupted", "occluded"):
        assert out["recalled_ok"][(kind, "hebb")].sum() <= 2
        assert out["recalled_ok"][(kind, "dense")].sum() >= 9
        assert out["recalled_ok"][(kind, "continuous")].sum() >= 9


def test_scaling_and_stability():
    s = memory.scaling(3, [40, 80], samples=4, starts=4, seed=2)
    assert 1.4 < s["exponent"] < 2.5 and s["p_c"][1] > s["p_c"][0]
    st = memory.stability(500, [10, 80], samples=10, starts=2, flip=0.0, seed=3)
    assert st["all_fixed"][0] == 1.0 and st["fixed_fraction"][1] < 0.3
    assert abs(st["fixed_fraction"][1] - st["hebb_fixed_fraction"][1]) < 0.1
    pi = memory.stability(100, [90], rule="pseudo-inverse", samples=2, starts=2)
    assert pi["fixed_fraction"][0] == 1.0
    with pytest.raises(ValueError):
        memory.recall_memory(memory.patterns(10, 2), np.ones(10), 0, memory="nope")


def test_modern_scan_error_falls_with_beta():
    out = memory.modern_scan([16, 1024], [0.02, 0.5], seed=1)
    err = {(int(c), b): e for c, b, e in zip(out["count"], out["beta"], out["error"])}
    assert err[(16, 0.5)] < 1e-6 and err[(16, 0.02)] > 0.3
    assert err[(1024, 0.02)] > err[(16, 0.02)]
