"""Mean-field theory: replica predictions to set simulations against.

    >>> from glassbox import theory
    >>> theory.hopfield_capacity()["alpha_c"]          # AGS: 0.1379056
    >>> theory.sk_rs([0.5, 2.0])["f"]                  # RS free energy per spin
    >>> theory.learning_curve("gibbs", [1, 2, 5])["epsilon"]
    >>> theory.parisi(0.5)["free_energy"]              # full RSB: -0.7911776
    >>> theory.krsb_ground_state(2)["energy"]          # 2RSB ground state: -0.764028

Conventions: k_B = 1, energies and free energies per spin; the SK model is
H = -Σ_{i<j} J_ij s_i s_j - h Σ s_i with J_ij ~ N(0, 1/N) (T_c = 1).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Sequence, Union

import numpy as np

from . import _glassbox

__all__ = [
    "sk_rs",
    "at_line",
    "hopfield_capacity",
    "hopfield_phase_diagram",
    "hopfield_ags",
    "gardner_capacity",
    "learning_curve",
    "replica_trick",
    "pspin",
    "bethe",
    "double_descent",
    "simulate_min_norm",
    "parisi",
    "krsb",
    "krsb_ground_state",
    "one_step",
]


def _floats(name: str, values: Union[float, Sequence[float]]) -> list:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a number or a 1-D sequence")
    return [float(x) for x in arr]


def _columns(rows: list) -> Dict[str, np.ndarray]:
    """A JSON list of records as a dict of numpy arrays, one per field."""
    if not rows:
        return {}
    return {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}


def sk_rs(temperatures: Union[float, Sequence[float]], h: float = 0.0) -> Dict[str, np.ndarray]:
    """SK replica-symmetric solution at each temperature: ``beta, h, q, m, f, e, s, chi`` and
    the AT stability parameter ``at_lambda`` (RS is stable iff it is < 1)."""
    return _columns(json.loads(_glassbox.sk_rs(_floats("temperatures", temperatures), float(h))))


def at_line(temperatures: Union[float, Sequence[float]]) -> Dict[str, np.ndarray]:
    """The de Almeida-Thouless line: ``t`` and the field ``h`` below which RS is unstable."""
    return _columns(json.loads(_glassbox.at_line(_floats("temperatures", temperatures))))


def hopfield_capacity() -> Dict[str, float]:
    """AGS storage capacity: ``alpha_c`` (0.1379), ``y_c`` and the overlap ``m_c`` there."""
    return json.loads(_glassbox.hopfield_capacity())


def hopfield_phase_diagram(alphas: Union[float, Sequence[float]]) -> Dict[str, np.ndarray]:
    """AGS T-α phase diagram: ``alpha, t_g`` (spin glass), ``t_m`` (retrieval states exist,
    0 where they do not) and ``t_c`` (retrieval is the global minimum, 0 where never)."""
    return _columns(json.loads(_glassbox.hopfield_phase_diagram(_floats("alphas", alphas))))


def hopfield_ags(alpha: float, temperature: float, m0: float = 1.0) -> Dict[str, Any]:
    """The AGS replica-symmetric solution (``m, q, r, f``) at load ``alpha`` and
    ``temperature``, iterated from overlap ``m0`` (1: retrieval branch, 0: spin glass)."""
    return json.loads(_glassbox.hopfield_ags(float(alpha), float(temperature), float(m0)))


def gardner_capacity(kappa: Union[float, Sequence[float]]) -> np.ndarray:
    """Gardner's capacity of the spherical perceptron with margin κ (α_c(0) = 2)."""
    return np.array(_glassbox.gardner_capacity(_floats("kappa", kappa)))


def learning_curve(rule: str, alphas: Union[float, Sequence[float]]) -> Dict[str, np.ndarray]:
    """Teacher-student perceptron learning curve for ``rule`` in {"gibbs", "bayes", "hebb"}:
    ``alpha``, teacher-student overlap ``r`` and generalization error ``epsilon``."""
    return _columns(json.loads(_glassbox.learning_curve(rule, _floats("alphas", alphas))))


def replica_trick(
    n: int = 12, temperature: float = 0.5, samples: int = 1000, max_n: int = 3, seed: int = 1
) -> Dict[str, Any]:
    """The replica trick made concrete: Z of ``samples`` SK instances of ``n`` spins computed
    exactly; ``phi`` = ln⟨Zⁿ⟩/(nN) at n = 1..max_n (``annealed`` = phi[0]), its polynomial
    extrapolation to n → 0 (``extrapolated``, ``extrapolated_err``) against the quenched
    ⟨ln Z⟩/N (``quenched``, ``quenched_err``), and ``curve_n``/``curve_phi`` over real n."""
    out = json.loads(
        _glassbox.replica_trick(int(n), float(temperature), int(samples), int(max_n), int(seed))
    )
    return {k: np.array(v) if isinstance(v, list) else v for k, v in out.items()}


def pspin(p: Union[int, Sequence[int]] = 3) -> Dict[str, np.ndarray]:
    """Spherical p-spin glass (Σ s_i² = N; covariance E[H(s)H(s')] = N q^p / 2, i.e. couplings
    of variance p!/(2N^(p-1))): ``p, t_d, t_s, q_d, q_s, e_threshold, e_ground`` for each p ≥ 3
    (p = 3: T_d = √(3/8))."""
    ps = [int(x) for x in np.atleast_1d(p)]
    return _columns(json.loads(_glassbox.pspin(ps)))


def bethe(degrees: Union[float, Sequence[float]], regular: bool = True) -> Dict[str, np.ndarray]:
    """Critical temperatures on c-regular random graphs (``regular=False``: Erdős–Rényi with
    mean degree c): ``c, t_ferro`` (J = 1), ``t_glass_pm`` (±1) and ``t_glass_gauss``
    (J ~ N(0, 1))."""
    return _columns(json.loads(_glassbox.bethe(_floats("degrees", degrees), bool(regular))))


def double_descent(
    gammas: Union[float, Sequence[float]],
    r2: float = 1.0,
    sigma2: float = 0.25,
    ridge: float = 0.0,
    psi2: float = 2.0,
) -> Dict[str, np.ndarray]:
    """Analytic test risk against γ = p/n: ``min_norm`` (HMRT, infinite at γ = 1, given as
    nan), ``ridge`` at penalty ``ridge`` (nan when 0) and ``random_features`` (Mei-Montanari,
    centred ReLU, N/d = γ ψ₂, n/d = ψ₂) for signal power ``r2`` and noise ``sigma2``."""
    raw = _glassbox.double_descent(
        _floats("gammas", gammas), float(r2), float(sigma2), float(ridge), float(psi2)
    )
    return _columns(json.loads(raw))


def simulate_min_norm(
    n: int, gamma: float, r2: float = 1.0, sigma2: float = 0.25, trials: int = 20, seed: int = 1
) -> tuple:
    """Min-norm least squares drawn and solved ``trials`` times with n samples and
    p = round(γ n) features: (mean excess risk, its standard error)."""
    return _glassbox.simulate_min_norm(int(n), float(gamma), float(r2), float(sigma2), int(trials), int(seed))
def _nan(value: Any) -> Any:
    """JSON null (a NaN on the Rust side) back to NaN."""
    return float("nan") if value is None else value


def _step(sol: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: _nan(v) for k, v in sol.items() if not isinstance(v, list)}
    out["q"] = np.array(sol["q"], dtype=float)
    out["x"] = np.array(sol["x"], dtype=float)
    return out


def parisi(temperature: float, steps: Union[int, None] = None, h: float = 0.0) -> Dict[str, Any]:
    """Full (Parisi) replica-symmetry breaking of the SK model as a many-step solution.

    Returns the order parameter as a staircase, ``x`` (breakpoints, from 0 to 1; at T = 0 the
    scaled μ = βm, without the final ∞) and ``q`` (q(x) = q[i] on [x[i], x[i+1])), the
    ``free_energy`` (at T = 0 the ground-state energy), ``energy``, ``entropy``, ``steps``,
    the value with half as many steps (``previous``) and the k → ∞ estimate
    ``extrapolated`` (error ∝ k^-4). ``steps`` defaults to 20 (12, the most allowed, at T = 0,
    where ``extrapolated`` is the Parisi constant to ~1e-6)."""
    t = float(temperature)
    if steps is None:
        steps = 12 if t == 0.0 else 20
    out = json.loads(_glassbox.parisi(t, int(steps), float(h)))
    sol = _step(out["solution"])
    res = {k: v for k, v in sol.items() if k not in ("q", "x")}
    res["x_steps"] = sol["x"]
    res["x"] = np.array(out["x"], dtype=float)
    res["q"] = np.array(out["q"], dtype=float)
    for k in ("previous", "previous_steps", "extrapolated"):
        res[k] = out[k]
    return res


def krsb(k: int, temperature: float = 0.0, h: float = 0.0) -> Dict[str, Any]:
    """The k-step RSB solution: overlaps ``q`` (q_0..q_k), breakpoints ``x`` (m_1..m_k; at
    T = 0 the scaled μ_j), ``free_energy``, ``energy``, ``entropy``, ``magnetization`` and (T = 0)
    ``chi`` = lim β(1 - q_k)."""
    return _step(json.loads(_glassbox.krsb(int(k), float(temperature), float(h))))


def krsb_ground_state(k: int) -> Dict[str, Any]:
    """The k-step RSB ground state of SK (T = 0, h = 0): ``energy`` = -0.7688280, -0.764028,
    -0.763409 for k = 1, 2, 3, with ``q`` and the scaled breakpoints ``mu``."""
    out = krsb(k, 0.0, 0.0)
    out["mu"] = out.pop("x")
    return out


def one_step(temperature: float, h: float = 0.0) -> Dict[str, float]:
    """One-step RSB: ``q0, q1, m, free_energy, energy, entropy`` and ``rs_free_energy``
    (at T = 0, m is the scaled μ = βm and ``chi`` = lim β(1 - q1))."""
    out = json.loads(_glassbox.one_step(float(temperature), float(h)))
    return {k: _nan(v) for k, v in out.items()}
