//! Exact partition function of the periodic `m × n` Ising ferromagnet (Kaufman 1949).
//!
//! For `m` rows and `n` columns, with `K = βJ` and `J = 1`,
//!
//! ```text
//! Z = ½ (2 sinh 2K)^{mn/2} (Z_1 + Z_2 + Z_3 + Z_4)
//! Z_1 = Π_{r=0}^{n-1} 2 cosh(m γ_{2r+1} / 2),   Z_2 = Π_{r=0}^{n-1} 2 sinh(m γ_{2r+1} / 2)
//! Z_3 = Π_{r=0}^{n-1} 2 cosh(m γ_{2r} / 2),     Z_4 = Π_{r=0}^{n-1} 2 sinh(m γ_{2r} / 2)
//! cosh γ_l = cosh 2K coth 2K − cos(lπ/n)   (l ≥ 1, γ_l > 0)
//! γ_0 = 2K + ln tanh K                       (signed: positive below T_c, zero at T_c)
//! ```
//!
//! Everything is evaluated in log space,
//! `ln(Z_1 + … + Z_4) = ln Z_1 + ln(1 + Z_2/Z_1 + Z_3/Z_1 + Z_4/Z_1)` with
//! `Z_2/Z_1 = Π tanh(m γ_odd / 2)`, `Z_3/Z_1 = exp(ln Z_3 − ln Z_1)` and
//! `Z_4/Z_1 = Π tanh(m γ_even / 2) · Z_3/Z_1`, so nothing overflows for large lattices and
//! `γ_0 = 0` at `T_c` causes no `ln 0`. The first and second derivatives with respect to `K`
//! are carried exactly alongside the values (second-order forward-mode differentiation), so
//! the energy and specific heat are exact, not finite differences.

use crate::error::{invalid, Result};

/// Exact thermodynamics of a finite periodic 2D Ising ferromagnet at one temperature.
///
/// All quantities are per spin (divided by `N = m·n`), with `J = 1` and `k_B = 1`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Thermo {
    /// Inverse temperature `β = 1/T` (equal to `K = βJ` since `J = 1`).
    pub beta: f64,
    /// `ln Z / N`.
    pub ln_z_per_spin: f64,
    /// Mean energy per spin, `⟨H⟩/N = −(1/N) ∂ ln Z / ∂K`.
    pub energy_per_spin: f64,
    /// Specific heat per spin, `C/N = β²(⟨H²⟩ − ⟨H⟩²)/N = (K²/N) ∂² ln Z / ∂K²`.
    pub specific_heat_per_spin: f64,
    /// Free energy per spin, `F/N = −ln Z / (βN)`.
    pub free_energy_per_spin: f64,
    /// Entropy per spin, `S/N = β(E − F)/N = β E/N + ln Z/N`.
    pub entropy_per_spin: f64,
}

/// Exact thermodynamics of the periodic `rows × cols` Ising ferromagnet at inverse
/// temperature `beta`, from Kaufman's formula (see the [module documentation](self)).
///
/// The torus has `2·rows·cols` nearest-neighbour bonds (doubled along a side of length 2, a
/// spin bonded to itself along a side of length 1); per-spin quantities are divided by
/// `N = rows·cols`. Energy and specific heat come from exact derivatives of `ln Z`.
///
/// # Errors
/// [`crate::Error::InvalidParameter`] when `rows` or `cols` is 0, when `rows·cols`
/// overflows, or when `beta` is not finite and positive.
pub fn kaufman(rows: usize, cols: usize, beta: f64) -> Result<Thermo> {
    if rows == 0 || cols == 0 {
        return Err(invalid(format!(
            "kaufman: lattice {rows}×{cols} must have at least one row and one column"
        )));
    }
    let spins = rows
        .checked_mul(cols)
        .ok_or_else(|| invalid(format!("kaufman: lattice {rows}×{cols} is too large")))?;
    if !(beta.is_finite() && beta > 0.0) {
        return Err(invalid(format!(
            "kaufman: beta must be finite and positive, got {beta}"
        )));
    }
    let ln_z = ln_partition(rows, cols, beta);
    let n = spins as f64;
    let ln_z_per_spin = ln_z.v / n;
    let energy_per_spin = -ln_z.d / n;
    let specific_heat_per_spin = beta * beta * ln_z.dd / n;
    let free_energy_per_spin = -ln_z_per_spin / beta;
    let entropy_per_spin = beta * energy_per_spin + ln_z_per_spin;
    Ok(Thermo {
        beta,
        ln_z_per_spin,
        energy_per_spin,
        specific_heat_per_spin,
        free_energy_per_spin,
        entropy_per_spin,
    })
}

/// Below this `K` the high-temperature evaluation [`ln_partition_hot`] is used.
const K_HOT: f64 = 0.1;

/// Above this `K` the `γ_l` (l ≥ 1) are evaluated through `ln cosh γ_l`.
const K_COLD: f64 = 20.0;

/// `ln Z` of the `m × n` torus as a jet in `K` (value, first and second derivative).
fn ln_partition(m: usize, n: usize, k: f64) -> Jet {
    if k < K_HOT {
        return ln_partition_hot(m, n, k);
    }
    let kj = Jet::var(k);
    // ln(2 sinh 2K) = 2K + ln(1 − e^{−4K})
    let ln_2sinh2k = kj * 2.0 + (-(kj * -4.0).exp_m1()).ln();
    let half_m = m as f64 / 2.0;

    let mut ln_z1 = Jet::constant(0.0);
    let mut ln_z3 = Jet::constant(0.0);
    let mut prod_odd = Jet::constant(1.0);
    let mut prod_even = Jet::constant(1.0);
    for l in 0..2 * n {
        let x = gamma(l, n, kj) * half_m;
        if l % 2 == 1 {
            ln_z1 = ln_z1 + x.ln_2cosh();
            prod_odd = prod_odd * x.tanh();
        } else {
            ln_z3 = ln_z3 + x.ln_2cosh();
            prod_even = prod_even * x.tanh();
        }
    }
    let r3 = (ln_z3 - ln_z1).exp();
    let sum = Jet::constant(1.0) + prod_odd + r3 + prod_even * r3;
    Jet::constant(-std::f64::consts::LN_2) + ln_2sinh2k * ((m * n) as f64 / 2.0) + ln_z1 + sum.ln()
}

/// `ln Z` for small `K` (`γ_0 < 0` there), arranged so that the terms singular as `K → 0`
/// (`ln(2 sinh 2K)` and the `γ_l`, each `~ ±ln K`) cancel analytically instead of numerically.
///
/// With `λ = ln(2 sinh 2K)`, `g_l = γ_l + λ` for `l ≥ 1` and `g_0 = −γ_0 + λ`
/// `= −2K + 2 ln(2 cosh K)` are regular, `|x_l| = (m/2)|γ_l| = (m/2)(g_l − λ)`, and
/// `ln 2cosh x_l = |x_l| + ln(1 + y_l)` with `y_l = e^{−2|x_l|} = (2 sinh 2K)^m e^{−m g_l}`.
/// Then `ln Z = −ln 2 + Σ_odd [(m/2) g_l + ln(1 + y_l)] + ln(1 + Z_2/Z_1 + Z_3/Z_1 + Z_4/Z_1)`.
fn ln_partition_hot(m: usize, n: usize, k: f64) -> Jet {
    let kj = Jet::var(k);
    let one = Jet::constant(1.0);
    let (s2, c2) = ((2.0 * k).sinh(), (2.0 * k).cosh());
    // σ = 2 sinh 2K
    let sigma = Jet {
        v: 2.0 * s2,
        d: 4.0 * c2,
        dd: 8.0 * s2,
    };
    let mf = m as f64;
    // σ^m as a jet, written so that m = 1 does not form σ^{-1} · 0 with σ^{-1} infinite
    let sigma_m = sigma.chain(
        sigma.v.powi(m as i32),
        mf * sigma.v.powi(m as i32 - 1),
        if m >= 2 {
            mf * (mf - 1.0) * sigma.v.powi(m as i32 - 2)
        } else {
            0.0
        },
    );
    // 1 + cosh 4K = 2 cosh² 2K
    let one_p_cosh4k = Jet {
        v: 2.0 * c2 * c2,
        d: 4.0 * (4.0 * k).sinh(),
        dd: 16.0 * (4.0 * k).cosh(),
    };
    let mut lead_odd = Jet::constant(0.0);
    let mut lead_even = Jet::constant(0.0);
    let mut tail_odd = Jet::constant(0.0);
    let mut tail_even = Jet::constant(0.0);
    let mut prod_odd = Jet::constant(1.0);
    let mut prod_even = Jet::constant(1.0);
    for l in 0..2 * n {
        let g = if l == 0 {
            // −2K + 2 ln(2 cosh K)
            kj * -2.0 + kj.ln_2cosh() * 2.0
        } else {
            // g = ln(σ c) + ln(1 + sqrt(1 − c^{−2})), σ c = 1 + cosh 4K − 2 sinh 2K cos θ
            let theta = l as f64 * std::f64::consts::PI / n as f64;
            let sc = one_p_cosh4k - sigma * theta.cos();
            let inv_c = sigma / sc;
            sc.ln() + (one - inv_c * inv_c).sqrt().ln_1p()
        };
        let y = sigma_m * (g * -mf).exp();
        // tanh |x| = (1 − y)/(1 + y); x_0 < 0
        let th = (one - y) / (one + y);
        if l % 2 == 1 {
            lead_odd = lead_odd + g * (mf / 2.0);
            tail_odd = tail_odd + y.ln_1p();
            prod_odd = prod_odd * th;
        } else {
            lead_even = lead_even + g * (mf / 2.0);
            tail_even = tail_even + y.ln_1p();
            prod_even = prod_even * if l == 0 { -th } else { th };
        }
    }
    let r3 = (lead_even - lead_odd + tail_even - tail_odd).exp();
    let sum = one + prod_odd + r3 + prod_even * r3;
    Jet::constant(-std::f64::consts::LN_2) + lead_odd + tail_odd + sum.ln()
}

/// Kaufman's `γ_l(K)` for the torus with `n` columns, as a jet in `K`.
fn gamma(l: usize, n: usize, k: Jet) -> Jet {
    if l == 0 {
        // γ_0 = 2K + ln tanh K, ln tanh K = ln(1 − e^{−2K}) − ln(1 + e^{−2K})
        let t = (k * -2.0).exp();
        return k * 2.0 + (-(k * -2.0).exp_m1()).ln() - t.ln_1p();
    }
    let theta = l as f64 * std::f64::consts::PI / n as f64;
    if k.v <= K_COLD {
        // cosh γ = 1 + d, d = (sinh 2K − 1)² / sinh 2K + 2 sin²(θ/2), accurate near T_c
        let s2 = (2.0 * k.v).sinh();
        let c2 = (2.0 * k.v).cosh();
        let s = Jet {
            v: s2,
            d: 2.0 * c2 * k.d,
            dd: 2.0 * c2 * k.dd + 4.0 * s2 * k.d * k.d,
        };
        let sm1 = s - Jet::constant(1.0);
        let half = (theta / 2.0).sin();
        let d = sm1 * sm1 / s + Jet::constant(2.0 * half * half);
        // γ = acosh(1 + d) = ln(1 + d + sqrt(d (d + 2)))
        (d + (d * (d + Jet::constant(2.0))).sqrt()).ln_1p()
    } else {
        // With t = e^{−2K}: cosh γ = c = [(1+t²)² − 2t(1−t²) cos θ] / [2t(1−t²)], evaluated as
        // ln c, stable for large K where c is large.
        let t = (k * -2.0).exp();
        let one = Jet::constant(1.0);
        let t2 = t * t;
        let one_m_t2 = -(k * -4.0).exp_m1();
        let num = (one + t2) * (one + t2) - t * one_m_t2 * (2.0 * theta.cos());
        let ln_c = num.ln() - Jet::constant(std::f64::consts::LN_2) + k * 2.0 - one_m_t2.ln();
        // γ = ln c + ln(1 + sqrt(1 − c^{−2}))
        let inv_c2 = (ln_c * -2.0).exp();
        ln_c + ((one - inv_c2).sqrt()).ln_1p()
    }
}

/// A second-order forward-mode number: value `v`, first derivative `d` and second
/// derivative `dd` with respect to one variable.
#[derive(Clone, Copy, Debug)]
struct Jet {
    v: f64,
    d: f64,
    dd: f64,
}

impl Jet {
    fn constant(v: f64) -> Self {
        Jet { v, d: 0.0, dd: 0.0 }
    }

    fn var(v: f64) -> Self {
        Jet { v, d: 1.0, dd: 0.0 }
    }

    /// `f(self)` given `f`, `f'` and `f''` at `self.v`.
    fn chain(self, f: f64, f1: f64, f2: f64) -> Self {
        Jet {
            v: f,
            d: f1 * self.d,
            dd: f1 * self.dd + f2 * self.d * self.d,
        }
    }

    fn exp(self) -> Self {
        let e = self.v.exp();
        self.chain(e, e, e)
    }

    fn exp_m1(self) -> Self {
        let e = self.v.exp();
        self.chain(self.v.exp_m1(), e, e)
    }

    fn ln(self) -> Self {
        let r = 1.0 / self.v;
        self.chain(self.v.ln(), r, -r * r)
    }

    fn ln_1p(self) -> Self {
        let r = 1.0 / (1.0 + self.v);
        self.chain(self.v.ln_1p(), r, -r * r)
    }

    fn sqrt(self) -> Self {
        let s = self.v.sqrt();
        self.chain(s, 0.5 / s, -0.25 / (s * s * s))
    }

    fn tanh(self) -> Self {
        let t = self.v.tanh();
        let sech2 = 1.0 - t * t;
        self.chain(t, sech2, -2.0 * t * sech2)
    }

    /// `ln(2 cosh x) = |x| + ln(1 + e^{−2|x|})`.
    fn ln_2cosh(self) -> Self {
        let a = self.v.abs();
        let t = self.v.tanh();
        self.chain(a + (-2.0 * a).exp().ln_1p(), t, 1.0 - t * t)
    }
}

impl std::ops::Add for Jet {
    type Output = Jet;
    fn add(self, o: Jet) -> Jet {
        Jet {
            v: self.v + o.v,
            d: self.d + o.d,
            dd: self.dd + o.dd,
        }
    }
}

impl std::ops::Sub for Jet {
    type Output = Jet;
    fn sub(self, o: Jet) -> Jet {
        Jet {
            v: self.v - o.v,
            d: self.d - o.d,
            dd: self.dd - o.dd,
        }
    }
}

impl std::ops::Neg for Jet {
    type Output = Jet;
    fn neg(self) -> Jet {
        Jet {
            v: -self.v,
            d: -self.d,
            dd: -self.dd,
        }
    }
}

impl std::ops::Mul for Jet {
    type Output = Jet;
    fn mul(self, o: Jet) -> Jet {
        Jet {
            v: self.v * o.v,
            d: self.d * o.v + self.v * o.d,
            dd: self.dd * o.v + 2.0 * self.d * o.d + self.v * o.dd,
        }
    }
}

impl std::ops::Mul<f64> for Jet {
    type Output = Jet;
    fn mul(self, c: f64) -> Jet {
        Jet {
            v: self.v * c,
            d: self.d * c,
            dd: self.dd * c,
        }
    }
}

impl std::ops::Div for Jet {
    type Output = Jet;
    fn div(self, o: Jet) -> Jet {
        // self · (1/o), with (1/x)' = −1/x², (1/x)'' = 2/x³
        let r = 1.0 / o.v;
        self * o.chain(r, -r * r, 2.0 * r * r * r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    fn check(l: usize, beta: f64, ln_z: f64, e: f64, c: f64, tol: f64) {
        let t = kaufman(l, l, beta).unwrap();
        assert!(
            rel(t.ln_z_per_spin, ln_z) < tol,
            "L={l} β={beta}: lnZ/N {} vs {ln_z}",
            t.ln_z_per_spin
        );
        assert!(
            rel(t.energy_per_spin, e) < tol,
            "L={l} β={beta}: E/N {} vs {e}",
            t.energy_per_spin
        );
        assert!(
            rel(t.specific_heat_per_spin, c) < tol,
            "L={l} β={beta}: C/N {} vs {c}",
            t.specific_heat_per_spin
        );
    }

    const BETA_C: f64 = 0.440_686_793_509_771_5;

    #[test]
    fn reference_values() {
        let b = 1.0 / 2.269;
        check(
            4,
            b,
            0.970176068493722,
            -1.56576893132772,
            0.783193574514034,
            1e-10,
        );
        check(
            4,
            0.5,
            1.06908544492072,
            -1.75538028877744,
            0.605532657210055,
            1e-10,
        );
        check(
            4,
            1.0 / 3.0,
            0.83006459097398,
            -1.0170696269551,
            0.603134714253506,
            1e-10,
        );
        check(
            8,
            b,
            0.939769013713131,
            -1.49180137911294,
            1.14537856585888,
            1e-10,
        );
        check(
            16,
            b,
            0.932248618482904,
            -1.45334254766938,
            1.49831110349909,
            1e-10,
        );
        check(
            32,
            b,
            0.930371996374433,
            -1.43400062226293,
            1.84594475339105,
            1e-10,
        );
        check(
            128,
            b,
            0.929785539417045,
            -1.41954597340688,
            2.53289822856064,
            1e-10,
        );
        check(
            2,
            b,
            1.09556774022446,
            -1.69713113017479,
            0.403928554985861,
            1e-10,
        );
    }

    #[test]
    fn at_critical_point() {
        check(
            128,
            BETA_C,
            0.929734455770189,
            -1.41907627208499,
            2.5363313351086,
            1e-10,
        );
        let t = kaufman(8, 8, BETA_C).unwrap();
        assert!(rel(t.energy_per_spin, -1.491589107440) < 1e-10);
        assert!(rel(t.specific_heat_per_spin, 1.145559239894) < 1e-10);
    }

    /// `(ln Z/N, E/N, C/N)` by enumerating all `2^{mn}` states of the `m × n` torus.
    fn brute_force(m: usize, n: usize, beta: f64) -> (f64, f64, f64) {
        let sites = m * n;
        // histogram of the number of unsatisfied bonds; H = −2mn + 2·unsatisfied
        let mut hist = vec![0u64; 2 * sites + 1];
        for conf in 0u64..(1u64 << sites) {
            let spin = |r: usize, c: usize| (conf >> (r * n + c)) & 1;
            let mut bad = 0;
            for r in 0..m {
                for c in 0..n {
                    bad += (spin(r, c) != spin(r, (c + 1) % n)) as usize;
                    bad += (spin(r, c) != spin((r + 1) % m, c)) as usize;
                }
            }
            hist[bad] += 1;
        }
        let e0 = -2.0 * sites as f64;
        let (mut z, mut h1, mut h2) = (0.0, 0.0, 0.0);
        for (bad, &g) in hist.iter().enumerate() {
            let de = 2.0 * bad as f64;
            let w = g as f64 * (-beta * de).exp();
            z += w;
            h1 += w * de;
            h2 += w * de * de;
        }
        let (h1, h2) = (h1 / z, h2 / z);
        let nn = sites as f64;
        (
            (z.ln() - beta * e0) / nn,
            (e0 + h1) / nn,
            beta * beta * (h2 - h1 * h1) / nn,
        )
    }

    #[test]
    fn agrees_with_enumeration_4x4() {
        for temp in [1.5, 2.269, 3.5] {
            let (ln_z, e, c) = brute_force(4, 4, 1.0 / temp);
            check(4, 1.0 / temp, ln_z, e, c, 1e-10);
        }
    }

    #[test]
    fn agrees_with_enumeration_rectangles() {
        for (m, n) in [
            (1, 1),
            (1, 3),
            (3, 1),
            (2, 3),
            (3, 2),
            (3, 5),
            (5, 3),
            (2, 6),
        ] {
            for temp in [0.8, 2.269, 4.0, 20.0, 1e3] {
                let beta = 1.0 / temp;
                let (ln_z, e, c) = brute_force(m, n, beta);
                let t = kaufman(m, n, beta).unwrap();
                let msg = format!("{m}×{n} T={temp}: {t:?} vs {ln_z} {e} {c}");
                assert!(rel(t.ln_z_per_spin, ln_z) < 1e-10, "{msg}");
                assert!((t.energy_per_spin - e).abs() < 1e-10, "{msg}");
                assert!((t.specific_heat_per_spin - c).abs() < 1e-10, "{msg}");
            }
        }
    }

    #[test]
    fn extreme_temperatures_are_finite() {
        for beta in [
            1e-300, 1e-100, 1e-8, 0.1, 0.1001, 20.0, 20.001, 50.0, 1e3, 1e10,
        ] {
            for l in [1, 2, 5, 64] {
                let t = kaufman(l, l, beta).unwrap();
                assert!(t.ln_z_per_spin.is_finite(), "L={l} β={beta}: {t:?}");
                assert!(t.energy_per_spin.is_finite(), "L={l} β={beta}: {t:?}");
                assert!(
                    t.specific_heat_per_spin.is_finite(),
                    "L={l} β={beta}: {t:?}"
                );
                assert!(t.entropy_per_spin.is_finite(), "L={l} β={beta}: {t:?}");
                let ok = t.energy_per_spin >= -2.0 - 1e-12 && t.energy_per_spin <= 1e-12;
                assert!(ok, "L={l} β={beta}: {t:?}");
                assert!(t.specific_heat_per_spin >= -1e-12, "L={l} β={beta}: {t:?}");
            }
        }
        // the high- and low-temperature limits
        // high-temperature series for L ≥ 3: ln Z/N = ln 2 + 2 ln cosh K + O(K⁴), E/N = −2K + O(K³)
        for beta in [1e-8, 1e-100] {
            let hot = kaufman(8, 8, beta).unwrap();
            assert!((hot.ln_z_per_spin - std::f64::consts::LN_2).abs() < 1e-15);
            // derivative terms of order 1 cancel: absolute accuracy ~1e-16
            assert!((hot.energy_per_spin + 2.0 * beta).abs() < 1e-15, "{hot:?}");
            assert!(
                (hot.specific_heat_per_spin - 2.0 * beta * beta).abs() < 1e-15,
                "{hot:?}"
            );
        }
        let cold = kaufman(8, 8, 50.0).unwrap();
        assert!((cold.energy_per_spin + 2.0).abs() < 1e-12);
        assert!((cold.ln_z_per_spin - 100.0 - 2f64.ln() / 64.0).abs() < 1e-12);
    }

    #[test]
    fn branches_of_gamma_agree() {
        // the three evaluations meet at K_HOT and K_COLD: values must be continuous
        for k in [K_HOT, K_COLD] {
            let below = kaufman(6, 6, k * (1.0 - 1e-12)).unwrap();
            let above = kaufman(6, 6, k * (1.0 + 1e-12)).unwrap();
            assert!(rel(below.ln_z_per_spin, above.ln_z_per_spin) < 1e-9);
            assert!((below.energy_per_spin - above.energy_per_spin).abs() < 1e-9);
            assert!((below.specific_heat_per_spin - above.specific_heat_per_spin).abs() < 1e-9);
        }
    }

    #[test]
    fn thermodynamic_identities() {
        let t = kaufman(10, 12, 0.4).unwrap();
        assert!((t.free_energy_per_spin + t.ln_z_per_spin / 0.4).abs() < 1e-14);
        assert!(
            (t.entropy_per_spin - 0.4 * (t.energy_per_spin - t.free_energy_per_spin)).abs() < 1e-13
        );
        // symmetric in rows and columns
        let u = kaufman(12, 10, 0.4).unwrap();
        assert!(rel(t.ln_z_per_spin, u.ln_z_per_spin) < 1e-12);
        assert!(rel(t.specific_heat_per_spin, u.specific_heat_per_spin) < 1e-10);
    }

    #[test]
    fn converges_to_onsager_away_from_t_c() {
        use crate::exact::onsager;
        // finite-size corrections are exponentially small in L away from T_c
        for beta in [0.3, 0.6] {
            let t = kaufman(128, 128, beta).unwrap();
            assert!(rel(t.energy_per_spin, onsager::energy_per_spin(beta)) < 1e-10);
            assert!(
                rel(
                    t.specific_heat_per_spin,
                    onsager::specific_heat_per_spin(beta)
                ) < 1e-10
            );
            // below T_c the two ordered states add ln 2 / N to ln Z / N
            let degeneracy = if beta > onsager::BETA_C {
                2f64.ln()
            } else {
                0.0
            };
            let ln_z = -beta * onsager::free_energy_per_spin(beta) + degeneracy / 16384.0;
            assert!(
                rel(t.ln_z_per_spin, ln_z) < 1e-12,
                "β={beta}: {t:?} vs {ln_z}"
            );
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert!(kaufman(0, 4, 0.4).is_err());
        assert!(kaufman(4, 0, 0.4).is_err());
        assert!(kaufman(usize::MAX, 2, 0.4).is_err());
        for beta in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(kaufman(4, 4, beta).is_err());
        }
    }
}
