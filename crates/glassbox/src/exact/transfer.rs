//! Exact magnetization moments of small periodic `L × L` Ising ferromagnets.
//!
//! Conventions as in [the parent module](super): `H = −Σ_<ij> s_i s_j` over the `2L²` bonds of
//! the torus (doubled for `L = 2`), `K = β`, `m = M/N` with `M = Σ_i s_i` and `N = L²`.
//!
//! The exact distribution of `M`, `Z(M) = Σ_{s: Σs = M} e^{−βH(s)}`, is built by a transfer
//! matrix that adds one spin at a time. For a fixed first row `s_0` the state is the current
//! *front* (the most recent spin of each column, `2^L` configurations) times the number of up
//! spins so far; after the last row the vertical bonds back to `s_0` are added, and summing
//! over `s_0` takes the trace (periodic boundaries in both directions). First rows related by
//! a horizontal translation, a reflection or a global spin flip give the same contribution to
//! `|M|`-symmetric observables, so only one representative of each class is propagated, with
//! its multiplicity. Each bond contributes `1` if satisfied and `e^{−2K}` if not (the
//! ground-state energy is factored out), so all weights lie in `[0, 1]` and the tables neither
//! overflow nor lose digits to cancellation.

use crate::error::{check_memory, invalid, Result};

/// Largest side accepted by [`magnetization_moments`] (the cost grows like `4^L L³`).
pub const MAX_L: usize = 10;

/// Exact magnetization moments of the periodic `L × L` Ising ferromagnet at one temperature,
/// with `m = M/N = (1/L²) Σ_i s_i`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Moments {
    /// `⟨|m|⟩`.
    pub abs_m: f64,
    /// `⟨m²⟩`.
    pub m2: f64,
    /// `⟨m⁴⟩`.
    pub m4: f64,
    /// Binder cumulant `U_4 = 1 − ⟨m⁴⟩ / (3 ⟨m²⟩²)`.
    pub binder: f64,
}

/// Exact `⟨|m|⟩`, `⟨m²⟩`, `⟨m⁴⟩` and the Binder cumulant of the periodic `l × l` Ising
/// ferromagnet (`J = 1`, `2l²` bonds) at inverse temperature `beta`, from the exact
/// magnetization distribution (see the [module documentation](self)).
///
/// # Errors
/// [`crate::Error::InvalidParameter`] when `l` is 0 or larger than [`MAX_L`], or when `beta`
/// is not finite and positive; [`crate::Error::TooLarge`] if the tables would not fit in
/// memory.
pub fn magnetization_moments(l: usize, beta: f64) -> Result<Moments> {
    if l == 0 || l > MAX_L {
        return Err(invalid(format!(
            "magnetization_moments: side L = {l} must be between 1 and {MAX_L}"
        )));
    }
    if !(beta.is_finite() && beta > 0.0) {
        return Err(invalid(format!(
            "magnetization_moments: beta must be finite and positive, got {beta}"
        )));
    }
    let n = l * l;
    let fronts = 1usize << l;
    // two tables of 2^L fronts × (N + 1) magnetizations, per worker thread
    let table_bytes = 2 * fronts * (n + 1) * std::mem::size_of::<f64>();
    let threads = rayon::current_num_threads().max(1);
    check_memory(
        "transfer-matrix magnetization tables",
        (table_bytes * threads) as u64,
    )?;

    let hist = magnetization_histogram(l, beta);
    let total: f64 = hist.iter().sum();
    let (mut abs_m, mut m2, mut m4) = (0.0, 0.0, 0.0);
    for (ups, &w) in hist.iter().enumerate() {
        let m = (2.0 * ups as f64 - n as f64) / n as f64;
        let p = w / total;
        abs_m += p * m.abs();
        m2 += p * m * m;
        m4 += p * m * m * m * m;
    }
    Ok(Moments {
        abs_m,
        m2,
        m4,
        binder: 1.0 - m4 / (3.0 * m2 * m2),
    })
}

/// Unnormalized weights `Z(M) e^{2K·2N}` indexed by the number of up spins `0..=N`, up to the
/// global-flip symmetry (only `|M|`-symmetric moments of it are meaningful).
fn magnetization_histogram(l: usize, beta: f64) -> Vec<f64> {
    use rayon::prelude::*;

    let n = l * l;
    let x = (-2.0 * beta).exp();
    // x^b for b unsatisfied bonds, b ≤ L (closing row) or ≤ 3 (one added spin)
    let powers: Vec<f64> = (0..=l.max(3)).map(|b| x.powi(b as i32)).collect();

    // multiplicity of each class of first rows under translations, reflection and flip
    let mask = (1usize << l) - 1;
    let mut multiplicity = vec![0u64; 1 << l];
    for row in 0..=mask {
        multiplicity[canonical_row(row, l)] += 1;
    }
    let classes: Vec<(usize, u64)> = multiplicity
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(r, &c)| (r, c))
        .collect();

    let parts: Vec<Vec<f64>> = classes
        .par_iter()
        .map(|&(row, count)| {
            let mut h = histogram_for_first_row(l, row, &powers);
            h.iter_mut().for_each(|v| *v *= count as f64);
            h
        })
        .collect();
    let mut hist = vec![0.0; n + 1];
    for part in &parts {
        for (a, b) in hist.iter_mut().zip(part) {
            *a += b;
        }
    }
    hist
}

/// The smallest row code among all translations, reflections and spin flips of `row`.
fn canonical_row(row: usize, l: usize) -> usize {
    let mask = (1usize << l) - 1;
    let reflect = |r: usize| (0..l).fold(0, |acc, j| acc | (((r >> j) & 1) << (l - 1 - j)));
    let mut best = row;
    for base in [row, reflect(row), !row & mask, reflect(!row & mask)] {
        let mut r = base;
        for _ in 0..l {
            best = best.min(r);
            r = ((r << 1) | (r >> (l - 1))) & mask;
        }
    }
    best
}

/// Number of unsatisfied horizontal bonds inside one periodic row.
fn row_defects(row: usize, l: usize) -> usize {
    (0..l)
        .filter(|&j| ((row >> j) & 1) != ((row >> ((j + 1) % l)) & 1))
        .count()
}

/// Weights by number of up spins of all configurations whose first row is `first`.
fn histogram_for_first_row(l: usize, first: usize, powers: &[f64]) -> Vec<f64> {
    let n = l * l;
    let width = n + 1;
    let fronts = 1usize << l;
    let mut old = vec![0.0; fronts * width];
    let mut new = vec![0.0; fronts * width];
    let mut live = vec![false; fronts];
    let mut new_live = vec![false; fronts];

    old[first * width + first.count_ones() as usize] = powers[row_defects(first, l)];
    live[first] = true;
    let mut placed = l; // spins placed so far; up count ≤ placed

    for _row in 1..l {
        for j in 0..l {
            new.iter_mut().for_each(|v| *v = 0.0);
            new_live.iter_mut().for_each(|v| *v = false);
            for f in 0..fronts {
                if !live[f] {
                    continue;
                }
                let up = (f >> j) & 1;
                let left = (j > 0).then(|| (f >> (j - 1)) & 1);
                let right = (j == l - 1 && l > 1).then_some(f & 1);
                for s in 0..2usize {
                    let bad = (up != s) as usize
                        + left.map_or(0, |b| (b != s) as usize)
                        + right.map_or(0, |b| (b != s) as usize);
                    let w = powers[bad];
                    let g = (f & !(1 << j)) | (s << j);
                    new_live[g] = true;
                    let src = &old[f * width..f * width + placed + 1];
                    let dst = &mut new[g * width + s..g * width + s + placed + 1];
                    for (d, &v) in dst.iter_mut().zip(src) {
                        *d += w * v;
                    }
                }
            }
            std::mem::swap(&mut old, &mut new);
            std::mem::swap(&mut live, &mut new_live);
            placed += 1;
        }
    }

    // close the torus: vertical bonds from the last row back to the first
    let mut hist = vec![0.0; width];
    for f in 0..fronts {
        if !live[f] {
            continue;
        }
        let w = powers[(f ^ first).count_ones() as usize];
        for (h, &v) in hist.iter_mut().zip(&old[f * width..(f + 1) * width]) {
            *h += w * v;
        }
    }
    hist
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs()
    }

    /// Moments by enumerating all `2^{L²}` states.
    fn brute_force(l: usize, beta: f64) -> Moments {
        let n = l * l;
        let (mut z, mut a, mut b, mut c) = (0.0, 0.0, 0.0, 0.0);
        for conf in 0u64..(1u64 << n) {
            let spin = |r: usize, col: usize| (conf >> (r * l + col)) & 1;
            let mut bad = 0;
            for r in 0..l {
                for col in 0..l {
                    bad += (spin(r, col) != spin(r, (col + 1) % l)) as i32;
                    bad += (spin(r, col) != spin((r + 1) % l, col)) as i32;
                }
            }
            let w = (-2.0 * beta * bad as f64).exp();
            let m = (2.0 * conf.count_ones() as f64 - n as f64) / n as f64;
            z += w;
            a += w * m.abs();
            b += w * m * m;
            c += w * m.powi(4);
        }
        let (a, b, c) = (a / z, b / z, c / z);
        Moments {
            abs_m: a,
            m2: b,
            m4: c,
            binder: 1.0 - c / (3.0 * b * b),
        }
    }

    #[test]
    fn agrees_with_enumeration() {
        for l in 1..=4 {
            for temp in [0.5, 1.5, 2.269, 3.5, 50.0] {
                let got = magnetization_moments(l, 1.0 / temp).unwrap();
                let want = brute_force(l, 1.0 / temp);
                let ok = close(got.abs_m, want.abs_m, 1e-12)
                    && close(got.m2, want.m2, 1e-12)
                    && close(got.m4, want.m4, 1e-12)
                    && (got.binder - want.binder).abs() < 1e-12;
                assert!(ok, "L={l} T={temp}: {got:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn reference_values() {
        let b = 1.0 / 2.269;
        let m = magnetization_moments(4, b).unwrap();
        assert!(close(m.abs_m, 0.843920253391, 1e-10), "{m:?}");
        assert!(close(m.m2, 0.761441726622, 1e-10), "{m:?}");
        assert!(close(m.m4, 0.665793741870, 1e-10), "{m:?}");
        assert!(close(m.binder, 0.617223638890, 1e-10), "{m:?}");
        let m = magnetization_moments(6, b).unwrap();
        assert!(close(m.binder, 0.614393337967, 1e-10), "{m:?}");
        let m = magnetization_moments(8, b).unwrap();
        assert!(close(m.abs_m, 0.777458217193, 1e-10), "{m:?}");
        assert!(close(m.m2, 0.647080997912, 1e-10), "{m:?}");
        assert!(close(m.m4, 0.486007159300, 1e-10), "{m:?}");
        assert!(close(m.binder, 0.613095198860, 1e-10), "{m:?}");
        let beta_c = super::super::onsager::BETA_C;
        let m = magnetization_moments(8, beta_c).unwrap();
        assert!(close(m.binder, 0.613045384943, 1e-10), "{m:?}");
    }

    #[test]
    fn limits() {
        // ordered: |m| = 1, U4 = 2/3; disordered: ⟨m²⟩ = 1/N
        let cold = magnetization_moments(5, 50.0).unwrap();
        assert!((cold.abs_m - 1.0).abs() < 1e-15 && (cold.binder - 2.0 / 3.0).abs() < 1e-14);
        let hot = magnetization_moments(5, 1e-12).unwrap();
        assert!(close(hot.m2, 1.0 / 25.0, 1e-9), "{hot:?}");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(magnetization_moments(0, 0.4).is_err());
        assert!(magnetization_moments(MAX_L + 1, 0.4).is_err());
        for beta in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(magnetization_moments(4, beta).is_err());
        }
    }
}
