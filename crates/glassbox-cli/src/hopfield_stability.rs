//! `glassbox hopfield stability`: exact fixed points and recall against the load for a
//! learning rule — the Hebbian error-free regime p ≲ N/(4 ln N) against signal-to-noise
//! theory, and the pseudo-inverse rule up to α → 1.

use anyhow::Result;
use glassbox::memory::stability::{stability, StabilityPoint, StabilitySpec};
use glassbox::memory::Rule;

use crate::plot::{Plot, Series, Style};
use crate::table::Output;

/// Runs the scan for each size; `loads` are α = p/N, or x = p ln N / N when `by_x`.
pub fn stability_experiment(
    base: &StabilitySpec,
    sizes: &[usize],
    loads: &[f64],
    by_x: bool,
) -> Result<Output> {
    let mut all: Vec<StabilityPoint> = vec![];
    for &n in sizes {
        let nf = n as f64;
        let mut patterns: Vec<usize> = loads
            .iter()
            .map(|&l| {
                let p = if by_x { l * nf / nf.ln() } else { l * nf };
                (p.round() as usize).max(1)
            })
            .collect();
        patterns.dedup();
        all.extend(stability(&StabilitySpec {
            n,
            patterns,
            ..base.clone()
        })?);
    }
    let axis = |p: &StabilityPoint| if by_x { p.x } else { p.alpha };
    let xlabel = if by_x { "p ln N / N" } else { "load α = p/N" };
    let hebb = matches!(base.rule, Rule::Hebb);
    let mut fixed = Plot::new(
        format!(
            "{} rule: fraction of patterns that are exact fixed points",
            base.rule.name()
        ),
        xlabel,
        "fraction of fixed-point patterns",
    );
    let mut recall = Plot::new(
        format!(
            "{} rule: final overlap from {:.0} % flipped units",
            base.rule.name(),
            100.0 * base.flip
        ),
        xlabel,
        "mean final overlap",
    );
    let mut summary = vec![];
    for (k, &n) in sizes.iter().enumerate() {
        let pts: Vec<&StabilityPoint> = all.iter().filter(|p| p.n == n).collect();
        let xs: Vec<f64> = pts.iter().map(|p| axis(p)).collect();
        fixed = fixed.with(
            Series::new(
                format!("N = {n}"),
                xs.clone(),
                pts.iter().map(|p| p.fixed_fraction).collect(),
                Style::Points,
            )
            .with_color(k + 1),
        );
        if hebb {
            fixed = fixed.with(
                Series::new(
                    format!("(1 − P_e)^N, N = {n}"),
                    xs.clone(),
                    pts.iter().map(|p| p.hebb_fixed_fraction).collect(),
                    Style::Dashed,
                )
                .with_color(k + 1),
            );
        }
        recall = recall.with(
            Series::new(
                format!("N = {n}"),
                xs,
                pts.iter().map(|p| p.mean_overlap).collect(),
                Style::LinePoints,
            )
            .with_yerr(pts.iter().map(|p| p.error).collect())
            .with_color(k + 1),
        );
        let last_all = pts
            .iter()
            .take_while(|p| p.all_fixed >= 0.5)
            .last()
            .map_or(f64::NAN, |p| axis(p));
        summary.push(format!(
            "N = {n}: all patterns fixed points in at least half the sets up to {} = {last_all:.3}; fixed fraction {}",
            if by_x { "p ln N/N" } else { "α" },
            pts.iter()
                .map(|p| format!("{:.3}→{:.3}", axis(p), p.fixed_fraction))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if by_x {
        fixed = fixed.vline(0.25, "N/(4 ln N)").vline(0.5, "N/(2 ln N)");
    }
    let rows = all
        .iter()
        .map(|p| {
            vec![
                p.n.to_string(),
                p.p.to_string(),
                format!("{}", p.alpha),
                format!("{}", p.x),
                format!("{}", p.fixed_fraction),
                format!("{}", p.all_fixed),
                format!("{}", p.bit_error),
                format!("{}", p.hebb_fixed_fraction),
                format!("{}", p.mean_overlap),
                format!("{}", p.error),
            ]
        })
        .collect();
    Ok(Output {
        summary,
        header: vec![
            "n",
            "p",
            "alpha",
            "p_ln_n_over_n",
            "fixed_fraction",
            "all_fixed",
            "bit_error",
            "hebb_theory_fixed_fraction",
            "mean_overlap",
            "error",
        ],
        rows,
        json: serde_json::to_value(&all)?,
        plots: vec![("fixed_points", fixed), ("recall", recall)],
        arrays: vec![],
    })
}
