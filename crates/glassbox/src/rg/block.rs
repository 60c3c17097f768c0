//! Majority-rule block spins (Kadanoff blocking).
//!
//! A configuration on a hypercubic lattice `L_1 × … × L_d` (sites numbered with the first
//! coordinate fastest, as in [`crate::graph::Lattice`]) is cut into blocks of `b^d` spins; each
//! block becomes one spin
//!
//! ```text
//! s'_I = sign( Σ_{i ∈ block I} s_i ),
//! ```
//!
//! with a tie (possible only when `b^d` is even) broken by a fair coin from the caller's
//! random stream, so the blocked lattice is `L_1/b × … × L_d/b` and the same stream gives the
//! same blocking. Every side must be a multiple of b.

use rand::Rng as _;

use crate::error::{invalid, Result};
use crate::graph::MAX_DIM;
use crate::rng::Rng;

/// Checks that `spins` is a ±1 configuration of the lattice `dims` that can be blocked by
/// `b` (each side a multiple of b, b ≥ 2).
fn check(spins: &[i8], dims: &[usize], b: usize) -> Result<()> {
    if dims.is_empty() || dims.len() > MAX_DIM {
        return Err(invalid(format!(
            "block spins need a lattice of 1 to {MAX_DIM} dimensions, got {}",
            dims.len()
        )));
    }
    if b < 2 {
        return Err(invalid(format!("block size b must be at least 2, got {b}")));
    }
    if let Some(&l) = dims.iter().find(|&&l| l == 0 || l % b != 0) {
        return Err(invalid(format!(
            "lattice side {l} is not a positive multiple of the block size {b}"
        )));
    }
    let n: usize = dims.iter().product();
    if spins.len() != n {
        return Err(invalid(format!(
            "a {dims:?} lattice has {n} sites, got {} spins",
            spins.len()
        )));
    }
    if let Some(s) = spins.iter().find(|&&s| s != 1 && s != -1) {
        return Err(invalid(format!("spins must be ±1, got {s}")));
    }
    Ok(())
}

/// The majority-rule blocking of `spins` on the lattice `dims` with block side `b`: returns
/// the block spins and the blocked lattice's sides `L_k / b`. Ties draw from `rng`, one draw
/// per tied block in block order.
pub fn block(
    spins: &[i8],
    dims: &[usize],
    b: usize,
    rng: &mut Rng,
) -> Result<(Vec<i8>, Vec<usize>)> {
    check(spins, dims, b)?;
    let out_dims: Vec<usize> = dims.iter().map(|l| l / b).collect();
    let m: usize = out_dims.iter().product();
    let mut sums = vec![0i32; m];
    // Site i with coordinates x_k contributes to the block with coordinates x_k / b.
    let d = dims.len();
    let mut x = [0usize; MAX_DIM];
    for &s in spins {
        let mut blk = 0;
        for k in (0..d).rev() {
            blk = blk * out_dims[k] + x[k] / b;
        }
        sums[blk] += s as i32;
        // Advance the coordinates, first one fastest.
        for k in 0..d {
            x[k] += 1;
            if x[k] < dims[k] {
                break;
            }
            x[k] = 0;
        }
    }
    let out = sums
        .into_iter()
        .map(|v| match v.signum() {
            0 => {
                if rng.random::<bool>() {
                    1
                } else {
                    -1
                }
            }
            s => s as i8,
        })
        .collect();
    Ok((out, out_dims))
}

/// `levels` successive blockings of `spins` (level 0, the input, first): entry n is the
/// configuration after n blockings with its lattice sides. Stops early, without error, when
/// a side is no longer a multiple of b.
pub fn block_levels(
    spins: &[i8],
    dims: &[usize],
    b: usize,
    levels: usize,
    rng: &mut Rng,
) -> Result<Vec<(Vec<i8>, Vec<usize>)>> {
    check(spins, dims, b)?;
    let mut out = vec![(spins.to_vec(), dims.to_vec())];
    for _ in 0..levels {
        let (s, dm) = out.last().expect("non-empty");
        if dm.iter().any(|l| l % b != 0) {
            break;
        }
        let next = block(s, dm, b, rng)?;
        out.push(next);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    #[test]
    fn majority_rule_by_hand() {
        let mut rng = Streams::new(1).stream(&[0]);
        // 3×3 blocks of a 6×3 lattice (x fastest): left block has 5 up, right 4 up.
        #[rustfmt::skip]
        let s: Vec<i8> = vec![
             1,  1, -1,   1, -1, -1,
             1,  1, -1,   1,  1, -1,
             1, -1, -1,  -1,  1, -1,
        ];
        let (out, dims) = block(&s, &[6, 3], 3, &mut rng).unwrap();
        assert_eq!(dims, vec![2, 1]);
        assert_eq!(out, vec![1, -1]);
        // 2×2 blocks of a 4×2 lattice: first block 3 up, second a tie.
        let s: Vec<i8> = vec![1, 1, 1, -1, -1, 1, -1, 1];
        let (out, _) = block(&s, &[4, 2], 2, &mut rng).unwrap();
        assert_eq!(out[0], 1);
        // Ties are reproducible from the stream and both outcomes occur.
        let ties = |seed| {
            let mut r = Streams::new(seed).stream(&[0]);
            (0..64)
                .map(|_| block(&s, &[4, 2], 2, &mut r).unwrap().0[1])
                .collect::<Vec<_>>()
        };
        assert_eq!(ties(5), ties(5));
        let up = ties(5).iter().filter(|&&v| v == 1).count();
        assert!((12..=52).contains(&up), "{up} of 64 ties up");
    }

    #[test]
    fn three_dimensional_blocks() {
        let mut rng = Streams::new(1).stream(&[0]);
        // 4×4×4: set the block at block coordinates (1, 0, 1) to all down.
        let mut s = vec![1i8; 64];
        for z in 2..4 {
            for y in 0..2 {
                for x in 2..4 {
                    s[x + 4 * (y + 4 * z)] = -1;
                }
            }
        }
        let (out, dims) = block(&s, &[4, 4, 4], 2, &mut rng).unwrap();
        assert_eq!(dims, vec![2, 2, 2]);
        let expect: Vec<i8> = (0..8)
            .map(|i| if i == 1 + 2 * 2 { -1 } else { 1 })
            .collect();
        assert_eq!(out, expect);
    }

    #[test]
    fn aligned_stays_aligned() {
        let mut rng = Streams::new(2).stream(&[0]);
        for (dims, b) in [(vec![27, 27], 3), (vec![16, 16, 16], 2), (vec![32, 32], 2)] {
            let n: usize = dims.iter().product();
            for sign in [1i8, -1] {
                let levels = block_levels(&vec![sign; n], &dims, b, 5, &mut rng).unwrap();
                assert!(levels.len() >= 3);
                for (s, _) in &levels {
                    assert!(s.iter().all(|&v| v == sign));
                }
            }
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let mut rng = Streams::new(1).stream(&[0]);
        assert!(block(&[1; 9], &[3, 3], 2, &mut rng).is_err());
        assert!(block(&[1; 16], &[4, 4], 1, &mut rng).is_err());
        assert!(block(&[1; 15], &[4, 4], 2, &mut rng).is_err());
        assert!(block(&[0; 16], &[4, 4], 2, &mut rng).is_err());
    }
}
