//! Real patterns: images binarized into ±1 patterns (MNIST digits through
//! [`data`](crate::data)), corrupted or occluded, and recalled by the classical Hebbian
//! network or by the modern ones — the dense associative memory F(x) = xⁿ and the continuous
//! network ξ ← X softmax(β Xᵀ ξ) — to set the classical network's failure on correlated
//! patterns against the modern networks' success.
//!
//! Binarization: pixel x ∈ [0, 1] becomes ξ_i = +1 if x > threshold, else −1. Occlusion
//! sets the units of the rows from `first_row` on to −1 (background). Recall quality is the
//! Mattis overlap m = (1/N) Σ_i ξ_i^target x_i of the final state x (for the continuous
//! network, of its real-valued state) and whether the stored pattern with the largest
//! overlap is the target.

use super::dynamics::{run, Dynamics};
use super::modern::{ContinuousHopfield, DenseAssociative, Interaction};
use super::network::Hebbian;
use super::patterns::Patterns;
use crate::data::Images;
use crate::error::{invalid, Result};
use crate::rng::Rng;

/// ±1 patterns from images `indices` of `images`: +1 where the pixel exceeds `threshold`.
pub fn binarize(images: &Images, indices: &[usize], threshold: f64) -> Result<Patterns> {
    if indices.is_empty() {
        return Err(invalid("no images selected"));
    }
    let rows: Vec<Vec<i8>> = indices
        .iter()
        .map(|&k| {
            if k >= images.len() {
                return Err(invalid(format!(
                    "image {k} requested, {} available",
                    images.len()
                )));
            }
            Ok(images
                .image(k)
                .iter()
                .map(|&x| if f64::from(x) > threshold { 1 } else { -1 })
                .collect())
        })
        .collect::<Result<_>>()?;
    Patterns::from_rows(&rows)
}

/// The first image of each class 0, 1, 2, … in turn until `count` images are chosen (one per
/// class per round), so that `count ≤ 10` gives `count` distinct digits.
pub fn one_per_class(images: &Images, count: usize) -> Result<Vec<usize>> {
    let classes = images
        .labels
        .iter()
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(0);
    if classes == 0 {
        return Err(invalid("no labelled images"));
    }
    let mut by_class: Vec<std::collections::VecDeque<usize>> = vec![Default::default(); classes];
    for (k, &l) in images.labels.iter().enumerate() {
        by_class[l as usize].push_back(k);
    }
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let before = out.len();
        for q in by_class.iter_mut() {
            if out.len() == count {
                break;
            }
            if let Some(k) = q.pop_front() {
                out.push(k);
            }
        }
        if out.len() == before {
            return Err(invalid(format!(
                "{count} images requested, {} available",
                images.len()
            )));
        }
    }
    Ok(out)
}

/// A copy of `s` (an image of `cols` columns) with the rows from `first_row` on set to −1.
pub fn occlude(s: &[i8], cols: usize, first_row: usize) -> Result<Vec<i8>> {
    if cols == 0 || s.len() % cols != 0 {
        return Err(invalid(format!(
            "{} units do not form rows of {cols}",
            s.len()
        )));
    }
    let mut out = s.to_vec();
    out.iter_mut()
        .skip(first_row.saturating_mul(cols))
        .for_each(|x| *x = -1);
    Ok(out)
}

/// Which associative memory recalls.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Memory {
    /// The classical Hebbian network, T = 0 asynchronous dynamics.
    Hebb,
    /// Dense associative memory F(x) = xⁿ or eˣ, T = 0 asynchronous dynamics.
    Dense {
        /// The interaction F.
        interaction: Interaction,
    },
    /// The continuous modern network at inverse temperature β, iterated to a fixed point.
    Continuous {
        /// β > 0.
        beta: f64,
    },
}

/// The outcome of one recall.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Recalled {
    /// The final state (±1, or real for the continuous network).
    pub state: Vec<f64>,
    /// Overlap with the target pattern.
    pub overlap: f64,
    /// The stored pattern of largest overlap with the final state.
    pub nearest: usize,
    /// Sweeps (binary networks) or updates (continuous) made.
    pub steps: usize,
}

/// Recalls from `start` in the `memory` storing `patterns` and scores the result against
/// pattern `target`. Binary networks run at most `max_sweeps` sweeps.
pub fn recall_in(
    patterns: &Patterns,
    memory: Memory,
    start: &[i8],
    target: usize,
    max_sweeps: usize,
    rng: &mut Rng,
) -> Result<Recalled> {
    if start.len() != patterns.n() {
        return Err(invalid(format!(
            "start has {} units, patterns have {}",
            start.len(),
            patterns.n()
        )));
    }
    if target >= patterns.p() {
        return Err(invalid(format!(
            "target pattern {target} of {} stored",
            patterns.p()
        )));
    }
    let dynamics = Dynamics::Asynchronous { max_sweeps };
    let (state, steps): (Vec<f64>, usize) = match memory {
        Memory::Hebb => {
            let net = Hebbian::new(patterns.clone())?;
            let out = run(&net, start, &dynamics, rng)?;
            (out.state.iter().map(|&x| x as f64).collect(), out.sweeps)
        }
        Memory::Dense { interaction } => {
            let net = DenseAssociative::new(patterns.clone(), interaction)?;
            let out = run(&net, start, &dynamics, rng)?;
            (out.state.iter().map(|&x| x as f64).collect(), out.sweeps)
        }
        Memory::Continuous { beta } => {
            let rows: Vec<Vec<f64>> = (0..patterns.p())
                .map(|mu| patterns.pattern(mu).iter().map(|&x| x as f64).collect())
                .collect();
            let net = ContinuousHopfield::new(&rows, beta)?;
            let x: Vec<f64> = start.iter().map(|&v| v as f64).collect();
            net.retrieve(&x, max_sweeps, 1e-9)?
        }
    };
    let n = patterns.n() as f64;
    let overlaps: Vec<f64> = (0..patterns.p())
        .map(|mu| {
            patterns
                .pattern(mu)
                .iter()
                .zip(&state)
                .map(|(&a, b)| a as f64 * b)
                .sum::<f64>()
                / n
        })
        .collect();
    let nearest = overlaps
        .iter()
        .enumerate()
        .fold(
            (0, f64::NEG_INFINITY),
            |(k, b), (j, &v)| {
                if v > b {
                    (j, v)
                } else {
                    (k, b)
                }
            },
        )
        .0;
    Ok(Recalled {
        state,
        overlap: overlaps[target],
        nearest,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    fn toy_images() -> Images {
        // Four 4×4 "digits" sharing most of their (background) pixels.
        let mut pixels = vec![0.0f32; 4 * 16];
        for (k, on) in [[0, 1, 2, 3], [0, 4, 8, 12], [5, 6, 9, 10], [3, 6, 9, 12]]
            .iter()
            .enumerate()
        {
            for &i in on {
                pixels[k * 16 + i] = 1.0;
            }
        }
        Images {
            rows: 4,
            cols: 4,
            pixels,
            labels: vec![0, 1, 2, 0],
        }
    }

    #[test]
    fn binarize_select_and_occlude() {
        let im = toy_images();
        assert_eq!(one_per_class(&im, 4).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(one_per_class(&im, 3).unwrap(), vec![0, 1, 2]);
        assert!(one_per_class(&im, 5).is_err());
        let ps = binarize(&im, &[0, 1], 0.5).unwrap();
        assert_eq!(&ps.pattern(0)[..5], &[1, 1, 1, 1, -1]);
        let o = occlude(ps.pattern(1), 4, 1).unwrap();
        assert_eq!(&o[..5], &[1, -1, -1, -1, -1]);
        assert!(o[4..].iter().all(|&x| x == -1));
        assert!(occlude(ps.pattern(1), 3, 1).is_err());
        assert!(binarize(&im, &[9], 0.5).is_err());
    }

    /// Correlated patterns (shared background): from a corrupted start the Hebbian network
    /// falls into a mixture while the modern networks return the stored pattern.
    #[test]
    fn modern_networks_recall_correlated_patterns() {
        let streams = Streams::new(3);
        // Patterns with mean −0.6 (like ink on background): strongly correlated.
        let ps = Patterns::random(400, 12, -0.6, &streams).unwrap();
        let mut hebb_ok = 0;
        for target in 0..12 {
            let mut rng = streams.stream(&[9, target as u64]);
            let start = crate::memory::dynamics::corrupt(ps.pattern(target), 60, &mut rng).unwrap();
            let h = recall_in(&ps, Memory::Hebb, &start, target, 100, &mut rng).unwrap();
            hebb_ok += (h.overlap > 0.99) as usize;
            let d = recall_in(
                &ps,
                Memory::Dense {
                    interaction: Interaction::Power(6),
                },
                &start,
                target,
                100,
                &mut rng,
            )
            .unwrap();
            assert_eq!((d.overlap, d.nearest), (1.0, target));
            let c = recall_in(
                &ps,
                Memory::Continuous { beta: 0.1 },
                &start,
                target,
                100,
                &mut rng,
            )
            .unwrap();
            assert!(c.overlap > 0.999 && c.nearest == target, "{}", c.overlap);
        }
        assert_eq!(hebb_ok, 0);
        let mut rng = streams.stream(&[0]);
        assert!(recall_in(&ps, Memory::Hebb, &[1; 3], 0, 10, &mut rng).is_err());
        assert!(recall_in(&ps, Memory::Hebb, ps.pattern(0), 12, 10, &mut rng).is_err());
    }
}
