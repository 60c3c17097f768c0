import math

import numpy as np
import pytest

import glassbox
from glassbox import quantum


def ring(n):
    return glassbox.Model.lattice([n])


def free_fermion_energy(n, gamma):
    k = (2 * np.arange(n) + 1) * math.pi / n
    return -np.sum(np.sqrt(1 + gamma**2 - 2 * gamma * np.cos(k)))


def test_ed_matches_free_fermions():
    for n in (6, 10):
        r = quantum.ed(ring(n), 0.8)
        assert abs(r["energy"] - free_fermion_energy(n, 0.8)) < 1e-10
        assert r["gap"] > 0 and 0 < r["sigma_x"] < 1


def test_thermal_and_pimc_agree():
    m = ring(6)
    exact = quantum.thermal(m, 1.0, [0.5])
    # P = 16 leaves a Trotter bias ~ 0.3 % of |E| at β = 2; allow it on top of 4σ.
    r = quantum.pimc(m, gamma=1.0, temperature=0.5, slices=16, sweeps=20000, seed=3)
    e = r["energy"]
    assert abs(e["mean"] - exact["energy"][0]) < 4 * e["error"] + 0.03
    assert exact["temperature"][0] == 0.5


def test_annealing_path_and_sqa():
    m = glassbox.Model.sk(8, seed=2)
    p = quantum.annealing_path(m, 1.0, np.linspace(0, 0.9, 10), 2)
    assert p["levels"].shape == (10, 2)
    assert p["min_gap"] == pytest.approx(p["gap"].min())
    out = quantum.sqa(ring(12), slices=8, sweeps=100, reads=4)
    assert out["best_spins"].shape == (4, 12)
    assert np.all(out["best_energy"] >= -12 - 1e-9)


def test_bad_input_raises():
    with pytest.raises(ValueError):
        quantum.ed(ring(22), 1.0)
    with pytest.raises(ValueError):
        quantum.pimc(ring(4), gamma=0.0, temperature=1.0)


def test_sqa_schedules():
    m = glassbox.Model.lattice([4, 4], couplings="pm", seed=2)
    geo = quantum.sqa(m, slices=8, temperature=0.125, sweeps=50, reads=2, schedule="geometric")
    assert abs(geo["gammas"][0] - 3.0) < 1e-12 and abs(geo["gammas"][-1] - 1e-3) < 1e-15
    assert geo["gammas"][25] < 0.5 * (3.0 + 1e-3)  # geometric: below the linear midpoint
    custom = quantum.sqa(m, slices=8, temperature=0.125, sweeps=3, reads=2, schedule=[2.0, 0.5])
    assert np.allclose(custom["gammas"], [2.0, 1.25, 0.5])
    with pytest.raises(ValueError):
        quantum.sqa(m, schedule="cubic")


def test_compare_sa_sqa():
    models = [glassbox.Model.lattice([6, 6], couplings="pm", seed=s) for s in (1, 2)]
    r = quantum.compare(models, sweeps=[1, 30], slices=8, reads=6, seed=4)
    for method in ("sa", "sqa"):
        c = r[method]
        assert np.all(c["residual"] >= 0) and np.all(c["error"] >= 0)
        assert c["residual"][1] < c["residual"][0]
    assert list(r["updates"]) == [8, 240]
    assert len(r["references"]) == 2
