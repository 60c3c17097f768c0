"""The renormalization group on Ising configurations, and learned order parameters.

    >>> from glassbox import rg
    >>> c = rg.configurations((32, 32), [2.0, 2.269, 2.6], count=10, seed=1)  # (3, 10, 32, 32)
    >>> b = rg.block(c[1, 0], b=2, seed=1)                                    # (16, 16) block spins
    >>> r = rg.mcrg(l=32, levels=3, measurements=2000)
    >>> r["nu"], r["nu_err"]                                                  # ν per blocking step
    >>> p = rg.pca_order(c.reshape(30, -1), [2.0, 2.269, 2.6], per=10)
    >>> p["uniform_overlap"], p["t_peak"]
    >>> t = np.linspace(0.6, 2.0, 8)
    >>> q = rg.overlap_configurations((6, 6, 6), t, samples=4)                # spin glass
    >>> rg.latent_order(q.reshape(len(q) * q.shape[1], -1), t, per=q.shape[1])["euclidean"]
    >>> s = rg.rbm_stack(l=16, hidden=(64, 16), l1=1e-3)                      # Mehta–Schwab

Conventions: spins are int8 ±1 on periodic lattices; a configuration array of shape
(L_y, L_x) or (L_z, L_y, L_x) is the library's layout (x fastest) in C order. The model is
the ferromagnet H = −Σ_⟨ij⟩ s_i s_j (J = 1), T_c = 2/ln(1+√2) ≈ 2.2692 in 2D. Block spins
use the majority rule with random tie-breaks; ν = ln b / ln λ_t from Swendsen's MCRG.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Sequence

import numpy as np

from . import _glassbox

__all__ = [
    "TC_SQUARE",
    "configurations",
    "block",
    "mcrg",
    "flow",
    "pca",
    "pca_order",
    "latent_order",
    "overlap_configurations",
    "rbm_stack",
    "TC_EA_PM",
    "TC_EA_GAUSSIAN",
]

#: Onsager's critical temperature of the square-lattice Ising ferromagnet (J = 1).
TC_SQUARE = 2.0 / np.log(1.0 + np.sqrt(2.0))
#: T_c of the 3D ±J Edwards–Anderson glass, 1.1019(29) (Baity-Jesi et al. 2013).
TC_EA_PM = 1.1019
#: T_c of the 3D Gaussian Edwards–Anderson glass, 0.951(9) (Katzgraber, Körner & Young 2006).
TC_EA_GAUSSIAN = 0.951


def configurations(
    shape: Sequence[int],
    temperatures: Sequence[float],
    count: int = 100,
    sweeps: int = 1,
    thermalize: int = 200,
    seed: int = 1,
) -> np.ndarray:
    """Wolff configurations of the ferromagnet on the periodic lattice ``shape`` (C order,
    last axis = x): int8 array of shape ``(len(temperatures), count, *shape)``, ``sweeps``
    Wolff sweeps apart (a sweep flips ≥ N spins), each with a random global sign."""
    shape = tuple(int(s) for s in shape)
    dims = list(reversed(shape))
    flat = _glassbox.rg_configurations(
        dims, [float(t) for t in temperatures], int(count), int(sweeps), int(thermalize), int(seed)
    )
    return np.asarray(flat).reshape((len(temperatures), int(count)) + shape)


def block(config: np.ndarray, b: int = 2, seed: int = 1) -> np.ndarray:
    """Majority-rule block spins of one configuration (2D or 3D int8 array, every side a
    multiple of ``b``): the array of shape ``side / b``; ties broken by a fair coin drawn
    from ``seed``."""
    a = np.ascontiguousarray(config, dtype=np.int8)
    dims = list(reversed(a.shape))
    out, d = _glassbox.rg_block(a.reshape(-1), dims, int(b), int(seed))
    return np.asarray(out).reshape(tuple(reversed(d)))


def mcrg(
    l: int = 32,
    temperature: float = TC_SQUARE,
    b: int = 2,
    levels: int = 3,
    operators: int = 4,
    measurements: int = 2000,
    chains: int = 2,
    seed: int = 1,
) -> Dict[str, Any]:
    """Swendsen's Monte Carlo RG on the L × L lattice: for each blocking step n → n + 1 the
    thermal eigenvalue ``lambda_t`` of T = A⁻¹B and ``nu`` = ln b / ln λ_t, the magnetic
    eigenvalue ``lambda_h`` of the odd-operator map and ``y_h`` = ln λ_h / ln b (exact 15/8),
    with jackknife errors (arrays over steps), ``matrix`` (steps × k × k, even sector) and
    ``nn_flow`` (nn correlation per level)."""
    r = json.loads(
        _glassbox.rg_mcrg(
            int(l), float(temperature), int(b), int(levels), int(operators),
            int(measurements), int(chains), int(seed),
        )
    )
    lv = r["levels"]
    k = int(operators)
    return {
        "side": np.array([x["side"] for x in lv]),
        "lambda_t": np.array([x["lambda_t"]["mean"] for x in lv]),
        "lambda_t_err": np.array([x["lambda_t"]["error"] for x in lv]),
        "nu": np.array([x["nu"]["mean"] for x in lv]),
        "nu_err": np.array([x["nu"]["error"] for x in lv]),
        "lambda_h": np.array([x["lambda_h"]["mean"] for x in lv]),
        "lambda_h_err": np.array([x["lambda_h"]["error"] for x in lv]),
        "y_h": np.array([x["y_h"]["mean"] for x in lv]),
        "y_h_err": np.array([x["y_h"]["error"] for x in lv]),
        "matrix": np.array([x["matrix"] for x in lv]).reshape(len(lv), k, k),
        "nn_flow": np.array([e["mean"] for e in r["nn_flow"]]),
        "nn_flow_err": np.array([e["error"] for e in r["nn_flow"]]),
    }


def flow(
    shape: Sequence[int],
    temperatures: Sequence[float],
    b: int = 2,
    levels: int = 3,
    measurements: int = 500,
    seed: int = 1,
) -> Dict[str, np.ndarray]:
    """Nearest-neighbour correlation per bond after 0 … ``levels`` blockings at each
    temperature: ``g`` and ``g_err`` of shape (len(temperatures), levels + 1)."""
    dims = [int(s) for s in reversed(tuple(shape))]
    f = json.loads(
        _glassbox.rg_flow(dims, [float(t) for t in temperatures], int(b), int(levels), int(measurements), int(seed))
    )
    return {
        "g": np.array([[e["mean"] for e in row] for row in f]),
        "g_err": np.array([[e["error"] for e in row] for row in f]),
    }


def pca(x: np.ndarray, k: int = 2) -> Dict[str, np.ndarray]:
    """Principal components of the rows of ``x`` (samples × features): ``components``
    (k × N unit vectors, largest variance first, sign with Σ w ≥ 0), ``variances``,
    ``explained`` (fractions of the total variance) and ``mean``."""
    r = json.loads(_glassbox.rg_pca(np.ascontiguousarray(x, dtype=np.float64), int(k)))
    return {key: np.asarray(v) for key, v in r.items()}


def _curve(c: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "temperatures": np.asarray(c["temperatures"]),
        "z": np.array([e["mean"] for e in c["mean"]]),
        "z_err": np.array([e["error"] for e in c["mean"]]),
        "chi": np.asarray(c["chi"]),
        "t_peak": c["t_peak"],
        "t_peak_err": c["t_peak_error"],
        "t_star": c["fit"]["t_star"],
        "t_star_err": c["t_star_error"],
        "fit": c["fit"],
    }


def pca_order(configs: np.ndarray, temperatures: Sequence[float], per: int) -> Dict[str, Any]:
    """PCA order parameter: ``configs`` holds ``per`` consecutive rows (flattened ±1
    configurations) per temperature. Returns the curve of ⟨|p₁|⟩/√N (``z``), its slope
    ``chi``, the peak ``t_peak`` ± ``t_peak_err``, the centre ``t_star`` ± ``t_star_err`` of
    the fitted step a + b·tanh((T − T*)/w) (``fit``), ``uniform_overlap`` and ``explained``."""
    a = np.ascontiguousarray(np.asarray(configs).reshape(len(configs), -1), dtype=np.int8)
    r = json.loads(_glassbox.rg_pca_order(a, [float(t) for t in temperatures], int(per)))
    out = _curve(r["curve"])
    out["uniform_overlap"] = r["uniform_overlap"]
    out["explained"] = np.asarray(r["pca"]["explained"])
    return out


def latent_order(
    configs: np.ndarray,
    temperatures: Sequence[float],
    per: int,
    hidden: int = 64,
    epochs: int = 20,
    beta_kl: float = 1.0,
    variational: bool = True,
    seed: int = 1,
) -> Dict[str, Any]:
    """Autoencoder order parameter: a (variational) autoencoder N → hidden → 2 trained on all
    configurations (``per`` rows per temperature, labels unused); Z^op = Manhattan norm of
    the 2D latent code about its mean. Returns the curve (``z``, ``chi``, ``t_peak``,
    ``t_star`` of the fitted step), the same for the rotation-invariant Euclidean norm under
    ``euclidean``, the
    2D ``points`` (temperatures × per × 2) and the epoch ``losses``."""
    a = np.ascontiguousarray(np.asarray(configs).reshape(len(configs), -1), dtype=np.int8)
    r = json.loads(
        _glassbox.rg_latent_order(
            a, [float(t) for t in temperatures], int(per), int(hidden), int(epochs),
            float(beta_kl), bool(variational), int(seed),
        )
    )
    out = _curve(r["curve"])
    out["euclidean"] = _curve(r["euclidean"])
    out["points"] = np.asarray(r["points"])
    out["losses"] = np.asarray(r["losses"])
    return out


def overlap_configurations(
    shape: Sequence[int],
    temperatures: Sequence[float],
    couplings: str = "plus-minus",
    samples: int = 8,
    thermalization: int = 20000,
    snapshots: int = 50,
    every: int = 10,
    disorder_seed: int = 1,
    seed: int = 1,
) -> np.ndarray:
    """Overlap configurations q_i = s_i^a s_i^b of two parallel-tempering replicas of the
    periodic Edwards–Anderson glass on ``shape`` (J_ij = ±1 for ``"plus-minus"``, N(0, 1)
    for ``"gaussian"``; ``samples`` disorder samples drawn from ``disorder_seed``), each with
    a random global sign: int8 array of shape ``(len(temperatures), samples · snapshots,
    *shape)``, snapshots ``every`` sweeps apart after ``thermalization`` sweeps. They are
    gauge invariant and feed :func:`pca_order` and :func:`latent_order` as Ising
    configurations do (the overlap q plays the magnetization)."""
    shape = tuple(int(s) for s in shape)
    flat = _glassbox.rg_overlap_configurations(
        [int(s) for s in reversed(shape)], str(couplings), [float(t) for t in temperatures],
        int(samples), int(thermalization), int(snapshots), int(every), int(disorder_seed), int(seed),
    )
    return np.asarray(flat).reshape((len(temperatures), int(samples) * int(snapshots)) + shape)


def rbm_stack(
    l: int = 32,
    temperature: float = TC_SQUARE,
    hidden: Sequence[int] | None = None,
    configs: int = 2000,
    epochs: int = 20,
    learning_rate: float = 0.01,
    weight_decay: float = 1e-4,
    l1: float = 0.0,
    window: int = 5,
    flow_temperatures: Sequence[float] | None = None,
    flow_configs: int = 200,
    seed: int = 1,
) -> Dict[str, Any]:
    """Stacked RBMs (Mehta & Schwab) trained greedily by CD-1 on L × L configurations at
    ``temperature`` (hidden units per layer ``hidden``, default L²/4, L²/16; L2
    ``weight_decay`` and L1 penalty ``l1`` on the weights). Returns per layer the
    ``locality`` (share of squared weight in a ``window``² window around each receptive
    field's peak) ± ``locality_err`` and its site-permuted ``baseline``; the receptive
    ``fields`` (list over layers of arrays units × L × L); and the nn-correlation flows at
    ``flow_temperatures`` (default T_c × 0.8 … 1.25): ``g_block`` and ``g_rbm`` of shape
    (temperatures, layers + 1) — k majority-rule blockings vs layer-k reconstructions."""
    l = int(l)
    hidden = [l * l // 4, l * l // 16] if hidden is None else [int(h) for h in hidden]
    if flow_temperatures is None:
        flow_temperatures = [x * TC_SQUARE for x in (0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.25)]
    r = json.loads(
        _glassbox.rg_rbm_stack(
            l, float(temperature), hidden, int(configs), int(epochs), float(learning_rate),
            float(weight_decay), float(l1), int(window), [float(t) for t in flow_temperatures],
            int(flow_configs), int(seed),
        )
    )
    loc = r["locality"]
    return {
        "locality": np.array([x["locality"]["mean"] for x in loc]),
        "locality_err": np.array([x["locality"]["error"] for x in loc]),
        "baseline": np.array([x["baseline"]["mean"] for x in loc]),
        "fields": [np.asarray(f).reshape(len(f), l, l) for f in r["fields"]],
        "temperatures": np.array([p["t"] for p in r["flow"]]),
        "g_block": np.array([[e["mean"] for e in p["block"]] for p in r["flow"]]),
        "g_rbm": np.array([[e["mean"] for e in p["rbm"]] for p in r["flow"]]),
    }
