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
    kernel: str = "auto",
) -> dict[str, object]: ...
def enumerate(model: Ising, temperatures: list[float]) -> dict[str, object]: ...
def overlap_distribution(model: Ising, temperatures: list[float]) -> _F64: ...
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
    kernel: str = "auto",
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
    houdayer: Optional[float] = None,
) -> dict[str, object]: ...
def ground(
    model: Ising,
    time_limit: float,
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
    interaction: str,
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
def hopfield_hybrid(
    patterns: npt.NDArray[np.int8],
    beta: float,
    field: list[float],
    hidden: str,
    dt: float,
    burn_in: int,
    samples: int,
    thin: int,
    seed: int,
) -> str: ...
def hopfield_mnist_patterns(
    dir: Optional[str], count: int, threshold: float
) -> tuple[npt.NDArray[np.int8], list[int], list[int]]: ...
def hopfield_recall_memory(
    patterns: npt.NDArray[np.int8],
    start: npt.NDArray[np.int8],
    target: int,
    memory: str,
    power: int,
    beta: float,
    max_sweeps: int,
    seed: int,
    interaction: str,
) -> str: ...
def hopfield_scaling(
    power: int,
    sizes: list[int],
    samples: int,
    starts: int,
    flip: float,
    success: float,
    max_sweeps: int,
    seed: int,
    interaction: str,
) -> str: ...
def modern_hopfield_scan(
    dim: int,
    counts: list[int],
    betas: list[float],
    flip: float,
    samples: int,
    queries: int,
    seed: int,
) -> str: ...
def hopfield_stability(
    rule: str,
    kappa: float,
    n: int,
    patterns: list[int],
    samples: int,
    starts: int,
    flip: float,
    seed: int,
) -> str: ...

# Mean-field theory (glassbox.theory): JSON strings unless noted.
def sk_rs(temperatures: list[float], h: float) -> str: ...
def at_line(temperatures: list[float]) -> str: ...
def hopfield_capacity() -> str: ...
def hopfield_phase_diagram(alphas: list[float]) -> str: ...
def hopfield_ags(alpha: float, temperature: float, m0: float) -> str: ...
def gardner_capacity(kappas: list[float]) -> list[float]: ...
def learning_curve(rule: str, alphas: list[float]) -> str: ...
def replica_trick(n: int, temperature: float, samples: int = 1000, max_n: int = 3, seed: int = 1) -> str: ...
def pspin(orders: list[int]) -> str: ...
def bethe(degrees: list[float], regular: bool) -> str: ...
def double_descent(gammas: list[float], r2: float = 1.0, sigma2: float = 0.25, ridge: float = 0.0, psi2: float = 2.0) -> str: ...
def simulate_min_norm(n: int, gamma: float, r2: float = 1.0, sigma2: float = 0.25, trials: int = 20, seed: int = 1) -> Tuple[float, float]: ...
def parisi(temperature: float, steps: int, h: float = 0.0) -> str: ...
def krsb(k: int, temperature: float = 0.0, h: float = 0.0) -> str: ...
def one_step(temperature: float, h: float = 0.0) -> str: ...

# Learning (glassbox.learning): JSON strings unless noted.
def learn_double_descent(features: list[int], n: int, n_test: int = 1000, activation: str = "relu", ridge: float = 0.0, seeds: int = 16, seed: int = 1, d: int = 100, r2: float = 1.0, sigma2: float = 0.1, mnist: Optional[str] = None, digit: int = 0) -> str: ...
def learn_generalization_error(student: str, n: int, alpha: float, samples: int = 32, sweeps: int = 200, temperature: float = 0.0, seed: int = 1) -> Tuple[float, float]: ...
def learn_separable_fraction(n: int, alpha: float, samples: int = 200, max_epochs: int = 2000, seed: int = 1) -> Tuple[float, float]: ...
def learn_pspin_minima(n: int, starts: int = 24, seed: int = 1) -> list[float]: ...
def learn_pspin_aging(n: int, temperature: float, waiting: list[float], lags: list[float], dt: float = 0.05, samples: int = 16, seed: int = 1) -> str: ...
def learn_nngp_kernel(activation: str, inputs: list[list[float]]) -> list[float]: ...
def learn_nngp_convergence(activation: str, inputs: list[list[float]], widths: list[int], networks: int = 32, seed: int = 1) -> str: ...
def learn_fit_power_law(sizes: list[float], losses: list[float], errors: Optional[list[float]] = None, resamples: int = 1000, seed: int = 1) -> str: ...
def learn_loss_spread(widths: list[int], networks: int = 16, epochs: int = 5, lr: float = 0.05, batch: int = 32, weight_decay: float = 1e-4, hidden: str = "tanh", loss: str = "cross-entropy", pool: int = 1, n_train: int = 2000, n_test: int = 1000, mnist: Optional[str] = None, seed: int = 1) -> str: ...
def learn_gibbs_theory(alphas: list[float], temperature: float) -> str: ...
def learn_sgd_noise(width: int, settings: list[Tuple[float, int]], warmup: Tuple[float, int] = (0.05, 32), warmup_epochs: int = 5, weight_decay: float = 1e-4, time: float = 20.0, records: int = 100, networks: int = 8, hidden: str = "tanh", loss: str = "cross-entropy", pool: int = 1, n_train: int = 2000, mnist: Optional[str] = None, seed: int = 1) -> str: ...

# Cavity method (glassbox.cavity): JSON strings unless noted.
def cavity_bp(model: Ising, temperature: float, damping: float = 0.0, max_iterations: int = 1000, tolerance: float = 1e-10, schedule: str = "parallel", start: float = 0.5, seed: int = 1) -> str: ...
def cavity_tap(model: Ising, temperature: float, onsager: bool = True, damping: float = 0.5, max_iterations: int = 2000, tolerance: float = 1e-10) -> str: ...
def cavity_amp(model: Ising, temperature: float, iterations: int = 200, tolerance: float = 1e-10) -> str: ...
def cavity_state_evolution(temperature: float, fields: list[float], v: float = 1.0, steps: int = 50) -> list[float]: ...
def cavity_hopfield_amp(patterns: npt.NDArray[np.int8], temperature: float, start: list[float], condensed: int = 0, iterations: int = 200, tolerance: float = 1e-10) -> str: ...
def cavity_hopfield_state_evolution(alpha: float, temperature: float, m0: float, q0: float = 1.0, steps: int = 50) -> str: ...
def cavity_field(model: Ising, temperature: float, thermalization: int = 1000, sweeps: int = 20000, draws: int = 4000, seed: int = 1) -> str: ...
def quantum_ed(model: Ising, gamma: float) -> str: ...
def quantum_thermal(model: Ising, gamma: float, betas: list[float]) -> str: ...
def quantum_path(model: Ising, gamma0: float, s: list[float], levels: int) -> str: ...
def quantum_pimc(model: Ising, config: str) -> str: ...
def quantum_sqa(model: Ising, config: str) -> str: ...
def quantum_compare(models: list[Ising], config: str) -> str: ...

# Boltzmann machines (glassbox.boltzmann).
def rbm_train(data: np.ndarray, hidden: int, epochs: int, batch_size: int, learning_rate: float, lr_decay: float, momentum: float, weight_decay: float, method: str, k: int, init_scale: float, seed: int, visible: str, replicas: int, beta_min: float, sigma: float | None, learn_sigma: bool, l1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, str, np.ndarray | None]: ...
def rbm_free_energy(w: np.ndarray, a: np.ndarray, b: np.ndarray, v: np.ndarray, sigma: np.ndarray | None = None) -> np.ndarray: ...
def rbm_sample(w: np.ndarray, a: np.ndarray, b: np.ndarray, chains: int, steps: int, seed: int, sigma: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...
def rbm_log_z_exact(w: np.ndarray, a: np.ndarray, b: np.ndarray, sigma: np.ndarray | None = None) -> float: ...
def rbm_log_z_ais(w: np.ndarray, a: np.ndarray, b: np.ndarray, base_data: np.ndarray | None = None, chains: int = 100, steps: int = 14500, seed: int = 1, sigma: np.ndarray | None = None) -> str: ...
def bm_train(data: np.ndarray, hidden: int = 0, iterations: int = 200, learning_rate: float = 0.1, init_scale: float = 1.0, seed: int = 1, mc_chains: int | None = None, burn_in: int = 20, sweeps: int = 50) -> tuple[np.ndarray, np.ndarray, list[float]]: ...
def bm_log_likelihood(j: np.ndarray, theta: np.ndarray, n_visible: int, data: np.ndarray) -> float: ...
def fvbm_gradient(j: np.ndarray, theta: np.ndarray, data: np.ndarray, mc_chains: int | None = None, burn_in: int = 20, sweeps: int = 50, seed: int = 1) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]: ...

# renormalization group (glassbox.rg)
def rg_configurations(
    dims: list[int], temperatures: list[float], count: int, sweeps: int, thermalize: int, seed: int
) -> npt.NDArray[np.int8]: ...
def rg_block(
    spins: npt.NDArray[np.int8], dims: list[int], b: int, seed: int
) -> tuple[npt.NDArray[np.int8], list[int]]: ...
def rg_mcrg(
    l: int,
    temperature: float,
    b: int,
    levels: int,
    operators: int,
    measurements: int,
    chains: int,
    seed: int,
) -> str: ...
def rg_flow(
    dims: list[int], temperatures: list[float], b: int, levels: int, measurements: int, seed: int
) -> str: ...
def rg_pca(x: _F64, k: int) -> str: ...
def rg_pca_order(configs: npt.NDArray[np.int8], temperatures: list[float], per: int) -> str: ...
def rg_latent_order(
    configs: npt.NDArray[np.int8],
    temperatures: list[float],
    per: int,
    hidden: int,
    epochs: int,
    beta_kl: float,
    variational: bool,
    seed: int,
) -> str: ...
def rg_overlap_configurations(
    dims: list[int],
    couplings: str,
    temperatures: list[float],
    samples: int,
    thermalization: int,
    snapshots: int,
    every: int,
    disorder_seed: int,
    seed: int,
) -> npt.NDArray[np.int8]: ...
def rg_rbm_stack(
    l: int,
    temperature: float,
    hidden: list[int],
    configs: int,
    epochs: int,
    learning_rate: float,
    weight_decay: float,
    l1: float,
    window: int,
    flow_temperatures: list[float],
    flow_configs: int,
    seed: int,
) -> str: ...
