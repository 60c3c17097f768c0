"""glassbox: the statistical physics of neural networks and spin glasses.

Ising-type models ``H(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i`` with spins ``s_i = ±1``
(lattices, Sherrington-Kirkpatrick, sparse random graphs, instance files, your own
matrices), single-spin-flip Monte Carlo with honest error bars, and exact enumeration to
check it against. The heavy lifting is done in Rust, with the GIL released. Example::

    import glassbox as gb
    model = gb.Model.lattice([16, 16])                     # 2-D Ising ferromagnet, periodic
    res = gb.sample(model, [2.0, 2.269, 2.5], sweeps=20000)
    print(res.energy, res.energy_err, res.binder)          # per-spin estimates, error bars
    exact = gb.enumerate(gb.Model.lattice([4, 4]), [2.5])  # exact reference, 2^16 states
    spins, e = gb.quench(gb.Model.sk(200, seed=1))         # a local minimum of SK

Conventions: temperatures T with k_B = 1 (beta = 1/T); intensive observables are per spin
(``energy = <E>/N``, ``m = <M>/N``); spins are int8 arrays of ±1.
"""

from __future__ import annotations

import builtins  # `enumerate` below shadows the builtin in this module
import json
import os
import numbers
from collections.abc import Mapping
from typing import Any, Iterable, Optional, Sequence, Tuple, Union

import numpy as np

from . import _glassbox
from ._glassbox import ConvergenceError
from . import boltzmann, cavity, learning, memory, quantum, rg, theory

__version__: str = _glassbox.__version__

__all__ = [
    "AnnealResult",
    "ConvergenceError",
    "ExactResult",
    "GroundResult",
    "Model",
    "PopulationResult",
    "SampleResult",
    "TemperResult",
    "anneal",
    "enumerate",
    "geometric_temperatures",
    "ground",
    "kaufman",
    "overlap_distribution",
    "population_annealing",
    "cavity",
    "learning",
    "memory",
    "quantum",
    "quench",
    "rg",
    "sample",
    "temper",
    "theory",
    "__version__",
]

ArrayLike = Any
_U64_MAX = 2**64 - 1


# ---------------------------------------------------------------------------------------------
# Argument helpers


def _count(name: str, value: Any, minimum: int = 0) -> int:
    """``value`` as a Python int in [minimum, 2^64), else ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum or value > _U64_MAX:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value}")
    return value


def _index(value: Any) -> int:
    """A variable label that must be a non-negative integer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(
            f"variables must be integers 0..n-1, got {value!r}; relabel them first "
            "(e.g. with a dict mapping each label to its index)"
        )
    return int(value)


def _vector(name: str, value: ArrayLike, n: Optional[int] = None) -> np.ndarray:
    """A 1-D contiguous float64 array (of length ``n`` when given)."""
    a = np.ascontiguousarray(value, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {a.shape}")
    if n is not None and a.shape[0] != n:
        raise ValueError(f"{name} has {a.shape[0]} entries for {n} spins")
    return a


def _field(field: Union[float, ArrayLike]) -> Union[float, np.ndarray]:
    """A uniform field (float) or per-site fields (float64 array)."""
    if np.ndim(field) == 0:
        return float(field)
    return _vector("field", field)


def _spins(spins: ArrayLike) -> np.ndarray:
    """Spins as a contiguous int8 array, refusing values other than ±1 before any cast."""
    a = np.asarray(spins)
    if a.dtype != np.int8:
        if a.size and not np.isin(a, (-1, 1)).all():
            bad = a[~np.isin(a, (-1, 1))].flat[0]
            raise ValueError(f"spins must be ±1, found {bad}")
        a = a.astype(np.int8)
    return np.ascontiguousarray(a)


def _temperatures(temperatures: Union[float, ArrayLike]) -> list:
    t = np.asarray(temperatures, dtype=np.float64)
    if t.ndim > 1:
        raise ValueError(f"temperatures must be a number or a 1-D sequence, got shape {t.shape}")
    return [float(x) for x in np.atleast_1d(t)]


def _ising(model: Union["Model", "_glassbox.Ising"]) -> "_glassbox.Ising":
    if isinstance(model, Model):
        return model._ising
    if isinstance(model, _glassbox.Ising):
        return model
    raise TypeError(f"expected a glassbox.Model, got {type(model).__name__}")


# ---------------------------------------------------------------------------------------------
# Models


class Model:
    """An Ising-type model ``H(s) = -sum_{i<j} J_ij s_i s_j - sum_i h_i s_i``, s_i = ±1.

    Build one with a constructor (``Model.lattice``, ``Model.sk``, ``Model.complete``,
    ``Model.random_regular``, ``Model.erdos_renyi``, ``Model.from_file``,
    ``Model.from_toml``, ``Model.from_matrix``, ``Model.from_sparse``, ``Model.from_edges``,
    ``Model.from_ising``, ``Model.from_qubo``). Models are immutable, picklable and can be
    shared between threads.

    Coupling laws (``couplings=``): ``"ferro"`` (every J = ``j``), ``"pm"`` (±``j`` with equal
    probability), ``"gaussian"`` (J ~ N(``mean``, ``std``²)), ``"mattis"`` (J_ij = ``j`` ξ_i ξ_j
    with random ξ = ±1), ``"file"`` (the weights of an instance file). On the complete graph
    the library scales mean parts by 1/N and random parts by 1/√N, so that transition
    temperatures stay O(1) (``"gaussian"`` with std 1 is SK, ``"ferro"`` is Curie-Weiss with
    T_c = 1). ``field`` is a number (uniform) or one value per spin; ``seed`` draws the
    disorder (graph, couplings, Mattis pattern) reproducibly.
    """

    __slots__ = ("_ising",)

    def __init__(self, ising: "_glassbox.Ising") -> None:
        """Wraps a compiled ``glassbox._glassbox.Ising`` (use the constructors instead)."""
        if not isinstance(ising, _glassbox.Ising):
            raise TypeError("use a constructor such as Model.lattice or Model.from_matrix")
        self._ising = ising

    # -- generated models ----------------------------------------------------------------------

    @classmethod
    def lattice(
        cls,
        dims: Union[int, Sequence[int]],
        couplings: str = "ferro",
        periodic: bool = True,
        field: Union[float, ArrayLike] = 0.0,
        seed: int = 0,
        j: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> "Model":
        """A hypercubic lattice (1 to 4 dimensions) with side lengths ``dims``.

        ``Model.lattice([L, L])`` is the 2-D Ising ferromagnet (T_c = 2.269 for J = 1);
        ``Model.lattice([L, L, L], couplings="gaussian")`` the 3-D Edwards-Anderson glass.
        ``periodic=False`` gives open boundaries.
        """
        dims = [dims] if isinstance(dims, numbers.Integral) else list(dims)
        dims = [_count("lattice side", d) for d in dims]
        graph = {"kind": "lattice", "dims": dims, "periodic": bool(periodic)}
        return cls._generate(graph, couplings, field, seed, j, mean, std)

    @classmethod
    def complete(
        cls,
        n: int,
        couplings: str = "ferro",
        field: Union[float, ArrayLike] = 0.0,
        seed: int = 0,
        j: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> "Model":
        """The complete graph on ``n`` spins (couplings scaled by 1/N, 1/√N; see the class).

        ``couplings="ferro"`` is the Curie-Weiss model, ``"gaussian"`` the SK model,
        ``"mattis"`` the one-pattern Hopfield model. Needs 8 N² bytes.
        """
        graph = {"kind": "complete", "n": _count("n", n)}
        return cls._generate(graph, couplings, field, seed, j, mean, std)

    @classmethod
    def sk(cls, n: int, seed: int = 0, field: Union[float, ArrayLike] = 0.0) -> "Model":
        """The Sherrington-Kirkpatrick spin glass: J_ij ~ N(0, 1/N) on ``n`` spins (T_c = 1)."""
        return cls.complete(n, couplings="gaussian", field=field, seed=seed)

    @classmethod
    def random_regular(
        cls,
        n: int,
        degree: int,
        couplings: str = "pm",
        field: Union[float, ArrayLike] = 0.0,
        seed: int = 0,
        j: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> "Model":
        """A uniformly random ``degree``-regular graph on ``n`` spins (default ±J couplings,
        the Viana-Bray / Bethe-lattice spin glass)."""
        graph = {"kind": "random-regular", "n": _count("n", n), "degree": _count("degree", degree)}
        return cls._generate(graph, couplings, field, seed, j, mean, std)

    @classmethod
    def erdos_renyi(
        cls,
        n: int,
        mean_degree: float,
        couplings: str = "pm",
        field: Union[float, ArrayLike] = 0.0,
        seed: int = 0,
        j: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> "Model":
        """An Erdős-Rényi graph on ``n`` spins with mean degree ``mean_degree`` = p (n - 1)."""
        graph = {"kind": "erdos-renyi", "n": _count("n", n), "mean_degree": float(mean_degree)}
        return cls._generate(graph, couplings, field, seed, j, mean, std)

    @classmethod
    def from_file(
        cls,
        path: Any,
        format: str = "gset",
        couplings: Optional[str] = None,
        field: Union[float, ArrayLike] = 0.0,
        seed: int = 0,
        j: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> "Model":
        """A graph read from an instance file.

        ``format="gset"`` (G-set / rudy: a header ``n m``, then ``m`` lines ``i j w`` with
        1-based vertices) or ``"edge-list"`` (lines ``i j J``, 0-based, ``#`` comments).
        ``couplings=None`` keeps the file's weights; a law name redraws them on the file's
        graph. A malformed file raises ValueError whose message starts with ``path:line:``;
        a missing one raises OSError (FileNotFoundError).
        """
        fmt = str(format).strip().lower().replace("_", "-")
        if fmt not in ("gset", "edge-list"):
            raise ValueError(f"unknown graph file format `{format}`; expected gset or edge-list")
        graph = {"kind": "file", "path": os.fspath(path), "format": fmt}
        return cls._generate(graph, couplings, field, seed, j, mean, std)

    @classmethod
    def _generate(cls, graph, couplings, field, seed, j, mean, std) -> "Model":
        return cls(
            _glassbox.Ising.generate(
                json.dumps(graph), couplings, _field(field), _count("seed", seed),
                float(j), float(mean), float(std),
            )
        )

    @classmethod
    def from_toml(cls, text: str) -> "Model":
        """A model from the TOML text of a glassbox model spec (the command line's format),
        e.g. ``graph = { kind = 'lattice', dims = [8, 8] }`` plus optional ``couplings``,
        ``field`` and ``seed`` tables/keys."""
        return cls(_glassbox.Ising.from_toml(text))

    # -- models from data -----------------------------------------------------------------------

    @classmethod
    def from_matrix(cls, J: ArrayLike, h: Optional[ArrayLike] = None) -> "Model":
        """A fully connected model from a dense symmetric N×N matrix ``J`` with zero diagonal,
        so that ``H(s) = -1/2 sᵀ J s - h·s``. ``h`` defaults to zero. Scipy sparse matrices
        are passed on to ``from_sparse``. Couplings are used as given (no 1/N scaling)."""
        if _is_sparse(J):
            return cls.from_sparse(J, h)
        a = np.ascontiguousarray(J, dtype=np.float64)
        if a.ndim != 2:
            raise ValueError(f"coupling matrix must be two-dimensional, got shape {a.shape}")
        hv = None if h is None else _vector("h", h, a.shape[0])
        return cls(_glassbox.Ising.from_dense(a, hv))

    @classmethod
    def from_sparse(cls, J: Any, h: Optional[ArrayLike] = None) -> "Model":
        """A sparse model from a symmetric scipy.sparse matrix ``J`` with zero diagonal,
        ``H(s) = -1/2 sᵀ J s - h·s`` as for ``from_matrix`` (same numbers, sparse storage).

        The matrix is converted to COO with duplicates summed; each pair i < j gets the
        coupling (J_ij + J_ji)/2, after checking that J is symmetric (to 1e-12 relative) —
        for a triangular list of couplings use ``from_edges`` instead.
        """
        try:
            import scipy.sparse as sp
        except ImportError as e:  # pragma: no cover
            raise ImportError("Model.from_sparse needs scipy") from e
        if not sp.issparse(J):
            raise TypeError(f"expected a scipy.sparse matrix, got {type(J).__name__}")
        coo = sp.coo_matrix(J, dtype=np.float64)
        coo.sum_duplicates()
        n, m = coo.shape
        if n != m:
            raise ValueError(f"coupling matrix must be square, got shape {n}×{m}")
        r, c, v = coo.row, coo.col, coo.data
        diag = (r == c) & (v != 0)
        if diag.any():
            k = int(np.flatnonzero(diag)[0])
            raise ValueError(
                f"coupling matrix has a nonzero diagonal entry J[{r[k]}][{r[k]}] = {v[k]}"
            )
        diff = (coo - coo.T).tocoo()
        if diff.nnz:
            scale = max(1.0, float(np.abs(v).max()))
            bad = np.abs(diff.data) > 1e-12 * scale
            if bad.any():
                a, b = int(diff.row[bad][0]), int(diff.col[bad][0])
                x, y = coo.tocsr()[a, b], coo.tocsr()[b, a]
                raise ValueError(
                    f"coupling matrix is not symmetric: J[{a}][{b}] = {x}, J[{b}][{a}] = {y}"
                )
        upper = sp.triu((coo + coo.T) * 0.5, k=1).tocoo()
        keep = upper.data != 0
        hv = None if h is None else _vector("h", h, n)
        return cls.from_edges(n, upper.row[keep], upper.col[keep], upper.data[keep], hv)

    @classmethod
    def from_edges(
        cls,
        n: int,
        i: ArrayLike,
        j: ArrayLike,
        w: ArrayLike,
        h: Optional[ArrayLike] = None,
    ) -> "Model":
        """A sparse model on ``n`` spins with couplings ``J[i[k], j[k]] = w[k]`` (each pair
        once, either order; repeated pairs are summed) and fields ``h`` (default zero)."""
        n = _count("n", n)
        ia = np.ascontiguousarray(i, dtype=np.int64).ravel()
        ja = np.ascontiguousarray(j, dtype=np.int64).ravel()
        hv = None if h is None else _vector("h", h, n)
        return cls(_glassbox.Ising.from_edges(n, ia, ja, _vector("w", w), hv))

    @classmethod
    def from_ising(
        cls,
        h: Union[Mapping, Sequence[float], np.ndarray],
        J: Mapping,
    ) -> "Model":
        """A model from D-Wave / dimod style Ising terms.

        ``h`` is a dict ``{i: h_i}`` or a sequence, ``J`` a dict ``{(i, j): J_ij}``; variables
        must be integers 0..n-1 (n = 1 + the largest one; absent ones are free spins), else
        ValueError. Sign convention: D-Wave's energy is ``E = sum h_i s_i + sum J_ij s_i s_j``,
        glassbox's is ``H = -sum J_ij s_i s_j - sum h_i s_i``, so both are negated here and
        ``model.energy(s)`` equals D-Wave's E(s) for every configuration. Entries (i, j) and
        (j, i) are added; i == j is refused.
        """
        h_items = list(h.items()) if isinstance(h, Mapping) else list(builtins.enumerate(h))
        if not isinstance(J, Mapping):
            raise TypeError(f"J must be a dict {{(i, j): J_ij}}, got {type(J).__name__}")
        fields_idx = [_index(k) for k, _ in h_items]
        rows, cols, weights = [], [], []
        for key, w in J.items():
            try:
                a, b = key
            except (TypeError, ValueError):
                raise ValueError(f"J keys must be pairs (i, j), got {key!r}") from None
            a, b = _index(a), _index(b)
            if a == b:
                raise ValueError(f"J has a self-coupling at variable {a}")
            rows.append(a)
            cols.append(b)
            weights.append(-float(w))
        n = 1 + max(fields_idx + rows + cols, default=-1)
        if n == 0:
            raise ValueError("from_ising needs at least one variable")
        fields = np.zeros(n)
        for k, (_, v) in zip(fields_idx, h_items):
            fields[k] -= float(v)
        return cls.from_edges(n, rows, cols, weights, fields)

    @classmethod
    def from_qubo(
        cls, Q: Union[Mapping, ArrayLike], offset: float = 0.0
    ) -> Tuple["Model", float]:
        """A model from a QUBO ``E(x) = sum_{i<=j} Q_ij x_i x_j + offset`` over x ∈ {0, 1}.

        ``Q`` is a dict ``{(i, j): Q_ij}`` (D-Wave style; (i, j) and (j, i) add up) or a square
        matrix (every entry is a term, so E = xᵀ Q x). Returns ``(model, spin_offset)`` with
        ``E(x) = model.energy(s) + spin_offset`` for ``s = 2x - 1``.
        """
        if isinstance(Q, Mapping):
            keys = [(_index(a), _index(b)) for a, b in Q.keys()]
            i = np.array([k[0] for k in keys], dtype=np.int64)
            j = np.array([k[1] for k in keys], dtype=np.int64)
            q = np.array([float(v) for v in Q.values()], dtype=np.float64)
            n = 1 + int(max(i.max(initial=-1), j.max(initial=-1)))
        else:
            a = np.asarray(Q.toarray() if _is_sparse(Q) else Q, dtype=np.float64)
            if a.ndim != 2 or a.shape[0] != a.shape[1]:
                raise ValueError(f"QUBO matrix must be square, got shape {a.shape}")
            n = a.shape[0]
            i, j = np.nonzero(a)
            q = a[i, j]
            i, j = i.astype(np.int64), j.astype(np.int64)
        if n == 0:
            raise ValueError("from_qubo needs at least one variable")
        ising, spin_offset = _glassbox.Ising.from_qubo(n, i, j, q, float(offset))
        return cls(ising), spin_offset

    # -- inspection -------------------------------------------------------------------------------

    @property
    def n(self) -> int:
        """Number of spins N."""
        return self._ising.n

    @property
    def fields(self) -> np.ndarray:
        """External fields h_i (float64 array of length N)."""
        return self._ising.fields

    @property
    def description(self) -> str:
        """A short human-readable description, e.g. ``lattice 4x4 periodic, ferro J=1``."""
        return self._ising.description

    def energy(self, spins: ArrayLike) -> Union[float, np.ndarray]:
        """Energy H(s) of a configuration (1-D array or list of ±1) → float, or of each row of
        a 2-D array of configurations → float64 array."""
        s = _spins(spins)
        if s.ndim == 1:
            return self._ising.energy(s)
        if s.ndim == 2:
            return self._ising.energies(s)
        raise ValueError(f"spins must be one- or two-dimensional, got shape {s.shape}")

    def edges(self) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The couplings as arrays ``(i, j, w)`` with i < j and w ≠ 0 (int64, int64, float64)."""
        return self._ising.edges()

    def write(self, path: Any, format: str = "gset") -> None:
        """Writes the couplings as an instance file that ``Model.from_file`` (and
        ``glassbox sample --graph``) read back exactly: ``"gset"`` (header ``n m``, then
        ``i j w`` 1-based) or ``"edge-list"`` (``i j J`` 0-based). Fields are not part of these
        formats: a model with a nonzero field raises ValueError."""
        fmt = str(format).strip().lower().replace("_", "-")
        if fmt not in ("gset", "edge-list"):
            raise ValueError(f"unknown graph file format `{format}`; expected gset or edge-list")
        if np.any(self.fields != 0.0):
            raise ValueError("instance files hold couplings only; this model has external fields")
        i, j, w = self.edges()
        base = 1 if fmt == "gset" else 0
        lines = [f"{self.n} {len(w)}"] if fmt == "gset" else []
        lines += [f"{a + base} {b + base} {float(x)!r}" for a, b, x in zip(i, j, w)]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    def energy_scale(self) -> Tuple[float, float]:
        """``(smallest nonzero |ΔE|, largest |ΔE|)`` of a single spin flip, bounded from the
        couplings — a guide for choosing temperatures."""
        return self._ising.energy_scale()

    def to_matrix(self) -> np.ndarray:
        """The dense symmetric coupling matrix J (N×N float64, zero diagonal)."""
        i, j, w = self.edges()
        out = np.zeros((self.n, self.n))
        out[i, j] = w
        out[j, i] = w
        return out

    def to_sparse(self) -> Any:
        """The symmetric coupling matrix J as a scipy.sparse CSR matrix."""
        import scipy.sparse as sp

        i, j, w = self.edges()
        return sp.csr_matrix(
            (np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))),
            shape=(self.n, self.n),
        )

    def to_ising(self) -> Tuple[dict, dict]:
        """D-Wave style ``(h, J)`` dicts (signs flipped, see ``from_ising``), so that
        ``E = sum h_i s_i + sum J_ij s_i s_j`` equals ``self.energy(s)``."""
        i, j, w = self.edges()
        h = {k: -float(x) for k, x in builtins.enumerate(self.fields)}
        J = {(int(a), int(b)): -float(x) for a, b, x in zip(i, j, w)}
        return h, J

    def to_qubo(self) -> Tuple[dict, float]:
        """D-Wave style ``(Q, offset)`` with ``E(x) = sum_{i<=j} Q_ij x_i x_j + offset``
        equal to ``self.energy(2x - 1)`` for every x ∈ {0, 1}^N."""
        (i, j, q), offset = self._ising.to_qubo()
        Q = {}
        for a, b, x in zip(i.tolist(), j.tolist(), q.tolist()):
            if x != 0.0:
                Q[(a, b)] = Q.get((a, b), 0.0) + x
        return Q, offset

    def __reduce__(self):
        return (Model, (self._ising,))

    def __repr__(self) -> str:
        return f"Model(N={self.n}, {self.description})"


def _is_sparse(x: Any) -> bool:
    try:
        import scipy.sparse as sp
    except ImportError:
        return False
    return sp.issparse(x)


# ---------------------------------------------------------------------------------------------
# Results


class _Result(dict):
    """A dict of numpy arrays whose keys are also attributes (``res.energy``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no field {name!r}; fields: {', '.join(self)}"
            ) from None

    def __dir__(self) -> Iterable[str]:
        return list(super().__dir__()) + list(self.keys())

    def __repr__(self) -> str:
        t = np.array2string(np.asarray(self["temperature"]), precision=4)
        return f"{type(self).__name__}(temperature={t}, fields: {', '.join(self)})"


class SampleResult(_Result):
    """Monte Carlo results, one entry per temperature (numpy arrays), also as attributes.

    ``temperature``, ``beta``; for each observable X in ``energy`` (⟨E⟩/N),
    ``specific_heat`` (C/N), ``m``, ``abs_m``, ``m2``, ``m4`` (moments of m = M/N),
    ``susceptibility`` (χ/N = βN(⟨m²⟩ - ⟨|m|⟩²)) and ``binder`` (1 - ⟨m⁴⟩/3⟨m²⟩²): ``X``
    (mean), ``X_err`` (one standard error, autocorrelations included), ``X_tau``
    (integrated autocorrelation time in measurements) and ``X_reliable``; ``reliable``
    (all observables' error bars trustworthy: run ≥ 50 τ_int), ``acceptance`` (fraction
    of accepted flips), ``sweeps`` (measurement sweeps), ``final_spins`` (int8, one row
    per temperature) and ``kernel`` (the implementation that ran: ``"multispin"``,
    ``"lanes"``, ``"scalar"`` or ``"cluster"``; see ``sample``).
    """


class ExactResult(_Result):
    """Exact results from enumeration: per temperature ``temperature``, ``beta``,
    ``ln_z_per_spin``, ``energy``, ``specific_heat``, ``abs_m``, ``m2``, ``m4``, ``binder``,
    ``susceptibility`` (float64 arrays, same definitions as ``SampleResult``); and
    ``ground_energy`` (total, float), ``degeneracy`` (int), ``ground_state`` (int8 array).
    """


class AnnealResult(_Result):
    """Simulated-annealing results, one entry per read: ``best_energy`` (the lowest energy
    the read found, a local minimum), ``best_spins`` (int8, reads × N), ``final_energy``
    (energy at the end of the schedule, before the final quench), ``acceptance``,
    ``traces`` (energy after sweeps ``trace_sweeps``, reads × points); and ``betas`` (the β
    of every sweep), ``best`` (lowest energy of all reads) and ``best_read`` (its index).
    """

    def __repr__(self) -> str:
        return f"AnnealResult(best={self['best']}, reads={len(self['best_energy'])})"


class TemperResult(_Result):
    """Parallel-tempering results, one entry per temperature: ``temperature``, ``beta``;
    for X in ``energy`` (⟨E⟩/N), ``specific_heat``, ``abs_m``, ``m2``, ``q2`` (⟨q²⟩ of the
    spin overlap q = (1/N) Σ s_i^a s_i^b between independent replica sets), ``abs_q``,
    ``q4``, ``binder_q`` (g = ½(3 - ⟨q⁴⟩/⟨q²⟩²)) and, on sparse and lattice models,
    ``link_overlap`` (⟨q_l⟩ = (1/N_b) Σ_bonds s_i^a s_j^a s_i^b s_j^b), ``chi_sg``
    (N⟨q²⟩) and, on lattices with equal sides, ``correlation_length`` (second-moment ξ_L
    from q at the smallest wave vector): ``X``, ``X_err``,
    ``X_tau``, ``X_reliable``; ``acceptance`` (single flips), ``q_histogram``
    (temperatures × bins, P(q) per bin, rows sum to 1) with bin centres ``q_centers``,
    ``exchange_acceptance`` (pairs k, k+1), ``round_trips`` and ``mean_round_trip`` (sweeps).
    ``log_binning`` is the thermalization check: the sweeps from the first on are filed into
    windows ``[start, end) = [2^j, 2^(j+1))`` (``complete`` when the run went through the
    window); ``energy``, ``q2``, ``link_overlap`` and their ``*_change`` from the previous
    window (temperatures × windows, with ``_err``); ``drift_sigmas`` (largest |change|/error
    in the last complete window, per temperature, NaN when undetermined) and ``thermalized``
    (drift ≤ 3).
    """


class PopulationResult(_Result):
    """Population-annealing results, one entry per β: ``temperature``, ``beta``,
    ``ln_z_per_spin``, ``free_energy`` (−ln Z/(βN)) and ``energy`` (⟨E⟩/N), each with
    ``_err`` (from the spread of independent runs), ``families`` (surviving β = 0
    ancestors) and ``family_entropy`` (S_f = -Σ ν_f ln ν_f over the fractions ν_f of the
    population descended from each β = 0 replica; exp(S_f) is the effective number of
    families, ≳ 100 recommended).
    """


class GroundResult(dict):
    """Ground-state search results (keys are also attributes): ``best`` (lowest energy of
    all searches) and ``best_spins``; per search ``best_energy``, ``reads``, ``seconds``,
    ``seconds_to_target``, ``reads_to_target`` (inf where the target was not reached);
    ``target`` (given, or the best found), ``success_probability`` P_s,
    ``median_seconds`` / ``median_reads`` (median over searches, unsuccessful ones counting
    as infinite; None when P_s < 1/2), ``read_success_probability`` p (per read),
    ``seconds_per_read`` and ``tts99_seconds`` = t_read ln(0.01)/ln(1 - p).
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"GroundResult has no field {name!r}") from None


# ---------------------------------------------------------------------------------------------
# Drivers

def sample(
    model: Model,
    temperatures: Union[float, ArrayLike],
    sweeps: int = 10000,
    thermalization: Optional[int] = None,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
    measure_every: int = 1,
    cluster: Optional[str] = None,
    kernel: str = "auto",
) -> SampleResult:
    """Single-spin-flip Monte Carlo, one independent chain per temperature (run in parallel,
    with the GIL released; Ctrl-C interrupts).

    Each chain starts from random spins, runs ``thermalization`` sweeps (default
    ``sweeps // 10``) and then ``sweeps`` measured sweeps, measuring every
    ``measure_every``-th. ``rule`` is ``"metropolis"`` or ``"heat-bath"`` (Glauber);
    ``order`` is ``"random"`` (N random sites per sweep) or ``"sequential"``. The same
    ``seed`` gives identical results. Returns a ``SampleResult``. Bad input (a temperature
    ≤ 0, ``sweeps=0``, an unknown rule) raises ValueError.

    ``cluster="wolff"`` or ``"sw"`` (Swendsen-Wang) replaces single-spin flips by cluster
    updates, for uniform ferromagnets without field only (anything else raises
    ValueError); a "sweep" is then one Wolff cluster or one Swendsen-Wang update of all
    spins, and ``acceptance`` the number of spins flipped per spin and sweep.

    ``kernel="auto"`` (the default) runs each temperature as 64 independent replicas,
    bit-sliced, when the model qualifies (a periodic 2D/3D lattice with couplings ±J of one
    magnitude and no field; sites in checkerboard order whatever ``order`` says): every
    measurement is then the average over the 64 replicas of e, e², m, |m|, m², m⁴, so the
    error bars are about 1/8 of one replica's for the same sweeps, ``acceptance`` counts
    all 64·N attempts per sweep and ``final_spins`` holds replica 0. Other lattice and
    sparse models (Gaussian couplings, fields, open boundaries, graphs) run 32 replicas per
    temperature the same way, in single-precision SIMD lanes ("replica lanes", in the
    given ``order``); dense models run one replica. ``kernel="scalar"`` forces one replica
    on the reference kernel. ``result.kernel`` says which ran (``"multispin"``,
    ``"lanes"``, ``"scalar"`` or ``"cluster"``).
    """
    sweeps = _count("sweeps", sweeps)
    therm = sweeps // 10 if thermalization is None else _count("thermalization", thermalization)
    out = _glassbox.sample(
        _ising(model),
        _temperatures(temperatures),
        sweeps,
        therm,
        rule,
        order,
        _count("seed", seed),
        _count("measure_every", measure_every),
        None if cluster is None else _CLUSTER_NAMES.get(cluster, cluster),
        kernel,
    )
    return SampleResult(out)


_CLUSTER_NAMES = {"sw": "swendsen-wang"}


def enumerate(model: Model, temperatures: Union[float, ArrayLike]) -> ExactResult:
    """Exact thermodynamics by enumerating all 2^N states (N ≤ 30; the GIL is released).

    Returns an ``ExactResult`` with per-temperature arrays and the ground-state energy,
    degeneracy and one ground state. N > 30 or a temperature ≤ 0 raises ValueError.
    """
    return ExactResult(_glassbox.enumerate(_ising(model), _temperatures(temperatures)))


def overlap_distribution(model: Model, temperatures: Union[float, ArrayLike]) -> np.ndarray:
    """The exact two-replica overlap distribution P(q) by enumeration (N ≤ 24; the GIL is
    released): a float64 array (temperatures × (N + 1)) whose column d is the probability of
    q = (2d − N)/N for two independent configurations drawn from the Boltzmann distribution
    (rows sum to 1). The reference for ``temper(...).q_histogram`` with ``q_bins = N + 1``.
    N > 24 or a temperature ≤ 0 raises ValueError.
    """
    return _glassbox.overlap_distribution(_ising(model), _temperatures(temperatures))


def kaufman(rows: int, cols: int, temperatures: Union[float, ArrayLike]) -> ExactResult:
    """Exact thermodynamics of the periodic ``rows``×``cols`` 2D Ising ferromagnet (J = 1)
    from Kaufman's 1949 solution, at any size (computed in log space).

    Returns an ``ExactResult`` with per-temperature ``temperature``, ``beta``,
    ``ln_z_per_spin``, ``energy``, ``specific_heat``, ``free_energy`` and ``entropy`` (all
    per spin). Sizes of 0 or temperatures ≤ 0 raise ValueError.
    """
    return ExactResult(
        _glassbox.kaufman(_count("rows", rows), _count("cols", cols), _temperatures(temperatures))
    )


def quench(
    model: Model,
    spins: Optional[ArrayLike] = None,
    seed: int = 0,
    order: str = "random",
) -> Tuple[np.ndarray, float]:
    """Zero-temperature quench: flips spins that lower the energy until none does.

    Starts from ``spins`` (±1) or, when None, from random spins drawn from ``seed``.
    ``order="random"`` visits sites in a fresh random permutation each sweep (from
    ``seed``), ``"sequential"`` in index order. Returns ``(spins, energy)`` at a local
    minimum (every spin aligned with its local field).
    """
    s = None if spins is None else _spins(spins)
    if s is not None and s.ndim != 1:
        raise ValueError(f"spins must be one-dimensional, got shape {s.shape}")
    return _glassbox.quench(_ising(model), s, _count("seed", seed), order)


def anneal(
    model: Model,
    reads: int = 100,
    sweeps: int = 1000,
    schedule: str = "geometric",
    beta_range: Optional[Tuple[float, float]] = None,
    betas: Optional[ArrayLike] = None,
    rule: str = "metropolis",
    order: str = "random",
    trace_every: Optional[int] = None,
    seed: int = 1,
    kernel: str = "auto",
) -> AnnealResult:
    """Simulated annealing: ``reads`` independent restarts (in parallel, GIL released), each
    one sweep per β of the schedule from random spins, then a zero-temperature quench.

    ``schedule`` is ``"geometric"`` or ``"linear"`` in β over ``beta_range`` = (β0, β1),
    by default derived from the instance: β0 = ln 2/ΔE_max (the costliest possible single
    flip accepted with probability 1/2), β1 = ln 100/ΔE_min (the cheapest uphill flip out
    of a local minimum, found by quenching a few random configurations, accepted with
    probability 1/100). ``betas`` gives a custom schedule instead (one sweep each).
    Energies are recorded every ``trace_every`` sweeps (default ``sweeps // 200``). Read r
    uses its own random stream, so the same ``seed`` gives the same reads at any thread
    count. ``kernel="auto"`` runs the fastest path the model qualifies for (dense models:
    single precision in lockstep; periodic 2D/3D ±J lattices without field: 64 reads at
    once, bit-sliced, in checkerboard order whatever ``order`` says; other lattices and
    sparse graphs: 32 reads at once in single-precision SIMD lanes); ``"scalar"`` forces
    the reference kernel. Returns an ``AnnealResult``.
    """
    sweeps = _count("sweeps", sweeps, 1)
    every = max(1, sweeps // 200) if trace_every is None else _count("trace_every", trace_every)
    custom = None if betas is None else [float(b) for b in np.atleast_1d(np.asarray(betas, dtype=np.float64))]
    rng = None if beta_range is None else (float(beta_range[0]), float(beta_range[1]))
    out = _glassbox.anneal(
        _ising(model),
        _count("reads", reads),
        sweeps,
        schedule,
        rng,
        custom,
        rule,
        order,
        every,
        _count("seed", seed),
        kernel,
    )
    return AnnealResult(out)


def geometric_temperatures(tmin: float, tmax: float, count: int) -> np.ndarray:
    """``count`` ≥ 2 temperatures with a constant ratio from ``tmin`` to ``tmax``:
    T_k = T_min (T_max/T_min)^(k/(count-1)), the usual starting set for ``temper``."""
    tmin, tmax, count = float(tmin), float(tmax), _count("count", count, 2)
    if not (0 < tmin < tmax < np.inf):
        raise ValueError(f"need 0 < tmin < tmax (finite), got tmin = {tmin}, tmax = {tmax}")
    t = tmin * (tmax / tmin) ** (np.arange(count) / (count - 1))
    t[-1] = tmax
    return t


def temper(
    model: Model,
    temperatures: ArrayLike,
    sweeps: int = 10000,
    thermalization: Optional[int] = None,
    replicas: int = 2,
    exchange_every: int = 1,
    measure_every: int = 1,
    q_bins: Optional[int] = None,
    tune: int = 0,
    tune_sweeps: Optional[int] = None,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
    houdayer: Union[bool, float, None] = None,
) -> TemperResult:
    """Parallel tempering (replica exchange) with ``replicas`` ≥ 2 independent replica sets
    per temperature, for the spin-glass overlaps (GIL released; Ctrl-C interrupts).

    ``temperatures`` must increase (``geometric_temperatures(tmin, tmax, count)`` is the
    usual start);
    ``tune`` rounds of feedback tuning (``tune_sweeps`` each, default ``sweeps // 10``)
    first move the inner temperatures towards equal exchange acceptance. Exchanges of
    neighbouring temperatures are attempted every ``exchange_every`` sweeps (even and odd
    pairs alternately). ``q_bins`` bins of P(q) on [-1, 1] (default N + 1, at most 201).
    ``houdayer=True`` adds a Houdayer cluster move (isoenergetic cluster move on sparse
    graphs) between pairs of replica sets (randomly re-paired every round when there are
    more than two) before every exchange attempt at every
    temperature; a number T_max restricts it to temperatures ≤ T_max (zero-field models
    only); the mean flipped fraction per move is ``cluster_fraction`` (NaN where off).
    Returns a ``TemperResult``.
    """
    sweeps = _count("sweeps", sweeps)
    therm = sweeps // 10 if thermalization is None else _count("thermalization", thermalization)
    out = _glassbox.temper(
        _ising(model),
        _temperatures(temperatures),
        sweeps,
        therm,
        _count("replicas", replicas),
        _count("exchange_every", exchange_every),
        _count("measure_every", measure_every),
        None if q_bins is None else _count("q_bins", q_bins),
        _count("tune", tune),
        None if tune_sweeps is None else _count("tune_sweeps", tune_sweeps),
        rule,
        order,
        _count("seed", seed),
        _houdayer(houdayer),
    )
    return TemperResult(out)


def _houdayer(houdayer: Union[bool, float, None]) -> Optional[float]:
    if houdayer is None or houdayer is False:
        return None
    if houdayer is True:
        return float("inf")
    t = float(houdayer)
    if not t > 0:
        raise ValueError(f"the Houdayer temperature threshold must be positive, got {t}")
    return t


def ground(
    model: Model,
    time_limit: float = 10.0,
    max_reads: Optional[int] = None,
    target: Optional[float] = None,
    runs: int = 1,
    batch: Optional[int] = None,
    sweeps: int = 1000,
    schedule: str = "geometric",
    beta_range: Optional[Tuple[float, float]] = None,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
    method: str = "anneal",
    pt_temperatures: int = 16,
    pt_sets: int = 2,
) -> GroundResult:
    """Ground-state search: simulated-annealing reads (``sweeps`` each, schedule as in
    ``anneal``) in parallel batches of ``batch`` (default 2 × threads) until ``time_limit``
    seconds, ``max_reads`` reads, or an energy ≤ ``target``; repeated ``runs`` times with
    independent seeds for time-to-target statistics (GIL released). Read r of search k is
    reproducible from ``seed``; the seconds are wall-clock. For Max-Cut with weights w use
    couplings J = -w: then cut = (W - E)/2 with W the total weight.
    ``method="pt"`` searches by parallel tempering instead: one chain per search with
    ``pt_temperatures`` temperatures (geometric from 1/β1 to 1/β0 of the β range) ×
    ``pt_sets`` replica sets; a read is then a round of ``sweeps`` sweeps whose lowest
    configuration is quenched (rounds are correlated: prefer ``median_seconds`` to the
    per-read TTS99). Returns a ``GroundResult``.
    """
    rng = None if beta_range is None else (float(beta_range[0]), float(beta_range[1]))
    out = _glassbox.ground(
        _ising(model),
        float(time_limit),
        None if max_reads is None else _count("max_reads", max_reads, 1),
        None if target is None else float(target),
        _count("runs", runs, 1),
        None if batch is None else _count("batch", batch, 1),
        _count("sweeps", sweeps, 1),
        schedule,
        rng,
        rule,
        order,
        _count("seed", seed),
        method,
        _count("pt_temperatures", pt_temperatures, 2),
        _count("pt_sets", pt_sets, 2),
    )
    return GroundResult(out)


def population_annealing(
    model: Model,
    betas: ArrayLike,
    population: int = 1000,
    sweeps: int = 5,
    runs: int = 8,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
) -> PopulationResult:
    """Population annealing from β = 0 through the increasing ``betas``: ``population``
    replicas resampled by their Boltzmann factors at every step and given ``sweeps``
    Monte Carlo sweeps; the reweighting normalizations give ln Z and the free energy.
    ``runs`` independent populations give the error bars. Returns a ``PopulationResult``.
    """
    b = [float(x) for x in np.atleast_1d(np.asarray(betas, dtype=np.float64))]
    out = _glassbox.population_annealing(
        _ising(model),
        b,
        _count("population", population),
        _count("sweeps", sweeps),
        _count("runs", runs),
        rule,
        order,
        _count("seed", seed),
    )
    return PopulationResult(out)
