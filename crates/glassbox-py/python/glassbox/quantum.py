"""Transverse-field Ising models ``H = H_cl(σᶻ) − Γ Σ_i σˣ_i`` on any glassbox model.

    >>> from glassbox import Model, quantum
    >>> ring = Model.lattice([12])                      # periodic ferromagnetic chain
    >>> quantum.ed(ring, gamma=1.0)["energy"]           # Lanczos ground energy (N ≤ 20)
    >>> quantum.thermal(ring, 1.0, temperatures=[0.5])   # full diagonalization (N ≤ 12)
    >>> quantum.pimc(ring, gamma=1.0, temperature=0.5, slices=16)["energy"]
    >>> quantum.sqa(Model.lattice([8, 8], couplings="pm"), slices=16, sweeps=200)["best_energy"]

σ are Pauli matrices (eigenvalues ±1); ``H_cl(s) = −Σ_{i<j} J_ij s_i s_j − Σ_i h_i s_i`` is
the model's classical energy; temperatures have k_B = 1. Zero-field models are diagonalized
in the spin-flip parity sectors, so ``gap`` is the true gap to the first excited state.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np

from . import _glassbox

__all__ = ["ed", "thermal", "annealing_path", "pimc", "sqa"]


def _arrays(out: Any) -> Any:
    if isinstance(out, dict):
        return {k: _arrays(v) for k, v in out.items()}
    if isinstance(out, list):
        if out and all(isinstance(x, (int, float)) or x is None for x in out):
            return np.array([np.nan if x is None else x for x in out], dtype=float)
        if out and all(isinstance(x, list) for x in out):
            try:
                return np.array(out, dtype=float)
            except ValueError:
                return [_arrays(x) for x in out]
        return [_arrays(x) for x in out]
    return np.nan if out is None else out


def _model(model: Any) -> Any:
    return getattr(model, "_ising", model)


def ed(model: Any, gamma: float) -> Dict[str, Any]:
    """Exact diagonalization (matrix-free Lanczos, N ≤ 20) of ``H = H_cl − Γ Σσˣ``.

    Returns ``energy`` (E0), ``excited`` (E1), ``gap``, ``even_gap`` and ``odd_energy``
    (zero-field models: the gap inside the even parity sector and the lowest odd level),
    ``sigma_x`` (⟨σˣ⟩ per spin), ``classical_energy`` (⟨H_cl⟩), ``magnetization``
    (⟨σᶻ_i⟩), ``m2`` (⟨(Σσᶻ/N)²⟩) and ``classical_ground_weight``.
    """
    return _arrays(json.loads(_glassbox.quantum_ed(_model(model), float(gamma))))


def thermal(model: Any, gamma: float, temperatures: Sequence[float]) -> Dict[str, np.ndarray]:
    """Thermal averages by full diagonalization (N ≤ 12) at each temperature: arrays
    ``temperature, energy, classical_energy, sigma_x, m2, free_energy, specific_heat``."""
    t = np.atleast_1d(np.asarray(temperatures, dtype=float))
    if np.any(~(t > 0)):
        raise ValueError("temperatures must be positive")
    pts = json.loads(_glassbox.quantum_thermal(_model(model), float(gamma), list(1.0 / t)))
    out = {k: np.array([p[k] for p in pts]) for k in pts[0] if k != "beta"}
    out["temperature"] = t
    return out


def annealing_path(
    model: Any, gamma0: float = 1.0, s: Sequence[float] = tuple(np.linspace(0, 1, 41)),
    levels: int = 3,
) -> Dict[str, Any]:
    """Lowest ``levels`` energies of ``H(s) = s·H_cl − (1 − s)·Γ0·Σσˣ`` at each s (even parity
    sector for zero fields). Returns ``s``, ``levels`` (len(s) × levels), ``gap``,
    ``min_gap`` and ``s_min``."""
    raw = json.loads(
        _glassbox.quantum_path(_model(model), float(gamma0), [float(x) for x in s], int(levels))
    )
    pts = raw["points"]
    return {
        "s": np.array([p["s"] for p in pts]),
        "levels": np.array([p["levels"] for p in pts]),
        "gap": np.array([p["gap"] for p in pts]),
        "min_gap": raw["min_gap"],
        "s_min": raw["s_min"],
        "even_sector": raw["even_sector"],
    }


def pimc(
    model: Any, gamma: float, temperature: float, slices: int = 16, sweeps: int = 10000,
    thermalize: int = 1000, cluster: bool = True, seed: int = 1,
) -> Dict[str, Any]:
    """Path-integral Monte Carlo (Suzuki–Trotter with ``slices`` = P, inter-slice coupling
    K = −½ ln tanh(βΓ/P)). Returns estimates (dicts with ``mean, error, tau_int``) of
    ``energy`` (thermodynamic estimator), ``sigma_x`` (per spin), ``classical_energy`` and
    ``m2``, plus ``k_perp`` and ``acceptance``. Trotter error is O(1/P²): run several P and
    extrapolate."""
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    config = dict(beta=1.0 / float(temperature), gamma=float(gamma), slices=int(slices),
                  thermalize=int(thermalize), sweeps=int(sweeps), cluster=bool(cluster),
                  seed=int(seed))
    out = json.loads(_glassbox.quantum_pimc(_model(model), json.dumps(config)))
    return {k: (np.nan if v is None else v) for k, v in out.items()}


def _gamma_schedule(schedule: Union[str, Sequence[float]]) -> Dict[str, Any]:
    if isinstance(schedule, str):
        if schedule not in ("linear", "geometric"):
            raise ValueError(f"schedule must be 'linear', 'geometric' or a list, got {schedule!r}")
        return {"kind": schedule}
    return {"kind": "custom", "gammas": [float(g) for g in schedule]}


def sqa(
    model: Any, slices: int = 20, temperature: float = 0.05, gamma0: float = 3.0,
    gamma1: float = 1e-3, sweeps: int = 1000, reads: int = 32, cluster: bool = False,
    trace_every: int = 0, seed: int = 1, schedule: Union[str, Sequence[float]] = "linear",
) -> Dict[str, Any]:
    """Simulated quantum annealing (Martoňák–Santoro–Tosatti): Γ falls from ``gamma0`` to
    ``gamma1`` over ``sweeps`` sweeps of all N·P spins at fixed temperature, ``reads``
    restarts in parallel. ``schedule``: ``"linear"`` or ``"geometric"`` in time, or a sequence
    of Γ values at evenly spaced times (linearly interpolated; overrides gamma0/gamma1). Returns the per-read arrays of ``glassbox.anneal``:
    ``best_energy``, ``best_spins`` (reads × N, int8), ``final_energy``, ``traces``
    (reads × trace points, lowest slice energy) and ``trace_sweeps``, ``gammas``."""
    if not temperature > 0:
        raise ValueError("temperature must be positive")
    every = max(1, int(sweeps) // 200) if trace_every == 0 else int(trace_every)
    config = dict(slices=int(slices), beta=1.0 / float(temperature), gamma0=float(gamma0),
                  gamma1=float(gamma1), schedule=_gamma_schedule(schedule),
                  sweeps=int(sweeps), reads=int(reads), cluster=bool(cluster),
                  trace_every=every, seed=int(seed))
    raw = json.loads(_glassbox.quantum_sqa(_model(model), json.dumps(config)))
    reads_ = raw["reads"]
    return {
        "best_energy": np.array([r["best_energy"] for r in reads_]),
        "final_energy": np.array([r["final_energy"] for r in reads_]),
        "best_spins": np.array([r["best_spins"] for r in reads_], dtype=np.int8),
        "traces": np.array([r["trace"] for r in reads_]),
        "trace_sweeps": np.array(raw["trace_sweeps"]),
        "gammas": np.array(raw["gammas"]),
    }


def compare(
    models: Sequence[Any], sweeps: Sequence[int] = (10, 30, 100, 300), slices: int = 16,
    temperature: Optional[float] = None, gamma0: float = 3.0, gamma1: float = 1e-3,
    schedule: Union[str, Sequence[float]] = "linear", reads: int = 16, cluster: bool = False,
    sa_schedule: str = "geometric", reference_sweeps: int = 0, reference_reads: int = 16,
    seed: int = 1,
) -> Dict[str, Any]:
    """Simulated quantum annealing against simulated annealing (``glassbox.anneal``) at equal
    single-spin updates on each instance of ``models``: SQA with τ sweeps of ``slices`` = P
    slices (temperature default 1/P), SA with τ·P sweeps, for every τ of ``sweeps``.
    Residual energy per spin ``(E_best − E_ref)/N``, with E_ref the lowest energy found by any
    run (and by an optional SA reference run of ``reference_sweeps`` sweeps). Returns
    ``sqa_sweeps``, ``updates`` and for ``"sa"`` and ``"sqa"`` dicts of arrays ``residual``,
    ``error`` (over instances and reads), ``success`` and ``seconds``; ``references``;
    ``energies`` (method × τ × instance × read)."""
    t = 1.0 / int(slices) if temperature is None else float(temperature)
    if not t > 0:
        raise ValueError("temperature must be positive")
    config = dict(
        sqa=dict(slices=int(slices), beta=1.0 / t, gamma0=float(gamma0), gamma1=float(gamma1),
                 schedule=_gamma_schedule(schedule), sweeps=1, reads=int(reads),
                 cluster=bool(cluster), trace_every=1, seed=int(seed)),
        sa_schedule=str(sa_schedule), sweeps=[int(s) for s in sweeps],
        reference_sweeps=int(reference_sweeps), reference_reads=int(reference_reads),
        seed=int(seed))
    raw = json.loads(_glassbox.quantum_compare([_model(m) for m in models], json.dumps(config)))

    def curve(points: List[Dict[str, Any]]) -> Dict[str, np.ndarray]:
        return {k: np.array([p[k] for p in points]) for k in ("residual", "error", "success",
                                                             "seconds")}

    return {
        "sqa_sweeps": np.array([p["sqa_sweeps"] for p in raw["sqa"]]),
        "updates": np.array([p["updates"] for p in raw["sqa"]]),
        "sa": curve(raw["sa"]),
        "sqa": curve(raw["sqa"]),
        "references": np.array(raw["references"]),
        "energies": raw["energies"],
    }
