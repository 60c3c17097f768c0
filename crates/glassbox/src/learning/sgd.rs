//! SGD-trained two-layer networks ([`super::two_layer`]) as a statistical-mechanics ensemble.
//!
//! - [`loss_spread`]: the same data, many independent initializations and minibatch orders,
//!   several hidden widths H. The final test losses of the ensemble concentrate as H grows
//!   (Choromanska, Henaff, Mathieu, Ben Arous & LeCun, AISTATS 2015, fig. 3: the spin-glass
//!   picture of the loss surface — minima of large networks lie in a narrow band). Pairs of
//!   independently trained networks also give an order parameter (beyond the paper): the
//!   overlap of their hidden representations of the test inputs, measured by linear CKA
//!   ([`super::two_layer::cka`]), a quantity invariant under the permutation symmetry of the
//!   hidden units, and the overlap of the functions they compute, the normalized overlap of
//!   their centred test outputs ([`super::two_layer::output_overlap`]). With the squared loss,
//!   full batches (B = n) and long training this is the two-layer double-descent experiment:
//!   the test loss peaks where the parameter count crosses the nK equations of interpolating
//!   n examples with K outputs (Belkin, Hsu, Ma & Mandal, PNAS 2019, fig. 3).
//! - [`sgd_noise`]: minibatch noise as a temperature (the paper's Box 1). Near a minimum θ* of
//!   L with Hessian 𝐇, SGD with learning rate η and minibatches of B examples drawn with
//!   replacement is θ ← θ − η(∇L + ξ) with Cov ξ = C/B (C the per-example gradient
//!   covariance); for small η its stationary covariance Σ solves 𝐇Σ + Σ𝐇 = (η/B) C, the
//!   Lyapunov equation of Langevin dynamics at temperature T ∝ η/B. The stationary excess
//!   loss ⟨L⟩ − L(θ*) = ½ tr 𝐇Σ = (η/4B) tr C and the standard deviation of L along the
//!   trajectory, √(½ tr (𝐇Σ)²), both scale as η/B (Mandt, Hoffman & Blei, JMLR 2017; Jastrzębski
//!   et al. 2017): doubling η at fixed B doubles them, doubling η and B together leaves them
//!   unchanged.

use rand::seq::index::sample;
use rayon::prelude::*;

use super::two_layer::{cka, output_overlap, Dataset, Hidden, Loss, Sgd, TwoLayer};
use crate::error::{invalid, Result};
use crate::rng::Streams;

/// Mean and standard error of `v`.
fn mean_err(v: &[f64]) -> (f64, f64) {
    let k = v.len() as f64;
    let m = v.iter().sum::<f64>() / k;
    if v.len() < 2 {
        return (m, f64::NAN);
    }
    (m, (sample_var(v) / k).sqrt())
}

fn sample_var(v: &[f64]) -> f64 {
    let k = v.len() as f64;
    let m = v.iter().sum::<f64>() / k;
    v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (k - 1.0)
}

/// Standard deviation of `v` and its jackknife standard error.
fn std_jackknife(v: &[f64]) -> (f64, f64) {
    let k = v.len();
    let s = sample_var(v).sqrt();
    if k < 3 {
        return (s, f64::NAN);
    }
    let loo: Vec<f64> = (0..k)
        .map(|i| {
            let rest: Vec<f64> = v
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &x)| x)
                .collect();
            sample_var(&rest).sqrt()
        })
        .collect();
    let m = loo.iter().sum::<f64>() / k as f64;
    let var = loo.iter().map(|x| (x - m).powi(2)).sum::<f64>() * (k - 1) as f64 / k as f64;
    (s, var.sqrt())
}

/// Train and test sets of `n_train` and `n_test` distinct images drawn from `images` with
/// `seed` (the same for every network of an experiment).
pub fn image_split(
    images: &crate::data::Images,
    n_train: usize,
    n_test: usize,
    seed: u64,
) -> Result<(Dataset, Dataset)> {
    if n_train < 1 || n_test < 1 || n_train.saturating_add(n_test) > images.len() {
        return Err(invalid(format!(
            "need 1 ≤ n_train, 1 ≤ n_test and n_train + n_test ≤ {} images (got {n_train} + {n_test})",
            images.len()
        )));
    }
    let picks = sample(
        &mut Streams::new(seed).stream(&[0]),
        images.len(),
        n_train + n_test,
    )
    .into_vec();
    Ok((
        Dataset::from_images(images, &picks[..n_train])?,
        Dataset::from_images(images, &picks[n_train..])?,
    ))
}

/// One trained network of [`loss_spread`].
struct Run {
    test_loss: f64,
    train_loss: f64,
    test_accuracy: f64,
    /// Hidden representation of the test inputs.
    hidden: faer::Mat<f64>,
    /// Outputs on the test inputs.
    outputs: faer::Mat<f64>,
    params: usize,
}

/// A loss-spread experiment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SpreadConfig {
    /// Hidden widths H.
    pub widths: Vec<usize>,
    /// Independently initialized networks per width (an even number ≥ 4: they pair up for the
    /// representation overlap).
    pub seeds: usize,
    /// Hidden activation.
    pub hidden: Hidden,
    /// Training loss (also the reported test loss).
    pub loss: Loss,
    /// SGD settings.
    pub sgd: Sgd,
    /// Training epochs.
    pub epochs: usize,
    /// Master seed (initializations and minibatch orders).
    pub seed: u64,
}

/// The ensemble at one width: means over networks with standard errors.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SpreadPoint {
    /// Hidden width H.
    pub width: usize,
    /// Parameters per network, H(d + 1) + K(H + 1).
    pub params: usize,
    /// Mean final test loss over networks.
    pub test_loss: f64,
    /// Its standard error.
    pub test_loss_err: f64,
    /// Standard deviation of the final test loss across networks: the spread.
    pub spread: f64,
    /// Its jackknife standard error.
    pub spread_err: f64,
    /// Mean final training loss (weight-decay term excluded).
    pub train_loss: f64,
    /// Its standard error.
    pub train_loss_err: f64,
    /// Mean test accuracy.
    pub test_accuracy: f64,
    /// Its standard error.
    pub test_accuracy_err: f64,
    /// Mean linear CKA of the hidden representations of the test inputs over disjoint pairs
    /// of networks.
    pub overlap: f64,
    /// Its standard error (over pairs).
    pub overlap_err: f64,
    /// Mean function-space overlap ([`output_overlap`]) of the same pairs' test outputs.
    pub output_overlap: f64,
    /// Its standard error (over pairs).
    pub output_overlap_err: f64,
    /// Every network's final test loss.
    pub test_losses: Vec<f64>,
}

/// Trains `cfg.seeds` networks per width on `train` and reports their test-loss distribution
/// and representation overlap on `test`. Networks run in parallel; network s at width index w
/// draws its initialization from stream [1, w, s] and its minibatch order from [2, w, s] of
/// `cfg.seed`, so results do not depend on the thread count. A network whose final training
/// loss is not finite (a learning rate too large for its width) is an error.
pub fn loss_spread(
    train: &Dataset,
    test: &Dataset,
    cfg: &SpreadConfig,
) -> Result<Vec<SpreadPoint>> {
    if cfg.widths.is_empty() || cfg.widths.contains(&0) {
        return Err(invalid("widths must be given and ≥ 1"));
    }
    if cfg.seeds < 4 || cfg.seeds % 2 == 1 {
        return Err(invalid(format!(
            "need an even number ≥ 4 of networks per width (they pair up), got {}",
            cfg.seeds
        )));
    }
    if cfg.epochs == 0 {
        return Err(invalid("need ≥ 1 epoch"));
    }
    if test.dim() != train.dim() || test.classes != train.classes {
        return Err(invalid(
            "train and test sets differ in dimension or classes",
        ));
    }
    cfg.sgd.check(train.len())?;
    let streams = Streams::new(cfg.seed);
    cfg.widths
        .iter()
        .enumerate()
        .map(|(w, &h)| {
            let runs = (0..cfg.seeds)
                .into_par_iter()
                .map(|s| {
                    let path = |p: u64| [p, w as u64, s as u64];
                    let mut net = TwoLayer::new(
                        train.dim(),
                        h,
                        train.classes,
                        cfg.hidden,
                        &mut streams.stream(&path(1)),
                    )?;
                    net.train(
                        train,
                        cfg.loss,
                        &cfg.sgd,
                        cfg.epochs,
                        &mut streams.stream(&path(2)),
                    )?;
                    let train_loss = net.loss(train, cfg.loss);
                    if !train_loss.is_finite() {
                        return Err(invalid(format!(
                            "training diverged at width {h} (learning rate {} too large for it)",
                            cfg.sgd.lr
                        )));
                    }
                    Ok(Run {
                        test_loss: net.loss(test, cfg.loss),
                        train_loss,
                        test_accuracy: net.accuracy(test),
                        hidden: net.hidden(test.x.as_ref()),
                        outputs: net.outputs(test.x.as_ref()),
                        params: net.num_params(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let col = |f: fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
            let test_losses = col(|r| r.test_loss);
            let (test_loss, test_loss_err) = mean_err(&test_losses);
            let (spread, spread_err) = std_jackknife(&test_losses);
            let (train_loss, train_loss_err) = mean_err(&col(|r| r.train_loss));
            let (test_accuracy, test_accuracy_err) = mean_err(&col(|r| r.test_accuracy));
            let pairs = |f: fn(&Run, &Run) -> f64| {
                mean_err(
                    &runs
                        .chunks(2)
                        .map(|p| f(&p[0], &p[1]))
                        .collect::<Vec<f64>>(),
                )
            };
            let (overlap, overlap_err) = pairs(|a, b| cka(a.hidden.as_ref(), b.hidden.as_ref()));
            let (output_overlap, output_overlap_err) =
                pairs(|a, b| output_overlap(a.outputs.as_ref(), b.outputs.as_ref()));
            Ok(SpreadPoint {
                width: h,
                params: runs[0].params,
                test_loss,
                test_loss_err,
                spread,
                spread_err,
                train_loss,
                train_loss_err,
                test_accuracy,
                test_accuracy_err,
                overlap,
                overlap_err,
                output_overlap,
                output_overlap_err,
                test_losses,
            })
        })
        .collect()
}

/// An SGD-noise experiment: one width, several (η, B).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NoiseConfig {
    /// Hidden width H.
    pub width: usize,
    /// Hidden activation.
    pub hidden: Hidden,
    /// Training loss.
    pub loss: Loss,
    /// Weight decay λ (> 0 makes the minimum isolated).
    pub weight_decay: f64,
    /// (η, B) of the warm-up, which brings every network near a minimum.
    pub warmup: (f64, usize),
    /// Warm-up epochs.
    pub warmup_epochs: usize,
    /// The (η, B) settings measured, each continued from the warm-up end point.
    pub settings: Vec<(f64, usize)>,
    /// Length of the burn-in and, again, of the measured stretch, in SGD time ηt (t counts
    /// steps): relaxation near a minimum goes as e^{−η𝐇t}, so equal ηt means equally relaxed
    /// runs whatever η.
    pub time: f64,
    /// Evaluations of the full objective during the measured stretch.
    pub records: usize,
    /// Independent networks.
    pub seeds: usize,
    /// Master seed.
    pub seed: u64,
}

/// Stationary fluctuations at one (η, B): means over networks with standard errors.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct NoisePoint {
    /// Learning rate η.
    pub lr: f64,
    /// Minibatch size B.
    pub batch: usize,
    /// η/B.
    pub temperature: f64,
    /// Time-averaged objective L(θ_t) (including the weight-decay term).
    pub mean_loss: f64,
    /// Its standard error over networks.
    pub mean_loss_err: f64,
    /// Standard deviation of L(θ_t) along the stationary trajectory.
    pub fluctuation: f64,
    /// Its standard error over networks.
    pub fluctuation_err: f64,
    /// Excess of the time-averaged objective over that of the first setting, network by
    /// network (paired, so the networks' common slow drift cancels): (η/B − η₀/B₀) tr C/4 for
    /// small η.
    pub excess: f64,
    /// Its standard error over networks.
    pub excess_err: f64,
}

/// Stationary SGD fluctuations of the training objective at each (η, B) of `cfg`, networks in
/// parallel. Each network is warmed up once by shuffled-epoch SGD; every setting then
/// continues from the same end point with minibatches drawn with replacement, burns in for
/// SGD time ηt = `time` (⌈time/η⌉ steps) and records the full objective `records` times,
/// evenly, over another ⌈time/η⌉ steps. The fluctuation is the standard deviation of those
/// records, averaged over networks.
pub fn sgd_noise(train: &Dataset, cfg: &NoiseConfig) -> Result<Vec<NoisePoint>> {
    if cfg.seeds < 2 || cfg.settings.is_empty() || cfg.records < 2 {
        return Err(invalid(
            "need ≥ 2 networks, ≥ 1 (η, B) setting and ≥ 2 records",
        ));
    }
    if !(cfg.time.is_finite() && cfg.time > 0.0) {
        return Err(invalid(format!("SGD time must be > 0, got {}", cfg.time)));
    }
    let n = train.len();
    let check = |(lr, batch): (f64, usize)| {
        Sgd {
            lr,
            batch,
            weight_decay: cfg.weight_decay,
        }
        .check(n)
    };
    check(cfg.warmup)?;
    for &s in &cfg.settings {
        check(s)?;
    }
    let streams = Streams::new(cfg.seed);
    let per_seed = (0..cfg.seeds)
        .into_par_iter()
        .map(|s| {
            let mut net = TwoLayer::new(
                train.dim(),
                cfg.width,
                train.classes,
                cfg.hidden,
                &mut streams.stream(&[1, s as u64]),
            )?;
            let warm = Sgd {
                lr: cfg.warmup.0,
                batch: cfg.warmup.1,
                weight_decay: cfg.weight_decay,
            };
            net.train(
                train,
                cfg.loss,
                &warm,
                cfg.warmup_epochs,
                &mut streams.stream(&[2, s as u64]),
            )?;
            cfg.settings
                .iter()
                .enumerate()
                .map(|(k, &(lr, batch))| {
                    let sgd = Sgd {
                        lr,
                        batch,
                        weight_decay: cfg.weight_decay,
                    };
                    let steps = (cfg.time / lr).ceil() as usize;
                    let every = (steps / cfg.records).max(1);
                    let mut walker = net.clone();
                    let mut rng = streams.stream(&[3, s as u64, k as u64]);
                    walker.sgd_steps(train, cfg.loss, &sgd, steps, &mut rng, |_, _, _| {})?;
                    let mut record = Vec::new();
                    walker.sgd_steps(train, cfg.loss, &sgd, steps, &mut rng, |t, _, w| {
                        if (t + 1) % every == 0 {
                            record.push(w.objective(train, cfg.loss, cfg.weight_decay));
                        }
                    })?;
                    let m = record.iter().sum::<f64>() / record.len() as f64;
                    Ok([m, sample_var(&record).sqrt()])
                })
                .collect::<Result<Vec<[f64; 2]>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(cfg
        .settings
        .iter()
        .enumerate()
        .map(|(k, &(lr, batch))| {
            let (mean_loss, mean_loss_err) =
                mean_err(&per_seed.iter().map(|r| r[k][0]).collect::<Vec<f64>>());
            let (fluctuation, fluctuation_err) =
                mean_err(&per_seed.iter().map(|r| r[k][1]).collect::<Vec<f64>>());
            let (excess, excess_err) = mean_err(
                &per_seed
                    .iter()
                    .map(|r| r[k][0] - r[0][0])
                    .collect::<Vec<f64>>(),
            );
            NoisePoint {
                lr,
                batch,
                temperature: lr / batch as f64,
                mean_loss,
                mean_loss_err,
                fluctuation,
                fluctuation_err,
                excess,
                excess_err,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::Mat;
    use rand_distr::{Distribution, StandardNormal};

    /// n Gaussian inputs in d dimensions, K = 3 classes from a noisy nonlinear rule (so no
    /// network fits them perfectly and the loss has an isolated minimum under weight decay).
    fn toy(n: usize, d: usize, seed: u64) -> Dataset {
        let mut rng = Streams::new(seed).stream(&[0]);
        let x: Mat<f64> = Mat::from_fn(n, d, |_, _| StandardNormal.sample(&mut rng));
        let labels = (0..n)
            .map(|i| {
                let g: f64 = StandardNormal.sample(&mut rng);
                let v = x[(i, 0)] * x[(i, 1)] + x[(i, 2)] + 0.5 * g;
                if v < -0.5 {
                    0
                } else if v < 0.5 {
                    1
                } else {
                    2
                }
            })
            .collect();
        Dataset::new(x, labels, 3).unwrap()
    }

    fn spread_config(seeds: usize) -> SpreadConfig {
        SpreadConfig {
            widths: vec![2, 16],
            seeds,
            hidden: Hidden::Tanh,
            loss: Loss::CrossEntropy,
            sgd: Sgd {
                lr: 0.1,
                batch: 10,
                weight_decay: 1e-4,
            },
            epochs: 10,
            seed: 7,
        }
    }

    #[test]
    fn loss_spread_statistics_are_consistent_and_reproducible() {
        let (train, test) = (toy(150, 4, 1), toy(300, 4, 2));
        let pts = loss_spread(&train, &test, &spread_config(8)).unwrap();
        for p in &pts {
            let (m, _) = mean_err(&p.test_losses);
            assert!((m - p.test_loss).abs() < 1e-12);
            assert!((sample_var(&p.test_losses).sqrt() - p.spread).abs() < 1e-12);
            assert!(p.spread_err > 0.0 && p.spread_err < p.spread);
            assert!((0.0..=1.0 + 1e-12).contains(&p.overlap), "{}", p.overlap);
            assert!(p.output_overlap.abs() <= 1.0 + 1e-12 && p.output_overlap_err > 0.0);
            assert_eq!(p.params, p.width * 5 + 3 * (p.width + 1));
        }
        // Wider networks fit the training set better.
        assert!(pts[1].train_loss < pts[0].train_loss);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let again = pool
            .install(|| loss_spread(&train, &test, &spread_config(8)))
            .unwrap();
        assert_eq!(again[1].test_losses, pts[1].test_losses);
        assert!(loss_spread(&train, &test, &spread_config(5)).is_err());
        // A learning rate far beyond the stability limit 2/λ_max diverges: an error, not NaN.
        let mut hot = spread_config(4);
        hot.loss = Loss::Squared;
        hot.sgd.lr = 1e3;
        assert!(loss_spread(&train, &test, &hot).is_err());
    }

    #[test]
    fn jackknife_of_the_standard_deviation() {
        // For Gaussian samples the standard error of s is about s/√(2(k − 1)).
        let mut rng = Streams::new(3).stream(&[0]);
        let v: Vec<f64> = (0..400).map(|_| StandardNormal.sample(&mut rng)).collect();
        let (s, e) = std_jackknife(&v);
        assert!((s - 1.0).abs() < 0.15);
        let want = s / (2.0 * 399.0f64).sqrt();
        assert!((e / want - 1.0).abs() < 0.3, "{e} vs {want}");
    }

    #[test]
    fn sgd_fluctuations_scale_with_learning_rate_over_batch() {
        let train = toy(200, 4, 4);
        let cfg = NoiseConfig {
            width: 4,
            hidden: Hidden::Tanh,
            loss: Loss::CrossEntropy,
            weight_decay: 1e-2,
            warmup: (0.1, 10),
            warmup_epochs: 30,
            settings: vec![(0.05, 10), (0.1, 10), (0.1, 20)],
            time: 20.0,
            records: 200,
            seeds: 16,
            seed: 5,
        };
        let pts = sgd_noise(&train, &cfg).unwrap();
        let ratio = |i: usize, j: usize| {
            let r = pts[i].fluctuation / pts[j].fluctuation;
            let e = r
                * ((pts[i].fluctuation_err / pts[i].fluctuation).powi(2)
                    + (pts[j].fluctuation_err / pts[j].fluctuation).powi(2))
                .sqrt();
            (r, e)
        };
        // Doubling η at fixed B doubles the fluctuations; doubling both leaves them alone.
        let (r, e) = ratio(1, 0);
        assert!((r - 2.0).abs() < 4.0 * e + 0.2, "{r} ± {e}: {pts:?}");
        let (r, e) = ratio(2, 0);
        assert!((r - 1.0).abs() < 4.0 * e + 0.1, "{r} ± {e}: {pts:?}");
    }
}
