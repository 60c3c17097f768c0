//! `glassbox hopfield store`: store binarized MNIST digits and recall them from corrupted
//! (flipped pixels) and occluded (lower rows blanked) versions, in the classical Hebbian
//! network and in the modern ones (dense F(x) = xⁿ or eˣ, continuous softmax); PNG grids with rows
//! original / start / Hebb / dense / continuous.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use glassbox::memory::dynamics::corrupt;
use glassbox::memory::images::{binarize, occlude, one_per_class, recall_in, Memory};
use glassbox::memory::modern::Interaction;
use glassbox::rng::{purpose, Streams};

use crate::image::write_grid;
use crate::table::Output;

/// Settings of the store experiment.
#[derive(Clone, Debug)]
pub struct StoreArgs {
    /// MNIST folder (None: the default location).
    pub mnist: Option<PathBuf>,
    /// Digits stored (one per class in turn).
    pub digits: usize,
    /// Binarization threshold on pixels in [0, 1].
    pub threshold: f64,
    /// Fraction of pixels flipped in the corrupted start.
    pub flip: f64,
    /// First blanked row of the occluded start.
    pub occlude_from: usize,
    /// Interaction of the dense associative memory.
    pub interaction: Interaction,
    /// β of the continuous modern network.
    pub beta: f64,
    /// Seed.
    pub seed: u64,
}

/// A PNG grid: tiles (row-major, `per_row` per row) of `rows × cols` pixels in [−1, 1].
pub struct Grid {
    /// File name under `plots/`.
    pub name: String,
    /// The tiles.
    pub tiles: Vec<Vec<f64>>,
    /// Tile height.
    pub rows: usize,
    /// Tile width.
    pub cols: usize,
    /// Tiles per grid row.
    pub per_row: usize,
}

/// Writes the grids as `<name>` in the folder `dir`.
pub fn write_grids(dir: &Path, grids: &[Grid]) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    for g in grids {
        write_grid(
            &dir.join(&g.name),
            &g.tiles,
            g.rows,
            g.cols,
            g.per_row,
            Some((-1.0, 1.0)),
            2,
        )?;
    }
    Ok(())
}

/// The memories compared, in grid-row order.
pub fn memories(interaction: Interaction, beta: f64) -> [(&'static str, Memory); 3] {
    [
        ("Hebb", Memory::Hebb),
        ("dense", Memory::Dense { interaction }),
        ("continuous", Memory::Continuous { beta }),
    ]
}

/// Runs the experiment: the table, and one grid per kind of damage.
pub fn store_experiment(a: &StoreArgs) -> Result<(Output, Vec<Grid>)> {
    if !(0.0..=1.0).contains(&a.flip) {
        bail!("--flip must lie in [0, 1], got {}", a.flip);
    }
    if a.digits == 0 {
        bail!("--digits must be at least 1");
    }
    let dir = a
        .mnist
        .clone()
        .or_else(glassbox::data::mnist_dir)
        .context("MNIST not found: pass --mnist DIR or set GLASSBOX_MNIST")?;
    let images = glassbox::data::mnist(&dir, "t10k")?;
    let chosen = one_per_class(&images, a.digits)?;
    let patterns = binarize(&images, &chosen, a.threshold)?;
    let (rows, cols, n) = (images.rows, images.cols, patterns.n());
    let corr = patterns.correlation();
    let k = a.digits;
    let mean_corr = if k > 1 {
        (0..k)
            .flat_map(|i| (0..k).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| corr[i * k + j])
            .sum::<f64>()
            / (k * (k - 1)) as f64
    } else {
        f64::NAN
    };
    let streams = Streams::new(a.seed);
    let mems = memories(a.interaction, a.beta);
    let mut summary = vec![format!(
        "{k} MNIST digits (t10k images {:?}) binarized at {}: N = {n}, mean pattern overlap between digits {mean_corr:.3}",
        chosen, a.threshold
    )];
    let mut table = vec![];
    let mut grids = vec![];
    let mut json = serde_json::Map::new();
    for (kind, damage) in [("corrupted", 0u64), ("occluded", 1)] {
        let starts: Vec<Vec<i8>> = (0..k)
            .map(|mu| {
                if damage == 0 {
                    let mut rng = streams.stream(&[purpose::INITIAL_STATE, mu as u64]);
                    let flips = (a.flip * n as f64).round() as usize;
                    Ok(corrupt(patterns.pattern(mu), flips, &mut rng)?)
                } else {
                    Ok(occlude(patterns.pattern(mu), cols, a.occlude_from)?)
                }
            })
            .collect::<Result<_>>()?;
        let f = |s: &[i8]| s.iter().map(|&x| x as f64).collect::<Vec<f64>>();
        let mut tiles: Vec<Vec<f64>> = (0..k).map(|mu| f(patterns.pattern(mu))).collect();
        tiles.extend(starts.iter().map(|s| f(s)));
        let mut kind_json = serde_json::Map::new();
        for (name, memory) in mems {
            let mut ok = 0;
            let mut sum = 0.0;
            let mut per = vec![];
            for (mu, s) in starts.iter().enumerate() {
                let mut rng = streams.stream(&[purpose::MONTE_CARLO, damage, mu as u64]);
                let r = recall_in(&patterns, memory, s, mu, 200, &mut rng)?;
                let right = r.nearest == mu && r.overlap > 0.95;
                ok += right as usize;
                sum += r.overlap;
                table.push(vec![
                    kind.to_string(),
                    name.to_string(),
                    mu.to_string(),
                    images.labels[chosen[mu]].to_string(),
                    format!("{}", r.overlap),
                    r.nearest.to_string(),
                    right.to_string(),
                ]);
                per.push(r.overlap);
                tiles.push(r.state);
            }
            summary.push(format!(
                "{kind:>9} start, {name:>10}: {ok}/{k} digits recalled (nearest stored pattern right and m > 0.95), mean final overlap {:.3}",
                sum / k as f64
            ));
            kind_json.insert(
                name.to_string(),
                serde_json::json!({"recalled": ok, "overlaps": per, "memory": memory}),
            );
        }
        json.insert(kind.to_string(), kind_json.into());
        grids.push(Grid {
            name: format!("recall_{kind}.png"),
            tiles,
            rows,
            cols,
            per_row: k,
        });
    }
    summary.push(
        "grids plots/recall_corrupted.png, plots/recall_occluded.png: rows original / start / Hebb / dense / continuous"
            .to_string(),
    );
    json.insert("images".into(), serde_json::json!(chosen));
    json.insert("mean_pattern_overlap".into(), serde_json::json!(mean_corr));
    Ok((
        Output {
            summary,
            header: vec![
                "start",
                "memory",
                "pattern",
                "label",
                "final_overlap",
                "nearest",
                "recalled",
            ],
            rows: table,
            json: json.into(),
            plots: vec![],
            arrays: vec![],
        },
        grids,
    ))
}
