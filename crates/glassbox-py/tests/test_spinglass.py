"""Simulated annealing, parallel tempering, population annealing and cluster updates
through the Python API, against exact enumeration."""

import numpy as np
import pytest

import glassbox as gb
from conftest import all_states


def exact_overlap(model, beta):
    """⟨q²⟩ = Σ_ij ⟨s_i s_j⟩² / N² by summing over all states."""
    s = all_states(model.n).astype(np.float64)
    e = np.array([model.energy(x) for x in s.astype(np.int8)])
    w = np.exp(-beta * (e - e.min()))
    w /= w.sum()
    c = (s * w[:, None]).T @ s
    return float((c**2).sum() / model.n**2)


def test_anneal_finds_the_ground_state_reproducibly():
    model = gb.Model.sk(14, seed=3)
    e0 = gb.enumerate(model, [1.0]).ground_energy
    res = gb.anneal(model, reads=16, sweeps=300, seed=5)
    assert isinstance(res, gb.AnnealResult)
    assert res.best_spins.shape == (16, 14) and res.best_spins.dtype == np.int8
    assert res.traces.shape[0] == 16 and res.traces.shape[1] == len(res.trace_sweeps)
    assert abs(res.best - e0) < 1e-9
    assert (np.abs(res.best_energy - e0) < 1e-9).sum() >= 8
    for s, e in zip(res.best_spins, res.best_energy):
        assert abs(model.energy(s) - e) < 1e-9
    again = gb.anneal(model, reads=16, sweeps=300, seed=5)
    np.testing.assert_array_equal(res.best_energy, again.best_energy)
    lin = gb.anneal(model, reads=2, sweeps=10, schedule="linear", beta_range=(0.5, 2.0))
    np.testing.assert_allclose(lin.betas, np.linspace(0.5, 2.0, 10))
    custom = gb.anneal(model, reads=2, betas=[0.1, 1.0, 5.0])
    assert custom.betas.tolist() == [0.1, 1.0, 5.0]
    with pytest.raises(ValueError, match="positive"):
        gb.anneal(model, beta_range=(-1.0, 1.0))
    with pytest.raises(ValueError, match="schedule"):
        gb.anneal(model, schedule="cubic")


def test_temper_against_enumeration():
    model = gb.Model.lattice([3, 4], couplings="pm", seed=5)
    temps = gb.geometric_temperatures(0.6, 3.0, 5).tolist()
    assert temps[0] == 0.6 and temps[-1] == 3.0
    assert np.allclose(np.diff(np.log(temps)), np.log(5) / 4)
    res = gb.temper(model, temps, sweeps=30000, seed=2)
    assert isinstance(res, gb.TemperResult)
    exact = gb.enumerate(model, temps)
    for k, t in enumerate(temps):
        assert abs(res.energy[k] - exact.energy[k]) < 4 * res.energy_err[k]
        q2 = exact_overlap(model, 1 / t)
        assert abs(res.q2[k] - q2) < 4 * res.q2_err[k], (t, res.q2[k], q2)
    assert res.q_histogram.shape == (5, 13)
    np.testing.assert_allclose(res.q_histogram.sum(axis=1), 1.0)
    assert np.all((res.exchange_acceptance > 0) & (res.exchange_acceptance < 1))
    assert res.round_trips > 0
    assert "link_overlap" in res and "chi_sg" in res
    assert "correlation_length" not in res  # 3×4: sides differ
    sq = gb.temper(gb.Model.lattice([4, 4], couplings="pm"), [1.0, 2.0], sweeps=2000)
    assert np.all(sq.correlation_length > 0)
    with pytest.raises(ValueError, match="increasing"):
        gb.temper(model, [2.0, 1.0], sweeps=10)
    with pytest.raises(ValueError, match="at least 2"):
        gb.temper(model, [1.0, 2.0], sweeps=10, replicas=1)


def test_population_annealing_free_energy():
    model = gb.Model.lattice([4, 4], couplings="pm", seed=1)
    betas = np.linspace(0.05, 1.5, 30)
    res = gb.population_annealing(model, betas, population=500, sweeps=5, runs=12, seed=3)
    exact = gb.enumerate(model, 1 / betas)
    err = res.ln_z_per_spin_err
    assert np.all(err > 0)
    assert np.all(np.abs(res.ln_z_per_spin - exact.ln_z_per_spin) < 4 * err)
    np.testing.assert_allclose(res.free_energy, -res.ln_z_per_spin / betas)


def test_cluster_sampling():
    model = gb.Model.lattice([8, 8])
    res = gb.sample(model, [2.269], sweeps=8000, cluster="sw", seed=4)
    ref = gb.kaufman(8, 8, [2.269])
    assert abs(res.energy[0] - ref.energy[0]) < 4 * res.energy_err[0]
    wolff = gb.sample(model, [2.269], sweeps=20000, cluster="wolff", seed=4)
    assert abs(wolff.energy[0] - ref.energy[0]) < 4 * wolff.energy_err[0]
    with pytest.raises(ValueError, match="uniform"):
        gb.sample(gb.Model.lattice([4, 4], couplings="pm"), [1.0], sweeps=10, cluster="wolff")


def test_population_family_entropy():
    model = gb.Model.lattice([4, 4], couplings="pm", seed=1)
    res = gb.population_annealing(model, np.linspace(0.1, 2.0, 20), population=200, sweeps=2, runs=3)
    s = res.family_entropy
    assert s[0] <= np.log(200) + 1e-9 and np.all(s >= 0)
    assert np.all(s <= np.log(res.families) + 1e-9)
    assert s[-1] < s[0]


def test_temper_with_houdayer_moves_against_enumeration():
    model = gb.Model.lattice([4, 4], couplings="gaussian", seed=11)
    temps = [0.3, 0.6, 1.2]
    res = gb.temper(model, temps, sweeps=20000, replicas=4, houdayer=True, seed=2)
    exact = gb.enumerate(model, temps)
    assert np.all(np.abs(res.energy - exact.energy) < 4 * res.energy_err)
    assert np.all((res.cluster_fraction > 0) & (res.cluster_fraction <= 0.5))
    off = gb.temper(model, temps, sweeps=100, houdayer=0.5)
    assert np.isnan(off.cluster_fraction[1])
    with pytest.raises(ValueError, match="field"):
        gb.temper(gb.Model.lattice([4, 4], couplings="pm", field=0.5), temps, sweeps=10, houdayer=True)


def test_ground_reaches_the_enumerated_ground_state():
    model = gb.Model.sk(14, seed=3)
    e0 = gb.enumerate(model, [1.0]).ground_energy
    res = gb.ground(model, time_limit=30, target=e0, runs=3, sweeps=200, seed=2)
    assert abs(res.best - e0) < 1e-9
    assert res.success_probability == 1.0
    assert np.all(np.isfinite(res.seconds_to_target))
    assert res.median_reads is not None and res.tts99_seconds is not None
    with pytest.raises(ValueError, match="time limit"):
        gb.ground(model, time_limit=0)
