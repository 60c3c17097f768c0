"""The cavity method as algorithms: belief propagation, TAP, AMP and its state evolution.

    >>> from glassbox import Model, cavity
    >>> g = Model.random_regular(2000, 3, couplings="pm")
    >>> r = cavity.bp(g, temperature=1.5)          # Bethe energy, free energy, marginals
    >>> cavity.amp(Model.sk(2000), temperature=1.5)["overlaps"]

BP works on sparse and lattice models (not dense ones); it is exact on trees. TAP and AMP are
for dense (SK-type) models; ``hopfield_amp`` is AMP for the Hopfield network (one condensed
pattern), and ``cavity_field`` measures by Monte Carlo the field acting on a removed SK spin.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Sequence

import numpy as np

from . import _glassbox

__all__ = [
    "bp", "tap", "amp", "state_evolution", "hopfield_amp", "hopfield_state_evolution",
    "cavity_field",
]


def _unpack(raw: str) -> Dict[str, Any]:
    out = json.loads(raw)
    return {k: np.array(v) if isinstance(v, list) else v for k, v in out.items()}


def _model(model: Any) -> Any:
    return getattr(model, "_ising", model)


def bp(
    model: Any, temperature: float, damping: float = 0.0, max_iterations: int = 1000,
    tolerance: float = 1e-10, schedule: str = "parallel", start: float = 0.5, seed: int = 1,
) -> Dict[str, Any]:
    """Sum-product BP: ``converged, iterations, magnetizations, correlations (i, j, <s_i s_j>),
    ln_z_per_spin, free_energy, energy, entropy`` (per spin). ``schedule``: parallel,
    random or sequential; ``start``: the initial cavity bias of every message."""
    return _unpack(_glassbox.cavity_bp(
        _model(model), float(temperature), float(damping), int(max_iterations),
        float(tolerance), schedule, float(start), int(seed),
    ))


def tap(
    model: Any, temperature: float, onsager: bool = True, damping: float = 0.5,
    max_iterations: int = 2000, tolerance: float = 1e-10,
) -> Dict[str, Any]:
    """TAP magnetizations (``onsager=False``: naive mean field), overlaps per iteration and
    the TAP free energy per spin."""
    return _unpack(_glassbox.cavity_tap(
        _model(model), float(temperature), bool(onsager), float(damping), int(max_iterations), float(tolerance)
    ))


def amp(model: Any, temperature: float, iterations: int = 200, tolerance: float = 1e-10) -> Dict[str, Any]:
    """Bolthausen's AMP iteration: magnetizations and the overlap q_t after each step."""
    return _unpack(_glassbox.cavity_amp(_model(model), float(temperature), int(iterations), float(tolerance)))


def state_evolution(temperature: float, fields: Sequence[float], v: float = 1.0, steps: int = 50) -> np.ndarray:
    """q_{t+1} = mean_i E_z tanh²(β(h_i + √(v q_t) z)) from q_0 = 0 (``steps + 1`` values)."""
    return np.array(_glassbox.cavity_state_evolution(float(temperature), [float(h) for h in fields], float(v), int(steps)))


def hopfield_amp(
    patterns: Any, temperature: float, start: Sequence[float], condensed: int = 0,
    iterations: int = 200, tolerance: float = 1e-10,
) -> Dict[str, Any]:
    """AMP for the Hopfield network with Hebb couplings of ``patterns`` (p × N array of ±1),
    pattern ``condensed`` in mean field, from magnetizations ``start`` (entries in [−1, 1]; a
    ±1 state keeps β(1 − q) < 1). Returns ``magnetizations``, the Mattis overlaps ``mattis``
    (M_t) and ``overlaps`` (q_t) per iteration, ``alpha`` = (p − 1)/N, ``converged``."""
    xi = np.ascontiguousarray(patterns, dtype=np.int8)
    return _unpack(_glassbox.cavity_hopfield_amp(
        xi, float(temperature), [float(x) for x in start], int(condensed), int(iterations), float(tolerance)
    ))


def hopfield_state_evolution(
    alpha: float, temperature: float, m0: float, q0: float = 1.0, steps: int = 50
) -> Dict[str, Any]:
    """M_{t+1} = E tanh(β(M_t + √(α r_t) z)), q_{t+1} = E tanh²(…), r_t = q_t/(1 − β(1 − q_t))²:
    ``mattis`` and ``overlaps`` arrays of ``steps + 1`` values (fixed points: the AGS equations)."""
    return _unpack(_glassbox.cavity_hopfield_state_evolution(
        float(alpha), float(temperature), float(m0), float(q0), int(steps)
    ))


def cavity_field(
    model: Any, temperature: float, thermalization: int = 1000, sweeps: int = 20000,
    draws: int = 4000, seed: int = 1,
) -> Dict[str, Any]:
    """Metropolis on ``model`` (the cavity system, N − 1 spins) and the cavity field
    h_0 = Σ_j J_0j s_j of a removed spin with J_0j ~ N(0, 1/N): ``q`` of the system,
    ``mean_fields`` (h̃ = Σ_j J_0j m_j for ``draws`` draws of J_0; RS: Gaussian of variance q),
    ``mean_field_variance``, ``thermal`` (h_0 per sweep for the first draw), ``thermal_mean``
    and ``thermal_variance`` (RS: 1 − q), estimates as dicts with ``mean`` and ``error``."""
    return _unpack(_glassbox.cavity_field(
        _model(model), float(temperature), int(thermalization), int(sweeps), int(draws), int(seed)
    ))

