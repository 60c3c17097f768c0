//! Stored patterns ξ^μ ∈ {±1}^N and their Mattis overlaps with a state.

use rand::Rng as _;

use crate::error::{check_memory, invalid, Result};
use crate::rng::Streams;

/// p patterns of N binary units, ξ_i^μ = ±1, stored pattern after pattern (row μ holds ξ^μ).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Patterns {
    n: usize,
    p: usize,
    xi: Vec<i8>,
}

impl Patterns {
    /// p random patterns of N units with mean `bias` = a ∈ (−1, 1): every ξ_i^μ is drawn
    /// independently with P(ξ = +1) = (1 + a)/2, so ⟨ξ⟩ = a (a = 0: unbiased patterns).
    /// Pattern μ comes from the stream `[seed; DISORDER, 0x9a77, μ]` of `streams`, so pattern
    /// μ does not depend on p.
    pub fn random(n: usize, p: usize, bias: f64, streams: &Streams) -> Result<Self> {
        if n == 0 {
            return Err(invalid("patterns need at least one unit (N ≥ 1)"));
        }
        if !(bias.is_finite() && bias > -1.0 && bias < 1.0) {
            return Err(invalid(format!(
                "pattern bias must lie in (−1, 1), got {bias}"
            )));
        }
        check_memory("patterns", (n as u64).saturating_mul(p as u64))?;
        let prob = 0.5 * (1.0 + bias);
        let mut xi = Vec::with_capacity(n * p);
        for mu in 0..p {
            let mut rng = streams.stream(&[crate::rng::purpose::DISORDER, 0x9a77, mu as u64]);
            xi.extend((0..n).map(|_| if rng.random_bool(prob) { 1i8 } else { -1 }));
        }
        Ok(Patterns { n, p, xi })
    }

    /// Patterns from explicit rows (each of length N, entries ±1).
    pub fn from_rows(rows: &[Vec<i8>]) -> Result<Self> {
        let n = rows.first().map_or(0, |r| r.len());
        if n == 0 {
            return Err(invalid("patterns need at least one unit (N ≥ 1)"));
        }
        let mut xi = Vec::with_capacity(n * rows.len());
        for (mu, r) in rows.iter().enumerate() {
            if r.len() != n {
                return Err(invalid(format!(
                    "pattern {mu} has {} units, pattern 0 has {n}",
                    r.len()
                )));
            }
            if let Some(x) = r.iter().find(|&&x| x != 1 && x != -1) {
                return Err(invalid(format!(
                    "pattern {mu} has a unit {x} that is not ±1"
                )));
            }
            xi.extend_from_slice(r);
        }
        Ok(Patterns {
            n,
            p: rows.len(),
            xi,
        })
    }

    /// Number of units N.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of patterns p.
    pub fn p(&self) -> usize {
        self.p
    }

    /// Load α = p/N.
    pub fn alpha(&self) -> f64 {
        self.p as f64 / self.n as f64
    }

    /// Pattern ξ^μ.
    #[inline]
    pub fn pattern(&self, mu: usize) -> &[i8] {
        &self.xi[mu * self.n..(mu + 1) * self.n]
    }

    /// The first `p` patterns only (p ≤ self.p()).
    pub fn truncated(&self, p: usize) -> Result<Patterns> {
        if p > self.p {
            return Err(invalid(format!("cannot keep {p} of {} patterns", self.p)));
        }
        Ok(Patterns {
            n: self.n,
            p,
            xi: self.xi[..p * self.n].to_vec(),
        })
    }

    /// The patterns unit by unit: entry `[i·p + μ]` is ξ_i^μ (what local fields read).
    pub fn by_unit(&self) -> Vec<i8> {
        let mut t = vec![0i8; self.n * self.p];
        for mu in 0..self.p {
            for (i, &x) in self.pattern(mu).iter().enumerate() {
                t[i * self.p + mu] = x;
            }
        }
        t
    }

    /// Mattis overlap m_μ = (1/N) Σ_i ξ_i^μ s_i of state `s` with pattern μ.
    pub fn overlap(&self, mu: usize, s: &[i8]) -> f64 {
        assert_eq!(s.len(), self.n, "state has the wrong length");
        dot(self.pattern(mu), s) as f64 / self.n as f64
    }

    /// All Mattis overlaps m_μ = (1/N) Σ_i ξ_i^μ s_i, μ = 1..p.
    pub fn overlaps(&self, s: &[i8]) -> Vec<f64> {
        (0..self.p).map(|mu| self.overlap(mu, s)).collect()
    }

    /// The p×p overlap matrix C_μν = (1/N) Σ_i ξ_i^μ ξ_i^ν, row-major.
    pub fn correlation(&self) -> Vec<f64> {
        let p = self.p;
        let mut c = vec![0.0; p * p];
        for mu in 0..p {
            for nu in mu..p {
                let v = dot(self.pattern(mu), self.pattern(nu)) as f64 / self.n as f64;
                c[mu * p + nu] = v;
                c[nu * p + mu] = v;
            }
        }
        c
    }
}

/// Σ_i a_i b_i of two ±1 vectors, exactly.
#[inline]
pub(crate) fn dot(a: &[i8], b: &[i8]) -> i64 {
    a.iter().zip(b).map(|(&x, &y)| (x * y) as i64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_patterns_are_seeded_and_biased() {
        let s = Streams::new(7);
        let a = Patterns::random(2000, 3, 0.4, &s).unwrap();
        let b = Patterns::random(2000, 5, 0.4, &s).unwrap();
        assert_eq!(a.pattern(2), b.pattern(2));
        let mean: f64 = a.pattern(0).iter().map(|&x| x as f64).sum::<f64>() / 2000.0;
        assert!((mean - 0.4).abs() < 0.06, "{mean}");
        assert_eq!(a.overlap(1, a.pattern(1)), 1.0);
        assert!(Patterns::random(0, 3, 0.0, &s).is_err());
        assert!(Patterns::random(10, 3, 1.0, &s).is_err());
        assert!(Patterns::from_rows(&[vec![1, 0]]).is_err());
        assert!(Patterns::from_rows(&[vec![1, 1], vec![1]]).is_err());
    }
}
