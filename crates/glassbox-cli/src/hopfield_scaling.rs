//! `glassbox hopfield scaling`: capacity of dense associative memory F(x) = xⁿ against N,
//! p_c ∝ N^{n−1}, for several powers n on one log-log plot.

use anyhow::Result;
use glassbox::memory::scaling::{scaling, Scaling, ScalingSpec};

use crate::plot::{Plot, Series, Style};
use crate::table::Output;

/// Runs the scaling experiment for each power (sizes per power).
pub fn scaling_experiment(
    powers: &[u32],
    sizes: &[Vec<usize>],
    base: &ScalingSpec,
) -> Result<Output> {
    let mut results: Vec<Scaling> = vec![];
    for (k, &power) in powers.iter().enumerate() {
        let spec = ScalingSpec {
            power,
            sizes: sizes.get(k).or(sizes.last()).cloned().unwrap_or_default(),
            ..base.clone()
        };
        results.push(scaling(&spec)?);
    }
    let mut summary = vec![];
    let mut rows = vec![];
    let mut plot = Plot::new(
        "Dense associative memory F(x) = xⁿ: capacity p_c (half the patterns retrieved) vs N",
        "N",
        "p_c",
    );
    plot.log_x = true;
    plot.log_y = true;
    for (k, r) in results.iter().enumerate() {
        let n = r.spec.power;
        for pt in &r.points {
            rows.push(vec![
                n.to_string(),
                pt.n.to_string(),
                format!("{}", pt.p_c),
                format!("{}", pt.p_c / (pt.n as f64).powi(n as i32 - 1)),
            ]);
        }
        let fit = |f: &Option<glassbox::memory::capacity::LineFit>| match f {
            Some(l) if l.intercept_error.is_finite() => format!("{:.3}", l.slope),
            Some(l) => format!("{:.3} (two sizes)", l.slope),
            None => "(one size)".to_string(),
        };
        summary.push(format!(
            "n = {n}: p_c(N) = {}; exponent of p_c: {}, of p_c·ln N: {} (Krotov–Hopfield: n − 1 = {})",
            r.points
                .iter()
                .map(|p| format!("{}→{:.1}", p.n, p.p_c))
                .collect::<Vec<_>>()
                .join(", "),
            fit(&r.exponent),
            fit(&r.exponent_log_corrected),
            n - 1
        ));
        let xs: Vec<f64> = r.points.iter().map(|p| p.n as f64).collect();
        plot = plot.with(
            Series::new(
                format!("n = {n}"),
                xs.clone(),
                r.points.iter().map(|p| p.p_c).collect(),
                Style::LinePoints,
            )
            .with_color(k + 1),
        );
        if let Some(l) = &r.exponent {
            plot = plot.with(
                Series::new(
                    format!("fit N^{:.2}", l.slope),
                    xs.clone(),
                    xs.iter()
                        .map(|x| (l.intercept + l.slope * x.ln()).exp())
                        .collect(),
                    Style::Dashed,
                )
                .with_color(k + 1),
            );
        }
    }
    Ok(Output {
        summary,
        header: vec!["power", "n", "p_c", "p_c_over_n_pow_power_minus_1"],
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
