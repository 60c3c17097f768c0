"""The cavity method as algorithms: belief propagation, TAP, AMP and its state evolution.

    >>> from glassbox import Model, cavity
    >>> g = Model.random_regular(2000, 3, couplings="pm")
    >>> r = cavity.bp(g, temperature=1.5)          # Bethe energy, free energy, marginals
    >>> cavity.amp(Model.sk(2000), temperature=1.5)["overlaps"]

BP works on sparse and lattice models (not dense ones); it is exact on trees. TAP and AMP are
for dense (SK-type) models.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Sequence

import numpy as np

from . import _glassbox

__all__ = ["bp", "tap", "amp", "state_evolution"]


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
    ln_z_per_spin, free_energy, energy, entropy`` (per spin). ``schedule``: parallel or
    random; ``start``: the initial cavity bias of every message."""
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
