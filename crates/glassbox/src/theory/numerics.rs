//! Small, dependable numerics for the mean-field theory: Gaussian averages, special functions,
//! bracketed root finding, 1D optimisation, a damped fixed-point solver and a small BFGS.
//!
//! Everything here either returns a number it can vouch for or an [`Error`]: the fixed-point
//! and BFGS solvers report the iterations and the residual and fail with
//! [`Error::NotConverged`] instead of handing back an unconverged value.
//!
//! Notation: `Dz = dz e^{-z²/2}/√(2π)` is the standard Gaussian measure,
//! `H(x) = ∫_x^∞ Dz = erfc(x/√2)/2` and `Φ(x) = 1 − H(x)`.

use crate::error::{invalid, Error, Result};

/// √(2π).
pub const SQRT_2PI: f64 = 2.506_628_274_631_000_7;

/// The standard normal density φ(x) = e^{−x²/2}/√(2π).
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / SQRT_2PI
}

/// The complementary error function erfc(x) = (2/√π) ∫_x^∞ e^{−t²} dt, to about 1e-15
/// relative accuracy for all x.
///
/// For |x| < 2 it sums the everywhere-positive series
/// erf(x) = (2/√π) e^{−x²} Σ_n 2ⁿ x^{2n+1}/(2n+1)!! (Abramowitz & Stegun 7.1.6); for x ≥ 2 it
/// evaluates the Laplace continued fraction (A&S 7.1.14) by the modified Lentz method, which
/// keeps full relative accuracy deep in the tail.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 {
        return 1.0 - erf_series(x);
    }
    ln_erfc_cf(x).exp()
}

/// ln erfc(x) for x ≥ 2 from the continued fraction
/// erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
fn ln_erfc_cf(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..5000 {
        let a = 0.5 * k as f64;
        d = x + a * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = x + a / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    -x * x - (std::f64::consts::PI.sqrt() * f).ln()
}

fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    let mut term = x;
    let mut sum = x;
    let mut n = 0.0;
    while term > 1e-17 * sum {
        n += 1.0;
        term *= 2.0 * x2 / (2.0 * n + 1.0);
        sum += term;
    }
    2.0 / std::f64::consts::PI.sqrt() * (-x2).exp() * sum
}

/// The error function erf(x) = 1 − erfc(x).
pub fn erf(x: f64) -> f64 {
    if x.abs() < 2.0 {
        if x < 0.0 {
            -erf_series(-x)
        } else {
            erf_series(x)
        }
    } else {
        1.0 - erfc(x)
    }
}

/// The Gaussian tail H(x) = ∫_x^∞ Dz = erfc(x/√2)/2 (Gardner 1988 notation).
pub fn gauss_tail(x: f64) -> f64 {
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}

/// The standard normal distribution function Φ(x) = 1 − H(x) = H(−x).
pub fn normal_cdf(x: f64) -> f64 {
    gauss_tail(-x)
}

/// ln H(x), accurate also deep in the tail (x ≫ 1), where H underflows.
pub fn ln_gauss_tail(x: f64) -> f64 {
    let u = x / std::f64::consts::SQRT_2;
    if u < 2.0 {
        gauss_tail(x).ln()
    } else {
        ln_erfc_cf(u) - std::f64::consts::LN_2
    }
}

/// ln(2 cosh x) without overflow: |x| + ln(1 + e^{−2|x|}).
pub fn ln_2cosh(x: f64) -> f64 {
    let a = x.abs();
    a + (-2.0 * a).exp().ln_1p()
}

/// Gauss–Hermite rule for the standard Gaussian measure: ∫Dz f(z) ≈ Σ_i w_i f(z_i).
///
/// Exact for polynomials of degree < 2n. Nodes are found by Newton's method on the
/// orthonormal Hermite functions with the classical asymptotic starting guesses (Stroud &
/// Secrest 1966; the recurrence as in Press et al., *Numerical Recipes*, §4.6).
#[derive(Debug, Clone, serde::Serialize)]
pub struct GaussHermite {
    /// Nodes z_i (for the measure Dz), ascending.
    pub nodes: Vec<f64>,
    /// Weights w_i, summing to 1.
    pub weights: Vec<f64>,
}

impl GaussHermite {
    /// An `n`-point rule, 1 ≤ n ≤ 150 (beyond, the Newton starting guesses are unreliable).
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 || n > 150 {
            return Err(invalid(format!(
                "Gauss-Hermite order must be in 1..=150, got {n}"
            )));
        }
        let pim4 = std::f64::consts::PI.powf(-0.25);
        let nf = n as f64;
        let mut x = vec![0.0; n]; // nodes for weight e^{-x²}, descending, positive half
        let mut w = vec![0.0; n];
        let m = n.div_ceil(2);
        let mut z = 0.0f64;
        for i in 0..m {
            z = match i {
                0 => (2.0 * nf + 1.0).sqrt() - 1.85575 * (2.0 * nf + 1.0).powf(-1.0 / 6.0),
                1 => z - 1.14 * nf.powf(0.426) / z,
                2 => 1.86 * z - 0.86 * x[0],
                3 => 1.91 * z - 0.91 * x[1],
                _ => 2.0 * z - x[i - 2],
            };
            let mut pp = 0.0;
            let mut converged = false;
            for _ in 0..100 {
                let mut p1 = pim4;
                let mut p2 = 0.0;
                for j in 1..=n {
                    let jf = j as f64;
                    let p3 = p2;
                    p2 = p1;
                    p1 = z * (2.0 / jf).sqrt() * p2 - ((jf - 1.0) / jf).sqrt() * p3;
                }
                pp = (2.0 * nf).sqrt() * p2;
                let dz = p1 / pp;
                z -= dz;
                if dz.abs() <= 1e-15 * z.abs().max(1.0) {
                    converged = true;
                    break;
                }
            }
            if !converged {
                return Err(Error::NotConverged {
                    what: format!("Gauss-Hermite node {i} of {n}"),
                    iterations: 100,
                    residual: f64::NAN,
                });
            }
            x[i] = z;
            x[n - 1 - i] = -z;
            w[i] = 2.0 / (pp * pp);
            w[n - 1 - i] = w[i];
        }
        let s2 = std::f64::consts::SQRT_2;
        let spi = std::f64::consts::PI.sqrt();
        let mut nodes: Vec<f64> = x.iter().map(|&v| s2 * v).collect();
        let mut weights: Vec<f64> = w.iter().map(|&v| v / spi).collect();
        nodes.reverse();
        weights.reverse();
        Ok(Self { nodes, weights })
    }

    /// ∫Dz f(z) by the rule.
    pub fn average(&self, mut f: impl FnMut(f64) -> f64) -> f64 {
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(&z, &w)| w * f(z))
            .sum()
    }
}

// 15-point Gauss–Kronrod rule (Kronrod 1965; abscissae and weights as tabulated in QUADPACK).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_2,
    0.140_653_259_715_525_9,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_8,
];
const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

fn gk15(f: &mut impl FnMut(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let c = 0.5 * (a + b);
    let h = 0.5 * (b - a);
    let fc = f(c);
    let mut k = WGK[7] * fc;
    let mut g = WG[3] * fc;
    for i in 0..7 {
        let dx = h * XGK[i];
        let s = f(c - dx) + f(c + dx);
        k += WGK[i] * s;
        if i % 2 == 1 {
            g += WG[i / 2] * s;
        }
    }
    (k * h, ((k - g) * h).abs())
}

/// Adaptive Gauss–Kronrod (7/15) quadrature of f over [a, b], split first at the given
/// `breaks` (kinks, peaks) and then bisected where the Kronrod–Gauss difference is largest,
/// until the total error estimate is below `abs_tol + rel_tol·|I|`.
///
/// Returns [`Error::NotConverged`] after 4000 subintervals.
pub fn integrate(
    mut f: impl FnMut(f64) -> f64,
    a: f64,
    b: f64,
    breaks: &[f64],
    abs_tol: f64,
    rel_tol: f64,
) -> Result<f64> {
    if !(a.is_finite() && b.is_finite()) || b < a {
        return Err(invalid(format!(
            "integration interval [{a}, {b}] is not finite and ordered"
        )));
    }
    if a == b {
        return Ok(0.0);
    }
    let mut pts = vec![a];
    let mut inner: Vec<f64> = breaks.iter().copied().filter(|&x| x > a && x < b).collect();
    inner.sort_by(f64::total_cmp);
    pts.extend(inner);
    pts.push(b);
    let mut pieces: Vec<(f64, f64, f64, f64)> = Vec::new();
    for w in pts.windows(2) {
        if w[1] > w[0] {
            let (v, e) = gk15(&mut f, w[0], w[1]);
            pieces.push((w[0], w[1], v, e));
        }
    }
    for _ in 0..4000 {
        let total: f64 = pieces.iter().map(|p| p.2).sum();
        let err: f64 = pieces.iter().map(|p| p.3).sum();
        if !total.is_finite() {
            return Err(invalid("integrand is not finite on the interval"));
        }
        if err <= abs_tol.max(rel_tol * total.abs()) {
            return Ok(total);
        }
        let (imax, _) = pieces
            .iter()
            .enumerate()
            .max_by(|x, y| x.1 .3.total_cmp(&y.1 .3))
            .expect("at least one piece");
        let (lo, hi, _, _) = pieces.swap_remove(imax);
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            // Cannot split further: accept what we have.
            let total: f64 = pieces.iter().map(|p| p.2).sum::<f64>() + gk15(&mut f, lo, hi).0;
            return Ok(total);
        }
        let (v1, e1) = gk15(&mut f, lo, mid);
        let (v2, e2) = gk15(&mut f, mid, hi);
        pieces.push((lo, mid, v1, e1));
        pieces.push((mid, hi, v2, e2));
    }
    let err: f64 = pieces.iter().map(|p| p.3).sum();
    Err(Error::NotConverged {
        what: "adaptive Gauss-Kronrod quadrature".into(),
        iterations: 4000,
        residual: err,
    })
}

/// ∫Dz f(z) by adaptive quadrature over z ∈ [−40, 40] (the Gaussian weight beyond is below
/// 1e-340), with extra break points `breaks` (e.g. where f has a kink), to absolute accuracy
/// about 1e-14.
pub fn gaussian_average(mut f: impl FnMut(f64) -> f64, breaks: &[f64]) -> Result<f64> {
    let mut b: Vec<f64> = vec![-8.0, -4.0, -2.0, 0.0, 2.0, 4.0, 8.0];
    b.extend_from_slice(breaks);
    integrate(
        |z| {
            let w = normal_pdf(z);
            if w == 0.0 {
                0.0
            } else {
                w * f(z)
            }
        },
        -40.0,
        40.0,
        &b,
        1e-15,
        1e-14,
    )
}

/// A root of f in [a, b] by Brent's method (Brent 1973, ch. 4): bisection safeguarded inverse
/// quadratic interpolation. f(a) and f(b) must have opposite signs (or one be zero); the root is
/// located to `tol` in x.
pub fn brent_root(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> Result<f64> {
    let (mut a, mut b) = (a, b);
    let mut fa = f(a);
    let mut fb = f(b);
    if fa == 0.0 {
        return Ok(a);
    }
    if fb == 0.0 {
        return Ok(b);
    }
    if !(fa.is_finite() && fb.is_finite()) || fa.signum() == fb.signum() {
        return Err(invalid(format!(
            "root not bracketed: f({a}) = {fa}, f({b}) = {fb}"
        )));
    }
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..200 {
        if fb.signum() == fc.signum() {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol;
        let xm = 0.5 * (c - b);
        if xm.abs() <= tol1 || fb == 0.0 {
            return Ok(b);
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                let qq = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            let min1 = 3.0 * xm * q - (tol1 * q).abs();
            let min2 = (e * q).abs();
            if 2.0 * p < min1.min(min2) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 {
            d
        } else {
            tol1 * xm.signum()
        };
        fb = f(b);
        if !fb.is_finite() {
            return Err(invalid(format!("function is not finite at {b}")));
        }
    }
    Err(Error::NotConverged {
        what: "Brent root finding".into(),
        iterations: 200,
        residual: fb.abs(),
    })
}

/// The maximum of a unimodal f on [a, b] by Brent's method (golden section with parabolic
/// steps; Brent 1973, ch. 5), located to about `tol` in x. Returns (x*, f(x*)).
pub fn maximize(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> Result<(f64, f64)> {
    if a.is_nan() || b.is_nan() || a >= b {
        return Err(invalid(format!("maximize: need a < b, got [{a}, {b}]")));
    }
    let mut g = |x: f64| -f(x);
    const CGOLD: f64 = 0.381_966_011_250_105_1;
    let (mut a, mut b) = (a, b);
    let mut x = a + CGOLD * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = g(x);
    let (mut fw, mut fv) = (fx, fx);
    let mut d: f64 = 0.0;
    let mut e: f64 = 0.0;
    for _ in 0..500 {
        let xm = 0.5 * (a + b);
        let tol1 = tol + 1e-12 * x.abs();
        let tol2 = 2.0 * tol1;
        if (x - xm).abs() <= tol2 - 0.5 * (b - a) {
            return Ok((x, -fx));
        }
        let mut golden = true;
        if e.abs() > tol1 {
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            let etemp = e;
            if p.abs() < (0.5 * q * etemp).abs() && p > q * (a - x) && p < q * (b - x) {
                e = d;
                d = p / q;
                let u = x + d;
                if u - a < tol2 || b - u < tol2 {
                    d = tol1.copysign(xm - x);
                }
                golden = false;
            }
        }
        if golden {
            e = if x >= xm { a - x } else { b - x };
            d = CGOLD * e;
        }
        let u = if d.abs() >= tol1 {
            x + d
        } else {
            x + tol1.copysign(d)
        };
        let fu = g(u);
        if fu <= fx {
            if u >= x {
                a = x;
            } else {
                b = x;
            }
            v = w;
            fv = fw;
            w = x;
            fw = fx;
            x = u;
            fx = fu;
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                v = w;
                fv = fw;
                w = u;
                fw = fu;
            } else if fu <= fv || v == x || v == w {
                v = u;
                fv = fu;
            }
        }
    }
    Err(Error::NotConverged {
        what: "Brent maximization".into(),
        iterations: 500,
        residual: b - a,
    })
}

/// Settings of the damped fixed-point iteration x ← x + (1 − damping)(F(x) − x).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct FixedPoint {
    /// Weight of the old iterate, in [0, 1); 0 is plain iteration.
    pub damping: f64,
    /// Stop when max_i |F(x)_i − x_i| ≤ tol.
    pub tol: f64,
    /// Give up (with [`Error::NotConverged`]) after this many iterations.
    pub max_iter: usize,
}

impl Default for FixedPoint {
    fn default() -> Self {
        Self {
            damping: 0.5,
            tol: 1e-12,
            max_iter: 100_000,
        }
    }
}

/// The outcome of a converged fixed-point iteration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FixedPointReport {
    /// The fixed point.
    pub x: Vec<f64>,
    /// Iterations used.
    pub iterations: usize,
    /// Final residual max_i |F(x)_i − x_i|.
    pub residual: f64,
}

impl FixedPoint {
    /// Iterates from `x0`; `map(x, out)` writes F(x) into `out` and may fail (which stops the
    /// solver with that error). `what` names the equations in the error message.
    pub fn solve(
        &self,
        what: &str,
        x0: Vec<f64>,
        mut map: impl FnMut(&[f64], &mut [f64]) -> Result<()>,
    ) -> Result<FixedPointReport> {
        if !(0.0..1.0).contains(&self.damping) || self.tol.is_nan() || self.tol <= 0.0 {
            return Err(invalid("fixed point: damping must be in [0,1) and tol > 0"));
        }
        let mut x = x0;
        let mut fx = vec![0.0; x.len()];
        let mut residual = f64::INFINITY;
        for it in 1..=self.max_iter {
            map(&x, &mut fx)?;
            residual = x
                .iter()
                .zip(&fx)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            if !residual.is_finite() {
                break;
            }
            if residual <= self.tol {
                return Ok(FixedPointReport {
                    x: fx,
                    iterations: it,
                    residual,
                });
            }
            for (xi, &fi) in x.iter_mut().zip(&fx) {
                *xi += (1.0 - self.damping) * (fi - *xi);
            }
        }
        Err(Error::NotConverged {
            what: what.to_string(),
            iterations: self.max_iter,
            residual,
        })
    }
}

/// Outcome of [`minimize_bfgs`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Minimum {
    /// The minimizer.
    pub x: Vec<f64>,
    /// The minimum value.
    pub value: f64,
    /// Gradient norm (max-norm) at the minimizer.
    pub gradient_norm: f64,
    /// Iterations used.
    pub iterations: usize,
}

/// Unconstrained minimization by BFGS with a backtracking Armijo line search (Nocedal &
/// Wright 2006, alg. 6.1). `fg(x, grad)` returns f(x) and writes ∇f(x). Converged when the
/// max-norm of the gradient is ≤ `gtol`; if the line search can make no more progress first,
/// the point is accepted when the gradient is ≤ `100·gtol`, else [`Error::NotConverged`].
pub fn minimize_bfgs(
    what: &str,
    x0: Vec<f64>,
    fg: impl FnMut(&[f64], &mut [f64]) -> Result<f64>,
    gtol: f64,
    max_iter: usize,
) -> Result<Minimum> {
    // The stalling variant with a rule that never stalls.
    let rule = StallRule {
        gtol,
        ftol: f64::NEG_INFINITY,
        window: 1,
        max_iter,
    };
    minimize_bfgs_until_stalled(what, x0, fg, rule)
}

/// Stopping rule of [`minimize_bfgs_until_stalled`].
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct StallRule {
    /// Converged when the max-norm of the gradient is ≤ `gtol`.
    pub gtol: f64,
    /// … or when f has decreased by less than `ftol` over the last `window` iterations.
    pub ftol: f64,
    /// Iterations the decrease is measured over.
    pub window: usize,
    /// Give up (with [`Error::NotConverged`]) after this many iterations.
    pub max_iter: usize,
}

/// BFGS for badly conditioned, smooth objectives whose value matters more than the minimizer
/// (many-parameter variational functionals): as [`minimize_bfgs`], but the initial inverse
/// Hessian is rescaled by sᵀy/yᵀy after the first step (Nocedal & Wright 2006, eq. 6.20), and
/// the iteration also stops once f stalls (see [`StallRule`]) or the line search can make no
/// more progress with f already stalled to within `ftol`.
pub fn minimize_bfgs_until_stalled(
    what: &str,
    x0: Vec<f64>,
    mut fg: impl FnMut(&[f64], &mut [f64]) -> Result<f64>,
    rule: StallRule,
) -> Result<Minimum> {
    let n = x0.len();
    let mut x = x0;
    let mut g = vec![0.0; n];
    let mut f = fg(&x, &mut g)?;
    let norm = |v: &[f64]| v.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    let mut hinv = vec![0.0; n * n];
    for i in 0..n {
        hinv[i * n + i] = 1.0;
    }
    let (mut xn, mut gn, mut p) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let mut history: Vec<f64> = vec![f];
    let done = |x: Vec<f64>, f: f64, g: &[f64], it: usize| Minimum {
        x,
        value: f,
        gradient_norm: norm(g),
        iterations: it,
    };
    for it in 0..rule.max_iter {
        let gnorm = norm(&g);
        let w = rule.window.max(1);
        let stalled = history.len() > w && history[history.len() - 1 - w] - f <= rule.ftol;
        if gnorm <= rule.gtol || stalled {
            return Ok(done(x, f, &g, it));
        }
        for i in 0..n {
            p[i] = -(0..n).map(|j| hinv[i * n + j] * g[j]).sum::<f64>();
        }
        let mut slope: f64 = p.iter().zip(&g).map(|(a, b)| a * b).sum();
        if slope >= 0.0 {
            hinv.iter_mut().for_each(|v| *v = 0.0);
            for i in 0..n {
                hinv[i * n + i] = 1.0;
                p[i] = -g[i];
            }
            slope = -g.iter().map(|a| a * a).sum::<f64>();
        }
        if it == 0 {
            let s = 0.1 / norm(&p).max(0.1);
            p.iter_mut().for_each(|v| *v *= s);
            slope *= s;
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            for i in 0..n {
                xn[i] = x[i] + t * p[i];
            }
            match fg(&xn, &mut gn) {
                Ok(fnew) if fnew.is_finite() && fnew <= f + 1e-4 * t * slope => {
                    accepted = true;
                    f = fnew;
                    break;
                }
                _ => t *= 0.5,
            }
        }
        if !accepted {
            let recent = history[history.len().saturating_sub(w + 1)];
            if gnorm <= 100.0 * rule.gtol || recent - f <= rule.ftol {
                return Ok(done(x, f, &g, it));
            }
            return Err(Error::NotConverged {
                what: format!("{what} (BFGS line search)"),
                iterations: it,
                residual: gnorm,
            });
        }
        history.push(f);
        let s: Vec<f64> = (0..n).map(|i| xn[i] - x[i]).collect();
        let y: Vec<f64> = (0..n).map(|i| gn[i] - g[i]).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-300 {
            if it == 0 {
                let yy: f64 = y.iter().map(|a| a * a).sum();
                let scale = sy / yy;
                hinv.iter_mut().for_each(|v| *v *= scale);
            }
            let hy: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| hinv[i * n + j] * y[j]).sum())
                .collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            let rho = 1.0 / sy;
            for i in 0..n {
                for j in 0..n {
                    hinv[i * n + j] +=
                        (1.0 + yhy * rho) * rho * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
                }
            }
        }
        x.copy_from_slice(&xn);
        g.copy_from_slice(&gn);
    }
    Err(Error::NotConverged {
        what: format!("{what} (BFGS)"),
        iterations: rule.max_iter,
        residual: norm(&g),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_reference_values() {
        // Values from A&S table 7.1 / high-precision evaluation.
        assert!((erf(1.0) - 0.842_700_792_949_714_9).abs() < 1e-15);
        assert!((erf(0.5) - 0.520_499_877_813_046_5).abs() < 1e-15);
        assert!((erfc(3.0) / 2.209_049_699_858_544e-5 - 1.0).abs() < 1e-13);
        assert!((erfc(5.0) / 1.537_459_794_428_035e-12 - 1.0).abs() < 1e-13);
        assert!((erfc(2.9) / 4.109_787_809_945_886e-5 - 1.0).abs() < 1e-12);
        assert!((erfc(-1.0) - 1.842_700_792_949_715).abs() < 1e-15);
        assert!((erfc(2.0) / 0.004_677_734_981_047_266 - 1.0).abs() < 1e-13);
        assert!((erfc(1.999) / 0.004_698_443_348_629_488 - 1.0).abs() < 1e-12);
        assert!((normal_cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        // ln H matches H where both are representable.
        assert!((ln_gauss_tail(29.9) - gauss_tail(29.9).ln()).abs() < 1e-8);
        assert!((ln_gauss_tail(30.1) - (-457.329_564_416_382_25)).abs() < 1e-12);
        assert!((ln_gauss_tail(35.0) - (-616.975_101_261_922_4)).abs() < 1e-12);
    }

    #[test]
    fn gauss_hermite_moments() {
        let gh = GaussHermite::new(40).unwrap();
        assert!((gh.weights.iter().sum::<f64>() - 1.0).abs() < 1e-13);
        assert!((gh.average(|z| z * z) - 1.0).abs() < 1e-12);
        assert!((gh.average(|z| z.powi(4)) - 3.0).abs() < 1e-11);
        assert!((gh.average(|z| z.powi(6)) - 15.0).abs() < 1e-10);
        // E cos(z) = e^{-1/2}
        assert!((gh.average(f64::cos) - (-0.5f64).exp()).abs() < 1e-14);
        let big = GaussHermite::new(150).unwrap();
        assert!((big.average(|z| (0.3 * z).exp()) - (0.045f64).exp()).abs() < 1e-12);
        assert!(GaussHermite::new(0).is_err());
    }

    #[test]
    fn adaptive_quadrature() {
        let v = integrate(|x| x.sqrt(), 0.0, 1.0, &[], 1e-14, 1e-14).unwrap();
        assert!((v - 2.0 / 3.0).abs() < 1e-12);
        // E|z| = √(2/π)
        let v = gaussian_average(|z| z.abs(), &[]).unwrap();
        assert!((v - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-13);
        // E e^{2z} = e^2
        let v = gaussian_average(|z| (2.0 * z).exp(), &[]).unwrap();
        assert!((v - 2f64.exp()).abs() < 1e-12);
    }

    #[test]
    fn brent_root_and_max() {
        let r = brent_root(|x| x * x - 2.0, 0.0, 2.0, 1e-15).unwrap();
        assert!((r - std::f64::consts::SQRT_2).abs() < 1e-14);
        let r = brent_root(|x| x.cos() - x, 0.0, 1.0, 1e-15).unwrap();
        assert!((r - 0.739_085_133_215_160_6).abs() < 1e-14);
        assert!(brent_root(|x| x * x + 1.0, -1.0, 1.0, 1e-12).is_err());
        let (x, f) = maximize(|x| x.sin(), 0.0, 3.0, 1e-10).unwrap();
        assert!((x - std::f64::consts::FRAC_PI_2).abs() < 1e-8);
        assert!((f - 1.0).abs() < 1e-15);
    }

    #[test]
    fn fixed_point_reports_and_fails() {
        let fp = FixedPoint {
            damping: 0.0,
            tol: 1e-14,
            max_iter: 1000,
        };
        let rep = fp
            .solve("cos", vec![0.5], |x, out| {
                out[0] = x[0].cos();
                Ok(())
            })
            .unwrap();
        assert!((rep.x[0] - 0.739_085_133_215_160_6).abs() < 1e-13);
        assert!(rep.iterations > 10);
        let fp = FixedPoint {
            damping: 0.0,
            tol: 1e-14,
            max_iter: 50,
        };
        let err = fp
            .solve("doubling", vec![1.0], |x, out| {
                out[0] = 2.0 * x[0];
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, Error::NotConverged { .. }));
    }

    #[test]
    fn bfgs_rosenbrock() {
        let m = minimize_bfgs(
            "rosenbrock",
            vec![-1.2, 1.0],
            |x, g| {
                let (a, b) = (x[0], x[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                Ok((1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2))
            },
            1e-9,
            1000,
        )
        .unwrap();
        assert!((m.x[0] - 1.0).abs() < 1e-7 && (m.x[1] - 1.0).abs() < 1e-7);
    }
}
