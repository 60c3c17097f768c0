//! Small, self-contained SVG line/scatter plots (no dependencies).
//!
//! The output is standalone SVG (with `xmlns`) that can also be pasted inline into HTML: it
//! uses no `id` attributes, no external resources and no scripts, so several plots can share
//! one page.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::runfolder::write_atomic;

/// Colour-blind-friendly palette (Okabe & Ito), cycled over the series.
pub const PALETTE: [&str; 8] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
];

/// Default width in pixels used by [`write_svg`].
pub const DEFAULT_WIDTH: u32 = 640;
/// Default height in pixels used by [`write_svg`].
pub const DEFAULT_HEIGHT: u32 = 420;

/// How a series is drawn; error bars are added whenever the series has `yerr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// Solid line through the points (broken at NaN/inf points).
    #[default]
    Line,
    /// Markers only.
    Points,
    /// Solid line with markers.
    LinePoints,
    /// Dashed line, e.g. for an exact or theoretical curve.
    Dashed,
}

/// One data series; `x`, `y` (and `yerr`) are paired up to the shortest length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Legend text (an empty label keeps the series out of the legend).
    pub label: String,
    /// Abscissae.
    pub x: Vec<f64>,
    /// Ordinates.
    pub y: Vec<f64>,
    /// Optional one-sigma error bars (half-lengths) on `y`.
    pub yerr: Option<Vec<f64>>,
    /// Drawing style.
    pub style: Style,
    /// Palette slot; `None` uses the series' position (so an exact curve and its
    /// measurements can share a colour).
    pub color: Option<usize>,
}

impl Series {
    /// A series with the given style and no error bars.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>, style: Style) -> Self {
        Self {
            label: label.into(),
            x,
            y,
            yerr: None,
            style,
            color: None,
        }
    }

    /// A solid-line series.
    pub fn line(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self::new(label, x, y, Style::Line)
    }

    /// A markers-only series.
    pub fn points(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self::new(label, x, y, Style::Points)
    }

    /// Uses palette slot `k` (builder style).
    pub fn with_color(mut self, k: usize) -> Self {
        self.color = Some(k);
        self
    }

    /// The palette colour of the series at position `i`.
    fn color(&self, i: usize) -> &'static str {
        PALETTE[self.color.unwrap_or(i) % PALETTE.len()]
    }

    /// Adds error bars (builder style).
    pub fn with_yerr(mut self, yerr: Vec<f64>) -> Self {
        self.yerr = Some(yerr);
        self
    }

    /// Paired `(x, y, yerr)` triples, including non-finite ones.
    fn triples(&self) -> impl Iterator<Item = (f64, f64, Option<f64>)> + '_ {
        let n = self.x.len().min(self.y.len());
        (0..n).map(move |i| {
            let e = self.yerr.as_ref().and_then(|e| e.get(i)).copied();
            (self.x[i], self.y[i], e)
        })
    }
}

/// A 2-D plot: series, optional marked vertical lines (e.g. `T_c`) and log axes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plot {
    /// Title shown above the plot.
    pub title: String,
    /// Label of the horizontal axis.
    pub xlabel: String,
    /// Label of the vertical axis.
    pub ylabel: String,
    /// The data.
    pub series: Vec<Series>,
    /// Labelled vertical marker lines at the given x.
    pub vlines: Vec<(f64, String)>,
    /// Text centred at data coordinates (x, y), e.g. the names of phases.
    pub notes: Vec<(f64, f64, String)>,
    /// Logarithmic x axis (non-positive x are skipped).
    pub log_x: bool,
    /// Logarithmic y axis (non-positive y are skipped).
    pub log_y: bool,
}

impl Plot {
    /// An empty plot with a title and axis labels.
    pub fn new(
        title: impl Into<String>,
        xlabel: impl Into<String>,
        ylabel: impl Into<String>,
    ) -> Self {
        Self {
            title: title.into(),
            xlabel: xlabel.into(),
            ylabel: ylabel.into(),
            ..Self::default()
        }
    }

    /// Adds a series (builder style).
    pub fn with(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Adds a labelled vertical marker line (builder style).
    pub fn vline(mut self, x: f64, label: impl Into<String>) -> Self {
        self.vlines.push((x, label.into()));
        self
    }

    /// Writes `text` centred at the data point (x, y) (builder style).
    pub fn note(mut self, x: f64, y: f64, text: impl Into<String>) -> Self {
        self.notes.push((x, y, text.into()));
        self
    }

    /// Renders the plot as a standalone SVG document of `width` x `height` pixels.
    pub fn to_svg(&self, width: u32, height: u32) -> String {
        render(self, f64::from(width.max(120)), f64::from(height.max(100)))
    }
}

/// Atomically writes `plot` as an SVG file of the default size.
pub fn write_svg(path: &Path, plot: &Plot) -> Result<()> {
    write_atomic(path, plot.to_svg(DEFAULT_WIDTH, DEFAULT_HEIGHT).as_bytes())
}

/// Escapes text for XML/HTML content and attributes; drops characters XML 1.0 forbids.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Formats a number compactly with at most 4 significant digits (`0.5`, `1234`, `1.5e-5`, `2e6`).
pub fn fmt_compact(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let a = v.abs();
    if (1e-4..1e6).contains(&a) {
        let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
        let s = trim_zeros(format!("{v:.decimals$}"));
        // Rounding may push e.g. 999999.7 to 1000000: fine, still compact.
        if s == "-0" {
            "0".to_string()
        } else {
            s
        }
    } else {
        fmt_sci(v, 4)
    }
}

/// Scientific notation with `sig` significant digits and trailing zeros removed (`1.5e-5`).
fn fmt_sci(v: f64, sig: usize) -> String {
    let s = format!("{:.*e}", sig.saturating_sub(1), v);
    match s.split_once('e') {
        Some((m, e)) => format!("{}e{}", trim_zeros(m.to_string()), e),
        None => s,
    }
}

/// Removes trailing zeros (and a trailing dot) after a decimal point.
fn trim_zeros(mut s: String) -> String {
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// A "nice" step as `(m, e)` meaning `m * 10^e` with `m` in {1, 2, 5, 10}.
fn nice_step_parts(range: f64, target: usize) -> (f64, i32) {
    let raw = range / target.max(1) as f64;
    let e = raw.log10().floor() as i32;
    let norm = raw / 10f64.powi(e);
    // Nearest of 1, 2, 5, 10 (so the tick count stays within about 0.7..1.5 x target).
    let m = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    (m, e)
}

/// `k * m * 10^e`, dividing by an exact power of ten for negative `e` (so 13e-3 is 0.013).
fn scaled(k: f64, m: f64, e: i32) -> f64 {
    if e < 0 {
        k * m / 10f64.powi(-e)
    } else {
        k * m * 10f64.powi(e)
    }
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` intervals over `range`.
pub fn nice_step(range: f64, target: usize) -> f64 {
    let (m, e) = nice_step_parts(range, target);
    scaled(1.0, m, e)
}

/// Nice ticks covering `[lo, hi]`: the first and last tick enclose the range (`lo < hi`, finite).
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (m, e) = nice_step_parts(hi - lo, target);
    let step = scaled(1.0, m, e);
    let k0 = (lo / step + 1e-9).floor();
    let k1 = (hi / step - 1e-9).ceil();
    let n = (k1 - k0).clamp(0.0, 1000.0) as usize;
    (0..=n)
        .map(|i| {
            let k = k0 + i as f64;
            if k == 0.0 {
                0.0
            } else {
                scaled(k, m, e)
            }
        })
        .collect()
}

/// Tick labels for linear ticks with spacing `step`, all with the same precision.
fn linear_labels(ticks: &[f64], step: f64) -> Vec<String> {
    let max = ticks.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let step_exp = (step.log10() + 1e-9).floor() as i32;
    if max >= 1e6 || (max > 0.0 && max < 1e-3) || step_exp < -5 {
        let sig = ((max.log10() + 1e-9).floor() as i32 - step_exp + 1).clamp(1, 16) as usize;
        ticks
            .iter()
            .map(|&v| {
                if v == 0.0 {
                    "0".into()
                } else {
                    fmt_sci(v, sig)
                }
            })
            .collect()
    } else {
        let decimals = (-step_exp).max(0) as usize;
        ticks
            .iter()
            .map(|&v| {
                let s = format!("{v:.decimals$}");
                if s.trim_start_matches(['-', '0', '.']).is_empty() {
                    "0".to_string()
                } else {
                    s
                }
            })
            .collect()
    }
}

/// One axis: range in transformed units (log10 for log axes) and ticks in data units.
#[derive(Debug, Clone)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    labels: Vec<String>,
}

impl Axis {
    /// Builds an axis enclosing `values` (already filtered: finite, and positive for log).
    fn new(values: &[f64], log: bool, target: usize) -> Self {
        let t = |v: f64| if log { v.log10() } else { v };
        let (mut lo, mut hi) = values
            .iter()
            .map(|&v| t(v))
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        if lo > hi {
            (lo, hi) = (0.0, 1.0);
        }
        let scale = lo.abs().max(hi.abs());
        if hi - lo <= 1e-12 * scale || hi - lo < 1e-300 {
            let pad = if log {
                0.5
            } else if scale > 0.0 {
                0.1 * scale
            } else {
                1.0
            };
            lo -= pad;
            hi += pad;
        }
        if !(hi - lo).is_finite() {
            // Values near f64::MAX: keep the raw range with end ticks only.
            let ticks = vec![lo, hi];
            let labels = ticks.iter().map(|&v| fmt_compact(v)).collect();
            return Self {
                lo,
                hi,
                log: false,
                ticks,
                labels,
            };
        }
        if log {
            Self::log_axis(lo, hi, target)
        } else {
            let ticks = nice_ticks(lo, hi, target);
            let step = nice_step(hi - lo, target);
            let labels = linear_labels(&ticks, step);
            Self {
                lo: ticks[0],
                hi: ticks[ticks.len() - 1],
                log: false,
                ticks,
                labels,
            }
        }
    }

    /// Log axis: whole decades, with 2 and 5 subdivisions over short ranges.
    fn log_axis(lo: f64, hi: f64, target: usize) -> Self {
        let mut d0 = (lo + 1e-9).floor();
        let mut d1 = (hi - 1e-9).ceil();
        if d1 <= d0 {
            d1 = d0 + 1.0;
        }
        let decades = (d1 - d0) as usize;
        let mut ticks = Vec::new();
        if decades <= 2 {
            for k in 0..=decades {
                let p = 10f64.powf(d0 + k as f64);
                ticks.push(p);
                if k < decades {
                    ticks.push(2.0 * p);
                    ticks.push(5.0 * p);
                }
            }
        } else {
            // Label every `every`-th decade, aligned to multiples of `every`.
            let every = decades.div_ceil(target.max(1)).max(1) as f64;
            d0 = (d0 / every).floor() * every;
            d1 = (d1 / every).ceil() * every;
            let mut d = d0;
            while d <= d1 + 0.5 {
                ticks.push(10f64.powf(d));
                d += every;
            }
        }
        // Plain decimals from 0.001 to 9999, `1e4`-style beyond, as on most log plots.
        let labels = ticks
            .iter()
            .map(|&v| {
                if (-3..=3).contains(&((v.log10() + 1e-9).floor() as i32)) {
                    fmt_compact(v)
                } else {
                    fmt_sci(v, 1)
                }
            })
            .collect();
        Self {
            lo: d0,
            hi: d1,
            log: true,
            ticks,
            labels,
        }
    }

    /// Position of data value `v` as a fraction of the axis (0 at `lo`, 1 at `hi`).
    fn frac(&self, v: f64) -> f64 {
        let t = if self.log { v.log10() } else { v };
        // Halved to stay finite for ranges near f64::MAX.
        let f = (0.5 * t - 0.5 * self.lo) / (0.5 * self.hi - 0.5 * self.lo);
        if f.is_nan() {
            0.0
        } else {
            f.clamp(0.0, 1.0)
        }
    }
}

/// Approximate rendered width of `s` at font size `size` (sans-serif).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

/// Whether a point may be drawn on the given axis kinds.
fn usable(v: f64, log: bool) -> bool {
    v.is_finite() && (!log || v > 0.0)
}

fn render(p: &Plot, w: f64, h: f64) -> String {
    // Collect axis extents from drawable points, error-bar ends and marker lines.
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for s in &p.series {
        for (x, y, e) in s.triples() {
            if usable(x, p.log_x) && usable(y, p.log_y) {
                xs.push(x);
                ys.push(y);
                if let Some(e) = e.filter(|e| e.is_finite()) {
                    for v in [y - e.abs(), y + e.abs()] {
                        if usable(v, p.log_y) {
                            ys.push(v);
                        }
                    }
                }
            }
        }
    }
    let has_data = !xs.is_empty();
    for (x, _) in &p.vlines {
        if usable(*x, p.log_x) {
            xs.push(*x);
        }
    }

    // Margins depend on text sizes; tick count targets on the resulting area.
    let font = 12.0;
    let top = if p.title.is_empty() { 14.0 } else { 36.0 };
    let bottom = 8.0 + 18.0 + if p.xlabel.is_empty() { 0.0 } else { 20.0 };
    let ph = (h - top - bottom).max(20.0);
    let yaxis = Axis::new(&ys, p.log_y, ((ph / 45.0) as usize).clamp(2, 10));
    let ylab_w = yaxis
        .labels
        .iter()
        .map(|l| text_width(l, font))
        .fold(0.0, f64::max);
    let left = 12.0 + ylab_w + 8.0 + if p.ylabel.is_empty() { 0.0 } else { 20.0 };
    let pw0 = (w - left - 24.0).max(20.0);
    let xaxis = Axis::new(&xs, p.log_x, ((pw0 / 85.0) as usize).clamp(2, 10));
    let last_x = xaxis.labels.last().map_or(0.0, |l| text_width(l, font));
    let right = (last_x / 2.0 + 8.0).max(16.0);
    let pw = (w - left - right).max(20.0);
    let px = |x: f64| left + xaxis.frac(x) * pw;
    let py = |y: f64| top + (1.0 - yaxis.frac(y)) * ph;

    let mut o = String::new();
    let _ = write!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="{font}" role="img">"#
    );
    o.push('\n');
    let _ = writeln!(o, "<title>{}</title>", escape_xml(&p.title));
    let _ = writeln!(o, r#"<rect width="{w}" height="{h}" fill="white"/>"#);

    // Grid, ticks and tick labels.
    o.push_str(r##"<g stroke="#e4e4e4" stroke-width="1">"##);
    o.push('\n');
    for &t in &xaxis.ticks {
        let x = px(t);
        let _ = writeln!(
            o,
            r#"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{:.1}"/>"#,
            top + ph
        );
    }
    for &t in &yaxis.ticks {
        let y = py(t);
        let _ = writeln!(
            o,
            r#"<line x1="{left:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/>"#,
            left + pw
        );
    }
    o.push_str("</g>\n");
    o.push_str(r##"<g stroke="#333" stroke-width="1">"##);
    o.push('\n');
    for &t in &xaxis.ticks {
        let (x, y) = (px(t), top + ph);
        let _ = writeln!(
            o,
            r#"<line x1="{x:.1}" y1="{y:.1}" x2="{x:.1}" y2="{:.1}"/>"#,
            y + 5.0
        );
    }
    for &t in &yaxis.ticks {
        let y = py(t);
        let _ = writeln!(
            o,
            r#"<line x1="{:.1}" y1="{y:.1}" x2="{left:.1}" y2="{y:.1}"/>"#,
            left - 5.0
        );
    }
    o.push_str("</g>\n");
    o.push_str(r##"<g fill="#333">"##);
    o.push('\n');
    for (&t, l) in xaxis.ticks.iter().zip(&xaxis.labels) {
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            px(t),
            top + ph + 19.0,
            escape_xml(l)
        );
    }
    for (&t, l) in yaxis.ticks.iter().zip(&yaxis.labels) {
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 8.0,
            py(t) + 4.0,
            escape_xml(l)
        );
    }
    o.push_str("</g>\n");

    // Vertical marker lines.
    for (x, label) in &p.vlines {
        if !usable(*x, p.log_x) {
            continue;
        }
        let x = px(*x);
        let _ = writeln!(
            o,
            r##"<line x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{:.1}" stroke="#555" stroke-width="1.2" stroke-dasharray="5 4"/>"##,
            top + ph
        );
        if !label.is_empty() {
            let anchor_end = x + 4.0 + text_width(label, 11.0) > left + pw;
            let (tx, anchor) = if anchor_end {
                (x - 4.0, "end")
            } else {
                (x + 4.0, "start")
            };
            let _ = writeln!(
                o,
                r##"<text x="{tx:.1}" y="{:.1}" font-size="11" fill="#555" text-anchor="{anchor}">{}</text>"##,
                top + 12.0,
                escape_xml(label)
            );
        }
    }

    // Text notes (only those inside the plotted range).
    for (x, y, text) in &p.notes {
        if !(usable(*x, p.log_x) && usable(*y, p.log_y)) {
            continue;
        }
        let (fx, fy) = (xaxis.frac(*x), yaxis.frac(*y));
        if !((0.0..=1.0).contains(&fx) && (0.0..=1.0).contains(&fy)) {
            continue;
        }
        let _ = writeln!(
            o,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#222" text-anchor="middle">{}</text>"##,
            px(*x),
            py(*y),
            escape_xml(text)
        );
    }

    // Series.
    for (i, s) in p.series.iter().enumerate() {
        let color = s.color(i);
        let _ = writeln!(
            o,
            r#"<g stroke="{color}" fill="{color}"><title>{}</title>"#,
            escape_xml(&s.label)
        );
        // Error bars.
        if s.yerr.is_some() {
            for (x, y, e) in s.triples() {
                let Some(e) = e.filter(|e| e.is_finite() && *e != 0.0) else {
                    continue;
                };
                if !(usable(x, p.log_x) && usable(y, p.log_y)) {
                    continue;
                }
                let e = e.abs();
                let xx = px(x);
                let y_lo = if usable(y - e, p.log_y) {
                    py(y - e)
                } else {
                    top + ph
                };
                let y_hi = py(y + e);
                let _ = writeln!(
                    o,
                    r#"<path d="M{xx:.1} {y_lo:.1}V{y_hi:.1}M{:.1} {y_lo:.1}h6M{:.1} {y_hi:.1}h6" fill="none" stroke-width="1.2"/>"#,
                    xx - 3.0,
                    xx - 3.0
                );
            }
        }
        // Lines, broken at unusable points.
        if matches!(s.style, Style::Line | Style::LinePoints | Style::Dashed) {
            let dash = if s.style == Style::Dashed {
                r#" stroke-dasharray="7 4""#
            } else {
                ""
            };
            let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (x, y, _) in s.triples() {
                if usable(x, p.log_x) && usable(y, p.log_y) {
                    segments.last_mut().unwrap().push((px(x), py(y)));
                } else if !segments.last().unwrap().is_empty() {
                    segments.push(Vec::new());
                }
            }
            for seg in segments.iter().filter(|s| !s.is_empty()) {
                if seg.len() == 1 {
                    // An isolated point would be invisible as a line (LinePoints has a marker).
                    if s.style != Style::LinePoints {
                        let _ = writeln!(
                            o,
                            r#"<circle cx="{:.1}" cy="{:.1}" r="2" stroke="none"/>"#,
                            seg[0].0, seg[0].1
                        );
                    }
                    continue;
                }
                let pts: Vec<String> = seg.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = writeln!(
                    o,
                    r#"<polyline points="{}" fill="none" stroke-width="1.8" stroke-linejoin="round"{dash}/>"#,
                    pts.join(" ")
                );
            }
        }
        // Markers.
        if matches!(s.style, Style::Points | Style::LinePoints) {
            for (x, y, _) in s.triples() {
                if usable(x, p.log_x) && usable(y, p.log_y) {
                    o.push_str(&marker(i, px(x), py(y)));
                    o.push('\n');
                }
            }
        }
        o.push_str("</g>\n");
    }

    if !has_data {
        let _ = writeln!(
            o,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#888">no data</text>"##,
            left + pw / 2.0,
            top + ph / 2.0
        );
    }

    // Frame.
    let _ = writeln!(
        o,
        r##"<rect x="{left:.1}" y="{top:.1}" width="{pw:.1}" height="{ph:.1}" fill="none" stroke="#333" stroke-width="1"/>"##
    );

    // Titles.
    if !p.title.is_empty() {
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="23" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
            w / 2.0,
            escape_xml(&p.title)
        );
    }
    if !p.xlabel.is_empty() {
        let _ = writeln!(
            o,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            left + pw / 2.0,
            h - 10.0,
            escape_xml(&p.xlabel)
        );
    }
    if !p.ylabel.is_empty() {
        let _ = writeln!(
            o,
            r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            top + ph / 2.0,
            escape_xml(&p.ylabel)
        );
    }

    legend(&mut o, p, (left, top, pw, ph), &px, &py);
    o.push_str("</svg>\n");
    o
}

/// SVG for the marker of series `i` (shape cycles: circle, square, triangle, diamond).
fn marker(i: usize, x: f64, y: f64) -> String {
    let r = 3.4;
    match i % 4 {
        0 => format!(r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" stroke="none"/>"#),
        1 => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" stroke="none"/>"#,
            x - r * 0.9,
            y - r * 0.9,
            r * 1.8,
            r * 1.8
        ),
        2 => format!(
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" stroke="none"/>"#,
            y - r * 1.15,
            x + r,
            y + r * 0.75,
            x - r,
            y + r * 0.75
        ),
        _ => format!(
            r#"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" stroke="none"/>"#,
            y - r * 1.2,
            x + r * 1.2,
            y + r * 1.2,
            x - r * 1.2
        ),
    }
}

/// Draws the legend in the plot-area corner that hides no note and the fewest data points.
fn legend(
    o: &mut String,
    p: &Plot,
    (left, top, pw, ph): (f64, f64, f64, f64),
    px: &dyn Fn(f64) -> f64,
    py: &dyn Fn(f64) -> f64,
) {
    let entries: Vec<(usize, &Series)> = p
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.label.is_empty())
        .collect();
    if entries.is_empty() {
        return;
    }
    let row = 17.0;
    let text_w = entries
        .iter()
        .map(|(_, s)| text_width(&s.label, 12.0))
        .fold(0.0, f64::max);
    let bw = 8.0 + 26.0 + 6.0 + text_w + 8.0;
    let bh = 6.0 + row * entries.len() as f64;
    let pad = 6.0;
    let corners = [
        (left + pw - bw - pad, top + pad),
        (left + pad, top + pad),
        (left + pw - bw - pad, top + ph - bh - pad),
        (left + pad, top + ph - bh - pad),
    ];
    let hidden = |(bx, by): (f64, f64)| {
        p.series
            .iter()
            .flat_map(|s| s.triples())
            .filter(|&(x, y, _)| usable(x, p.log_x) && usable(y, p.log_y))
            .filter(|&(x, y, _)| {
                let (x, y) = (px(x), py(y));
                x >= bx && x <= bx + bw && y >= by && y <= by + bh
            })
            .count()
            + p.notes
                .iter()
                .filter(|(x, y, text)| {
                    // A covered note costs more than any number of covered points.
                    let (x, y, half) = (px(*x), py(*y), text_width(text, 12.0) / 2.0);
                    x + half >= bx && x - half <= bx + bw && y >= by && y - 12.0 <= by + bh
                })
                .count()
                * 1_000_000
    };
    let mut best = corners[0];
    let mut best_n = usize::MAX;
    for c in corners {
        let n = hidden(c);
        if n < best_n {
            best_n = n;
            best = c;
        }
    }
    let (bx, by) = best;
    let _ = writeln!(
        o,
        r##"<g><rect x="{bx:.1}" y="{by:.1}" width="{bw:.1}" height="{bh:.1}" fill="white" fill-opacity="0.85" stroke="#bbb" stroke-width="1"/>"##
    );
    for (k, (i, s)) in entries.iter().enumerate() {
        let color = s.color(*i);
        let cy = by + 3.0 + row * (k as f64 + 0.5);
        let (x0, x1) = (bx + 8.0, bx + 34.0);
        let _ = write!(o, r#"<g stroke="{color}" fill="{color}">"#);
        if matches!(s.style, Style::Line | Style::LinePoints | Style::Dashed) {
            let dash = if s.style == Style::Dashed {
                r#" stroke-dasharray="7 4""#
            } else {
                ""
            };
            let _ = write!(
                o,
                r#"<line x1="{x0:.1}" y1="{cy:.1}" x2="{x1:.1}" y2="{cy:.1}" stroke-width="1.8"{dash}/>"#
            );
        }
        if matches!(s.style, Style::Points | Style::LinePoints) || s.yerr.is_some() {
            o.push_str(&marker(*i, (x0 + x1) / 2.0, cy));
        }
        let _ = writeln!(
            o,
            r##"</g><text x="{:.1}" y="{:.1}" fill="#222">{}</text>"##,
            x1 + 6.0,
            cy + 4.0,
            escape_xml(&s.label)
        );
    }
    o.push_str("</g>\n");
}

/// Test helper: checks that `doc` is well-formed XML-ish markup (balanced tags, quoted
/// attributes, valid entities); returns the number of elements. Skips `<!...>` and `<?...?>`.
#[cfg(test)]
pub(crate) fn check_well_formed(doc: &str) -> Result<usize, String> {
    fn check_entities(text: &str) -> Result<(), String> {
        let mut rest = text;
        while let Some(i) = rest.find('&') {
            let tail = &rest[i + 1..];
            let end = tail
                .find(';')
                .ok_or_else(|| format!("bare & in {text:?}"))?;
            let name = &tail[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name.strip_prefix('#').is_some_and(|n| {
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
                        || n.strip_prefix('x').is_some_and(|h| {
                            !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit())
                        })
                });
            if !ok {
                return Err(format!("bad entity &{name}; in {text:?}"));
            }
            rest = &tail[end + 1..];
        }
        Ok(())
    }
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.');
    let mut stack: Vec<&str> = Vec::new();
    let mut count = 0;
    let mut roots = 0;
    let mut rest = doc;
    while let Some(i) = rest.find('<') {
        check_entities(&rest[..i])?;
        if stack.is_empty() && !rest[..i].trim().is_empty() {
            return Err(format!("text outside the root: {:?}", &rest[..i]));
        }
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            let end = rest.find('>').ok_or("unterminated declaration")?;
            rest = &rest[end + 1..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').ok_or("unterminated end tag")?;
            let name = r[..end].trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            rest = &r[end + 1..];
            continue;
        }
        // Start tag: name, then name="value" attributes, then > or />.
        let r = &rest[1..];
        let name_len = r.find(|c: char| !is_name(c)).unwrap_or(r.len());
        if name_len == 0 {
            return Err(format!("bad tag start {:?}", &rest[..rest.len().min(20)]));
        }
        let name = &r[..name_len];
        let mut r = &r[name_len..];
        let mut attrs: Vec<&str> = Vec::new();
        let self_closing = loop {
            let trimmed = r.trim_start();
            if trimmed.len() == r.len() && !trimmed.starts_with(['>', '/']) {
                return Err(format!("missing space before attribute in <{name}"));
            }
            r = trimmed;
            if let Some(t) = r.strip_prefix("/>") {
                r = t;
                break true;
            }
            if let Some(t) = r.strip_prefix('>') {
                r = t;
                break false;
            }
            let an = r.find(|c: char| !is_name(c)).unwrap_or(r.len());
            if an == 0 {
                return Err(format!(
                    "bad attribute in <{name}: {:?}",
                    &r[..r.len().min(20)]
                ));
            }
            if attrs.contains(&&r[..an]) {
                return Err(format!("duplicate attribute {} in <{name}", &r[..an]));
            }
            attrs.push(&r[..an]);
            r = r[an..]
                .strip_prefix('=')
                .ok_or_else(|| format!("attribute without value in <{name}"))?;
            let q = r.chars().next().filter(|c| *c == '"' || *c == '\'');
            let q = q.ok_or_else(|| format!("unquoted attribute in <{name}"))?;
            let end = r[1..].find(q).ok_or("unterminated attribute")?;
            let value = &r[1..1 + end];
            if value.contains('<') {
                return Err(format!("< in attribute of <{name}"));
            }
            check_entities(value)?;
            r = &r[end + 2..];
        };
        count += 1;
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name);
        }
        rest = r;
    }
    check_entities(rest)?;
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if !rest.trim().is_empty() {
        return Err("text after the root element".into());
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_plot() -> Plot {
        let t: Vec<f64> = (0..20).map(|i| 0.5 + 0.1 * i as f64).collect();
        let m: Vec<f64> = t.iter().map(|t| (1.0 - t / 2.0).max(0.0).sqrt()).collect();
        Plot::new("Magnetisation <m> & more", "T", "|m|")
            .with(Series::line("exact", t.clone(), m.clone()))
            .with(Series::points("MC L=16", t.clone(), m.clone()).with_yerr(vec![0.02; 20]))
            .with(Series::new("dashed", t.clone(), m.clone(), Style::Dashed))
            .with(Series::new("lp", t, m, Style::LinePoints))
            .vline(2.0, "T_c = 2")
    }

    #[test]
    fn svg_is_well_formed() {
        let svg = sample_plot().to_svg(640, 420);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        let n = check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(n > 50);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(!svg.contains(" id="), "ids would clash when inlined");
        for c in &PALETTE[..4] {
            assert!(svg.contains(c), "missing colour {c}");
        }
        assert!(svg.contains("stroke-dasharray=\"7 4\""));
        assert!(svg.contains("T_c = 2"));
        assert!(svg.contains("MC L=16"));
        // Error bars: one whisker path per point of the second series.
        assert_eq!(svg.matches("h6M").count(), 20);
    }

    #[test]
    fn checker_rejects_broken_markup() {
        assert!(check_well_formed("<a><b></a></b>").is_err());
        assert!(check_well_formed("<a x=1/>").is_err());
        assert!(check_well_formed("<a>&</a>").is_err());
        assert!(check_well_formed("<a><b/>").is_err());
        assert!(check_well_formed("<a/><b/>").is_err());
        assert!(check_well_formed("<a x=\"1\"x=\"2\"/>").is_err());
        assert_eq!(check_well_formed("<a x=\"&amp;\"><b/>t&#39;</a>"), Ok(2));
    }

    #[test]
    fn escapes_text() {
        assert_eq!(
            escape_xml("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
        let p = Plot::new("<script>&", "x<", "y>").with(Series::line(
            "\"q\" & 'r'",
            vec![0.0, 1.0],
            vec![0.0, 1.0],
        ));
        let svg = p.to_svg(400, 300);
        check_well_formed(&svg).unwrap();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;&amp;"));
        assert!(svg.contains("&quot;q&quot; &amp; &#39;r&#39;"));
    }

    #[test]
    fn nan_and_inf_points_are_skipped() {
        let x = vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0];
        let y = vec![1.0, f64::NAN, 2.0, f64::INFINITY, 3.0, 4.0];
        let p = Plot::default()
            .with(Series::new("l", x.clone(), y.clone(), Style::LinePoints))
            .with(Series::points("p", x, y).with_yerr(vec![0.1, 0.1, f64::NAN, 0.1, 0.1, 0.1]));
        let svg = p.to_svg(500, 300);
        check_well_formed(&svg).unwrap();
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // Line broken into [0], [2], [4, 5]: one polyline with two points.
        assert_eq!(svg.matches("<polyline").count(), 1);
        // 4 finite markers per series, plus the two legend markers.
        assert_eq!(svg.matches("<circle").count(), 4 + 1);
        assert_eq!(svg.matches("<rect x=").count(), 4 + 1 + 2); // + frame + legend box
                                                                // Error bars: finite points with finite errors, i.e. x = 0, 4, 5.
        assert_eq!(svg.matches("h6M").count(), 3);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let cases = vec![
            Plot::default(),
            Plot::default().with(Series::line("empty", vec![], vec![])),
            Plot::default().with(Series::points("one", vec![3.0], vec![7.0])),
            Plot::default().with(Series::line("one-line", vec![3.0], vec![0.0])),
            Plot::default().with(Series::line("flat", vec![1.0, 2.0], vec![5.0, 5.0])),
            Plot::default().with(Series::line("nan", vec![f64::NAN], vec![f64::NAN])),
            Plot::default().with(Series::line("short", vec![1.0, 2.0, 3.0], vec![1.0])),
            Plot::default().with(Series::line(
                "tiny",
                vec![0.0, 1e-300],
                vec![1.0, 1.0 + 1e-15],
            )),
            Plot::default().with(Series::line("huge", vec![-1e308, 1e308], vec![1.0, 2.0])),
            Plot::default().with(Series::points("errs", vec![1.0], vec![1.0]).with_yerr(vec![])),
            Plot {
                log_x: true,
                log_y: true,
                ..Plot::default()
            }
            .with(Series::line(
                "neg",
                vec![-1.0, 0.0, 10.0],
                vec![1.0, -2.0, 0.5],
            ))
            .vline(-3.0, "skipped"),
            Plot {
                log_y: true,
                ..Plot::default()
            }
            .with(
                Series::points("err below 0", vec![1.0, 2.0], vec![1.0, 0.5])
                    .with_yerr(vec![2.0, 0.1]),
            ),
        ];
        for p in cases {
            for (w, h) in [(640, 420), (0, 0), (50, 10_000)] {
                let svg = p.to_svg(w, h);
                check_well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
                assert!(!svg.contains("NaN"), "{svg}");
            }
        }
        assert!(Plot::default().to_svg(300, 200).contains("no data"));
    }

    #[test]
    fn ticks_for_various_ranges() {
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        let t = nice_ticks(0.0, 10.0, 5);
        assert_eq!(t, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let t = nice_ticks(-3.2, 7.9, 5);
        assert_eq!(t.first(), Some(&-4.0));
        assert_eq!(t.last(), Some(&8.0));
        assert_eq!(nice_step(11.1, 5), 2.0);
        assert_eq!(nice_step(0.003, 5), 0.0005);
        assert_eq!(nice_step(1.0, 10), 0.1);
        assert_eq!(nice_step(70.0, 5), 10.0);
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(250.0, 5), 50.0);
        // Ticks enclose the data and are evenly spaced with a 1-2-5 step.
        for (lo, hi) in [
            (0.013, 0.0171),
            (1e5, 3.3e6),
            (-1e-7, 2e-7),
            (2.0, 2.5),
            (-50.0, -49.0),
        ] {
            let t = nice_ticks(lo, hi, 5);
            assert!(t[0] <= lo && *t.last().unwrap() >= hi, "{lo} {hi} {t:?}");
            assert!((3..=10).contains(&t.len()), "{lo} {hi} {t:?}");
            let step = t[1] - t[0];
            let mant = step / 10f64.powf(step.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mant - m).abs() < 1e-6),
                "{step}"
            );
        }
    }

    #[test]
    fn tick_labels_are_compact() {
        let a = Axis::new(&[0.0, 1.0], false, 5);
        assert_eq!(a.labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let a = Axis::new(&[-0.3, 0.3], false, 6);
        assert!(a.labels.contains(&"0.0".to_string()) || a.labels.contains(&"0".to_string()));
        assert!(!a.labels.iter().any(|l| l.starts_with("-0.0") || l == "-0"));
        let a = Axis::new(&[0.0, 3.0e6], false, 3);
        assert_eq!(a.labels, ["0", "1e6", "2e6", "3e6"]);
        let a = Axis::new(&[1.0e-5, 3.0e-5], false, 4);
        assert_eq!(a.labels, ["1e-5", "1.5e-5", "2e-5", "2.5e-5", "3e-5"]);
        let a = Axis::new(&[120.0, 480.0], false, 4);
        assert_eq!(a.labels, ["100", "200", "300", "400", "500"]);
        let a = Axis::new(&[5.0], false, 4);
        assert!(a.lo < 5.0 && a.hi > 5.0);
        let a = Axis::new(&[0.02, 700.0], true, 6);
        assert_eq!(a.labels, ["0.01", "0.1", "1", "10", "100", "1000"]);
        let a = Axis::new(&[2.0, 30.0], true, 6);
        assert_eq!(a.labels, ["1", "2", "5", "10", "20", "50", "100"]);
        let a = Axis::new(&[1e-12, 1.0], true, 4);
        assert_eq!(a.labels, ["1e-12", "1e-9", "1e-6", "0.001", "1"]);
        let a = Axis::new(&[1.0, 1e6], true, 4);
        assert_eq!(a.labels, ["1", "100", "1e4", "1e6"]);
        let a = Axis::new(&[2e4, 3e5], true, 6);
        assert_eq!(a.labels, ["1e4", "2e4", "5e4", "1e5", "2e5", "5e5", "1e6"]);
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(fmt_compact(0.0), "0");
        assert_eq!(fmt_compact(-0.0), "0");
        assert_eq!(fmt_compact(0.5), "0.5");
        assert_eq!(fmt_compact(2.0 / 3.0), "0.6667");
        assert_eq!(fmt_compact(2.269185314), "2.269");
        assert_eq!(fmt_compact(-1234.0), "-1234");
        assert_eq!(fmt_compact(12345.6), "12346");
        assert_eq!(fmt_compact(1.5e-5), "1.5e-5");
        assert_eq!(fmt_compact(2e6), "2e6");
        assert_eq!(fmt_compact(f64::NAN), "NaN");
        assert_eq!(fmt_compact(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn write_svg_file() {
        let dir = crate::runfolder::scratch_path("svg");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.svg");
        write_svg(&path, &sample_plot()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        check_well_formed(&text).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn explicit_colour_slots() {
        let p = Plot::new("t", "x", "y")
            .with(Series::line("a", vec![0.0, 1.0], vec![0.0, 1.0]).with_color(2))
            .with(Series::points("b", vec![0.0, 1.0], vec![1.0, 0.0]).with_color(2));
        let svg = p.to_svg(400, 300);
        assert!(svg.matches(&format!("stroke=\"{}\"", PALETTE[2])).count() >= 2);
        assert!(!svg.contains(&format!("stroke=\"{}\"", PALETTE[1])));
    }
}
