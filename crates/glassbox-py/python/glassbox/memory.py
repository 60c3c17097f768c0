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
    "hybrid",
    "mnist_patterns",
    "recall_memory",
    "store",
    "scaling",
    "stability",
    "modern_scan",
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
    interaction: str = "power",
) -> Dict[str, Any]:
    """Runs the network that ``rule`` builds from the rows of ``xi``, starting at ``start``.

    ``dynamics``: ``"async"`` (T = 0, random sequential order, until a fixed point),
    ``"sync"`` (T = 0, parallel, until a fixed point or a 2-cycle) or ``"glauber"`` (heat
    bath at ``temperature`` for ``sweeps`` sweeps). ``rule="hebb"`` uses the low-rank path
    (no N×N matrix). ``power`` n > 2 runs the dense associative memory with energy
    E = -(N/2) Σ_μ m_μⁿ instead, and ``interaction="exp"`` the one with F(x) = eˣ
    (Demircigil et al.; energy reported as E = -ln Σ_μ exp(ξ^μ·s)); ``rule`` is then ignored.

    Returns a dict: ``state`` (int8), ``overlaps`` (float64 array over patterns), ``sweeps``,
    ``period`` (1 fixed point, 2 two-cycle, None if stopped), ``flips``, ``energy``.
    """
    if rule not in _RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(_RULES)}")
    out = json.loads(
        _glassbox.hopfield_run(
            _pm1("patterns", xi, 2), _pm1("start", start, 1), rule, str(dynamics),
            float(temperature), _int("sweeps", sweeps), _int("seed", seed), float(kappa),
            _int("power", power, 2), str(interaction),
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


def hybrid(
    xi: Any,
    beta: float = 1.5,
    field: Optional[Any] = None,
    hidden: str = "gibbs",
    dt: float = 0.5,
    samples: int = 200_000,
    thin: int = 2,
    burn_in: int = 1000,
    seed: int = 1,
) -> Dict[str, Any]:
    """Sample the hybrid Boltzmann machine of Barra et al. (2012) and compare its visible
    marginal with the exact Hopfield Boltzmann distribution (N ≤ 20 units).

    Visible σ_i = ±1, hidden z_μ ∈ ℝ (one per pattern, the rows of ``xi``), weights ξ/√N,
    visible ``field`` h (length N, default 0): H = ½ Σ z² − Σ_μ z_μ (1/√N) Σ_i ξ_i^μ σ_i − h·σ
    at inverse temperature ``beta``. Integrating z out gives P(σ) ∝ exp{β[(N/2) Σ_μ m_μ² + h·σ]},
    the Hopfield distribution, and ⟨z_μ⟩/√N = ⟨m_μ⟩. ``hidden`` is ``"gibbs"`` (exact Gaussian
    draw) or ``"langevin"`` (the paper's SDE τ dz = (−z + g) dt + √(2τ/β) dW over ``dt``·τ,
    exact Ornstein–Uhlenbeck propagator); the visible units get a heat-bath update.

    Returns ``counts`` (visits per visible state, index Σ_i [σ_i=+1] 2^i), ``exact``
    (probabilities of the same states), ``total_variation``, ``exact_sampler_tv`` (mean, sd of
    the TV of an exact sampler with ``effective_samples`` draws), ``tau_int``, and arrays
    ``overlap``/``overlap_error`` (sampled ⟨m_μ⟩), ``hidden``/``hidden_error`` (⟨z_μ⟩/√N),
    ``exact_overlap``.
    """
    x = _pm1("xi", xi, 2)
    h = [] if field is None else [float(v) for v in np.asarray(field, dtype=float).ravel()]
    raw = json.loads(
        _glassbox.hopfield_hybrid(
            x, float(beta), h, str(hidden), float(dt), _int("burn_in", burn_in),
            _int("samples", samples, 2), _int("thin", thin, 1), _int("seed", seed),
        )
    )
    run, exact = raw["run"], raw["exact"]
    return {
        "counts": np.array(run["counts"], dtype=np.int64),
        "exact": np.array(exact["probabilities"], dtype=float),
        "total_variation": raw["total_variation"],
        "exact_sampler_tv": (raw["exact_sampler_tv"]["mean"], raw["exact_sampler_tv"]["error"]),
        "effective_samples": raw["effective_samples"],
        "tau_int": run["tau_int"],
        "overlap": np.array([e["mean"] for e in run["overlaps"]]),
        "overlap_error": np.array([e["error"] for e in run["overlaps"]]),
        "hidden": np.array([e["mean"] for e in run["hidden"]]),
        "hidden_error": np.array([e["error"] for e in run["hidden"]]),
        "exact_overlap": np.array(exact["overlaps"], dtype=float),
    }


def mnist_patterns(count: int = 10, threshold: float = 0.5, path: Optional[str] = None) -> Dict[str, Any]:
    """``count`` binarized MNIST test digits, the first image of each class in turn (so
    ``count`` ≤ 10 gives distinct digits): ``patterns`` (count × 784 int8, +1 where the pixel
    exceeds ``threshold``), ``labels`` and ``indices``. ``path``: the MNIST folder (default:
    ``$GLASSBOX_MNIST`` or ``../shared/data/mnist``)."""
    pats, labels, idx = _glassbox.hopfield_mnist_patterns(
        None if path is None else str(path), _int("count", count, 1), float(threshold)
    )
    return {"patterns": pats, "labels": np.array(labels), "indices": np.array(idx)}


def recall_memory(
    xi: Any,
    start: Any,
    target: int,
    memory: str = "hebb",
    power: int = 20,
    beta: float = 0.1,
    max_sweeps: int = 200,
    seed: int = 1,
    interaction: str = "power",
) -> Dict[str, Any]:
    """Recall from ``start`` in a memory storing the rows of ``xi``: ``"hebb"`` (classical,
    T = 0 asynchronous), ``"dense"`` (F(x) = x^power, Krotov–Hopfield, or with
    ``interaction="exp"`` F(x) = eˣ, Demircigil et al.) or ``"continuous"``
    (ξ ← X softmax(β Xᵀ ξ), Ramsauer et al.). Returns ``state`` (float array), ``overlap``
    with pattern ``target``, ``nearest`` (stored pattern of largest overlap) and ``steps``."""
    out = json.loads(
        _glassbox.hopfield_recall_memory(
            _pm1("xi", xi, 2), _pm1("start", start, 1), _int("target", target), str(memory),
            _int("power", power, 2), float(beta), _int("max_sweeps", max_sweeps, 1),
            _int("seed", seed), str(interaction),
        )
    )
    out["state"] = np.array(out["state"], dtype=float)
    return out


def store(
    count: int = 10,
    flip: float = 0.2,
    occlude_from: int = 14,
    power: int = 20,
    beta: float = 0.1,
    threshold: float = 0.5,
    path: Optional[str] = None,
    seed: int = 1,
    interaction: str = "power",
) -> Dict[str, Any]:
    """Store ``count`` binarized MNIST digits and recall each from a corrupted start
    (``flip`` of the pixels flipped, numpy RNG from ``seed``) and an occluded one (rows from
    ``occlude_from`` on set to background) in the classical Hebbian network and the modern
    dense (x^power, or eˣ with ``interaction="exp"``) and continuous networks. Returns ``patterns``, ``labels``, ``starts`` (dict kind →
    count × 784), ``recalled`` (dict (kind, memory) → count × 784 float), ``overlap`` and
    ``recalled_ok`` (dict (kind, memory) → arrays; ok = nearest pattern right and m > 0.95)."""
    d = mnist_patterns(count, threshold, path)
    xi = d["patterns"]
    rng = np.random.default_rng(_int("seed", seed))
    n = xi.shape[1]
    cols = int(round(np.sqrt(n)))
    corrupted = np.array([corrupt(x, flip, seed=int(rng.integers(2**31))) for x in xi])
    occluded = xi.copy()
    occluded[:, int(occlude_from) * cols:] = -1
    starts = {"corrupted": corrupted, "occluded": occluded}
    recalled, overlap, ok = {}, {}, {}
    for kind, st in starts.items():
        for mem in ("hebb", "dense", "continuous"):
            outs = [recall_memory(xi, st[mu], mu, mem, power, beta, seed=seed, interaction=interaction) for mu in range(len(xi))]
            recalled[(kind, mem)] = np.array([o["state"] for o in outs])
            overlap[(kind, mem)] = np.array([o["overlap"] for o in outs])
            ok[(kind, mem)] = np.array([o["nearest"] == mu and o["overlap"] > 0.95 for mu, o in enumerate(outs)])
    return {"patterns": xi, "labels": d["labels"], "starts": starts, "recalled": recalled,
            "overlap": overlap, "recalled_ok": ok}


def scaling(
    power: int,
    sizes: Sequence[int],
    samples: int = 8,
    starts: int = 4,
    flip: float = 0.0,
    success: float = 0.95,
    max_sweeps: int = 50,
    seed: int = 1,
    interaction: str = "power",
) -> Dict[str, Any]:
    """Capacity of dense associative memory F(x) = x^power (or eˣ with
    ``interaction="exp"``; ``power`` is then ignored) against N: for each N in
    ``sizes``, p_c where half the recalls (T = 0 from a pattern with ``flip`` of the units
    flipped) end with overlap ≥ ``success``. Returns ``n``, ``p_c`` arrays and ``exponent``,
    ``exponent_log_corrected`` (slopes of ln p_c and ln(p_c ln N) against ln N; Krotov–Hopfield
    predict power − 1) and ``growth_rate`` (slope of ln p_c against N; p_c ~ e^{αN} for the
    exponential)."""
    raw = json.loads(
        _glassbox.hopfield_scaling(
            _int("power", power, 2), [_int("size", n, 4) for n in sizes], _int("samples", samples, 1),
            _int("starts", starts, 1), float(flip), float(success), _int("max_sweeps", max_sweeps, 1),
            _int("seed", seed), str(interaction),
        )
    )
    slope = lambda f: None if f is None else f["slope"]  # noqa: E731
    return {
        "n": np.array([p["n"] for p in raw["points"]]),
        "p_c": np.array([p["p_c"] for p in raw["points"]], dtype=float),
        "exponent": slope(raw["exponent"]),
        "exponent_log_corrected": slope(raw["exponent_log_corrected"]),
        "growth_rate": slope(raw["growth_rate"]),
    }


def stability(
    n: int,
    p: Sequence[int],
    rule: str = "hebb",
    samples: int = 10,
    starts: int = 5,
    flip: float = 0.1,
    kappa: float = 0.0,
    seed: int = 1,
) -> Dict[str, np.ndarray]:
    """Exact fixed points and recall against the number of patterns ``p`` (a list) for a
    learning rule: arrays ``p``, ``alpha``, ``x`` (= p ln N / N), ``fixed_fraction``,
    ``all_fixed``, ``bit_error``, ``hebb_fixed_fraction`` (signal-to-noise theory
    (1 − H(√((N−1)/(p−1))))^N), ``mean_overlap``, ``error`` (recall from ``flip`` flipped)."""
    pts = json.loads(
        _glassbox.hopfield_stability(
            str(rule), float(kappa), _int("n", n, 2), [_int("p", q, 1) for q in p],
            _int("samples", samples, 1), _int("starts", starts, 1), float(flip), _int("seed", seed),
        )
    )
    return {k: np.array([q[k] for q in pts], dtype=float) for k in pts[0]}


def modern_scan(
    counts: Sequence[int],
    betas: Union[float, Sequence[float]],
    dim: int = 64,
    flip: float = 0.1,
    samples: int = 4,
    queries: int = 16,
    seed: int = 1,
) -> Dict[str, np.ndarray]:
    """Continuous modern Hopfield network: relative error ‖ξ_new − x‖/‖x‖ after one update
    ξ ← X softmax(β Xᵀ ξ) from a stored ±1 pattern of dimension ``dim`` with ``flip`` of its
    components flipped, for each count M in ``counts`` and β in ``betas``. Returns flat arrays
    ``count``, ``beta``, ``error``, ``error_err``, ``success`` (M-major)."""
    pts = json.loads(
        _glassbox.modern_hopfield_scan(
            _int("dim", dim, 1), [_int("count", m, 1) for m in counts], _floats(betas), float(flip),
            _int("samples", samples, 1), _int("queries", queries, 1), _int("seed", seed),
        )
    )
    return {k: np.array([p[k] for p in pts], dtype=float) for k in pts[0]}
