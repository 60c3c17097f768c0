//! Tour section: learning as statistical physics — double descent with its theory curve and
//! the replica overlap of trained models, perceptron learning against the replica curves, the
//! 3-spin landscape's minima at the threshold energy, and wide networks against the NNGP.

use anyhow::Result;
use glassbox::theory::{double_descent as dd, gardner, pspin};

use crate::learn_cmd::{
    self, ActivationArg, DataSource, HiddenArg, LossArg, NetworkArgs, NoiseArgs, NonlinearityArg,
    RegressionArgs,
};
use crate::report::Section;
use crate::runfolder::RunFolder;
use crate::tour::Args;

fn sigma_row(
    what: String,
    m: f64,
    e: f64,
    th: f64,
    label: &str,
    slack: f64,
) -> (Vec<String>, bool) {
    let z = (m - th).abs() / e;
    (
        vec![
            what,
            format!("{m:.4} ± {e:.4}"),
            format!("{th:.4} ({label})"),
            format!("{z:.1} σ"),
        ],
        (m - th).abs() < 4.0 * e + slack,
    )
}

/// Fills the learning section.
pub fn learning(section: &mut Section, folder: &RunFolder, args: &Args) -> Result<()> {
    let mut rows = Vec::new();
    let mut status = Vec::new();
    let mut push = |(r, ok): (Vec<String>, bool)| {
        rows.push(r);
        status.push(ok);
    };
    // Random-features double descent on a linear teacher, against Mei–Montanari.
    let reg = RegressionArgs {
        source: DataSource::Linear,
        mnist: None,
        digit: 0,
        d: 100,
        n: 200,
        n_test: 1000,
        features: Vec::new(),
        activation: ActivationArg::Relu,
        ridge: 0.0,
        seeds: if args.quick { 4 } else { 16 },
        r2: 1.0,
        sigma2: 0.1,
    };
    let curve = learn_cmd::regression_curve(&reg, args.seed, false)?;
    folder.write_json("learning/double_descent.json", &curve.json)?;
    for pt in curve.json.as_array().into_iter().flatten() {
        let g = pt["gamma"].as_f64().unwrap_or(f64::NAN);
        if (0.3..=4.0).contains(&g) {
            continue; // finite-d corrections grow near the peak; check the flanks
        }
        let th =
            dd::random_features_risk(g * 2.0, 2.0, dd::Activation::centred_relu(), 1.0, 0.0, 0.1)?
                + 0.1;
        push(sigma_row(
            format!("random-features test error, p/n = {g:.2}"),
            pt["test_error"].as_f64().unwrap_or(f64::NAN),
            pt["test_error_err"].as_f64().unwrap_or(f64::NAN),
            th,
            "Mei–Montanari + σ², d → ∞",
            0.05 * th,
        ));
    }
    // The same on MNIST when the data set is on this machine.
    let mnist = match glassbox::data::mnist_dir() {
        Some(dir) => Some(learn_cmd::regression_curve(
            &RegressionArgs {
                source: DataSource::Mnist,
                mnist: Some(dir),
                n: 300,
                seeds: if args.quick { 2 } else { 6 },
                ..reg.clone()
            },
            args.seed,
            false,
        )?),
        None => None,
    };
    if let Some(m) = &mnist {
        folder.write_json("learning/double_descent_mnist.json", &m.json)?;
        let peak = m
            .json
            .as_array()
            .into_iter()
            .flatten()
            .max_by(|a, b| {
                a["test_error"]
                    .as_f64()
                    .unwrap_or(0.0)
                    .total_cmp(&b["test_error"].as_f64().unwrap_or(0.0))
            })
            .and_then(|p| p["gamma"].as_f64())
            .unwrap_or(f64::NAN);
        push((
            vec![
                "MNIST (0 vs rest, n = 300): test-error peak at p/n".into(),
                format!("{peak:.2}"),
                "1 (interpolation threshold)".into(),
                "within [0.8, 1.25]".into(),
            ],
            (0.8..=1.25).contains(&peak),
        ));
    }
    // Perceptron learning curves, with a Gibbs student also at T = 1/2 (300 sweeps: at 100
    // the T > 0 student is not yet equilibrated at α = 3).
    let gibbs_t = 0.5;
    let per = learn_cmd::perceptron_topic(
        50,
        &[1.0, 3.0],
        if args.quick { 8 } else { 24 },
        300,
        30,
        gibbs_t,
        args.seed,
    )?;
    folder.write_json("learning/perceptron.json", &per.json)?;
    for (k, alpha) in [1.0, 3.0].into_iter().enumerate() {
        let m = |s: usize| {
            let v = &per.json["measured"][s][k];
            (
                v[0].as_f64().unwrap_or(f64::NAN),
                v[1].as_f64().unwrap_or(f64::NAN),
            )
        };
        let (h, he) = m(0);
        push(sigma_row(
            format!("Hebb student ε, N = 50, α = {alpha}"),
            h,
            he,
            gardner::hebb_learning(alpha)?.epsilon,
            "replica theory",
            0.01,
        ));
        let (g, ge) = m(2);
        push(sigma_row(
            format!("Gibbs student ε, N = 50, α = {alpha}"),
            g,
            ge,
            gardner::gibbs_learning(alpha)?.epsilon,
            "replica theory",
            0.01,
        ));
        let (g, ge) = m(3);
        push(sigma_row(
            format!("Gibbs student at T = {gibbs_t} (Metropolis), N = 50, α = {alpha}"),
            g,
            ge,
            gardner::gibbs_learning_at(alpha, gibbs_t)?.0.epsilon,
            "replica theory at T",
            0.01,
        ));
    }
    // The 3-spin landscape.
    let ps = learn_cmd::pspin_topic(
        &[32, 64, 128],
        if args.quick { 6 } else { 24 },
        0.4,
        48,
        args.seed,
    )?;
    folder.write_json("learning/pspin.json", &ps.json)?;
    let th = pspin::pspin(3)?;
    let ex = &ps.json["extrapolation"];
    push(sigma_row(
        "3-spin gradient-descent minima, N → ∞ (N = 32, 64, 128; e_∞ + b N^(−2/3))".into(),
        ex["e_inf"].as_f64().unwrap_or(f64::NAN),
        ex["e_inf_err"].as_f64().unwrap_or(f64::NAN),
        th.e_threshold,
        "threshold E_th = −√(4/3)",
        0.0,
    ));
    // Wide networks.
    let ng = learn_cmd::nngp_topic(
        NonlinearityArg::Relu,
        &[10, 30, 100, 300, 1000, 3000],
        32,
        args.seed,
    )?;
    folder.write_json("learning/nngp.json", &ng.json)?;
    let slope = ng.json["slope"].as_f64().unwrap_or(f64::NAN);
    push((
        vec![
            "NNGP: log-log slope of the kernel deviation vs width (ReLU)".into(),
            format!("{slope:.3}"),
            "−1 (central limit)".into(),
            format!("{:.1e}", (slope + 1.0).abs()),
        ],
        (slope + 1.0).abs() < 0.1,
    ));
    // The scaling-law fitter on the same points: deviation = a H^(−α) + c.
    let pts = ng.json["points"].as_array().cloned().unwrap_or_default();
    let col = |k: &str| {
        pts.iter()
            .map(|p| p[k].as_f64().unwrap_or(f64::NAN))
            .collect::<Vec<f64>>()
    };
    let fit = glassbox::learning::scaling::fit_power_law(
        &col("width"),
        &col("deviation"),
        Some(&col("deviation_err")),
        400,
        args.seed,
    )?;
    push((
        vec![
            "NNGP: fitted exponent of deviation = a H^(−α) + c (95 % bootstrap)".into(),
            format!(
                "{:.3} [{:.3}, {:.3}]",
                fit.alpha, fit.alpha_ci[0], fit.alpha_ci[1]
            ),
            "1 (central limit)".into(),
            if (fit.alpha_ci[0]..=fit.alpha_ci[1]).contains(&1.0) {
                "inside".into()
            } else {
                "outside".into()
            },
        ],
        (fit.alpha_ci[0]..=fit.alpha_ci[1]).contains(&1.0),
    ));
    // The scaling-law fitter on the double-descent curve's right flank: test error =
    // a p^(−α) + c for p ≥ 2n, whose offset c is the p → ∞ (kernel-regression) limit.
    let flank: Vec<[f64; 3]> = curve
        .json
        .as_array()
        .into_iter()
        .flatten()
        .filter(|pt| pt["gamma"].as_f64().unwrap_or(0.0) >= 2.0)
        .map(|pt| ["p", "test_error", "test_error_err"].map(|k| pt[k].as_f64().unwrap_or(f64::NAN)))
        .collect();
    let ff = glassbox::learning::scaling::fit_power_law(
        &flank.iter().map(|v| v[0]).collect::<Vec<f64>>(),
        &flank.iter().map(|v| v[1]).collect::<Vec<f64>>(),
        Some(&flank.iter().map(|v| v[2]).collect::<Vec<f64>>()),
        400,
        args.seed,
    )?;
    // The same form fitted to Mei–Montanari's curve at the same p: the offsets must agree.
    let flank_p: Vec<f64> = flank.iter().map(|v| v[0]).collect();
    let theory_flank = flank_p
        .iter()
        .map(|&p| {
            dd::random_features_risk(
                p / 100.0,
                2.0,
                dd::Activation::centred_relu(),
                1.0,
                0.0,
                0.1,
            )
            .map(|r| r + 0.1)
        })
        .collect::<glassbox::Result<Vec<f64>>>()?;
    let ft =
        glassbox::learning::scaling::fit_power_law(&flank_p, &theory_flank, None, 50, args.seed)?;
    let inside = ff.c_ci[0] - 0.05 * ft.c <= ft.c && ft.c <= ff.c_ci[1] + 0.05 * ft.c;
    push((
        vec![
            "double descent, p ≥ 2n: offset c of test error = a p^(−α) + c (95 % bootstrap)".into(),
            format!(
                "{:.4} [{:.4}, {:.4}], α = {:.2}",
                ff.c, ff.c_ci[0], ff.c_ci[1], ff.alpha
            ),
            format!(
                "{:.4}, α = {:.2} (same fit to Mei–Montanari + σ²)",
                ft.c, ft.alpha
            ),
            if inside {
                "inside ± 5 %".into()
            } else {
                "outside".into()
            },
        ],
        inside,
    ));
    // Two-layer networks trained by SGD on MNIST (7 × 7 pooled images): spread of final test
    // losses against width, representation overlap, SGD noise as a temperature.
    let spread = match glassbox::data::mnist_dir() {
        Some(dir) => {
            let net = NetworkArgs {
                widths: vec![4, 16, 64],
                networks: if args.quick { 8 } else { 16 },
                epochs: 4,
                lr: 0.05,
                batch: 25,
                weight_decay: 1e-4,
                hidden: HiddenArg::Tanh,
                loss: LossArg::CrossEntropy,
                pool: 4,
                train_images: 500,
                test_images: 500,
            };
            let noise = NoiseArgs {
                noise_width: 8,
                noise_time: 20.0,
                noise_records: 20,
                noise_networks: if args.quick { 4 } else { 8 },
            };
            Some(learn_cmd::loss_spread_topic(
                &net,
                &noise,
                Some(&dir),
                args.seed,
            )?)
        }
        None => None,
    };
    if let Some(ls) = &spread {
        folder.write_json("learning/loss_spread.json", &ls.json)?;
        let w = ls.json["widths"].as_array().cloned().unwrap_or_default();
        let get = |k: usize, key: &str| w[k][key].as_f64().unwrap_or(f64::NAN);
        let last = w.len() - 1;
        let (d, de) = (
            get(0, "spread") - get(last, "spread"),
            get(0, "spread_err").hypot(get(last, "spread_err")),
        );
        push((
            vec![
                format!(
                    "two-layer SGD on MNIST: test-loss spread H = {} minus H = {}",
                    get(0, "width"),
                    get(last, "width")
                ),
                format!("{d:.4} ± {de:.4}"),
                "> 0 (Choromanska et al.: narrows with width)".into(),
                format!("{:.1} σ", d / de),
            ],
            d > 2.0 * de,
        ));
        // SGD noise: the time-averaged objective's excess over the coolest setting (η, 2B),
        // paired by network, grows ∝ η/B − η/2B: (2η, B) three times (η, B).
        let noise = ls.json["sgd_noise"].as_array().cloned().unwrap_or_default();
        let ex = |k: usize| {
            (
                noise[k]["excess"].as_f64().unwrap_or(f64::NAN),
                noise[k]["excess_err"].as_f64().unwrap_or(f64::NAN),
            )
        };
        let ((a, ae), (b, be)) = (ex(2), ex(1));
        let r = a / b;
        push(sigma_row(
            "SGD noise: excess mean loss (2η, B) over (η, B), both relative to (η, 2B)".into(),
            r,
            r * ((ae / a).powi(2) + (be / b).powi(2)).sqrt(),
            3.0,
            "∝ η/B",
            0.3,
        ));
    }
    section
        .paragraph(
            "Learning is statistical mechanics of the weights. Random-features least squares \
             (ReLU features, linear teacher, d = 100, n = 200) shows double descent: the test \
             error diverges where the number of features equals the number of samples — the \
             interpolation threshold, where the training error reaches zero — and falls again \
             beyond it, following Mei and Montanari's d → ∞ curve on its flanks.",
        )
        .plot(&curve.plots[0].1)
        .paragraph(
            "An order parameter for trained networks (beyond the paper): two replicas trained \
             by gradient descent from independent initializations on the same data have \
             overlap q = 1 while the least-squares solution is unique (p < n); past the \
             threshold the interpolating solutions form a manifold and q drops — replica \
             symmetry of the solution space is lost exactly where the test error peaks.",
        )
        .plot(&curve.plots[1].1);
    if let Some(m) = &mnist {
        section
            .paragraph("The same on MNIST test-set images (digit 0 against the rest, n = 300):")
            .plot(&m.plots[0].1);
    }
    section
        .paragraph(
            "The perceptron: generalization error of Hebb and Gibbs students against the replica \
             theory (Engel & Van den Broeck) — the Gibbs student at T = 0 and, sampled by \
             Metropolis with the number of training errors as its energy, at T = 1/2 — and the \
             fraction of random labelings a perceptron can store, which steps from 1 to 0 at \
             Gardner's α_c = 2 (Cover's exact count).",
        )
        .plot(&per.plots[0].1)
        .plot(&per.plots[1].1)
        .paragraph(
            "A rugged landscape (the paper's eq. 4): gradient descent on the spherical 3-spin \
             glass stops at minima whose energy approaches the threshold E_th as N grows, not \
             the ground state E_0 — most minima sit at the top of the glassy band. Below T_d \
             the Langevin dynamics ages: the older the system, the slower it decorrelates.",
        )
        .plot(&ps.plots[0].1)
        .plot(&ps.plots[1].1)
        .paragraph(
            "Infinite width: a random two-layer network's empirical kernel converges to the NNGP \
             (arc-cosine) kernel with squared deviation ∝ 1/width.",
        )
        .plot(&ng.plots[0].1);
    if let Some(ls) = &spread {
        section
            .paragraph(
                "A two-layer tanh network trained by minibatch SGD on MNIST (500 images pooled \
                 to 7 × 7, cross-entropy) from many independent initializations: the final test \
                 losses spread less as the hidden layer widens — the minima SGD finds in large \
                 networks lie in a narrow band (Choromanska et al. 2015, the spin-glass picture \
                 of the loss surface).",
            )
            .plot(&ls.plots[0].1)
            .plot(&ls.plots[1].1)
            .paragraph(
                "Minibatch noise is a temperature: around a minimum, SGD with learning rate η \
                 and batch size B fluctuates like Langevin dynamics at T ∝ η/B, so the \
                 time-averaged excess loss grows ∝ η/B (measured relative to the coolest \
                 setting, network by network). The standard deviation of the loss along the \
                 trajectory, plotted here, does not show that scaling at these run lengths: \
                 it is dominated by slow drift common to all settings.",
            )
            .plot(&ls.plots[2].1);
    }
    // Double descent of a fully trained two-layer network: n = 100 MNIST images (7 × 7),
    // squared loss on one-hot targets, full-batch gradient descent, against the width, with
    // the replica overlap of paired networks.
    let two = match glassbox::data::mnist_dir() {
        Some(dir) => Some(learn_cmd::two_layer_overlap(
            &NetworkArgs {
                widths: vec![4, 8, 12, 16, 24, 48],
                networks: if args.quick { 4 } else { 8 },
                epochs: 4000,
                lr: 0.3,
                batch: 100,
                weight_decay: 0.0,
                hidden: HiddenArg::Tanh,
                loss: LossArg::Squared,
                pool: 4,
                train_images: 100,
                test_images: 1000,
            },
            Some(&dir),
            args.seed,
        )?),
        None => None,
    };
    if let Some(t) = &two {
        folder.write_json("learning/two_layer_double_descent.json", &t.json)?;
        let pts = t.json.as_array().cloned().unwrap_or_default();
        let get = |k: usize, key: &str| pts[k][key].as_f64().unwrap_or(f64::NAN);
        let nk = 100.0 * 10.0;
        let top = (0..pts.len())
            .max_by(|&a, &b| get(a, "test_loss").total_cmp(&get(b, "test_loss")))
            .unwrap_or(0);
        let at = get(top, "params") / nk;
        let last = pts.len() - 1;
        push((
            vec![
                "two-layer GD on MNIST (n = 100, K = 10, squared loss): test-loss peak at p/nK"
                    .into(),
                format!("{at:.2} (H = {})", get(top, "width")),
                "1 (interpolation threshold p = nK)".into(),
                "within [0.5, 2]".into(),
            ],
            (0.5..=2.0).contains(&at),
        ));
        let rise = |k: usize| {
            (get(top, "test_loss") - get(k, "test_loss"))
                / get(top, "test_loss_err").hypot(get(k, "test_loss_err"))
        };
        let (lo, hi) = (rise(0), rise(last));
        push((
            vec![
                "two-layer GD: test-loss peak above the narrowest and widest networks".into(),
                format!("{lo:.1} σ, {hi:.1} σ"),
                "> 3 σ each (double descent)".into(),
                format!("{:.1} σ", lo.min(hi)),
            ],
            lo > 3.0 && hi > 3.0,
        ));
        let (qp, qw) = (get(top, "output_overlap"), get(last, "output_overlap"));
        let dq = get(top, "output_overlap_err").hypot(get(last, "output_overlap_err"));
        push((
            vec![
                "two-layer GD: output overlap q of paired networks, at the peak vs the widest"
                    .into(),
                format!(
                    "{qp:.3} ± {:.3} vs {qw:.3} ± {:.3}",
                    get(top, "output_overlap_err"),
                    get(last, "output_overlap_err")
                ),
                "lower at the threshold".into(),
                format!("{:.1} σ", (qw - qp) / dq),
            ],
            qw - qp > 3.0 * dq,
        ));
    }
    if let Some(t) = &two {
        section
            .paragraph(
                "Double descent of a fully trained two-layer network (beyond random features): \
                 tanh networks of width H trained by full-batch gradient descent on the squared \
                 loss of one-hot targets, n = 100 MNIST images pooled to 7 × 7, K = 10 outputs, \
                 4000 steps, paired independent initializations. The test loss peaks where the \
                 parameter count p = 60H + 10 crosses the nK = 1000 equations of interpolation, \
                 and falls again for wider networks. Two order parameters of the pairs: the \
                 overlap q of the functions they compute (centred test outputs) has a broad \
                 minimum at the peak, where the fit depends most on the initialization, and \
                 rises on both sides; the CKA of their hidden representations dips there too \
                 but rises overall with width — two random wide networks already share their \
                 NNGP kernel.",
            )
            .plot(&t.plots[1].1)
            .plot(&t.plots[0].1);
    }
    section
        .checks(&["check", "measured", "reference", "deviation"], rows, status)
        .paragraph("Reproduce from the shell:")
        .code("glassbox learn double-descent\nglassbox learn replica-overlap\nglassbox learn double-descent --source mnist --mnist ../shared/data/mnist -n 300\nglassbox learn perceptron\nglassbox learn pspin-dynamics\nglassbox learn nngp\nglassbox learn scaling-fit curve.csv\nglassbox learn loss-spread --pool 4 --train 500 --test 500 --widths 4,16,64\nglassbox learn replica-overlap --model two-layer --pool 4 --train 500 --test 500\nglassbox learn perceptron -T 0.5\nglassbox learn replica-overlap --model two-layer --loss squared --weight-decay 0 --lr 0.3 --batch 100 --epochs 4000 --pool 4 --train 100 --test 1000 --widths 4,8,12,16,24,48 --networks 8");
    Ok(())
}
