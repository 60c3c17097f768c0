"""Monte Carlo, enumeration and quench through the Python API."""

import threading
import time

import numpy as np
import pytest

import glassbox as gb
from conftest import all_states


def test_sample_agrees_with_enumeration():
    model = gb.Model.lattice([4, 4])
    exact = gb.enumerate(model, [2.5])
    for rule in ("metropolis", "heat-bath"):
        res = gb.sample(model, [2.5], sweeps=40000, rule=rule, seed=7)
        assert res.reliable.all()
        for obs in ("energy", "m2", "abs_m", "specific_heat"):
            err = res[obs + "_err"][0]
            assert 0 < err < 0.05
            assert abs(res[obs][0] - exact[obs][0]) < 4 * err, (rule, obs, res[obs], exact[obs])


def test_sample_result_layout():
    model = gb.Model.lattice([6, 6])
    temps = [1.5, 2.5, 4.0]
    res = gb.sample(model, temps, sweeps=2000, thermalization=200, measure_every=2)
    assert isinstance(res, dict) and isinstance(res, gb.SampleResult)
    np.testing.assert_array_equal(res.temperature, temps)
    np.testing.assert_allclose(res.beta, 1 / np.array(temps))
    for key in ("energy", "specific_heat", "m", "abs_m", "m2", "m4", "susceptibility", "binder"):
        for suffix in ("", "_err", "_tau"):
            assert res[key + suffix].shape == (3,) and res[key + suffix].dtype == np.float64
        assert res[key + "_reliable"].dtype == np.bool_
    assert res.reliable.dtype == np.bool_ and res.reliable.shape == (3,)
    assert res.final_spins.shape == (3, 36) and res.final_spins.dtype == np.int8
    assert set(np.unique(res.final_spins)) <= {-1, 1}
    assert res.sweeps.tolist() == [2000] * 3
    assert np.all((res.acceptance > 0) & (res.acceptance < 1))
    assert res.acceptance[0] < res.acceptance[2]  # colder accepts less
    assert res.energy[0] < res.energy[2]
    with pytest.raises(AttributeError, match="no field"):
        res.bogus
    # A scalar temperature is a scan of one.
    assert gb.sample(model, 2.0, sweeps=100).energy.shape == (1,)


def test_sample_kernels():
    # A periodic ferromagnet without field runs 64 bit-sliced replicas under kernel="auto": the
    # same physics as the scalar reference, with smaller error bars for the same sweeps.
    model = gb.Model.lattice([8, 8])
    auto = gb.sample(model, [2.269, 3.0], sweeps=20000, seed=3)
    scalar = gb.sample(model, [2.269, 3.0], sweeps=20000, seed=3, kernel="scalar")
    assert auto.kernel == "multispin" and scalar.kernel == "scalar"
    assert np.all(auto.energy_err < scalar.energy_err)
    for obs in ("energy", "specific_heat", "m2", "binder"):
        sigma = np.hypot(auto[obs + "_err"], scalar[obs + "_err"])
        assert np.all(np.abs(auto[obs] - scalar[obs]) < 4 * sigma), obs
    assert auto.final_spins.shape == (2, 64)
    # A model the multispin kernel cannot run (a field) runs 32 replicas in single-precision
    # lanes: the same physics again.
    field = gb.Model.lattice([8, 8], field=0.1)
    a = gb.sample(field, [2.0], sweeps=5000, seed=4)
    b = gb.sample(field, [2.0], sweeps=20000, seed=4, kernel="scalar")
    assert a.kernel == "lanes" and b.kernel == "scalar"
    for obs in ("energy", "m2"):
        sigma = np.hypot(a[obs + "_err"], b[obs + "_err"])
        assert np.all(np.abs(a[obs] - b[obs]) < 4 * sigma), obs
    # One large ferromagnet per temperature on the site-packed kernel (first side 128k).
    site = gb.sample(gb.Model.lattice([128, 4]), [3.0], sweeps=2000, seed=5, kernel="site-packed")
    assert site.kernel == "site-packed" and site.final_spins.shape == (1, 512)
    # A dense model runs on the scalar kernel.
    assert gb.sample(gb.Model.sk(16, seed=1), [1.0], sweeps=100).kernel == "scalar"
    with pytest.raises(ValueError, match="128"):
        gb.sample(model, [2.0], sweeps=10, kernel="site-packed")
    with pytest.raises(ValueError, match="kernel"):
        gb.sample(model, [2.0], sweeps=10, kernel="fast")


def test_same_seed_same_arrays():
    model = gb.Model.sk(64, seed=2)
    a = gb.sample(model, [0.5, 1.5], sweeps=1000, seed=9)
    b = gb.sample(model, [0.5, 1.5], sweeps=1000, seed=9)
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    c = gb.sample(model, [0.5, 1.5], sweeps=1000, seed=10)
    assert not np.array_equal(a.energy, c.energy)


def test_enumerate_matches_brute_force(rng):
    n = 8
    J = np.triu(rng.normal(size=(n, n)), 1)
    J = J + J.T
    h = rng.normal(size=n)
    model = gb.Model.from_matrix(J, h)
    temps = np.array([0.7, 2.0])
    res = gb.enumerate(model, temps)
    states = all_states(n)
    e = model.energy(states)
    m = states.mean(axis=1)
    for k, t in enumerate(temps):
        w = np.exp(-(e - e.min()) / t)
        z = w.sum()
        assert res.ln_z_per_spin[k] == pytest.approx((np.log(z) - e.min() / t) / n, rel=1e-10)
        assert res.energy[k] == pytest.approx((w @ e) / z / n, rel=1e-10)
        assert res.m2[k] == pytest.approx((w @ m**2) / z, rel=1e-10)
    assert res.ground_energy == pytest.approx(e.min())
    assert res.degeneracy == 1
    assert model.energy(res.ground_state) == pytest.approx(e.min())
    np.testing.assert_array_equal(res.temperature, temps)


def test_quench_reaches_local_minimum():
    model = gb.Model.sk(100, seed=4)
    J = model.to_matrix()
    spins, energy = gb.quench(model, seed=3)
    assert spins.dtype == np.int8 and spins.shape == (100,)
    assert energy == pytest.approx(model.energy(spins))
    assert np.all(spins * (J @ spins + model.fields) >= 0)
    start = np.ones(100, dtype=np.int8)
    s2, e2 = gb.quench(model, start, order="sequential")
    assert e2 <= model.energy(start) and np.all(s2 * (J @ s2) >= 0)
    s3, _ = gb.quench(model, seed=3)
    np.testing.assert_array_equal(spins, s3)


def test_sample_releases_the_gil():
    # One temperature, so the run is 100 blocks of GIL-released work with the GIL taken
    # back in between (to check for Ctrl-C). Were the GIL held, each tick of the main loop
    # would wait for a whole block.
    model = gb.Model.lattice([48, 48])
    out = {}

    def work():
        out["res"] = gb.sample(model, [2.3], sweeps=5000)

    worker = threading.Thread(target=work)
    ticks = [time.perf_counter()]
    worker.start()
    while worker.is_alive():
        time.sleep(0.0005)
        ticks.append(time.perf_counter())
    worker.join()
    assert "res" in out and out["res"].energy.shape == (1,)
    elapsed = ticks[-1] - ticks[0]
    block = elapsed / 100
    assert elapsed > 0.1, "run too short to tell"
    gaps = np.diff(ticks)
    assert np.median(gaps) < 0.5 * block, (np.median(gaps), block, len(ticks))
