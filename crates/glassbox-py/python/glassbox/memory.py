"""Associative memory: Hopfield networks that store patterns as fixed points.

    >>> from glassbox import memory
    >>> xi = memory.patterns(n=500, p=50, seed=1)             # int8, shape (p, N), ±1
    >>> out = memory.run(xi, memory.corrupt(xi[0], 0.2, seed=2))
    >>> out["overlaps"][0]                                     # Mattis overlap with ξ⁰
    >>> cap = memory.capacity([250, 500], np.arange(0.10, 0.22, 0.01))
    >>> cap["alpha_c"]                                         # α_c(N) and extrapolation

Conventions: N units s_i = ±1, p patterns ξ^μ (rows of an int8 array), load α = p/N,
Mattis overlaps m_μ = (1/N) Σ_i ξ_i^μ s_i, local fields h_i = Σ_{j≠i} J_ij s_j, energy
E = -½ Σ_{i≠j} J_ij s_i s_j (symmetric J only). Hebb couplings are J_ij = (1/N) Σ_μ ξ_i^μ ξ_j^μ.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from . import _glassbox

__all__ = [
    "patterns",
    "corrupt",
    "couplings",
    "run",
    "capacity",
    "basins",
    "modern_update",
]

_RULES = ("hebb", "hebb-dense", "pseudo-inverse", "storkey", "minover")


def _int(name: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value!r}")
    return int(value)


def _pm1(name: str, a: Any, ndim: int) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size and not np.isin(arr, (-1, 1)).all():
        raise ValueError(f"{name} must contain only ±1")
    return np.ascontiguousarray(arr, dtype=np.int8)


def patterns(n: int, p: int, bias: float = 0.0, seed: int = 1) -> np.ndarray:
    """``p`` random patterns of ``n`` units (int8 array of shape (p, n), entries ±1), each
    unit +1 with probability (1 + bias)/2 so that the mean is ``bias``."""
    return _glassbox.hopfield_patterns(_int("n", n, 1), _int("p", p), float(bias), _int("seed", seed))


def corrupt(pattern: Any, fraction: float, seed: int = 0) -> np.ndarray:
    """A copy of ``pattern`` with round(fraction·N) distinct units flipped (numpy RNG)."""
    s = _pm1("pattern", pattern, 1).copy()
    if not 0.0 <= float(fraction) <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    k = int(round(float(fraction) * s.size))
    idx = np.random.default_rng(_int("seed", seed)).choice(s.size, size=k, replace=False)
    s[idx] *= -1
    return s


def couplings(xi: Any, rule: str = "hebb", kappa: float = 0.0) -> np.ndarray:
    """The N×N coupling matrix (zero diagonal) that ``rule`` learns from the rows of ``xi``:
    ``"hebb"``, ``"pseudo-inverse"`` (projection rule, needs p < N), ``"storkey"`` or
    ``"minover"`` (optimal-stability perceptron to margin ``kappa``; not symmetric)."""
    if rule not in _RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(_RULES)}")
    return _glassbox.hopfield_couplings(_pm1("patterns", xi, 2), rule, float(kappa))


def run(
    xi: Any,
    start: Any,
    rule: str = "hebb",
    dynamics: str = "async",
    temperature: float = 0.1,
    sweeps: int = 1000,
    seed: int = 1,
    kappa: float = 0.0,
    power: int = 2,
) -> Dict[str, Any]:
    """Runs the network that ``rule`` builds from the rows of ``xi``, starting at ``start``.

    ``dynamics``: ``"async"`` (T = 0, random sequential order, until a fixed point),
    ``"sync"`` (T = 0, parallel, until a fixed point or a 2-cycle) or ``"glauber"`` (heat
    bath at ``temperature`` for ``sweeps`` sweeps). ``rule="hebb"`` uses the low-rank path
    (no N×N matrix). ``power`` n > 2 runs the dense associative memory with energy
    E = -(N/2) Σ_μ m_μⁿ instead (``rule`` is then ignored).

    Returns a dict: ``state`` (int8), ``overlaps`` (float64 array over patterns), ``sweeps``,
    ``period`` (1 fixed point, 2 two-cycle, None if stopped), ``flips``, ``energy``.
    """
    if rule not in _RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(_RULES)}")
    out = json.loads(
        _glassbox.hopfield_run(
            _pm1("patterns", xi, 2), _pm1("start", start, 1), rule, str(dynamics),
            float(temperature), _int("sweeps", sweeps), _int("seed", seed), float(kappa),
            _int("power", power, 2),
        )
    )
    out["state"] = np.array(out["state"], dtype=np.int8)
    out["overlaps"] = np.array(out["overlaps"], dtype=float)
    return out


def _floats(values: Union[float, Sequence[float]]) -> list:
    return [float(x) for x in np.atleast_1d(np.asarray(values, dtype=float))]


def capacity(
    sizes: Sequence[int],
    alphas: Union[float, Sequence[float]],
    samples: int = 20,
    starts: int = 10,
    max_sweeps: int = 1000,
    success: float = 0.9,
    threshold: float = 0.8,
    seed: int = 1,
) -> Dict[str, Any]:
    """The capacity experiment of the Hebbian network (parallel, seed-deterministic).

    For each N in ``sizes`` and load α in ``alphas`` (increasing), ``samples`` pattern sets
    with p = round(αN); T = 0 asynchronous dynamics from each of ``starts`` patterns. Returns
    ``n``, ``alpha``, ``p``, ``mean_overlap``, ``error``, ``success`` (fraction with final
    m ≥ ``success``), ``mean_sweeps`` as flat arrays over (N, α) N-major, ``histogram``
    (points × 40 bins on [-1, 1]), ``alpha_c`` (per N: crossing of mean m = ``threshold``
    and of success = 1/2) and ``extrapolation`` (fits in 1/N and 1/√N; ``None`` where
    fewer than two sizes crossed).
    """
    raw = json.loads(
        _glassbox.hopfield_capacity_experiment(
            [_int("size", n, 2) for n in sizes], _floats(alphas), _int("samples", samples, 1),
            _int("starts", starts, 1), _int("max_sweeps", max_sweeps, 1), float(success),
            float(threshold), _int("seed", seed),
        )
    )
    pts = raw["points"]
    out: Dict[str, Any] = {
        k: np.array([p[k] for p in pts], dtype=float)
        for k in ("n", "alpha", "p", "mean_overlap", "error", "success", "mean_sweeps")
    }
    out["histogram"] = np.array([p["histogram"] for p in pts], dtype=np.int64)
    out["alpha_c"] = raw["critical"]
    out["extrapolation"] = {"mean": raw["extrapolation_mean"], "half": raw["extrapolation_half"]}
    return out


def basins(
    n: int,
    alphas: Union[float, Sequence[float]],
    flip_fractions: Union[float, Sequence[float]],
    samples: int = 5,
    starts: int = 10,
    success: float = 0.9,
    seed: int = 1,
) -> Dict[str, np.ndarray]:
    """Basins of attraction of the Hebbian network: for each α and flipped fraction (≤ 1/2),
    ``mean_overlap``, ``error`` and ``success`` after T = 0 dynamics (flat arrays, α-major)."""
    pts = json.loads(
        _glassbox.hopfield_basins(
            _int("n", n, 2), _floats(alphas), _floats(flip_fractions), _int("samples", samples, 1),
            _int("starts", starts, 1), float(success), _int("seed", seed),
        )
    )
    return {k: np.array([p[k] for p in pts], dtype=float) for k in pts[0]} if pts else {}


def modern_update(x: Any, state: Any, beta: float) -> np.ndarray:
    """One update of the continuous modern Hopfield network, ξ ← Xᵀ softmax(β X ξ), with the
    stored patterns as the rows of ``x`` (Ramsauer et al. 2020: one step of attention)."""
    xa = np.ascontiguousarray(x, dtype=np.float64)
    if xa.ndim != 2:
        raise ValueError(f"x must be two-dimensional, got shape {xa.shape}")
    return _glassbox.modern_hopfield_update(
        xa, np.ascontiguousarray(state, dtype=np.float64), float(beta)
    )
