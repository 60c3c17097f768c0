"""glassbox.theory against closed forms and published values."""

import math

import numpy as np
import pytest

from glassbox import theory


def test_sk_paramagnet_and_rs_ground_state():
    r = theory.sk_rs([2.0, 4.0])
    np.testing.assert_allclose(r["f"], [-2 * math.log(2) - 1 / 8, -4 * math.log(2) - 1 / 16], rtol=1e-10)
    np.testing.assert_allclose(r["q"], 0.0, atol=1e-12)
    cold = theory.sk_rs(1e-3)
    assert abs(cold["e"][0] + math.sqrt(2 / math.pi)) < 1e-5
    # RS is unstable at low T: λ_AT ≈ 0.53/T.
    assert theory.sk_rs(0.01)["at_lambda"][0] == pytest.approx(53.4, rel=0.01)


def test_hopfield_and_gardner_numbers():
    assert abs(theory.hopfield_capacity()["alpha_c"] - 0.1379056) < 1e-6
    assert theory.gardner_capacity(0.0)[0] == pytest.approx(2.0, abs=1e-12)
    eps = theory.learning_curve("gibbs", [200.0])["epsilon"][0]
    assert eps * 200 == pytest.approx(0.62466, rel=0.02)
    pd = theory.hopfield_phase_diagram([0.05])
    np.testing.assert_allclose(pd["t_g"], 1 + math.sqrt(0.05), rtol=1e-12)
    at = theory.at_line([0.5])
    assert at["h"][0] > 0


def test_bad_input():
    with pytest.raises(ValueError, match="positive"):
        theory.sk_rs([-1.0])
    with pytest.raises(ValueError, match="gibbs"):
        theory.learning_curve("adam", [1.0])


def test_replica_trick_limit():
    r = theory.replica_trick(n=10, temperature=2.0, samples=300, max_n=3, seed=3)
    assert abs(r["extrapolated"] - r["quenched"]) < 4 * r["difference_err"]
    assert r["annealed"] > r["quenched"]
    assert r["phi"].shape == (3,)


def test_pspin_and_bethe_closed_forms():
    r = theory.pspin([3, 4])
    assert r["t_d"][0] == pytest.approx(math.sqrt(3 / 8), abs=1e-10)
    assert r["e_threshold"][0] == pytest.approx(-math.sqrt(4 / 3), abs=1e-10)
    assert r["e_ground"][0] == pytest.approx(-1.171675, abs=1e-5)
    assert np.all(r["t_s"] < r["t_d"])
    b = theory.bethe([3.0])
    assert b["t_ferro"][0] == pytest.approx(2 / math.log(3), rel=1e-12)
    assert math.tanh(1 / b["t_glass_pm"][0]) ** 2 == pytest.approx(0.5, rel=1e-12)
    with pytest.raises(ValueError, match="excess degree"):
        theory.bethe([1.5])


def test_double_descent_peak_and_simulation():
    g = np.array([0.5, 0.9, 1.1, 2.0])
    r = theory.double_descent(g, r2=1.0, sigma2=0.25, ridge=0.05)
    # Below the threshold the min-norm risk is σ²γ/(1−γ); it blows up on both sides of γ = 1.
    assert r["min_norm"][0] == pytest.approx(0.25, rel=1e-12)
    assert r["min_norm"][1] > 2 and r["min_norm"][2] > 2
    assert np.all(r["ridge"] < r["min_norm"])
    assert math.isnan(theory.double_descent(1.0)["min_norm"][0])
    mean, err = theory.simulate_min_norm(200, 2.0, trials=40, seed=7)
    assert abs(mean - r["min_norm"][3]) < 4 * err
def test_rsb_ground_states_and_parisi():
    # reference-values.md S10: k-step RSB ground-state energies.
    e = [theory.krsb_ground_state(k)["energy"] for k in (1, 2, 3)]
    assert abs(e[0] + 0.7688280256) < 1e-8
    assert abs(e[1] + 0.764028) < 2e-6
    assert abs(e[2] + 0.763409) < 1e-5
    assert e[0] < e[1] < e[2]
    g = theory.parisi(0.0)
    assert abs(g["extrapolated"] + 0.7631667) < 2e-5
    assert theory.one_step(0.0)["m"] == pytest.approx(0.8172643, abs=1e-5)


def test_parisi_order_parameter():
    p = theory.parisi(0.5, steps=10)
    # S11: f = -0.791182 (tolerance 1e-5).
    assert abs(p["free_energy"] + 0.791182) < 1e-5
    assert p["x"].shape == (p["q"].shape[0] + 1,)
    assert p["x"][0] == 0.0 and p["x"][-1] == 1.0
    assert np.all(np.diff(p["q"]) >= 0) and np.all(np.diff(p["x"]) >= 0)
    one = theory.one_step(0.5)
    assert one["rs_free_energy"] < one["free_energy"] < p["free_energy"]
    with pytest.raises(ValueError, match="steps"):
        theory.parisi(0.0, steps=40)
