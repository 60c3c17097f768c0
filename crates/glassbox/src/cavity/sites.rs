//! Site-resolved Monte Carlo magnetizations, to check mean-field theories site by site.
//!
//! [`magnetizations`] runs R independent Metropolis chains (sequential sweeps, each from its
//! own random start and with its own stream) and records for every chain r the time average
//! m_i^r = (1/S) Σ_t s_i(t) over S sweeps after thermalization. The R chain averages are
//! independent, so the site estimate and its standard error are
//!
//! ```text
//! m_i = (1/R) Σ_r m_i^r,     σ_i² = Σ_r (m_i^r − m_i)² / (R (R − 1)),
//! ```
//!
//! whatever the autocorrelation time (provided each chain is thermalized and, for a
//! multi-state system, each chain visits the states with their weights).
//!
//! [`chi_square`] compares predicted magnetizations μ_i (TAP, AMP, naive mean field) with
//! them through
//!
//! ```text
//! χ²/N = (1/N) Σ_i ((μ_i − m_i)/σ_i)².
//! ```
//!
//! If μ is exact, each term is the square of a Student t with ν = R − 1 degrees of freedom
//! (σ_i is itself estimated from R chains), of mean ν/(ν − 2) and variance
//! 2ν²(ν − 1)/((ν − 2)²(ν − 4)); for independent sites χ²/N is then within
//! √(variance/N) of its mean. A systematic error δ_i of the prediction adds ≈ ⟨δ_i²/σ_i²⟩.

use rayon::prelude::*;

use crate::error::{invalid, Result};
use crate::mc::{Order, Replica, Rule, Sweeper};
use crate::model::Ising;
use crate::rng::{purpose, Streams};

/// Settings of [`magnetizations`].
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiteOptions {
    /// Inverse temperature β.
    pub beta: f64,
    /// Independent chains R (at least 6, so that the χ² statistic has a finite variance).
    pub replicas: usize,
    /// Sweeps discarded at the start of every chain.
    pub thermalization: u64,
    /// Measured sweeps S per chain.
    pub sweeps: u64,
    /// Master seed of the chains.
    pub seed: u64,
}

/// Monte Carlo magnetizations with per-site standard errors.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiteMagnetizations {
    /// Inverse temperature β.
    pub beta: f64,
    /// Number of independent chains R.
    pub replicas: usize,
    /// Measured sweeps per chain.
    pub sweeps: u64,
    /// m_i, the mean over chains of the chains' time averages.
    pub mean: Vec<f64>,
    /// σ_i, the standard error of m_i from the spread over chains.
    pub error: Vec<f64>,
}

/// The χ² comparison of predicted magnetizations with Monte Carlo ones.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChiSquare {
    /// χ²/N = (1/N) Σ_i ((μ_i − m_i)/σ_i)².
    pub per_site: f64,
    /// Its expectation ν/(ν − 2), ν = R − 1, for an exact prediction.
    pub expected: f64,
    /// Its standard deviation for an exact prediction and independent sites,
    /// √(2ν²(ν − 1)/((ν − 2)²(ν − 4)) / N).
    pub sd: f64,
    /// Root-mean-square difference √((1/N) Σ_i (μ_i − m_i)²).
    pub rms: f64,
}

impl ChiSquare {
    /// How many standard deviations χ²/N lies from its expectation (signed: positive when
    /// the prediction is worse than the statistical errors allow).
    pub fn sigmas(&self) -> f64 {
        (self.per_site - self.expected) / self.sd
    }
}

/// Runs `opts.replicas` independent Metropolis chains of `model` at β (in parallel; the result
/// does not depend on the thread count) and returns the site magnetizations with errors.
pub fn magnetizations(model: &Ising, opts: &SiteOptions) -> Result<SiteMagnetizations> {
    if opts.replicas < 6 {
        return Err(invalid(format!(
            "need at least 6 independent chains for per-site error bars, got {}",
            opts.replicas
        )));
    }
    if opts.sweeps == 0 {
        return Err(invalid("need at least one measured sweep"));
    }
    let sweeper = Sweeper::new(model, Rule::Metropolis, Order::Sequential, opts.beta)?;
    let n = model.n();
    let streams = Streams::new(opts.seed);
    let chains: Vec<Vec<f64>> = (0..opts.replicas)
        .into_par_iter()
        .map(|r| {
            let mut rng = streams.stream(&[purpose::MONTE_CARLO, 0x5175, r as u64]);
            let mut replica = Replica::random(model, &mut rng);
            for _ in 0..opts.thermalization {
                sweeper.sweep(model, &mut replica, &mut rng);
            }
            let mut sum = vec![0i64; n];
            for _ in 0..opts.sweeps {
                sweeper.sweep(model, &mut replica, &mut rng);
                for (a, &s) in sum.iter_mut().zip(replica.spins()) {
                    *a += s as i64;
                }
            }
            sum.iter().map(|&a| a as f64 / opts.sweeps as f64).collect()
        })
        .collect();
    let r = opts.replicas as f64;
    let mut mean = vec![0.0; n];
    let mut error = vec![0.0; n];
    for i in 0..n {
        let m = chains.iter().map(|c| c[i]).sum::<f64>() / r;
        let ss = chains.iter().map(|c| (c[i] - m).powi(2)).sum::<f64>();
        mean[i] = m;
        error[i] = (ss / (r * (r - 1.0))).sqrt();
    }
    Ok(SiteMagnetizations {
        beta: opts.beta,
        replicas: opts.replicas,
        sweeps: opts.sweeps,
        mean,
        error,
    })
}

/// χ²/N of the predicted magnetizations `predicted` against the Monte Carlo ones. Errors if the
/// lengths differ or a site has a zero error bar (a frozen site: run longer or hotter).
pub fn chi_square(predicted: &[f64], mc: &SiteMagnetizations) -> Result<ChiSquare> {
    let n = mc.mean.len();
    if predicted.len() != n || n == 0 {
        return Err(invalid(format!(
            "{n} Monte Carlo magnetizations need as many predictions, got {}",
            predicted.len()
        )));
    }
    if mc.replicas < 6 {
        return Err(invalid("the χ² statistic needs at least 6 chains"));
    }
    let (mut chi2, mut sq) = (0.0, 0.0);
    for (i, ((&p, &m), &s)) in predicted.iter().zip(&mc.mean).zip(&mc.error).enumerate() {
        let d = p - m;
        if s.is_nan() || s <= 0.0 {
            return Err(invalid(format!(
                "site {i} has no Monte Carlo error bar (it never fluctuated): run longer or hotter"
            )));
        }
        chi2 += (d / s).powi(2);
        sq += d * d;
    }
    let nu = mc.replicas as f64 - 1.0;
    let variance = 2.0 * nu * nu * (nu - 1.0) / ((nu - 2.0).powi(2) * (nu - 4.0));
    Ok(ChiSquare {
        per_site: chi2 / n as f64,
        expected: nu / (nu - 2.0),
        sd: (variance / n as f64).sqrt(),
        rms: (sq / n as f64).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cavity::tap::{amp, tap, TapOptions};
    use crate::model::{CouplingLaw, FieldSpec, GraphSpec, ModelSpec};

    fn sk(n: usize, h0: f64, seed: u64) -> Ising {
        use rand::Rng as _;
        let mut rng = Streams::new(seed).stream(&[purpose::DISORDER, 7]);
        let fields = (0..n)
            .map(|_| if rng.random::<bool>() { h0 } else { -h0 })
            .collect();
        ModelSpec {
            graph: GraphSpec::Complete { n },
            couplings: Some(CouplingLaw::Gaussian {
                mean: 0.0,
                std: 1.0,
            }),
            field: FieldSpec::PerSite(fields),
            seed,
        }
        .build()
        .unwrap()
    }

    fn compare(n: usize, t: f64, sweeps: u64, seed: u64) -> [ChiSquare; 3] {
        let beta = 1.0 / t;
        let model = sk(n, 0.3, seed);
        let mc = magnetizations(
            &model,
            &SiteOptions {
                beta,
                replicas: 16,
                thermalization: 200,
                sweeps,
                seed: 9,
            },
        )
        .unwrap();
        let tp = tap(&model, beta, &TapOptions::default()).unwrap();
        let a = amp(&model, beta, 500, 1e-10).unwrap();
        let nmf = tap(
            &model,
            beta,
            &TapOptions {
                onsager: false,
                ..TapOptions::default()
            },
        )
        .unwrap();
        assert!(tp.converged && a.converged && nmf.converged);
        let r = [
            chi_square(&tp.magnetizations, &mc).unwrap(),
            chi_square(&a.magnetizations, &mc).unwrap(),
            chi_square(&nmf.magnetizations, &mc).unwrap(),
        ];
        let mean_err = mc.error.iter().sum::<f64>() / n as f64;
        eprintln!("N={n} T={t} S={sweeps} seed={seed} mean σ_i {mean_err:.4}");
        for (name, c) in ["TAP", "AMP", "NMF"].iter().zip(&r) {
            eprintln!(
                "  {name} χ²/N {:.3} (exp {:.3} ± {:.3}, {:.1}σ) rms {:.4}",
                c.per_site,
                c.expected,
                c.sd,
                c.sigmas(),
                c.rms
            );
        }
        r
    }

    #[test]
    fn tap_and_amp_match_monte_carlo_site_by_site_on_sk() {
        // T = 2, σ_i ≈ 0.017 (16 chains × 100 sweeps): TAP and AMP within errors
        // (measured −1.1σ and −0.6σ), naive mean field ~750σ off.
        let [t, a, nmf] = compare(300, 2.0, 100, 5);
        assert!(t.sigmas().abs() < 4.0, "TAP {t:?}");
        assert!(a.sigmas().abs() < 4.0, "AMP {a:?}");
        assert!(nmf.sigmas() > 50.0, "naive mean field {nmf:?}");
        // T = 1.5, σ_i ≈ 0.005 (16 × 2000 sweeps): precise enough to resolve TAP's own finite-N
        // error (the next Plefka order, O(1/√N) per site; measured rms TAP − MC 0.0095, of
        // which ≈ 0.008 systematic, so χ²/N ≈ 5 here; AMP's global Onsager term v(1 − q)
        // adds O(1/√N) more: rms 0.013), still 35 times below naive mean field's.
        let [t, a, nmf] = compare(300, 1.5, 2000, 5);
        assert!(t.rms < 0.015, "TAP {t:?}");
        assert!(t.rms < a.rms && a.rms < 0.02, "TAP {t:?} AMP {a:?}");
        assert!(nmf.rms > 20.0 * t.rms, "TAP {t:?} naive {nmf:?}");
    }

    #[test]
    fn rejects_bad_input() {
        let model = sk(10, 0.3, 1);
        let opts = SiteOptions {
            beta: 0.5,
            replicas: 8,
            thermalization: 10,
            sweeps: 10,
            seed: 1,
        };
        assert!(magnetizations(
            &model,
            &SiteOptions {
                replicas: 5,
                ..opts
            }
        )
        .is_err());
        assert!(magnetizations(&model, &SiteOptions { sweeps: 0, ..opts }).is_err());
        assert!(magnetizations(&model, &SiteOptions { beta: -1.0, ..opts }).is_err());
        let mc = magnetizations(&model, &opts).unwrap();
        assert!(chi_square(&[0.0; 9], &mc).is_err());
        let frozen = SiteMagnetizations {
            error: vec![0.0; 10],
            ..mc
        };
        assert!(chi_square(&[0.0; 10], &frozen).is_err());
    }
}
