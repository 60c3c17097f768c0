"""glassbox.learning against the replica theory and exact formulas."""

import math

import numpy as np
import pytest

from glassbox import learning, theory


def test_double_descent_peak_overlap_and_threshold():
    c = learning.double_descent([20, 55, 66, 240], n=60, d=40, n_test=500, seeds=6, sigma2=0.25)
    assert c["test_error"][1] > 3 * c["test_error"][0]
    assert np.all(c["train_error"][2:] < 1e-12)
    np.testing.assert_allclose(c["overlap"][:2], 1.0, atol=1e-8)
    assert c["overlap"][3] < 0.9
    with pytest.raises(ValueError, match="interpolation threshold"):
        learning.double_descent([60], n=60)
    with pytest.raises(ValueError, match="activation"):
        learning.double_descent([10], n=60, activation="gelu")


def test_perceptron_students_and_capacity():
    e, err = learning.generalization_error("hebb", n=100, alpha=2.0, samples=48, seed=3)
    th = theory.learning_curve("hebb", [2.0])["epsilon"][0]
    assert abs(e - th) < 4 * err + 0.01
    f, cover = learning.separable_fraction(20, 1.5, samples=200, seed=9)
    assert abs(f - cover) < 4 * math.sqrt(cover * (1 - cover) / 200) + 0.01
    # Cover at P = 2N: exactly one half.
    assert learning.separable_fraction(20, 2.0, samples=2)[1] == pytest.approx(0.5, abs=1e-12)


def test_nngp_and_power_law():
    x = np.random.default_rng(0).normal(size=(4, 10))
    k = learning.nngp_kernel(x, "relu")
    np.testing.assert_allclose(np.diag(k), (x**2).sum(1) / 10 / 2, rtol=1e-12)
    r = learning.nngp_convergence(x, [10, 100, 1000], activation="erf", networks=48, seed=2)
    assert abs(r["slope"] + 1) < 0.15
    n = 10.0 * 2.0 ** np.arange(8)
    fit = learning.fit_power_law(n, 3 * n**-0.7 + 0.2, resamples=50)
    assert fit["alpha"] == pytest.approx(0.7, abs=1e-6)
    with pytest.raises(ValueError, match="power-law"):
        learning.fit_power_law([1, 2], [1, 2])


def test_pspin_minima_and_aging():
    e = learning.pspin_minima(32, starts=6, seed=2)
    assert e.shape == (6,) and np.all(e < -0.7) and np.all(e > -1.4)
    a = learning.pspin_aging(32, 0.3, [1.0, 8.0], [4.0], samples=4)
    assert a["correlation"].shape == (2, 1)


def _mnist_or_skip():
    import os
    for d in (os.environ.get("GLASSBOX_MNIST"), "../shared/data/mnist", "/work/shared/data/mnist"):
        if d and os.path.exists(os.path.join(d, "t10k-labels-idx1-ubyte.gz")):
            return d
    pytest.skip("MNIST not found; set GLASSBOX_MNIST")


def test_two_layer_loss_spread_and_sgd_noise():
    d = _mnist_or_skip()
    s = learning.loss_spread([4, 16], networks=4, epochs=2, pool=4, n_train=200, n_test=200, mnist=d)
    assert s["test_losses"].shape == (2, 4)
    np.testing.assert_allclose(s["spread"], s["test_losses"].std(axis=1, ddof=1), rtol=1e-12)
    assert np.all((s["overlap"] > 0) & (s["overlap"] <= 1))
    assert np.all(np.abs(s["output_overlap"]) <= 1) and np.all(s["output_overlap_err"] > 0)
    assert s["params"][0] == 4 * 50 + 10 * 5
    n = learning.sgd_noise(8, [(0.05, 25), (0.1, 25)], warmup=(0.05, 25), warmup_epochs=2,
                           time=2.0, records=10, networks=2, pool=4, n_train=200, mnist=d)
    np.testing.assert_allclose(n["temperature"], [0.002, 0.004])
    assert np.all(n["fluctuation"] > 0)
    with pytest.raises(ValueError, match="even number"):
        learning.loss_spread([4], networks=3, pool=4, n_train=100, n_test=100, mnist=d)
    with pytest.raises(ValueError, match="loss"):
        learning.loss_spread([4], loss="hinge", mnist=d)
    with pytest.raises(ValueError, match="diverged"):
        learning.loss_spread([4], networks=4, epochs=300, lr=1000.0, batch=100, weight_decay=0.0,
                             loss="squared", pool=4, n_train=100, n_test=50, mnist=d)


def test_gibbs_learning_at_temperature():
    t0 = theory.learning_curve("gibbs", [2.0])["epsilon"][0]
    g = learning.gibbs_theory([2.0], 0.01)
    assert g["epsilon"][0] == pytest.approx(t0, abs=1e-3)
    hot = learning.gibbs_theory([2.0], 0.5)["epsilon"][0]
    assert hot > t0 + 0.01
