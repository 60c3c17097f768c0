"""Restricted Boltzmann machines: training (CD-k, PCD), sampling, free energies, ln Z; and
Boltzmann machines on ±1 units, fully visible or with hidden units (:func:`bm_train`).

    >>> from glassbox import boltzmann
    >>> model = boltzmann.train(data, hidden=20, epochs=5, seed=1)   # data: (M, n_v) of 0/1
    >>> boltzmann.log_z(model)                          # exact: smaller layer ≤ 24 units
    >>> boltzmann.log_z(model, method="ais", base_data=data)   # AIS estimate with error
    >>> boltzmann.log_likelihood(model, test)           # mean ln p(v) per row
    >>> v, p = boltzmann.sample(model, chains=16, steps=1000)

Conventions: visible v ∈ {0,1}^{n_v}, hidden h ∈ {0,1}^{n_h},
E(v, h) = −a·v − b·h − vᵀWh, p(v) = e^{−F(v)}/Z with
F(v) = −a·v − Σ_j log(1 + exp(b_j + (vW)_j)). A model is an :class:`RBM` holding numpy arrays
``W`` (n_v × n_h), ``a`` (n_v), ``b`` (n_h) — the same files ``glassbox rbm train`` writes
(``model/W.npy``, ``a.npy``, ``b.npy``).

Gaussian–Bernoulli machines (``train(..., visible="gaussian")`` on real-valued rows) also hold
``sigma`` (n_v), with E(v, h) = Σ_i (v_i − a_i)²/(2σ_i²) − b·h − Σ_ij (v_i/σ_i) W_ij h_j and
p(v) a density; σ starts at the data's standard deviations (or ``sigma``) and is learned
with ``learn_sigma=True``; ``log_z(model, "ais", base_data=rows)`` anneals from independent
Gaussians with the rows' moments. ``method="pt"`` trains by
parallel-tempering PCD (``replicas`` temperatures, β from 1 down to ``beta_min``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np

from . import _glassbox

__all__ = [
    "RBM", "train", "free_energy", "sample", "log_z", "log_likelihood", "load",
    "BM", "bm_train", "bm_log_likelihood", "fvbm_gradient",
]


@dataclass
class RBM:
    """An RBM: weights ``W`` (n_v × n_h), biases ``a`` and ``b``; ``sigma`` (n_v) for
    Gaussian visible units, ``None`` for Bernoulli ones."""

    W: np.ndarray
    a: np.ndarray
    b: np.ndarray
    history: List[Dict[str, Any]] = field(default_factory=list)
    sigma: Optional[np.ndarray] = None

    def _sigma(self) -> Optional[np.ndarray]:
        return None if self.sigma is None else np.ascontiguousarray(self.sigma, dtype=np.float64)

    def _arrays(self):
        return (
            np.ascontiguousarray(self.W, dtype=np.float64),
            np.ascontiguousarray(self.a, dtype=np.float64),
            np.ascontiguousarray(self.b, dtype=np.float64),
        )

    def save(self, folder: Union[str, Path]) -> None:
        """Writes ``W.npy``, ``a.npy``, ``b.npy`` (readable by ``glassbox rbm``)."""
        d = Path(folder)
        d.mkdir(parents=True, exist_ok=True)
        for name, arr in zip(("W", "a", "b"), self._arrays()):
            np.save(d / f"{name}.npy", arr)
        if self.sigma is not None:
            np.save(d / "sigma.npy", self._sigma())


def load(folder: Union[str, Path]) -> RBM:
    """Reads a model folder (or a ``glassbox rbm train`` run folder)."""
    d = Path(folder)
    if (d / "model" / "W.npy").exists():
        d = d / "model"
    sigma = np.load(d / "sigma.npy") if (d / "sigma.npy").exists() else None
    return RBM(np.load(d / "W.npy"), np.load(d / "a.npy"), np.load(d / "b.npy"), sigma=sigma)


def _binary(name: str, x: Any) -> np.ndarray:
    arr = np.ascontiguousarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be two-dimensional (rows of visible units), got shape {arr.shape}")
    return arr


def train(
    data: Any,
    hidden: int = 100,
    epochs: int = 10,
    batch_size: int = 100,
    learning_rate: float = 0.05,
    lr_decay: float = 0.0,
    momentum: float = 0.5,
    weight_decay: float = 1e-4,
    method: str = "cd",
    k: int = 1,
    init_scale: float = 0.01,
    seed: int = 1,
    visible: str = "bernoulli",
    replicas: int = 10,
    beta_min: float = 0.5,
    sigma: Optional[float] = None,
    learn_sigma: bool = False,
    l1: float = 0.0,
) -> RBM:
    """Trains an RBM on rows of ``data`` (0/1, or real values with ``visible="gaussian"``)
    by CD-k (``method="cd"``), persistent CD (``"pcd"``) or parallel-tempering PCD
    (``"pt"``: ``replicas`` temperatures, β linear from 1 to ``beta_min``) with momentum, L2
    weight decay and an L1 penalty ``l1`` (gradient term −λ₁ sign(W)) on W and learning rate ``learning_rate / (1 + lr_decay · epoch)``.
    ``history`` holds per-epoch reconstruction error, pseudo-log-likelihood (NaN for
    Gaussian units), the reconstruction log-density ln N(v; E[v | h = P(h|v)], σ²) (Gaussian
    units; NaN for Bernoulli ones) and, for PT, the exchange acceptance per neighbouring pair.
    Gaussian units start with σ = ``sigma`` for every unit (default: the data's standard
    deviations) and keep it unless ``learn_sigma`` (gradient ascent on ln σ)."""
    x = _binary("data", data)
    w, a, b, hist, sigma = _glassbox.rbm_train(
        x, int(hidden), int(epochs), int(batch_size), float(learning_rate), float(lr_decay),
        float(momentum), float(weight_decay), str(method), int(k), float(init_scale), int(seed),
        str(visible), int(replicas), float(beta_min),
        None if sigma is None else float(sigma), bool(learn_sigma), float(l1),
    )
    return RBM(w, a, b, json.loads(hist), sigma=sigma)


def free_energy(model: RBM, v: Any) -> np.ndarray:
    """F(v) of each row of ``v``, so that ln p(v) = −F(v) − ln Z."""
    return _glassbox.rbm_free_energy(*model._arrays(), _binary("v", v), model._sigma())


def sample(model: RBM, chains: int = 16, steps: int = 1000, seed: int = 1):
    """Block Gibbs sampling from v ~ Bernoulli(σ(a)): returns (states, P(v=1|h)), each
    (chains × n_v)."""
    return _glassbox.rbm_sample(
        *model._arrays(), int(chains), int(steps), int(seed), model._sigma()
    )


def log_z(
    model: RBM,
    method: str = "exact",
    base_data: Any = None,
    chains: int = 100,
    steps: int = 14500,
    seed: int = 1,
) -> Union[float, Dict[str, Any]]:
    """ln Z. ``method="exact"`` sums over the smaller layer (≤ 24 units) and returns a float;
    ``"ais"`` runs annealed importance sampling (Salakhutdinov & Murray 2008) from the
    base-rate model of ``base_data`` (default: the model's visible biases; Gaussian units:
    independent Gaussians with the rows' means and standard deviations, default a and σ) and
    returns a dict with ``log_z``, ``std_err``, ``log_weights`` (array) and the ±3 s.e.
    bounds."""
    if method == "exact":
        return _glassbox.rbm_log_z_exact(*model._arrays(), model._sigma())
    if method != "ais":
        raise ValueError(f"method must be 'exact' or 'ais', got {method!r}")
    base = None if base_data is None else _binary("base_data", base_data)
    out = json.loads(
        _glassbox.rbm_log_z_ais(
            *model._arrays(), base, int(chains), int(steps), int(seed), model._sigma()
        )
    )
    out["log_weights"] = np.asarray(out["log_weights"])
    return out


def log_likelihood(model: RBM, v: Any, log_z_value: Optional[float] = None) -> float:
    """Mean ln p(v) over the rows of ``v`` (exact ln Z unless ``log_z_value`` is given)."""
    lz = log_z(model) if log_z_value is None else float(log_z_value)
    return float(-free_energy(model, v).mean() - lz)


@dataclass
class BM:
    """A Boltzmann machine on ±1 units with all pairs coupled: couplings ``J`` (n × n,
    symmetric, zero diagonal) and biases ``theta`` (n), p(s) ∝ exp(Σ_{i<j} J_ij s_i s_j + θ·s);
    the first ``n_visible`` units are visible, the rest hidden. ``trace`` is the training
    trace: the exact log-likelihood per row before each step and after the last, or (Monte
    Carlo learning) the largest |gradient component| per step."""

    J: np.ndarray
    theta: np.ndarray
    n_visible: int
    trace: List[float] = field(default_factory=list)


def bm_train(
    data: Any,
    hidden: int = 0,
    iterations: int = 200,
    learning_rate: float = 0.1,
    init_scale: float = 1.0,
    seed: int = 1,
    mc_chains: Optional[int] = None,
    burn_in: int = 20,
    sweeps: int = 50,
) -> BM:
    """Boltzmann learning on ±1 rows of ``data``: exact gradient ascent with ``hidden``
    hidden units (Ackley, Hinton & Sejnowski 1985; n_v + n_h ≤ 20, couplings start at
    N(0, init_scale²/n)), or — fully visible machines of any size, ``mc_chains`` set — model
    averages from ``mc_chains`` heat-bath Gibbs chains (``burn_in`` + ``sweeps`` sweeps each)
    per step, from zero parameters."""
    x = _binary("data", data)
    j, theta, trace = _glassbox.bm_train(
        x, int(hidden), int(iterations), float(learning_rate), float(init_scale), int(seed),
        None if mc_chains is None else int(mc_chains), int(burn_in), int(sweeps),
    )
    return BM(j, theta, x.shape[1], list(trace))


def bm_log_likelihood(model: BM, data: Any) -> float:
    """Exact mean ln p(v) of the ±1 visible rows of ``data`` (hidden units summed out)."""
    return _glassbox.bm_log_likelihood(
        np.ascontiguousarray(model.J, dtype=np.float64),
        np.ascontiguousarray(model.theta, dtype=np.float64),
        int(model.n_visible),
        _binary("data", data),
    )


def fvbm_gradient(
    model: BM,
    data: Any,
    mc_chains: Optional[int] = None,
    burn_in: int = 20,
    sweeps: int = 50,
    seed: int = 1,
) -> Dict[str, Any]:
    """Log-likelihood gradient of a fully visible machine on ±1 rows: ``{"dJ", "dtheta"}``,
    exact by enumeration (N ≤ 20) or, with ``mc_chains``, Monte Carlo estimates plus their
    standard errors ``dJ_err``, ``dtheta_err``."""
    dj, dh, err = _glassbox.fvbm_gradient(
        np.ascontiguousarray(model.J, dtype=np.float64),
        np.ascontiguousarray(model.theta, dtype=np.float64),
        _binary("data", data),
        None if mc_chains is None else int(mc_chains), int(burn_in), int(sweeps), int(seed),
    )
    out = {"dJ": dj, "dtheta": dh}
    if err is not None:
        out["dJ_err"], out["dtheta_err"] = err
    return out
