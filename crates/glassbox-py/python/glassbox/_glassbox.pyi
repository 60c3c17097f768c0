"""Type stubs of the compiled module ``glassbox._glassbox`` (use ``glassbox`` instead)."""

from typing import Optional, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

class ConvergenceError(RuntimeError):
    """An iterative solver stopped without meeting its tolerance."""

_Field = Union[float, npt.NDArray[np.float64]]
_I64 = npt.NDArray[np.int64]
_F64 = npt.NDArray[np.float64]

class Ising:
    """An Ising-type model ``H(s) = -Σ_{i<j} J_ij s_i s_j - Σ_i h_i s_i`` (immutable)."""

    @staticmethod
    def generate(
        graph: str,
        couplings: Optional[str] = None,
        field: Optional[_Field] = None,
        seed: int = 0,
        j: float = 1.0,
        mean: float = 0.0,
        std: float = 1.0,
    ) -> Ising: ...
    @staticmethod
    def from_toml(text: str) -> Ising: ...
    @staticmethod
    def from_dense(j: _F64, h: Optional[_F64] = None) -> Ising: ...
    @staticmethod
    def from_edges(n: int, i: _I64, j: _I64, w: _F64, h: Optional[_F64] = None) -> Ising: ...
    @staticmethod
    def from_qubo(
        n: int, i: _I64, j: _I64, q: _F64, offset: float = 0.0
    ) -> Tuple[Ising, float]: ...
    @staticmethod
    def from_json(text: str) -> Ising: ...
    def to_qubo(self) -> Tuple[Tuple[_I64, _I64, _F64], float]: ...
    def to_json(self) -> str: ...
    @property
    def n(self) -> int: ...
    @property
    def fields(self) -> _F64: ...
    @property
    def description(self) -> str: ...
    def energy(self, spins: npt.NDArray[np.int8]) -> float: ...
    def energies(self, spins: npt.NDArray[np.int8]) -> _F64: ...
    def edges(self) -> Tuple[_I64, _I64, _F64]: ...
    def energy_scale(self) -> Tuple[float, float]: ...

def sample(
    model: Ising,
    temperatures: list[float],
    sweeps: int,
    thermalization: int,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
    measure_every: int = 1,
    cluster: Optional[str] = None,
) -> dict[str, object]: ...
def enumerate(model: Ising, temperatures: list[float]) -> dict[str, object]: ...
def kaufman(rows: int, cols: int, temperatures: list[float]) -> dict[str, object]: ...
def quench(
    model: Ising,
    spins: Optional[npt.NDArray[np.int8]] = None,
    seed: int = 0,
    order: str = "random",
) -> Tuple[npt.NDArray[np.int8], float]: ...
def anneal(
    model: Ising,
    reads: int,
    sweeps: int,
    schedule: str = "geometric",
    beta_range: Optional[Tuple[float, float]] = None,
    betas: Optional[list[float]] = None,
    rule: str = "metropolis",
    order: str = "random",
    trace_every: int = 1,
    seed: int = 1,
) -> dict[str, object]: ...
def temper(
    model: Ising,
    temperatures: list[float],
    sweeps: int,
    thermalization: int,
    replicas: int = 2,
    exchange_every: int = 1,
    measure_every: int = 1,
    q_bins: Optional[int] = None,
    tune: int = 0,
    tune_sweeps: Optional[int] = None,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
) -> dict[str, object]: ...
def population_annealing(
    model: Ising,
    betas: list[float],
    population: int,
    sweeps: int,
    runs: int,
    rule: str = "metropolis",
    order: str = "random",
    seed: int = 1,
) -> dict[str, object]: ...
def hopfield_patterns(n: int, p: int, bias: float, seed: int) -> npt.NDArray[np.int8]: ...
def hopfield_couplings(patterns: npt.NDArray[np.int8], rule: str, kappa: float) -> _F64: ...
def hopfield_run(
    patterns: npt.NDArray[np.int8],
    start: npt.NDArray[np.int8],
    rule: str,
    dynamics: str,
    temperature: float,
    sweeps: int,
    seed: int,
    kappa: float,
    power: int,
) -> str: ...
def hopfield_capacity_experiment(
    sizes: list[int],
    alphas: list[float],
    samples: int,
    starts: int,
    max_sweeps: int,
    success: float,
    threshold: float,
    seed: int,
) -> str: ...
def hopfield_basins(
    n: int,
    alphas: list[float],
    flip_fractions: list[float],
    samples: int,
    starts: int,
    success: float,
    seed: int,
) -> str: ...
def modern_hopfield_update(patterns: _F64, state: _F64, beta: float) -> _F64: ...
