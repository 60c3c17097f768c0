//! Self-contained HTML report (as written by `glassbox tour` to `tour/index.html`).
//!
//! One file, no external resources and no JavaScript: embedded CSS, inline SVG plots,
//! tables with coloured PASS/FAIL cells and a summary of all checks at the top.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::plot::{escape_xml, Plot, DEFAULT_HEIGHT, DEFAULT_WIDTH};
use crate::runfolder::write_atomic;

/// One piece of content inside a section.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Plain text (escaped; not interpreted as HTML).
    Paragraph(String),
    /// An inline SVG document, e.g. from [`Plot::to_svg`] (inserted verbatim: trusted input).
    Svg(String),
    /// A table; with `status`, each row gets a PASS/FAIL cell and counts as a check.
    Table {
        /// Column headings.
        header: Vec<String>,
        /// Cells, row by row (plain text, escaped).
        rows: Vec<Vec<String>>,
        /// Pass/fail per row (rows beyond its length get no verdict).
        status: Option<Vec<bool>>,
    },
    /// A command that reproduces a result, shown as a code block.
    Code(String),
}

/// A titled section: its paragraphs come first, then its blocks in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// Section heading.
    pub title: String,
    /// Introductory plain-text paragraphs.
    pub paragraphs: Vec<String>,
    /// Content blocks.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section with a heading.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Appends a plain-text paragraph block.
    pub fn paragraph(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Appends an inline SVG block.
    pub fn svg(&mut self, svg: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Svg(svg.into()));
        self
    }

    /// Appends a plot rendered at the default size.
    pub fn plot(&mut self, plot: &Plot) -> &mut Self {
        self.svg(plot.to_svg(DEFAULT_WIDTH, DEFAULT_HEIGHT))
    }

    /// Appends a table without checks.
    pub fn table(&mut self, header: &[&str], rows: Vec<Vec<String>>) -> &mut Self {
        self.blocks.push(Block::Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows,
            status: None,
        });
        self
    }

    /// Appends a table of checks: `status[i]` is the verdict of row `i`.
    pub fn checks(
        &mut self,
        header: &[&str],
        rows: Vec<Vec<String>>,
        status: Vec<bool>,
    ) -> &mut Self {
        self.blocks.push(Block::Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows,
            status: Some(status),
        });
        self
    }

    /// Appends a code block (e.g. the command that reproduces a result).
    pub fn code(&mut self, code: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Code(code.into()));
        self
    }

    /// Checks in this section: `(row label, passed)` for every row with a verdict.
    fn verdicts(&self) -> impl Iterator<Item = (&str, bool)> {
        self.blocks.iter().flat_map(|b| {
            let pairs: Vec<(&str, bool)> = match b {
                Block::Table {
                    rows,
                    status: Some(st),
                    ..
                } => rows
                    .iter()
                    .zip(st)
                    .map(|(r, &ok)| (r.first().map_or("", String::as_str), ok))
                    .collect(),
                _ => Vec::new(),
            };
            pairs
        })
    }

    /// `(passed, failed)` checks in this section.
    pub fn check_counts(&self) -> (usize, usize) {
        let (mut pass, mut fail) = (0, 0);
        for (_, ok) in self.verdicts() {
            if ok {
                pass += 1;
            } else {
                fail += 1;
            }
        }
        (pass, fail)
    }
}

/// A whole report: title and sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Page title and top heading.
    pub title: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

const CSS: &str = "
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1f2328;
  font: 16px/1.5 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.9em; margin: 0.3em 0 0.6em; }
h2 { font-size: 1.35em; margin: 0 0 0.5em; padding-bottom: 0.2em; border-bottom: 1px solid #d8dee4; }
section { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 18px 22px;
  margin: 20px 0; }
p { margin: 0.6em 0; }
.summary { padding: 12px 16px; border-radius: 8px; font-weight: 600; margin-bottom: 12px; }
.summary.pass { background: #dafbe1; color: #116329; border: 1px solid #4ac26b; }
.summary.fail { background: #ffebe9; color: #a40e26; border: 1px solid #ff8182; }
.summary.none { background: #eef1f4; color: #57606a; border: 1px solid #d0d7de; }
.summary ul { margin: 0.4em 0 0; font-weight: normal; }
nav ol { margin: 0.4em 0; padding-left: 1.6em; }
nav li { margin: 0.15em 0; }
a { color: #0969da; text-decoration: none; }
a:hover { text-decoration: underline; }
.badge { display: inline-block; font-size: 0.8em; font-weight: 600; padding: 0 7px;
  border-radius: 10px; margin-left: 6px; }
.badge.pass { background: #dafbe1; color: #116329; }
.badge.fail { background: #ffebe9; color: #a40e26; }
figure { margin: 14px 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; margin: 12px 0; }
table { border-collapse: collapse; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; }
th { background: #f0f3f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.status { font-weight: 700; text-align: center; }
td.status.pass { background: #dafbe1; color: #116329; }
td.status.fail { background: #ffebe9; color: #a40e26; }
tr.failed td { background: #fff5f4; }
pre.code { background: #1f2328; color: #e6edf3; padding: 10px 14px; border-radius: 6px;
  overflow-x: auto; font: 13.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
footer { color: #6e7781; font-size: 0.85em; margin-top: 28px; text-align: center; }
";

impl Report {
    /// An empty report with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            sections: Vec::new(),
        }
    }

    /// Appends a section and returns it for filling in.
    pub fn section(&mut self, title: impl Into<String>) -> &mut Section {
        self.sections.push(Section::new(title));
        self.sections.last_mut().expect("just pushed")
    }

    /// `(passed, failed)` checks across all tables of all sections.
    pub fn check_counts(&self) -> (usize, usize) {
        self.sections.iter().fold((0, 0), |(p, f), s| {
            let (sp, sf) = s.check_counts();
            (p + sp, f + sf)
        })
    }

    /// Renders the whole report as one self-contained HTML5 document.
    pub fn to_html(&self) -> String {
        let mut o = String::new();
        let title = escape_xml(&self.title);
        let _ = write!(
            o,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
             <title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
        );

        // Summary of all checks, with the failures listed.
        let (pass, fail) = self.check_counts();
        let total = pass + fail;
        let (class, text) = match (total, fail) {
            (0, _) => ("none", "No checks in this report.".to_string()),
            (_, 0) => (
                "pass",
                format!(
                    "All {total} check{} passed.",
                    if total == 1 { "" } else { "s" }
                ),
            ),
            _ => (
                "fail",
                format!("{fail} of {total} checks failed ({pass} passed)."),
            ),
        };
        let _ = write!(o, "<div class=\"summary {class}\">{text}");
        if fail > 0 {
            o.push_str("<ul>\n");
            for (i, s) in self.sections.iter().enumerate() {
                for (label, ok) in s.verdicts() {
                    if !ok {
                        let _ = writeln!(
                            o,
                            "<li><a href=\"#s{}\">{}</a>: {}</li>",
                            i + 1,
                            escape_xml(&s.title),
                            escape_xml(label)
                        );
                    }
                }
            }
            o.push_str("</ul>");
        }
        o.push_str("</div>\n");

        // Table of contents with per-section verdicts.
        if !self.sections.is_empty() {
            o.push_str("<nav><ol>\n");
            for (i, s) in self.sections.iter().enumerate() {
                let _ = write!(
                    o,
                    "<li><a href=\"#s{}\">{}</a>",
                    i + 1,
                    escape_xml(&s.title)
                );
                let (p, f) = s.check_counts();
                if p + f > 0 {
                    let class = if f == 0 { "pass" } else { "fail" };
                    let _ = write!(o, " <span class=\"badge {class}\">{p}/{}</span>", p + f);
                }
                o.push_str("</li>\n");
            }
            o.push_str("</ol></nav>\n");
        }

        for (i, s) in self.sections.iter().enumerate() {
            let _ = writeln!(
                o,
                "<section id=\"s{n}\">\n<h2>{n}. {}</h2>",
                escape_xml(&s.title),
                n = i + 1
            );
            for p in &s.paragraphs {
                let _ = writeln!(o, "<p>{}</p>", escape_xml(p));
            }
            for b in &s.blocks {
                render_block(&mut o, b);
            }
            o.push_str("</section>\n");
        }

        let _ = writeln!(
            o,
            "<footer>Generated by glassbox {}</footer>\n</main>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION")
        );
        o
    }

    /// Atomically writes the HTML to `path` (its folder must exist).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_html().as_bytes())
    }
}

/// Whether a cell looks numeric (right-aligned in tables).
fn is_numeric(cell: &str) -> bool {
    let t = cell.trim();
    let t = t.split_once(" ± ").map_or(t, |(a, _)| a);
    !t.is_empty() && t.parse::<f64>().is_ok()
}

fn render_block(o: &mut String, b: &Block) {
    match b {
        Block::Paragraph(t) => {
            let _ = writeln!(o, "<p>{}</p>", escape_xml(t));
        }
        Block::Svg(svg) => {
            let mut svg = svg.trim();
            // An XML declaration is not allowed inline in HTML.
            if svg.starts_with("<?xml") {
                svg = svg.find("?>").map_or(svg, |i| svg[i + 2..].trim_start());
            }
            let _ = writeln!(o, "<figure>\n{svg}\n</figure>");
        }
        Block::Code(c) => {
            let _ = writeln!(
                o,
                "<pre class=\"code\"><code>{}</code></pre>",
                escape_xml(c)
            );
        }
        Block::Table {
            header,
            rows,
            status,
        } => {
            o.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
            for h in header {
                let _ = write!(o, "<th>{}</th>", escape_xml(h));
            }
            if status.is_some() {
                o.push_str("<th>Check</th>");
            }
            o.push_str("</tr></thead>\n<tbody>\n");
            for (i, row) in rows.iter().enumerate() {
                let verdict = status.as_ref().and_then(|s| s.get(i)).copied();
                o.push_str(if verdict == Some(false) {
                    "<tr class=\"failed\">"
                } else {
                    "<tr>"
                });
                for cell in row {
                    let class = if is_numeric(cell) {
                        " class=\"num\""
                    } else {
                        ""
                    };
                    let _ = write!(o, "<td{class}>{}</td>", escape_xml(cell));
                }
                // Pad short rows so the status column lines up.
                for _ in row.len()..header.len() {
                    o.push_str("<td></td>");
                }
                match (status.is_some(), verdict) {
                    (_, Some(true)) => o.push_str("<td class=\"status pass\">PASS</td>"),
                    (_, Some(false)) => o.push_str("<td class=\"status fail\">FAIL</td>"),
                    (true, None) => o.push_str("<td class=\"status\">\u{2014}</td>"),
                    (false, None) => {}
                }
                o.push_str("</tr>\n");
            }
            o.push_str("</tbody>\n</table></div>\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{check_well_formed, Series};

    fn sample() -> Report {
        let mut r = Report::new("Glassbox tour <validation>");
        let s = r.section("Ising 2D & Onsager");
        s.paragraphs
            .push("Compare with the exact solution; T_c < 2.3.".into());
        s.plot(&Plot::new("Energy", "T", "e").with(Series::line(
            "exact",
            vec![1.0, 2.0],
            vec![-2.0, -1.5],
        )))
        .checks(
            &["quantity", "measured", "exact"],
            vec![
                vec!["energy".into(), "-1.745 ± 0.003".into(), "-1.7454".into()],
                vec!["m <script>".into(), "0.1".into(), "0.0".into()],
            ],
            vec![true, false],
        )
        .code("glassbox sample --model ising2d --L 32 --T 2.0 --seed 1");
        let s = r.section("SK model");
        s.paragraph("Replica-symmetric check.")
            .table(&["T", "q"], vec![vec!["0.5".into(), "0.42".into()]])
            .checks(&["a"], vec![vec!["ok".into()]], vec![true]);
        r
    }

    #[test]
    fn html_is_well_formed_and_escaped() {
        let html = sample().to_html();
        assert!(html.starts_with("<!DOCTYPE html>"));
        check_well_formed(&html).unwrap_or_else(|e| panic!("{e}\n{html}"));
        assert!(!html.contains("<script"));
        assert!(html.contains("m &lt;script&gt;"));
        assert!(html.contains("Ising 2D &amp; Onsager"));
        assert!(html.contains("T_c &lt; 2.3"));
        assert!(html.contains("<svg xmlns="));
        assert!(html.contains("--seed 1</code></pre>"));
        assert!(
            !html.contains("http://") || !html.contains("src="),
            "no external resources"
        );
        assert!(!html.contains("<link") && !html.contains("<script"));
    }

    #[test]
    fn summary_counts_checks() {
        let r = sample();
        assert_eq!(r.check_counts(), (2, 1));
        assert_eq!(r.sections[0].check_counts(), (1, 1));
        assert_ne!(r.check_counts().1, 0);
        let html = r.to_html();
        assert!(html.contains("1 of 3 checks failed (2 passed)."));
        assert!(html.contains("<a href=\"#s1\">Ising 2D &amp; Onsager</a>: m &lt;script&gt;"));
        assert_eq!(html.matches("class=\"status pass\">PASS").count(), 2);
        assert_eq!(html.matches("class=\"status fail\">FAIL").count(), 1);
        assert!(html.contains("<span class=\"badge fail\">1/2</span>"));
        assert!(html.contains("<span class=\"badge pass\">1/1</span>"));
        assert!(html.contains("<td class=\"num\">-1.745 ± 0.003</td>"));

        let mut ok = Report::new("ok");
        ok.section("one")
            .checks(&["x"], vec![vec!["a".into()]], vec![true]);
        assert!(ok.to_html().contains("All 1 check passed."));
        let empty = Report::new("empty");
        let html = empty.to_html();
        assert!(html.contains("No checks"));
        check_well_formed(&html).unwrap();
    }

    #[test]
    fn ragged_tables_and_svg_prolog() {
        let mut r = Report::new("t");
        r.section("s")
            .checks(
                &["a", "b"],
                vec![vec!["1".into()], vec!["2".into(), "3".into()]],
                vec![true],
            )
            .svg("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>");
        assert_eq!(r.check_counts(), (1, 0));
        let html = r.to_html();
        check_well_formed(&html).unwrap();
        assert!(!html.contains("<?xml"));
        assert!(html.contains("<td class=\"status\">\u{2014}</td>"));
    }

    #[test]
    fn writes_file() {
        let dir = crate::runfolder::scratch_path("report");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("index.html");
        sample().write(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), sample().to_html());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
