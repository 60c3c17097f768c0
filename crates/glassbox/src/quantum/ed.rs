//! Exact diagonalization of the transverse-field Ising Hamiltonian
//! `H = a·H_cl(σᶻ) − Γ Σ_i σˣ_i` (a = 1 except along an annealing path).
//!
//! The Hamiltonian is never stored: `H·v` is computed from the 2^N classical energies (the
//! diagonal) and the N single-spin flips (the off-diagonal part, −Γ for each flip), in
//! parallel over basis states. The lowest levels come from Lanczos iterations with full
//! reorthogonalization (Gram–Schmidt against every Krylov vector, repeated when it loses more
//! than 30 % of the norm), explicitly restarted from the current Ritz vector after
//! [`KRYLOV`] steps. Excited levels are found one after the other by deflation: each new
//! Lanczos run is kept orthogonal to the eigenvectors already found, so degenerate levels are
//! found with their multiplicity. A level is converged when its residual
//! `‖H x − θ x‖ = β_m |y_m|` falls below [`TOLERANCE`]·max(1, |θ|), which bounds the error of
//! θ by residual²/gap.
//!
//! **Spin-flip parity.** When every field h_i is zero, `H` commutes with `P = Π_i σˣ_i`
//! (the global flip `x ↦ x̄`), and it is diagonalized in each sector separately: the basis of
//! sector p = ±1 is `(|x⟩ + p |x̄⟩)/√2` over the 2^{N−1} states x whose bit N−1 is 0. In it
//! the flips of spins 0…N−2 stay inside the half, and the flip of spin N−1 maps x to
//! `x ^ (2^{N−1} − 1)` with the factor p. For Γ > 0 the ground state is in the even sector
//! (its amplitudes are all positive by Perron–Frobenius), and the physical gap of a
//! symmetric model is `min(E_1^even, E_0^odd) − E_0^even`. Along an annealing path that starts
//! in the even state `|+⟩^{⊗N}` the dynamics never leaves the even sector, so
//! [`annealing_path`] reports the gap inside it.
//!
//! **Thermal averages** ([`thermal`]) use full diagonalization (faer) of each sector:
//! `⟨O⟩ = Σ_n e^{−βE_n} ⟨n|O|n⟩ / Z`, limited to N ≤ [`MAX_THERMAL_SPINS`].

use faer::{Mat, Side};
use rand::Rng as _;
use rayon::prelude::*;

use crate::error::{check_memory, invalid, Error, Result};
use crate::model::Ising;
use crate::quantum::QUANTUM_STREAM;
use crate::rng::Streams;

/// Largest number of spins for Lanczos diagonalization (2^20 amplitudes, 8 MiB a vector).
pub const MAX_SPINS: usize = 20;

/// Largest number of spins for full diagonalization ([`thermal`]).
pub const MAX_THERMAL_SPINS: usize = 12;

/// Krylov vectors kept before a Lanczos restart.
pub const KRYLOV: usize = 80;

/// Relative residual at which a Lanczos eigenpair is accepted.
pub const TOLERANCE: f64 = 1e-10;

/// Lanczos restarts before giving up.
const MAX_RESTARTS: usize = 200;

/// Basis states per parallel work item.
const CHUNK: usize = 1 << 12;

/// A block of the Hamiltonian.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sector {
    /// The whole 2^N-dimensional space.
    Full,
    /// Spin-flip parity +1 (zero fields only).
    Even,
    /// Spin-flip parity −1 (zero fields only).
    Odd,
}

fn check_size(n: usize, max: usize, what: &str) -> Result<()> {
    if n > max {
        return Err(invalid(format!(
            "{what} handles at most {max} spins (2^{max} amplitudes), the model has {n}"
        )));
    }
    Ok(())
}

fn check_gamma(gamma: f64) -> Result<()> {
    if !(gamma.is_finite() && gamma >= 0.0) {
        return Err(invalid(format!(
            "the transverse field must be finite and non-negative, got {gamma}"
        )));
    }
    Ok(())
}

/// Whether the model has the spin-flip symmetry (every field zero).
pub fn is_symmetric(model: &Ising) -> bool {
    model.fields().iter().all(|&h| h == 0.0)
}

/// The classical energies `H_cl(x)` of all 2^N basis states (index convention of the
/// [module](crate::quantum)).
pub fn classical_energies(model: &Ising) -> Result<Vec<f64>> {
    let n = model.n();
    check_size(n, MAX_SPINS, "exact diagonalization")?;
    let edges = model.edges();
    let h = model.fields();
    let mut out = vec![0.0; 1usize << n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (o, e) in chunk.iter_mut().enumerate() {
                let x = c * CHUNK + o;
                let mut en = 0.0;
                for &(i, j, w) in &edges {
                    en -= if ((x >> i) ^ (x >> j)) & 1 == 0 {
                        w
                    } else {
                        -w
                    };
                }
                for (i, &hi) in h.iter().enumerate() {
                    en -= if (x >> i) & 1 == 0 { hi } else { -hi };
                }
                *e = en;
            }
        });
    Ok(out)
}

/// `H = a·D − Γ X` restricted to a sector, applied matrix-free.
struct Operator<'a> {
    n: usize,
    diag: &'a [f64],
    sector: Sector,
    dim: usize,
    a: f64,
    gamma: f64,
}

impl<'a> Operator<'a> {
    fn new(n: usize, diag: &'a [f64], sector: Sector, a: f64, gamma: f64) -> Self {
        let dim = match sector {
            Sector::Full => 1usize << n,
            _ => 1usize << (n - 1),
        };
        Operator {
            n,
            diag,
            sector,
            dim,
            a,
            gamma,
        }
    }

    /// `out = c_d · D v + c_x · X v`.
    fn apply_with(&self, v: &[f64], out: &mut [f64], c_d: f64, c_x: f64) {
        let (flips, last) = match self.sector {
            Sector::Full => (self.n, None),
            Sector::Even => (self.n - 1, Some(1.0)),
            Sector::Odd => (self.n - 1, Some(-1.0)),
        };
        let low = (1usize << (self.n - 1)) - 1;
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                for (o, y) in chunk.iter_mut().enumerate() {
                    let x = c * CHUNK + o;
                    let mut f = 0.0;
                    for i in 0..flips {
                        f += v[x ^ (1 << i)];
                    }
                    if let Some(p) = last {
                        f += p * v[x ^ low];
                    }
                    *y = c_d * self.diag[x] * v[x] + c_x * f;
                }
            });
    }

    fn apply(&self, v: &[f64], out: &mut [f64]) {
        self.apply_with(v, out, self.a, -self.gamma);
    }

    /// `⟨v|X|v⟩` for a normalized v.
    fn expect_x(&self, v: &[f64]) -> f64 {
        let mut w = vec![0.0; self.dim];
        self.apply_with(v, &mut w, 0.0, 1.0);
        dot(v, &w)
    }
}

/// Deterministic dot product (fixed chunking whatever the thread count).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.par_chunks(CHUNK)
        .zip(b.par_chunks(CHUNK))
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>())
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// `y += c x`.
fn axpy(c: f64, x: &[f64], y: &mut [f64]) {
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(yc, xc)| yc.iter_mut().zip(xc).for_each(|(p, q)| *p += c * q));
}

fn scale(c: f64, x: &mut [f64]) {
    x.par_chunks_mut(CHUNK)
        .for_each(|xc| xc.iter_mut().for_each(|p| *p *= c));
}

/// Orthogonalizes `w` against `vs` (classical Gram–Schmidt, repeated while a pass removes
/// more than 30 % of the norm, at most three passes). Returns the final norm.
fn orthogonalize<'v>(w: &mut [f64], vs: impl Iterator<Item = &'v Vec<f64>> + Clone) -> f64 {
    let mut norm = dot(w, w).sqrt();
    for _ in 0..3 {
        for q in vs.clone() {
            let c = dot(q, w);
            axpy(-c, q, w);
        }
        let new = dot(w, w).sqrt();
        let enough = new > 0.7 * norm;
        norm = new;
        if enough {
            break;
        }
    }
    norm
}

/// Lowest eigenpair of the symmetric tridiagonal matrix with diagonal `alpha` and
/// off-diagonal `beta`.
fn tridiagonal_lowest(alpha: &[f64], beta: &[f64]) -> Result<(f64, Vec<f64>)> {
    let m = alpha.len();
    let t = Mat::<f64>::from_fn(m, m, |i, j| {
        if i == j {
            alpha[i]
        } else if i == j + 1 {
            beta[j]
        } else if j == i + 1 {
            beta[i]
        } else {
            0.0
        }
    });
    let evd = t
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| invalid(format!("tridiagonal eigensolver failed: {e:?}")))?;
    let theta = evd.S().column_vector()[0];
    let y = (0..m).map(|i| evd.U()[(i, 0)]).collect();
    Ok((theta, y))
}

/// The lowest eigenpair of `op` orthogonal to `found` (normalized eigenvectors).
fn lanczos_lowest(op: &Operator, found: &[Vec<f64>], seed_path: u64) -> Result<(f64, Vec<f64>)> {
    let dim = op.dim;
    let avail = dim - found.len();
    let max_krylov = KRYLOV.min(avail).max(1);
    let mut rng = Streams::new(0).stream(&[QUANTUM_STREAM, 9, seed_path]);
    // Positive random start: overlaps the (positive) ground state and every symmetry class.
    let mut x: Vec<f64> = (0..dim).map(|_| 1.0 + 0.5 * rng.random::<f64>()).collect();
    let norm = orthogonalize(&mut x, found.iter());
    if norm.is_nan() || norm <= 0.0 {
        return Err(invalid("no vector left orthogonal to the levels found"));
    }
    scale(1.0 / norm, &mut x);
    let mut last_resid = f64::NAN;
    for _ in 0..MAX_RESTARTS {
        let mut basis: Vec<Vec<f64>> = vec![x];
        let mut alpha = Vec::new();
        let mut beta = Vec::new();
        loop {
            let mut w = vec![0.0; dim];
            op.apply(basis.last().expect("nonempty"), &mut w);
            alpha.push(dot(basis.last().expect("nonempty"), &w));
            let b = orthogonalize(&mut w, found.iter().chain(basis.iter()));
            let (theta, y) = tridiagonal_lowest(&alpha, &beta)?;
            let m = alpha.len();
            let resid = b * y[m - 1].abs();
            last_resid = resid;
            let invariant = b <= 1e-13 * theta.abs().max(1.0);
            let done = resid <= TOLERANCE * theta.abs().max(1.0) || invariant || m == avail;
            if done || m == max_krylov {
                let mut ritz = vec![0.0; dim];
                for (c, v) in y.iter().zip(&basis) {
                    axpy(*c, v, &mut ritz);
                }
                let nr = orthogonalize(&mut ritz, found.iter());
                scale(1.0 / nr, &mut ritz);
                if done {
                    return Ok((theta, ritz));
                }
                x = ritz;
                break;
            }
            beta.push(b);
            scale(1.0 / b, &mut w);
            basis.push(w);
        }
    }
    Err(Error::NotConverged {
        what: "Lanczos".into(),
        iterations: MAX_RESTARTS * max_krylov,
        residual: last_resid,
    })
}

/// One eigenpair: energy and normalized amplitudes in the sector's basis.
#[derive(Clone, Debug, PartialEq)]
pub struct Level {
    /// The energy.
    pub energy: f64,
    /// The sector the amplitudes belong to.
    pub sector: Sector,
    /// Normalized amplitudes (2^N in the full space, 2^{N−1} in a parity sector).
    pub amplitudes: Vec<f64>,
}

fn check_sector(model: &Ising, sector: Sector) -> Result<()> {
    if sector != Sector::Full && !is_symmetric(model) {
        return Err(invalid(
            "parity sectors need zero fields (the spin-flip symmetry is broken by h)",
        ));
    }
    Ok(())
}

/// The `k` lowest levels of `a·H_cl − Γ X` in `sector`, from the precomputed diagonal
/// (`diag = classical_energies(model)`), sorted by energy.
fn levels_from(
    n: usize,
    diag: &[f64],
    a: f64,
    gamma: f64,
    sector: Sector,
    k: usize,
) -> Result<Vec<Level>> {
    let op = Operator::new(n, diag, sector, a, gamma);
    let k = k.min(op.dim);
    check_memory(
        "Lanczos vectors",
        ((KRYLOV + k + 2) * op.dim * std::mem::size_of::<f64>()) as u64,
    )?;
    let mut found: Vec<Vec<f64>> = Vec::new();
    let mut out = Vec::new();
    for l in 0..k {
        let (e, v) = lanczos_lowest(&op, &found, l as u64)?;
        found.push(v.clone());
        out.push(Level {
            energy: e,
            sector,
            amplitudes: v,
        });
    }
    out.sort_by(|a, b| a.energy.total_cmp(&b.energy));
    Ok(out)
}

/// The `k` lowest levels of `H = H_cl − Γ Σσˣ` in `sector` (Lanczos with deflation).
pub fn lowest_levels(model: &Ising, gamma: f64, sector: Sector, k: usize) -> Result<Vec<Level>> {
    check_gamma(gamma)?;
    check_sector(model, sector)?;
    if k == 0 {
        return Err(invalid("ask for at least one level"));
    }
    let diag = classical_energies(model)?;
    levels_from(model.n(), &diag, 1.0, gamma, sector, k)
}

/// The ground state of `H = H_cl − Γ Σσˣ` and its gap.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroundState {
    /// Number of spins.
    pub n: usize,
    /// Transverse field Γ.
    pub gamma: f64,
    /// Ground-state energy E_0.
    pub energy: f64,
    /// First excited energy E_1 (over the whole space; equal to E_0 when degenerate).
    pub excited: f64,
    /// The gap E_1 − E_0.
    pub gap: f64,
    /// For zero fields: the gap inside the even parity sector, `E_1^even − E_0`.
    pub even_gap: Option<f64>,
    /// For zero fields: the lowest odd-sector energy `E_0^odd`.
    pub odd_energy: Option<f64>,
    /// `⟨σˣ⟩` per spin, `⟨Σ_i σˣ_i⟩ / N`.
    pub sigma_x: f64,
    /// `⟨H_cl⟩` in the ground state.
    pub classical_energy: f64,
    /// `⟨σᶻ_i⟩` per site (zero for a symmetric model, whose ground state is a parity state).
    pub magnetization: Vec<f64>,
    /// `⟨m²⟩` with `m = Σ_i σᶻ_i / N`.
    pub m2: f64,
    /// `⟨q_cl⟩ = Σ_x |ψ(x)|² [x is a classical ground state]`: the weight of the classical
    /// ground states in the quantum ground state.
    pub classical_ground_weight: f64,
}

/// Observables of a level from its amplitudes.
struct LevelStats {
    classical: f64,
    x: f64,
    mz: Vec<f64>,
    m2: f64,
    ground_weight: f64,
}

fn level_stats(n: usize, diag: &[f64], level: &Level) -> LevelStats {
    let op = Operator::new(n, diag, level.sector, 1.0, 0.0);
    let v = &level.amplitudes;
    let e_min = diag.iter().copied().fold(f64::INFINITY, f64::min);
    let tol = 1e-9 * e_min.abs().max(1.0);
    let mut classical = 0.0;
    let mut m2 = 0.0;
    let mut ground_weight = 0.0;
    let mut mz = vec![0.0; n];
    for (x, &a) in v.iter().enumerate() {
        let p = a * a;
        classical += p * diag[x];
        let up = n as f64 - 2.0 * (x.count_ones() as f64);
        m2 += p * (up / n as f64).powi(2);
        if diag[x] <= e_min + tol {
            ground_weight += p;
        }
        if level.sector == Sector::Full {
            for (i, m) in mz.iter_mut().enumerate() {
                *m += if (x >> i) & 1 == 0 { p } else { -p };
            }
        }
    }
    LevelStats {
        classical,
        x: op.expect_x(v),
        mz,
        m2,
        ground_weight,
    }
}

/// Ground state, gap and observables of `H = H_cl − Γ Σσˣ` for N ≤ [`MAX_SPINS`]. Zero-field
/// models are solved in the parity sectors (see the [module documentation](self)).
pub fn ground_state(model: &Ising, gamma: f64) -> Result<GroundState> {
    check_gamma(gamma)?;
    let n = model.n();
    let diag = classical_energies(model)?;
    let (ground, excited, even_gap, odd_energy) = if is_symmetric(model) && n > 1 {
        let even = levels_from(n, &diag, 1.0, gamma, Sector::Even, 2)?;
        let odd = levels_from(n, &diag, 1.0, gamma, Sector::Odd, 1)?;
        let (g, e1, e0_odd) = if odd[0].energy < even[0].energy {
            // Only at Γ = 0 can the odd sector hold a ground state (degenerate with even).
            (odd[0].clone(), even[0].energy, odd[0].energy)
        } else {
            (
                even[0].clone(),
                even[1].energy.min(odd[0].energy),
                odd[0].energy,
            )
        };
        let eg = even[1].energy - even[0].energy;
        (g, e1, Some(eg), Some(e0_odd))
    } else {
        let full = levels_from(n, &diag, 1.0, gamma, Sector::Full, 2)?;
        let e1 = full.get(1).map_or(f64::NAN, |l| l.energy);
        (full[0].clone(), e1, None, None)
    };
    let stats = level_stats(n, &diag, &ground);
    Ok(GroundState {
        n,
        gamma,
        energy: ground.energy,
        excited,
        gap: excited - ground.energy,
        even_gap,
        odd_energy,
        sigma_x: stats.x / n as f64,
        classical_energy: stats.classical,
        magnetization: stats.mz,
        m2: stats.m2,
        classical_ground_weight: stats.ground_weight,
    })
}

/// The instantaneous spectrum at one point of an annealing path.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PathPoint {
    /// The path parameter s ∈ [0, 1].
    pub s: f64,
    /// The lowest levels (in the even sector for zero fields), ascending.
    pub levels: Vec<f64>,
    /// `levels[1] − levels[0]`.
    pub gap: f64,
}

/// The spectrum along `H(s) = s·H_cl − (1 − s)·Γ_0 Σσˣ`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PathSpectrum {
    /// Γ_0.
    pub gamma0: f64,
    /// Whether the levels are those of the even parity sector (zero fields).
    pub even_sector: bool,
    /// The points, in the order given.
    pub points: Vec<PathPoint>,
    /// The smallest gap over the points.
    pub min_gap: f64,
    /// The s of the smallest gap.
    pub s_min: f64,
}

/// The `levels` (≥ 2) lowest levels of `H(s) = s·H_cl − (1 − s)·Γ_0 Σσˣ` at every s in
/// `s_values` (each in [0, 1]), and the minimum gap. For zero fields the levels are those of
/// the even sector, the one the annealing dynamics from `|+⟩^{⊗N}` lives in; with fields, of
/// the whole space. At s = 1 a degenerate classical ground state gives gap 0.
pub fn annealing_path(
    model: &Ising,
    gamma0: f64,
    s_values: &[f64],
    levels: usize,
) -> Result<PathSpectrum> {
    check_gamma(gamma0)?;
    if levels < 2 {
        return Err(invalid(
            "the annealing path needs at least 2 levels for the gap",
        ));
    }
    if s_values.is_empty() {
        return Err(invalid("the annealing path needs at least one value of s"));
    }
    if let Some(s) = s_values.iter().find(|s| !(0.0..=1.0).contains(*s)) {
        return Err(invalid(format!(
            "path parameters s must lie in [0, 1], got {s}"
        )));
    }
    let n = model.n();
    let diag = classical_energies(model)?;
    let sector = if is_symmetric(model) && n > 1 {
        Sector::Even
    } else {
        Sector::Full
    };
    let mut points = Vec::with_capacity(s_values.len());
    for &s in s_values {
        let lv = levels_from(n, &diag, s, (1.0 - s) * gamma0, sector, levels)?;
        let e: Vec<f64> = lv.iter().map(|l| l.energy).collect();
        let gap = if e.len() > 1 { e[1] - e[0] } else { f64::NAN };
        points.push(PathPoint { s, levels: e, gap });
    }
    let (s_min, min_gap) = points
        .iter()
        .filter(|p| p.gap.is_finite())
        .map(|p| (p.s, p.gap))
        .fold(
            (f64::NAN, f64::INFINITY),
            |a, b| if b.1 < a.1 { b } else { a },
        );
    Ok(PathSpectrum {
        gamma0,
        even_sector: sector == Sector::Even,
        points,
        min_gap,
        s_min,
    })
}

/// Thermal averages of `H = H_cl − Γ Σσˣ` at one β.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Thermal {
    /// Inverse temperature β.
    pub beta: f64,
    /// `⟨H⟩`.
    pub energy: f64,
    /// `⟨H_cl⟩`.
    pub classical_energy: f64,
    /// `⟨Σσˣ⟩ / N`.
    pub sigma_x: f64,
    /// `⟨m²⟩`, `m = Σσᶻ / N`.
    pub m2: f64,
    /// Free energy `F = −ln Z / β`.
    pub free_energy: f64,
    /// Specific heat `β² (⟨H²⟩ − ⟨H⟩²)`.
    pub specific_heat: f64,
}

/// Thermal averages at each β of `betas` (each finite and positive) from the full spectrum,
/// for N ≤ [`MAX_THERMAL_SPINS`] (one dense diagonalization per parity sector).
pub fn thermal(model: &Ising, gamma: f64, betas: &[f64]) -> Result<Vec<Thermal>> {
    check_gamma(gamma)?;
    let n = model.n();
    check_size(n, MAX_THERMAL_SPINS, "full diagonalization")?;
    if let Some(b) = betas.iter().find(|b| !(b.is_finite() && **b > 0.0)) {
        return Err(invalid(format!("β must be finite and positive, got {b}")));
    }
    let diag = classical_energies(model)?;
    let sectors: &[Sector] = if is_symmetric(model) && n > 1 {
        &[Sector::Even, Sector::Odd]
    } else {
        &[Sector::Full]
    };
    // (E_n, ⟨H_cl⟩_n, ⟨X⟩_n, ⟨m²⟩_n) for every eigenstate.
    let mut states: Vec<[f64; 4]> = Vec::new();
    for &sector in sectors {
        let op = Operator::new(n, &diag, sector, 1.0, gamma);
        let dim = op.dim;
        let mut h = Mat::<f64>::zeros(dim, dim);
        let mut col = vec![0.0; dim];
        let mut unit = vec![0.0; dim];
        for x in 0..dim {
            unit[x] = 1.0;
            op.apply(&unit, &mut col);
            unit[x] = 0.0;
            for (y, &c) in col.iter().enumerate() {
                h[(y, x)] = c;
            }
        }
        let evd = h
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| invalid(format!("eigensolver failed: {e:?}")))?;
        let s = evd.S().column_vector();
        for k in 0..dim {
            let v: Vec<f64> = (0..dim).map(|i| evd.U()[(i, k)]).collect();
            let level = Level {
                energy: s[k],
                sector,
                amplitudes: v,
            };
            let st = level_stats(n, &diag, &level);
            states.push([s[k], st.classical, st.x, st.m2]);
        }
    }
    let e0 = states.iter().map(|s| s[0]).fold(f64::INFINITY, f64::min);
    Ok(betas
        .iter()
        .map(|&beta| {
            let mut z = 0.0;
            let mut acc = [0.0; 5];
            for s in &states {
                let w = (-beta * (s[0] - e0)).exp();
                z += w;
                acc[0] += w * s[0];
                acc[1] += w * s[1];
                acc[2] += w * s[2];
                acc[3] += w * s[3];
                acc[4] += w * s[0] * s[0];
            }
            let e = acc[0] / z;
            Thermal {
                beta,
                energy: e,
                classical_energy: acc[1] / z,
                sigma_x: acc[2] / z / n as f64,
                m2: acc[3] / z,
                free_energy: e0 - z.ln() / beta,
                specific_heat: beta * beta * (acc[4] / z - e * e),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quantum::chain;

    fn ring(n: usize, j: f64) -> Ising {
        let edges: Vec<_> = (0..n).map(|i| (i, (i + 1) % n, j)).collect();
        Ising::from_edges(n, &edges, vec![]).unwrap()
    }

    fn random_model(n: usize, fields: bool, seed: u64) -> Ising {
        let mut rng = Streams::new(seed).stream(&[1]);
        let mut edges = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                edges.push((i, j, rng.random::<f64>() * 2.0 - 1.0));
            }
        }
        let h = if fields {
            (0..n).map(|_| rng.random::<f64>() - 0.5).collect()
        } else {
            vec![]
        };
        Ising::from_edges(n, &edges, h).unwrap()
    }

    /// Dense full-space matrix and its eigenvalues (the reference for small N).
    fn dense_spectrum(model: &Ising, gamma: f64) -> Vec<f64> {
        let n = model.n();
        let diag = classical_energies(model).unwrap();
        let dim = 1 << n;
        let h = Mat::<f64>::from_fn(dim, dim, |x, y| {
            if x == y {
                diag[x]
            } else if (x ^ y).count_ones() == 1 {
                -gamma
            } else {
                0.0
            }
        });
        h.self_adjoint_eigenvalues(Side::Lower).unwrap()
    }

    #[test]
    fn chain_matches_free_fermions() {
        for n in [8usize, 10, 12, 14, 16] {
            for gamma in [0.3, 1.0, 2.5] {
                let g = ground_state(&ring(n, 1.0), gamma).unwrap();
                let e0 = chain::ground_energy(n, 1.0, gamma);
                let e_odd = chain::odd_energy(n, 1.0, gamma);
                assert!(
                    (g.energy - e0).abs() < 1e-10,
                    "N={n} Γ={gamma}: {} vs {e0}",
                    g.energy
                );
                let eo = g.odd_energy.unwrap();
                assert!(
                    (eo - e_odd).abs() < 1e-10,
                    "N={n} Γ={gamma}: odd {eo} vs {e_odd}"
                );
                assert!(g.gap <= eo - g.energy + 1e-12);
            }
        }
    }

    /// The largest size: 2^19 amplitudes per sector, ≈ 360 MB peak, ≈ 10 s of CPU per Γ
    /// (run with `--ignored`).
    #[test]
    #[ignore = "N = 20 takes about 10 s of CPU"]
    fn chain_of_twenty_matches_free_fermions() {
        let g = ground_state(&ring(20, 1.0), 1.0).unwrap();
        let e0 = chain::ground_energy(20, 1.0, 1.0);
        let e_odd = chain::odd_energy(20, 1.0, 1.0);
        assert!((g.energy - e0).abs() < 1e-10, "{} vs {e0}", g.energy);
        assert!((g.odd_energy.unwrap() - e_odd).abs() < 1e-10);
        // Hellmann–Feynman: ⟨H⟩ = ⟨H_cl⟩ − Γ N ⟨σˣ⟩.
        assert!((g.classical_energy - 20.0 * g.sigma_x - g.energy).abs() < 1e-8);
    }

    #[test]
    fn lanczos_matches_dense_spectrum() {
        for (fields, seed) in [(true, 3), (false, 4)] {
            let m = random_model(7, fields, seed);
            let dense = dense_spectrum(&m, 0.7);
            let lv = lowest_levels(&m, 0.7, Sector::Full, 4).unwrap();
            for (k, l) in lv.iter().enumerate() {
                assert!(
                    (l.energy - dense[k]).abs() < 1e-9,
                    "{k}: {} vs {}",
                    l.energy,
                    dense[k]
                );
            }
            let g = ground_state(&m, 0.7).unwrap();
            assert!((g.energy - dense[0]).abs() < 1e-9);
            assert!((g.excited - dense[1]).abs() < 1e-9);
            // ⟨H⟩ = ⟨H_cl⟩ − Γ⟨X⟩ (Hellmann–Feynman consistency of the observables).
            let e = g.classical_energy - 0.7 * 7.0 * g.sigma_x;
            assert!((e - g.energy).abs() < 1e-8);
        }
    }

    #[test]
    fn degenerate_levels_are_found_with_multiplicity() {
        // Γ = 0 on a ferromagnetic ring: two degenerate classical ground states.
        let g = ground_state(&ring(6, 1.0), 0.0).unwrap();
        assert!((g.energy + 6.0).abs() < 1e-10);
        assert!(g.gap.abs() < 1e-10);
        let lv = lowest_levels(&ring(6, 1.0), 0.0, Sector::Full, 3).unwrap();
        assert!((lv[1].energy + 6.0).abs() < 1e-10 && (lv[2].energy + 2.0).abs() < 1e-10);
    }

    #[test]
    fn gamma_zero_gives_the_classical_ground_state() {
        let m = random_model(9, true, 8);
        let diag = classical_energies(&m).unwrap();
        let e_min = diag.iter().copied().fold(f64::INFINITY, f64::min);
        let g = ground_state(&m, 0.0).unwrap();
        assert!((g.energy - e_min).abs() < 1e-10);
        assert!((g.classical_ground_weight - 1.0).abs() < 1e-8);
    }

    #[test]
    fn single_spin_thermal_is_analytic() {
        let m = Ising::from_edges(1, &[], vec![0.4]).unwrap();
        let (gamma, beta) = (0.9f64, 1.7f64);
        let r = (0.4f64 * 0.4 + gamma * gamma).sqrt();
        let t = &thermal(&m, gamma, &[beta]).unwrap()[0];
        assert!((t.energy + r * (beta * r).tanh()).abs() < 1e-12);
        assert!((t.sigma_x - gamma / r * (beta * r).tanh()).abs() < 1e-12);
        let g = ground_state(&m, gamma).unwrap();
        assert!((g.energy + r).abs() < 1e-12 && (g.gap - 2.0 * r).abs() < 1e-12);
    }

    #[test]
    fn thermal_at_low_temperature_is_the_ground_state() {
        let m = ring(8, 1.0);
        let t = &thermal(&m, 1.2, &[60.0]).unwrap()[0];
        let g = ground_state(&m, 1.2).unwrap();
        assert!((t.energy - g.energy).abs() < 1e-9);
        assert!((t.sigma_x - g.sigma_x).abs() < 1e-7);
        assert!((t.m2 - g.m2).abs() < 1e-7);
    }

    #[test]
    fn path_starts_with_the_even_sector_gap_of_the_field() {
        // s = 0: H = −Γ_0 X, even-sector gap 4Γ_0 (two spins flipped along x).
        let m = random_model(8, false, 2);
        let p = annealing_path(&m, 1.5, &[0.0, 0.5], 3).unwrap();
        assert!(p.even_sector);
        assert!((p.points[0].levels[0] + 8.0 * 1.5).abs() < 1e-10);
        assert!((p.points[0].gap - 6.0).abs() < 1e-10);
        assert!(p.min_gap <= p.points[1].gap && p.min_gap > 0.0);
    }

    #[test]
    fn rejects_bad_input() {
        let big = ring(21, 1.0);
        assert!(ground_state(&big, 1.0).is_err());
        assert!(thermal(&ring(13, 1.0), 1.0, &[1.0]).is_err());
        assert!(ground_state(&ring(4, 1.0), -1.0).is_err());
        let with_field = Ising::from_edges(2, &[(0, 1, 1.0)], vec![0.1, 0.0]).unwrap();
        assert!(lowest_levels(&with_field, 1.0, Sector::Even, 1).is_err());
        assert!(annealing_path(&ring(4, 1.0), 1.0, &[1.5], 2).is_err());
    }
}
