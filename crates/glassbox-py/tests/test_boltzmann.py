"""glassbox.boltzmann: RBMs from Python, checked against brute-force numpy."""

import itertools

import numpy as np
import pytest

from glassbox import boltzmann


def _random_rbm(nv, nh, seed):
    rng = np.random.default_rng(seed)
    return boltzmann.RBM(rng.normal(0, 0.8, (nv, nh)), rng.normal(0, 0.5, nv), rng.normal(0, 0.5, nh))


def test_free_energy_and_exact_log_z_match_numpy():
    m = _random_rbm(8, 5, 1)
    v = np.array(list(itertools.product([0, 1], repeat=8)), dtype=float)
    f = boltzmann.free_energy(m, v)
    want = -v @ m.a - np.logaddexp(0, v @ m.W + m.b).sum(axis=1)
    np.testing.assert_allclose(f, want, atol=1e-10)
    lz = np.logaddexp.reduce(-want)
    assert boltzmann.log_z(m) == pytest.approx(lz, abs=1e-9)
    assert boltzmann.log_likelihood(m, v[:10]) == pytest.approx(float((-want[:10] - lz).mean()), abs=1e-9)


def test_ais_agrees_with_exact():
    m = _random_rbm(20, 8, 2)
    exact = boltzmann.log_z(m)
    est = boltzmann.log_z(m, method="ais", chains=100, steps=1000, seed=3)
    assert abs(est["log_z"] - exact) < 4 * est["std_err"] + 0.02
    assert est["log_weights"].shape == (100,)


def test_train_sample_and_errors(tmp_path):
    rng = np.random.default_rng(4)
    proto = rng.integers(0, 2, (2, 12)).astype(float)
    data = proto[rng.integers(0, 2, 400)]
    flips = rng.random(data.shape) < 0.05
    data = np.abs(data - flips)
    m = boltzmann.train(data, hidden=4, epochs=20, batch_size=20, learning_rate=0.1, seed=5)
    assert m.W.shape == (12, 4) and len(m.history) == 20
    ll = boltzmann.log_likelihood(m, data)
    assert ll > -12 * np.log(2) + 3  # far better than uniform
    v, p = boltzmann.sample(m, chains=8, steps=50, seed=6)
    assert v.shape == (8, 12) and set(np.unique(v)) <= {0.0, 1.0}
    m.save(tmp_path / "m")
    back = boltzmann.load(tmp_path / "m")
    np.testing.assert_array_equal(back.W, m.W)
    with pytest.raises(ValueError):
        boltzmann.train(data * 0.5, hidden=2, epochs=1)
    with pytest.raises(ValueError):
        boltzmann.train(data, hidden=2, epochs=1, method="gibbs")
    with pytest.raises(ValueError):
        boltzmann.log_z(_random_rbm(30, 30, 1))


def test_gaussian_visible_units_match_numpy_and_train_with_pt():
    rng = np.random.default_rng(4)
    m = boltzmann.RBM(rng.normal(0, 0.8, (3, 4)), rng.normal(0, 0.5, 3), rng.normal(0, 0.5, 4),
                      sigma=np.array([0.5, 1.0, 2.0]))
    v = rng.normal(0, 1.5, (6, 3))
    f = boltzmann.free_energy(m, v)
    want = ((v - m.a) ** 2 / (2 * m.sigma**2)).sum(axis=1) - np.logaddexp(0, (v / m.sigma) @ m.W + m.b).sum(axis=1)
    np.testing.assert_allclose(f, want, atol=1e-10)
    # ln Z: sum over the 16 hidden states of the Gaussian integrals.
    h = np.array(list(itertools.product([0, 1], repeat=4)), dtype=float)
    u = h @ m.W.T
    lw = h @ m.b + (m.a * u / m.sigma + 0.5 * u**2).sum(axis=1)
    lz = np.logaddexp.reduce(lw) + np.log(np.sqrt(2 * np.pi) * m.sigma).sum()
    assert boltzmann.log_z(m) == pytest.approx(lz, abs=1e-9)
    x = np.concatenate([rng.normal(2, 0.5, (200, 3)), rng.normal(-2, 0.5, (200, 3))])
    rng.shuffle(x)
    t = boltzmann.train(x, hidden=2, epochs=5, batch_size=20, method="pt", replicas=3,
                        beta_min=0.5, visible="gaussian", learning_rate=0.02, seed=2)
    assert t.sigma is not None and t.sigma.shape == (3,)
    assert len(t.history[-1]["exchange_acceptance"]) == 2
    assert np.isfinite(boltzmann.log_likelihood(t, x[:50]))
    with pytest.raises(ValueError):
        boltzmann.train(x, hidden=2, epochs=1, visible="poisson")


def _cli():
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    # `cargo test` (which scripts/test runs before pytest) builds target/debug/glassbox.
    for d in [os.environ.get("CARGO_TARGET_DIR"), root / "target"]:
        for profile in ["release", "debug"]:
            if d and (Path(d) / profile / "glassbox").exists():
                return str(Path(d) / profile / "glassbox")
    return None


@pytest.mark.skipif(_cli() is None, reason="needs a build of the glassbox CLI (cargo test or build)")
def test_cli_model_npz_is_read_by_numpy(tmp_path):
    import subprocess

    rows = np.array([[1, 0, 1, 0], [0, 1, 0, 1]] * 30, dtype=np.float64)
    np.save(tmp_path / "d.npy", rows)
    subprocess.run([_cli(), "rbm", "train", "--data", str(tmp_path / "d.npy"), "--train-size", "50",
                    "--held-out", "10", "--hidden", "3", "--epochs", "2", "--batch-size", "10",
                    "-o", str(tmp_path / "run")], check=True, capture_output=True)
    z = np.load(tmp_path / "run" / "model" / "model.npz")
    assert sorted(z.files) == ["W", "a", "b"]
    assert z["W"].shape == (4, 3) and z["W"].dtype == np.float64
    m = boltzmann.load(tmp_path / "run")
    np.testing.assert_array_equal(m.W, z["W"])


def test_gaussian_sigma_is_learned_and_ais_brackets_the_exact_log_z():
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(1.5, 0.4, (300, 3)), rng.normal(-1.5, 0.4, (300, 3))])
    rng.shuffle(x)
    t = boltzmann.train(x, hidden=3, epochs=8, batch_size=20, visible="gaussian",
                        learning_rate=0.02, sigma=1.0, learn_sigma=True, seed=3)
    assert not np.allclose(t.sigma, 1.0)
    assert np.isfinite(t.history[-1]["reconstruction_log_density"])
    exact = boltzmann.log_z(t)
    est = boltzmann.log_z(t, method="ais", base_data=x, chains=50, steps=1000)
    assert abs(est["log_z"] - exact) < 4 * est["std_err"] + 0.02
    with pytest.raises(ValueError):
        boltzmann.train(x > 0, hidden=2, epochs=1, sigma=1.0)


def test_boltzmann_machines_with_hidden_units_and_monte_carlo_gradient():
    # 3-bit parity: a fully visible machine is stuck at −3 ln 2, hidden units do better.
    rows = np.array([[x, y, x ^ y] for x in (0, 1) for y in (0, 1)] * 20, dtype=float) * 2 - 1
    m = boltzmann.bm_train(rows, hidden=2, iterations=300, learning_rate=0.2, seed=2)
    assert m.J.shape == (5, 5) and np.allclose(m.J, m.J.T)
    ll = boltzmann.bm_log_likelihood(m, rows)
    assert ll == pytest.approx(m.trace[-1]) and ll > -3 * np.log(2) + 0.3
    # Monte Carlo gradient of a fully visible machine against the exact one.
    v = boltzmann.bm_train(rows, iterations=5, learning_rate=0.1, mc_chains=20, seed=1)
    exact = boltzmann.fvbm_gradient(v, rows)
    mc = boltzmann.fvbm_gradient(v, rows, mc_chains=200, sweeps=100, seed=4)
    z = (mc["dJ"] - exact["dJ"]) / np.where(mc["dJ_err"] > 0, mc["dJ_err"], 1)
    assert np.abs(z).max() < 4.5 and "dJ_err" not in exact
    with pytest.raises(ValueError):
        boltzmann.bm_train(rows, hidden=2, mc_chains=10)
