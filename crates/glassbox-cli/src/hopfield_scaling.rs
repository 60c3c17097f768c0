//! `glassbox hopfield scaling`: capacity of dense associative memory against N — F(x) = xⁿ,
//! p_c ∝ N^{n−1}, for several powers n on one log-log plot, or F(x) = eˣ, p_c ~ e^{αN}.

use anyhow::Result;
use glassbox::memory::capacity::LineFit;
use glassbox::memory::modern::Interaction;
use glassbox::memory::scaling::{scaling, Scaling, ScalingSpec};

use crate::plot::{Plot, Series, Style};
use crate::table::Output;

/// Runs the scaling experiment for each interaction (sizes per interaction): powers on a
/// log-log plot with the fitted exponent, the exponential on a log-linear one with the fitted
/// growth rate of ln p_c against N.
pub fn scaling_experiment(
    interactions: &[Interaction],
    sizes: &[Vec<usize>],
    base: &ScalingSpec,
) -> Result<Output> {
    let mut results: Vec<Scaling> = vec![];
    for (k, &interaction) in interactions.iter().enumerate() {
        let spec = ScalingSpec {
            interaction,
            sizes: sizes.get(k).or(sizes.last()).cloned().unwrap_or_default(),
            ..base.clone()
        };
        results.push(scaling(&spec)?);
    }
    let exp = interactions.contains(&Interaction::Exp);
    let mut summary = vec![];
    let mut rows = vec![];
    let mut plot = Plot::new(
        "Dense associative memory F(x) = xⁿ or eˣ: capacity p_c (half the patterns retrieved) vs N",
        "N",
        "p_c",
    );
    plot.log_x = !exp;
    plot.log_y = true;
    let fit = |f: &Option<LineFit>| match f {
        Some(l) if l.intercept_error.is_finite() => {
            format!("{:.4}", l.slope)
        }
        Some(l) => format!("{:.4} (two sizes)", l.slope),
        None => "(one size)".to_string(),
    };
    for (k, r) in results.iter().enumerate() {
        let inter = r.spec.interaction;
        for pt in &r.points {
            let scaled = match inter {
                Interaction::Power(n) => pt.p_c / (pt.n as f64).powi(n as i32 - 1),
                Interaction::Exp => pt.p_c.ln() / pt.n as f64,
            };
            rows.push(vec![
                inter.to_string(),
                pt.n.to_string(),
                format!("{}", pt.p_c),
                format!("{scaled}"),
            ]);
        }
        let list = r
            .points
            .iter()
            .map(|p| format!("{}→{:.1}", p.n, p.p_c))
            .collect::<Vec<_>>()
            .join(", ");
        let line = match inter {
            Interaction::Power(n) => {
                format!(
                    "n = {n}: p_c(N) = {list}; exponent of p_c: {}, of p_c·ln N: {} (Krotov–Hopfield: n − 1 = {})",
                    fit(&r.exponent),
                    fit(&r.exponent_log_corrected),
                    n - 1
                )
            }
            Interaction::Exp => {
                let x = 1.0 - 2.0 * r.spec.flip;
                let i = 0.5 * ((1.0 + x) * (1.0 + x).ln() + (1.0 - x) * (1.0 - x).max(1e-300).ln());
                format!(
                    "F = exp, {:.0} % flipped: p_c(N) = {list}; growth rate α of ln p_c = a + αN: {} (Demircigil et al. guarantee all patterns for α < I(1 − 2ρ)/2 = {:.4})",
                    100.0 * r.spec.flip,
                    fit(&r.growth_rate),
                    0.5 * i
                )
            }
        };
        summary.push(line);
        let xs: Vec<f64> = r.points.iter().map(|p| p.n as f64).collect();
        plot = plot.with(
            Series::new(
                inter.to_string(),
                xs.clone(),
                r.points.iter().map(|p| p.p_c).collect(),
                Style::LinePoints,
            )
            .with_color(k + 1),
        );
        let line = match inter {
            Interaction::Power(_) => r.exponent.as_ref().map(|l| {
                (
                    format!("fit N^{:.2}", l.slope),
                    xs.iter()
                        .map(|x| (l.intercept + l.slope * x.ln()).exp())
                        .collect::<Vec<f64>>(),
                )
            }),
            Interaction::Exp => r.growth_rate.as_ref().map(|l| {
                (
                    format!("fit e^({:.3} N)", l.slope),
                    xs.iter()
                        .map(|x| (l.intercept + l.slope * x).exp())
                        .collect::<Vec<f64>>(),
                )
            }),
        };
        if let Some((name, ys)) = line {
            plot = plot.with(Series::new(name, xs.clone(), ys, Style::Dashed).with_color(k + 1));
        }
    }
    Ok(Output {
        summary,
        header: vec![
            "interaction",
            "n",
            "p_c",
            "p_c_over_n_pow_power_minus_1_or_ln_p_c_over_n",
        ],
        rows,
        json: serde_json::to_value(&results)?,
        plots: vec![("scaling", plot)],
        arrays: vec![],
    })
}

/// The continuous modern network: one-update retrieval error against β per pattern count.
pub fn continuous_experiment(
    spec: &glassbox::memory::modern::ContinuousScanSpec,
) -> Result<Output> {
    let pts = glassbox::memory::modern::continuous_scan(spec)?;
    let mut plot = Plot::new(
        format!(
            "Continuous modern Hopfield network (d = {}): error after one update from {:.0} % flipped",
            spec.dim,
            100.0 * spec.flip
        ),
        "β",
        "relative error ‖ξ_new − x‖/‖x‖",
    );
    plot.log_x = true;
    let mut summary = vec![];
    for (k, &m) in spec.counts.iter().enumerate() {
        let mine: Vec<_> = pts.iter().filter(|p| p.count == m).collect();
        plot = plot.with(
            Series::new(
                format!("M = {m}"),
                mine.iter().map(|p| p.beta).collect(),
                mine.iter().map(|p| p.error).collect(),
                Style::LinePoints,
            )
            .with_yerr(mine.iter().map(|p| p.error_err).collect())
            .with_color(k + 1),
        );
        let first = mine
            .iter()
            .find(|p| p.error < 0.01)
            .map_or("none in the grid".to_string(), |p| format!("{}", p.beta));
        summary.push(format!(
            "M = {m}: error {} ; smallest β with error < 0.01: {first}",
            mine.iter()
                .map(|p| format!("β {}→{:.2e}", p.beta, p.error))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(Output {
        summary,
        header: vec!["count", "beta", "error", "error_err", "success"],
        rows: pts
            .iter()
            .map(|p| {
                vec![
                    p.count.to_string(),
                    format!("{}", p.beta),
                    format!("{}", p.error),
                    format!("{}", p.error_err),
                    format!("{}", p.success),
                ]
            })
            .collect(),
        json: serde_json::to_value(&pts)?,
        plots: vec![("continuous", plot)],
        arrays: vec![],
    })
}
