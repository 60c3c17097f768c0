"""Learning as statistical physics: simulations set against the replica theory.

    >>> from glassbox import learning
    >>> c = learning.double_descent([50, 150, 250, 800], n=200)   # peak near p = n
    >>> learning.generalization_error("gibbs", n=60, alpha=2.0)   # ≈ theory.learning_curve
    >>> learning.fit_power_law(sizes, losses)["alpha"]
    >>> s = learning.loss_spread([8, 32, 128], networks=8, epochs=3, pool=2)   # MNIST
    >>> s["spread"]                                   # std of final test losses, narrowing

Random features φ(x) = σ(<θ, x>/√d) with θ ~ N(0, I_d); least squares by ridge (λ = 0:
minimum norm). The overlap q of two models trained from independent initializations is 1 while
the fit is unique (p < n) and drops beyond the interpolation threshold.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from . import _glassbox

__all__ = [
    "double_descent",
    "generalization_error",
    "separable_fraction",
    "pspin_minima",
    "pspin_aging",
    "nngp_kernel",
    "nngp_convergence",
    "fit_power_law",
    "loss_spread",
    "sgd_noise",
    "gibbs_theory",
]


def _columns(rows: list) -> Dict[str, np.ndarray]:
    if not rows:
        return {}
    return {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}


def double_descent(
    features: Sequence[int],
    n: int,
    n_test: int = 1000,
    activation: str = "relu",
    ridge: float = 0.0,
    seeds: int = 16,
    seed: int = 1,
    d: int = 100,
    r2: float = 1.0,
    sigma2: float = 0.1,
    mnist: Optional[Union[str, os.PathLike]] = None,
    digit: int = 0,
) -> Dict[str, np.ndarray]:
    """Test/train error, replica overlap and weight norm of random-features least squares at
    each feature count p (``p, gamma, test_error, train_error, overlap, norm`` and ``*_err``).
    Data: a linear teacher in dimension ``d`` (signal ``r2``, noise ``sigma2``), or the MNIST
    test set in folder ``mnist`` with target +1 for ``digit`` and -1 otherwise."""
    raw = _glassbox.learn_double_descent(
        [int(p) for p in features], int(n), int(n_test), activation, float(ridge), int(seeds),
        int(seed), int(d), float(r2), float(sigma2),
        None if mnist is None else os.fspath(mnist), int(digit),
    )
    return _columns(json.loads(raw))


def generalization_error(
    student: str, n: int, alpha: float, samples: int = 32, sweeps: int = 200,
    temperature: float = 0.0, seed: int = 1,
) -> Tuple[float, float]:
    """Teacher-student perceptron: (ε, its standard error) for ``student`` in hebb,
    perceptron, gibbs (Metropolis at ``temperature``; 0 samples the version space)."""
    return _glassbox.learn_generalization_error(
        student, int(n), float(alpha), int(samples), int(sweeps), float(temperature), int(seed)
    )


def separable_fraction(
    n: int, alpha: float, samples: int = 200, max_epochs: int = 2000, seed: int = 1
) -> Tuple[float, float]:
    """(fraction of random labelings the perceptron separates, Cover's exact probability)."""
    return _glassbox.learn_separable_fraction(int(n), float(alpha), int(samples), int(max_epochs), int(seed))


def pspin_minima(n: int, starts: int = 24, seed: int = 1) -> np.ndarray:
    """Energies per spin of spherical 3-spin minima reached by gradient descent."""
    return np.array(_glassbox.learn_pspin_minima(int(n), int(starts), int(seed)))


def pspin_aging(
    n: int, temperature: float, waiting: Sequence[float], lags: Sequence[float],
    dt: float = 0.05, samples: int = 16, seed: int = 1,
) -> Dict[str, np.ndarray]:
    """Langevin two-time correlation C(t_w + t, t_w): ``correlation`` and ``error`` arrays of
    shape (len(waiting), len(lags))."""
    out = json.loads(_glassbox.learn_pspin_aging(
        int(n), float(temperature), [float(w) for w in waiting], [float(l) for l in lags],
        float(dt), int(samples), int(seed),
    ))
    return {k: np.array(v) for k, v in out.items()}


def nngp_kernel(inputs: Any, activation: str = "relu") -> np.ndarray:
    """The NNGP kernel matrix K(x_a, x_b) of a two-layer network (relu: arc-cosine, erf)."""
    x = np.asarray(inputs, dtype=float)
    m = x.shape[0]
    return np.array(_glassbox.learn_nngp_kernel(activation, x.tolist())).reshape(m, m)


def nngp_convergence(
    inputs: Any, widths: Sequence[int], activation: str = "relu", networks: int = 32, seed: int = 1
) -> Dict[str, Any]:
    """Mean squared deviation of finite-width empirical kernels from the NNGP kernel:
    ``width, deviation, deviation_err`` arrays and the log-log ``slope`` (≈ -1)."""
    out = json.loads(_glassbox.learn_nngp_convergence(
        activation, np.asarray(inputs, dtype=float).tolist(), [int(w) for w in widths], int(networks), int(seed)
    ))
    cols = _columns(out["points"])
    cols["slope"] = out["slope"]
    return cols


def fit_power_law(
    sizes: Sequence[float], losses: Sequence[float], errors: Optional[Sequence[float]] = None,
    resamples: int = 1000, seed: int = 1,
) -> Dict[str, Any]:
    """Fit L(N) = a N^(-alpha) + c: ``a, alpha, c``, 95 % bootstrap ``*_ci`` and ``rss``."""
    raw = _glassbox.learn_fit_power_law(
        [float(s) for s in sizes], [float(l) for l in losses],
        None if errors is None else [float(e) for e in errors], int(resamples), int(seed),
    )
    return json.loads(raw)


def loss_spread(
    widths: Sequence[int], networks: int = 16, epochs: int = 5, lr: float = 0.05,
    batch: int = 32, weight_decay: float = 1e-4, hidden: str = "tanh",
    loss: str = "cross-entropy", pool: int = 1, n_train: int = 2000, n_test: int = 1000,
    mnist: Optional[Union[str, os.PathLike]] = None, seed: int = 1,
) -> Dict[str, np.ndarray]:
    """Two-layer networks (``hidden`` tanh or relu, ``loss`` cross-entropy or squared)
    trained by minibatch SGD on ``n_train`` MNIST images (pooled over ``pool`` x ``pool``
    pixels; folder ``mnist`` or the one found on this machine), ``networks`` per width.
    Returns per-width arrays ``width, params, test_loss, spread`` (std of the final test
    losses across networks), ``train_loss, test_accuracy, overlap`` (linear CKA of paired
    networks' hidden representations of the test images), ``output_overlap`` (the same pairs'
    function-space overlap: normalized overlap of their centred test outputs), each ``*_err``,
    and ``test_losses`` (widths x networks). With ``loss="squared"``, ``batch=n_train`` (full
    batches), ``weight_decay=0`` and long training this is two-layer double descent: e.g.
    ``loss_spread([4, 8, 12, 16, 24, 48], networks=8, epochs=4000, lr=0.3, batch=100,
    weight_decay=0, loss="squared", pool=4, n_train=100)``, whose test loss peaks near
    ``params`` = 10 * n_train."""
    raw = json.loads(_glassbox.learn_loss_spread(
        [int(w) for w in widths], int(networks), int(epochs), float(lr), int(batch),
        float(weight_decay), hidden, loss, int(pool), int(n_train), int(n_test),
        None if mnist is None else os.fspath(mnist), int(seed),
    ))
    return _columns(raw)


def sgd_noise(
    width: int, settings: Sequence[Tuple[float, int]], warmup: Tuple[float, int] = (0.05, 32),
    warmup_epochs: int = 5, weight_decay: float = 1e-4, time: float = 20.0, records: int = 100,
    networks: int = 8, hidden: str = "tanh", loss: str = "cross-entropy", pool: int = 1,
    n_train: int = 2000, mnist: Optional[Union[str, os.PathLike]] = None, seed: int = 1,
) -> Dict[str, np.ndarray]:
    """SGD noise as a temperature: after a warm-up at ``warmup`` = (lr, batch), each
    (lr, batch) of ``settings`` runs SGD (minibatches drawn with replacement) for SGD time
    lr*steps = ``time`` of burn-in and ``time`` measured. Returns ``lr, batch, temperature``
    (lr/batch), ``mean_loss`` and ``fluctuation`` (std of the training objective along the
    trajectory, which scales as lr/batch) with ``*_err``."""
    raw = json.loads(_glassbox.learn_sgd_noise(
        int(width), [(float(a), int(b)) for a, b in settings], (float(warmup[0]), int(warmup[1])),
        int(warmup_epochs), float(weight_decay), float(time), int(records), int(networks),
        hidden, loss, int(pool), int(n_train), None if mnist is None else os.fspath(mnist),
        int(seed),
    ))
    return _columns(raw)


def gibbs_theory(alphas: Sequence[float], temperature: float) -> Dict[str, np.ndarray]:
    """Replica-symmetric teacher-student Gibbs learning at temperature T > 0 (energy = number
    of training errors): ``alpha, r`` (student-teacher overlap), ``q`` (student-student) and
    ``epsilon`` = arccos(r)/pi. Compare with ``generalization_error("gibbs", ...,
    temperature=T)``."""
    return _columns(json.loads(_glassbox.learn_gibbs_theory([float(a) for a in alphas], float(temperature))))
