//! The result of a computed topic (`glassbox theory …`, `glassbox learn …`): summary lines, a
//! table, its JSON and plots, written to a run folder and echoed to the terminal.

use std::path::Path;

use anyhow::Result;

use crate::plot::Plot;
use crate::runfolder::{Manifest, RunFolder, RunStatus, RunningManifest};

/// A computed topic: a table, its JSON, and plots.
pub struct Output {
    /// One-line summary lines printed to the terminal.
    pub summary: Vec<String>,
    /// CSV header.
    pub header: Vec<&'static str>,
    /// CSV rows.
    pub rows: Vec<Vec<String>>,
    /// Everything as JSON.
    pub json: serde_json::Value,
    /// Named plots.
    pub plots: Vec<(&'static str, Plot)>,
    /// Arrays written to `arrays/<name>.npy`: name, shape, data (C order).
    pub arrays: Vec<(&'static str, Vec<usize>, Vec<u64>)>,
}

impl Output {
    /// Writes `results.csv`, `results.json`, the plots, the arrays and the manifest of
    /// `command` (with its `config` and `seed`) into the run folder `dir`, then prints the
    /// summary and the table.
    pub fn emit(
        &self,
        dir: &Path,
        overwrite: bool,
        command: &str,
        config: serde_json::Value,
        seed: u64,
    ) -> Result<()> {
        let folder = RunFolder::create(dir, overwrite)?;
        let manifest = folder.begin(Manifest::new(
            command,
            config,
            seed,
            rayon::current_num_threads(),
        ))?;
        self.emit_into(&folder, manifest, dir)
    }

    /// Like [`Output::emit`], into a folder whose run (`manifest`) has already begun.
    pub fn emit_into(
        &self,
        folder: &RunFolder,
        manifest: RunningManifest,
        dir: &Path,
    ) -> Result<()> {
        self.write_into(folder)?;
        manifest.finish(RunStatus::Completed)?;
        self.print(dir);
        Ok(())
    }

    /// Writes `results.csv`, `results.json`, the plots and the arrays into `folder`.
    pub fn write_into(&self, folder: &RunFolder) -> Result<()> {
        folder.write_csv("results.csv", &self.header, &self.rows)?;
        folder.write_json("results.json", &self.json)?;
        for (file, plot) in &self.plots {
            folder.write_plot(file, plot)?;
        }
        for (name, shape, data) in &self.arrays {
            folder.write_array(name, shape, data)?;
        }
        Ok(())
    }

    /// Prints the summary and the table, and where they were written.
    pub fn print(&self, dir: &Path) {
        for line in &self.summary {
            println!("{line}");
        }
        println!("{}", self.header.join("\t"));
        for row in &self.rows {
            println!("{}", row.join("\t"));
        }
        println!("wrote {}", dir.display());
    }
}

/// `n` evenly spaced values from `a` to `b`.
pub fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| a + (b - a) * k as f64 / (n.max(2) - 1) as f64)
        .collect()
}

/// Numbers as table cells.
pub fn cells(values: &[f64]) -> Vec<String> {
    values.iter().map(|x| x.to_string()).collect()
}
