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
