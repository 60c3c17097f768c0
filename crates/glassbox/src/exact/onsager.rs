//! Closed forms for the infinite square-lattice Ising ferromagnet (Onsager 1944, Yang 1952).
//!
//! Conventions as in [the parent module](super): `J = 1`, `k_B = 1`, `K = β`, quantities per
//! spin. With `k = 2 sinh 2K / cosh² 2K` (the elliptic modulus, `0 ≤ k ≤ 1`, equal to 1 only
//! at `T_c`) and `k'' = 2 tanh² 2K − 1` (so that `|k''| = sqrt(1 − k²)`), the complete elliptic
//! integrals `K(k) = ∫_0^{π/2} dφ / sqrt(1 − k² sin² φ)` and
//! `E(k) = ∫_0^{π/2} sqrt(1 − k² sin² φ) dφ` are evaluated with the arithmetic–geometric mean.
//!
//! Functions of `beta` return `NaN` when `beta` is not positive (or is `NaN`); `beta = +∞`
//! gives the ground-state limits.

use std::f64::consts::{FRAC_PI_2, PI};

/// Critical temperature `T_c = 2 / ln(1 + √2)` (with `J = k_B = 1`).
pub const T_C: f64 = 2.269_185_314_213_022;

/// Critical inverse temperature `β_c = K_c = ln(1 + √2) / 2`, the solution of `sinh 2K = 1`.
pub const BETA_C: f64 = 0.440_686_793_509_771_5;

/// Internal energy per spin `u = −coth 2K [1 + (2/π) k'' K(k)]`.
///
/// Continuous at `T_c`, where `u = −√2`; `u → −2` as `T → 0` and `u → 0` as `T → ∞`.
pub fn energy_per_spin(beta: f64) -> f64 {
    if beta.is_nan() || beta <= 0.0 {
        return f64::NAN;
    }
    if beta < BETA_SERIES {
        return high_temperature(beta).0;
    }
    let m = Moduli::new(beta);
    let bracket = if m.kp == 0.0 {
        // k'' K(k) → 0 at T_c (K(k) diverges only logarithmically)
        1.0
    } else {
        1.0 + 2.0 / PI * m.kpp * ellip_k(m.kp)
    };
    -bracket / m.tanh2k
}

/// Specific heat per spin `c = dU/dT / N = −K² du/dK`, the exact derivative of
/// [`energy_per_spin`]: with `t = tanh 2K`,
/// `c = K² [(16/π)(1 − t²) K(k) − (4/(π t²))(E(k) − k''² K(k)) − (2/sinh² 2K)(1 + (2/π) k'' K(k))]`
/// (using `dK/dk = E/(k k'²) − K/k`, `dk/dK = −4 k'' / cosh 2K`, `dk''/dK = 8t(1 − t²)`).
///
/// Diverges logarithmically at `T_c`; returns `+∞` where `k = 1` to machine precision.
pub fn specific_heat_per_spin(beta: f64) -> f64 {
    if beta.is_nan() || beta <= 0.0 {
        return f64::NAN;
    }
    if beta == f64::INFINITY {
        return 0.0;
    }
    if beta < BETA_SERIES {
        return high_temperature(beta).1;
    }
    let m = Moduli::new(beta);
    if m.kp == 0.0 {
        return f64::INFINITY;
    }
    let (kk, ee) = ellip_ke(m.kp);
    let t = m.tanh2k;
    let s = (2.0 * beta).sinh();
    let minus_du = 16.0 / PI * (1.0 - t * t) * kk
        - 4.0 / (PI * t * t) * (ee - m.kpp * m.kpp * kk)
        - 2.0 / (s * s) * (1.0 + 2.0 / PI * m.kpp * kk);
    beta * beta * minus_du
}

/// Free energy per spin `f = −(1/β)(−βf)` from Onsager's solution in the one-dimensional form
/// `−βf = ln(2 cosh 2K) + (1/π) ∫_0^{π/2} ln[(1 + sqrt(1 − k² sin² φ))/2] dφ`,
/// evaluated by adaptive Gauss–Legendre quadrature to about `1e-15` absolute.
///
/// At `T_c`, `−βf = ln 2 / 2 + 2G/π` (`G` Catalan's constant).
pub fn free_energy_per_spin(beta: f64) -> f64 {
    if beta.is_nan() || beta <= 0.0 {
        return f64::NAN;
    }
    if beta == f64::INFINITY {
        return -2.0;
    }
    -minus_beta_f(beta) / beta
}

/// Below this `β` the energy and specific heat come from the high-temperature series
/// [`high_temperature`] (the closed forms lose digits to cancellation there).
const BETA_SERIES: f64 = 2e-3;

/// `(u, c)` from the high-temperature expansion
/// `−βf = ln 2 + 2 ln cosh K + v⁴ + 2v⁶ + O(v⁸)`, `v = tanh K`, which for `K < 2·10⁻³` is
/// exact to about `1e-15` relative.
fn high_temperature(k: f64) -> (f64, f64) {
    let v = k.tanh();
    let w = 1.0 - v * v;
    let (v2, v3) = (v * v, v * v * v);
    // g(v) = v⁴ + 2v⁶, g' = 4v³ + 12v⁵, g'' = 12v² + 60v⁴, dv/dK = 1 − v²
    let g1 = 4.0 * v3 + 12.0 * v3 * v2;
    let g2 = 12.0 * v2 + 60.0 * v2 * v2;
    let u = -(2.0 * v + g1 * w);
    let c = k * k * (2.0 * w + g2 * w * w - 2.0 * v * w * g1);
    (u, c)
}

/// `−βf = ln Z / N` of the infinite lattice (see [`free_energy_per_spin`]).
fn minus_beta_f(beta: f64) -> f64 {
    let m = Moduli::new(beta);
    let (k, kp) = (m.k, m.kp);
    // sqrt(1 − k² sin² φ) = sqrt(k'² + k² cos² φ), free of cancellation near k = 1
    let integrand = |phi: f64| {
        let c = k * phi.cos();
        (0.5 * (1.0 + (kp * kp + c * c).sqrt())).ln()
    };
    // ln(2 cosh 2K) = 2K + ln(1 + e^{−4K})
    let ln_2cosh = 2.0 * beta + (-4.0 * beta).exp().ln_1p();
    ln_2cosh + integrate(integrand, 0.0, FRAC_PI_2) / PI
}

/// Spontaneous magnetization per spin (Yang): `m = [1 − sinh^{−4} 2K]^{1/8}` for `T < T_c`,
/// `0` for `T ≥ T_c`.
pub fn spontaneous_magnetization(beta: f64) -> f64 {
    if beta.is_nan() || beta <= 0.0 {
        return f64::NAN;
    }
    if beta <= BETA_C {
        return 0.0;
    }
    let s = (2.0 * beta).sinh();
    let x = 1.0 - (s * s).recip().powi(2);
    x.max(0.0).powf(0.125)
}

/// The moduli at one `K`: `tanh 2K`, `k`, `k'' = 2 tanh² 2K − 1` and `k' = |k''|`.
struct Moduli {
    tanh2k: f64,
    k: f64,
    kpp: f64,
    kp: f64,
}

impl Moduli {
    fn new(beta: f64) -> Self {
        let t = (2.0 * beta).tanh();
        let s = (2.0 * beta).sinh();
        // k'' = (s² − 1)/(s² + 1) = (s − 1)(s + 1)/(s² + 1); 2t² − 1 where s overflows
        let kpp = if s.is_finite() && s < 1e150 {
            (s - 1.0) * (s + 1.0) / (s * s + 1.0)
        } else {
            2.0 * t * t - 1.0
        };
        // k = 2 sinh 2K / cosh² 2K = 2 tanh 2K / cosh 2K
        let k = (2.0 * t / (2.0 * beta).cosh()).min(1.0);
        Moduli {
            tanh2k: t,
            k,
            kpp,
            kp: kpp.abs(),
        }
    }
}

/// Complete elliptic integral of the first kind `K(k) = π / (2 AGM(1, k'))`, given the
/// complementary modulus `k' = sqrt(1 − k²) > 0`.
fn ellip_k(kp: f64) -> f64 {
    ellip_ke(kp).0
}

/// `(K(k), E(k))` from the arithmetic–geometric mean, given `k' = sqrt(1 − k²) > 0`:
/// `K = π/(2 a_∞)` with `a_0 = 1, b_0 = k'`, and `E = K (1 − Σ_{n≥0} 2^{n−1} c_n²)` with
/// `c_0² = k² = 1 − k'²`, `c_{n+1} = (a_n − b_n)/2`.
fn ellip_ke(kp: f64) -> (f64, f64) {
    let (mut a, mut b) = (1.0_f64, kp);
    let mut sum = 0.5 * (1.0 - kp) * (1.0 + kp);
    let mut pow = 0.5;
    for _ in 0..64 {
        let c = 0.5 * (a - b);
        pow *= 2.0;
        sum += pow * c * c;
        let an = 0.5 * (a + b);
        b = (a * b).sqrt();
        a = an;
        // quadratic convergence: the next c is ~c²/(8a), negligible once c < 1e-10
        if c.abs() < 1e-10 * a {
            break;
        }
    }
    let kk = FRAC_PI_2 / a;
    (kk, kk * (1.0 - sum))
}

/// Adaptive Gauss–Legendre quadrature of `f` over `[a, b]` (16-point rule, bisection until
/// the two halves agree with the whole to `1e-15` absolute).
fn integrate(f: impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let rule = gauss_legendre(16);
    let whole = apply(&rule, &f, a, b);
    adapt(&rule, &f, a, b, whole, 0)
}

fn adapt(
    rule: &[(f64, f64)],
    f: &impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    whole: f64,
    depth: u32,
) -> f64 {
    let mid = 0.5 * (a + b);
    let left = apply(rule, f, a, mid);
    let right = apply(rule, f, mid, b);
    if (left + right - whole).abs() <= 1e-15 || depth >= 60 {
        return left + right;
    }
    adapt(rule, f, a, mid, left, depth + 1) + adapt(rule, f, mid, b, right, depth + 1)
}

fn apply(rule: &[(f64, f64)], f: &impl Fn(f64) -> f64, a: f64, b: f64) -> f64 {
    let (h, c) = (0.5 * (b - a), 0.5 * (b + a));
    h * rule.iter().map(|&(x, w)| w * f(c + h * x)).sum::<f64>()
}

/// Nodes and weights of the `n`-point Gauss–Legendre rule on `[−1, 1]`, by Newton's method on
/// `P_n` with the three-term recurrence.
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut rule = Vec::with_capacity(n);
    let nf = n as f64;
    for i in 0..n {
        // Tricomi's initial guess for the i-th root
        let mut x = (PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for j in 2..=n {
                let jf = j as f64;
                let p2 = ((2.0 * jf - 1.0) * x * p1 - (jf - 1.0) * p0) / jf;
                p0 = p1;
                p1 = p2;
            }
            // P_n'(x) = n (x P_n − P_{n−1}) / (x² − 1)
            dp = nf * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        rule.push((x, 2.0 / ((1.0 - x * x) * dp * dp)));
    }
    rule
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::LN_2;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1.0)
    }

    #[test]
    fn critical_point() {
        assert!(close(T_C, 2.0 / (1.0 + 2f64.sqrt()).ln(), 1e-15));
        assert!(close(BETA_C, 1.0 / T_C, 1e-15));
        assert!(close((2.0 * BETA_C).sinh(), 1.0, 1e-15));
        assert!(close(energy_per_spin(BETA_C), -2f64.sqrt(), 1e-12));
        assert_eq!(specific_heat_per_spin(BETA_C), f64::INFINITY);
        let catalan = 0.915_965_594_177_219;
        let expect = LN_2 / 2.0 + 2.0 * catalan / PI;
        assert!(close(expect, 0.929695398341610, 1e-14));
        assert!(close(-BETA_C * free_energy_per_spin(BETA_C), expect, 1e-12));
        assert_eq!(spontaneous_magnetization(BETA_C), 0.0);
    }

    #[test]
    fn reference_values() {
        let b = 0.5;
        assert!(close(energy_per_spin(b), -1.745564575313, 1e-10));
        assert!(close(specific_heat_per_spin(b), 0.724871448602, 1e-10));
        assert!(close(free_energy_per_spin(b), -2.051585625390, 1e-10));
        let b = 1.0 / 3.0;
        assert!(close(energy_per_spin(b), -0.817309592502, 1e-10));
        assert!(close(specific_heat_per_spin(b), 0.401379575896, 1e-10));
        assert!(close(free_energy_per_spin(b), -2.447648195573, 1e-10));
        assert!(close(spontaneous_magnetization(0.5), 0.911319377878, 1e-10));
        assert!(close(
            spontaneous_magnetization(1.0 / 1.5),
            0.986499602622,
            1e-10
        ));
        assert_eq!(spontaneous_magnetization(1.0 / 3.0), 0.0);
    }

    #[test]
    fn derivatives_are_consistent() {
        // u = d(βf)/dβ and c = −β² du/dβ, by central differences
        for beta in [0.2, 0.35, 0.43, 0.45, 0.6, 1.0] {
            let h = 1e-5;
            let bf = |b: f64| b * free_energy_per_spin(b);
            let du = (bf(beta + h) - bf(beta - h)) / (2.0 * h);
            assert!(close(energy_per_spin(beta), du, 1e-8), "β={beta}");
            let dc =
                -beta * beta * (energy_per_spin(beta + h) - energy_per_spin(beta - h)) / (2.0 * h);
            assert!(close(specific_heat_per_spin(beta), dc, 1e-6), "β={beta}");
        }
    }

    #[test]
    fn elliptic_integrals() {
        // K(1/√2) = Γ(1/4)² / (4 √π), E(1/√2) = (K + π/(4K))... Legendre: E = K/2 + π/(4K)
        let kp = 0.5f64.sqrt();
        let (kk, ee) = ellip_ke(kp);
        assert!(close(kk, 1.854_074_677_301_372, 1e-15));
        assert!(close(ee, kk / 2.0 + PI / (4.0 * kk), 1e-14));
        let (k0, e0) = ellip_ke(1.0);
        assert!(close(k0, FRAC_PI_2, 1e-15) && close(e0, FRAC_PI_2, 1e-15));
    }

    #[test]
    fn limits_and_bad_input() {
        for f in [
            energy_per_spin,
            specific_heat_per_spin,
            free_energy_per_spin,
            spontaneous_magnetization,
        ] {
            assert!(f(0.0).is_nan() && f(-1.0).is_nan() && f(f64::NAN).is_nan());
            assert!(f(BETA_C * (1.0 + 1e-9)).is_finite());
            assert!(f(1e-300).is_finite());
        }
        assert!(close(energy_per_spin(f64::INFINITY), -2.0, 1e-15));
        assert!(close(energy_per_spin(50.0), -2.0, 1e-15));
        assert!(close(free_energy_per_spin(f64::INFINITY), -2.0, 1e-15));
        assert!(close(free_energy_per_spin(1e3), -2.0, 1e-15));
        assert_eq!(specific_heat_per_spin(f64::INFINITY), 0.0);
        assert!(close(spontaneous_magnetization(f64::INFINITY), 1.0, 1e-15));
        assert!(close(-1e-8 * free_energy_per_spin(1e-8), LN_2, 1e-12));
        assert!(close(energy_per_spin(1e-8), -2e-8, 1e-14));
        assert!(close(specific_heat_per_spin(1e-8), 2e-16, 1e-14));
        // the series and the closed forms agree where both are accurate
        for beta in [0.005, 0.008, 0.01] {
            let (u, c) = high_temperature(beta);
            assert!((u / energy_per_spin(beta) - 1.0).abs() < 1e-9, "β={beta}");
            assert!(
                (c / specific_heat_per_spin(beta) - 1.0).abs() < 1e-9,
                "β={beta}"
            );
        }
        // and are continuous at the switch
        let (a, b) = (BETA_SERIES * (1.0 - 1e-12), BETA_SERIES * (1.0 + 1e-12));
        assert!((energy_per_spin(a) / energy_per_spin(b) - 1.0).abs() < 1e-10);
        assert!((specific_heat_per_spin(a) / specific_heat_per_spin(b) - 1.0).abs() < 1e-8);
    }
}
