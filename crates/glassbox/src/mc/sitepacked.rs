//! Site-packed multispin coding: ONE large Ising ferromagnet on a periodic 2D or 3D lattice,
//! with 64 sites of that system in each `u64` word (where [`multispin`](super::multispin)
//! packs one site of 64 systems).
//!
//! # Model
//!
//! ```text
//! H(s) = -J Σ_<ij> s_i s_j,      J > 0 on every bond, no external field,
//! ```
//!
//! on a periodic `L_1 × L_2` or `L_1 × L_2 × L_3` lattice (sites in the crate's order, x_1
//! fastest) with **L_1 a multiple of 128** and the other sides even. [`SitePacked::check`]
//! says why a model does not qualify; such models stay on the scalar
//! [`Sweeper`](crate::mc::Sweeper) or on [`multispin`](super::multispin).
//!
//! # Layout
//!
//! The sites are split by checkerboard colour c = (x_1 + … + x_d) mod 2 and each colour is its
//! own bit array. A *row* is a line along axis 1, numbered r by the coordinates x_2…x_d as in
//! the site order. Row r of colour c holds the L_1/2 sites `x_1 = 2k + o`, `o = (x_2 + … + x_d
//! + c) mod 2`, `k < L_1/2`: site k is bit `k mod 64` of word `k / 64`, so a row is
//! `H = L_1/128` words, and word w of row r of colour c is `spins[(c·rows + r)·H + w]`. A set
//! bit is a spin −1 (as in [`multispin`](super::multispin)).
//!
//! The 2d neighbours of the 64 sites of a colour-c word are all of colour 1 − c:
//! * along axes 2..d, the same word of the rows one step back and forward (those rows have the
//!   other parity, so the same offset o: the words are aligned);
//! * along axis 1, `x_1 ± 1` are the sites k and k − 1 (rows with o = 0) or k and k + 1 (o = 1)
//!   of row r: the same word, and the row shifted by one bit (`(w_i << 1) | (w_{i−1} >> 63)`
//!   or `(w_i >> 1) | (w_{i+1} << 63)`, the carry bit from the adjacent word, periodic within
//!   the row).
//!
//! # Acceptance (exact)
//!
//! A bit of a word is a site, so the bit-sliced arithmetic of
//! [`multispin`](super::multispin) applies unchanged, and is shared with it: the
//! unsatisfied bonds of every site are counted bit-sliced, and every site whose flip
//! probability `q` is neither 0 nor 1 draws its *own* uniform `U = 0.b_1 b_2 …` (bit j from the
//! j-th random word of its word's [`MultiRng`] stream) and flips iff `U < ⌊q 2^53⌋ 2^−53`,
//! compared MSB first — exactly the scalar [`Sweeper`](crate::mc::Sweeper)'s threshold.
//! Metropolis and heat bath. A sweep updates colour 0, then colour 1 (all sites of a colour
//! are independent given the other): N attempts. The AVX2 (AVX-512) and portable kernels,
//! picked at run time, give bit-identical results.
//!
//! # Use
//!
//! ```
//! use glassbox::mc::multispin::MultiRng;
//! use glassbox::mc::sitepacked::{SitePacked, SiteSweeper};
//! use glassbox::mc::Rule;
//! use glassbox::model::ModelSpec;
//! use glassbox::rng::{purpose, Streams};
//!
//! let model = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [256, 64] }")?.build()?;
//! let streams = Streams::new(7);
//! let mut state = SitePacked::new(&model)?;
//! state.randomize(&mut streams.stream(&[purpose::INITIAL_STATE]));
//! let mut rng = MultiRng::new(&streams, &[purpose::MONTE_CARLO]);
//! let sweeper = SiteSweeper::new(&state, Rule::Metropolis, 1.0 / 2.0)?;
//! for _ in 0..200 {
//!     sweeper.sweep(&mut state, &mut rng);
//! }
//! assert!(state.energy() / (state.n() as f64) < -1.0);
//! assert_eq!(state.energy(), model.energy(&state.spins()));
//! # Ok::<(), glassbox::Error>(())
//! ```

use rand::RngCore;

use crate::error::{invalid, Result};
use crate::graph::Lattice;
use crate::mc::multispin::{
    checkerboard_rows, row, Body, Kernel, MultiRng, MultiSpin, Simd, Table, SLOTS,
};
use crate::mc::Rule;
use crate::model::{Couplings, Ising};
use crate::rng::{Rng, Streams};

/// Sites per word.
const BITS: usize = 64;

/// A periodic 2D/3D Ising ferromagnet, 64 sites per word (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SitePacked {
    lattice: Lattice,
    j: f64,
    /// Words per row, L_1/128.
    h: usize,
    /// Parity of x_2 + … + x_d of each row.
    parity: Vec<u8>,
    /// For each row, the rows one step back and forward along axes 2..d.
    nbrows: Vec<[u32; 4]>,
    /// Colour 0, then colour 1; row r of colour c at words `(c·rows + r)·h ..`.
    spins: Vec<u64>,
}

impl SitePacked {
    /// Checks that `model` can be run site-packed and returns J: a periodic 2D or 3D lattice
    /// with the first side a multiple of 128 and the others even, zero field, every coupling
    /// the same J > 0.
    pub fn check(model: &Ising) -> Result<f64> {
        let j = MultiSpin::check(model)?;
        let Couplings::Lattice(c) = model.couplings() else {
            unreachable!("checked by MultiSpin::check")
        };
        let dims = c.lattice().dims();
        if dims[0] % 128 != 0 || dims[1..].iter().any(|l| l % 2 != 0) {
            return Err(invalid(format!(
                "site packing needs the first side a multiple of 128 and the others even, got {dims:?}"
            )));
        }
        if (0..model.n()).any(|i| (0..dims.len()).any(|a| c.bond(i, a) != j)) {
            return Err(invalid(
                "site packing needs a ferromagnet (every coupling the same J > 0)",
            ));
        }
        Ok(j)
    }

    /// The state of `model` (see [`SitePacked::check`]) with all spins up (+1).
    pub fn new(model: &Ising) -> Result<Self> {
        let j = SitePacked::check(model)?;
        let Couplings::Lattice(c) = model.couplings() else {
            unreachable!("checked")
        };
        let lattice = c.lattice().clone();
        let (parity, nbrows) = checkerboard_rows(lattice.dims());
        let h = lattice.dims()[0] / (2 * BITS);
        Ok(SitePacked {
            spins: vec![0; 2 * parity.len() * h],
            j,
            h,
            parity,
            nbrows,
            lattice,
        })
    }

    /// The state of `model` with the configuration `spins` (each ±1, site order).
    pub fn from_spins(model: &Ising, spins: &[i8]) -> Result<Self> {
        let mut st = SitePacked::new(model)?;
        st.set_spins(spins)?;
        Ok(st)
    }

    /// Number of spins.
    pub fn n(&self) -> usize {
        self.lattice.n()
    }

    /// The lattice.
    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }

    /// The coupling J.
    pub fn coupling(&self) -> f64 {
        self.j
    }

    /// Rows per colour.
    fn rows(&self) -> usize {
        self.parity.len()
    }

    /// Independent uniformly random spins: one random word per 64 sites, in word order.
    pub fn randomize(&mut self, rng: &mut Rng) {
        for w in &mut self.spins {
            *w = rng.next_u64();
        }
    }

    /// Word and bit of site i.
    fn place(&self, i: usize) -> (usize, usize) {
        let l = self.lattice.dims()[0];
        let (x, r) = (i % l, i / l);
        let c = (x + self.parity[r] as usize) % 2;
        let k = x / 2;
        ((c * self.rows() + r) * self.h + k / BITS, k % BITS)
    }

    /// Sets the configuration (each ±1, site order).
    pub fn set_spins(&mut self, spins: &[i8]) -> Result<()> {
        if spins.len() != self.n() {
            return Err(invalid(format!(
                "{} spins for a lattice of {}",
                spins.len(),
                self.n()
            )));
        }
        if let Some(s) = spins.iter().find(|&&s| s != 1 && s != -1) {
            return Err(invalid(format!("spins must be ±1, found {s}")));
        }
        self.spins.fill(0);
        for (i, &s) in spins.iter().enumerate() {
            let (w, b) = self.place(i);
            self.spins[w] |= ((s < 0) as u64) << b;
        }
        Ok(())
    }

    /// The configuration as ±1 spins in site order.
    pub fn spins(&self) -> Vec<i8> {
        (0..self.n())
            .map(|i| {
                let (w, b) = self.place(i);
                1 - 2 * ((self.spins[w] >> b) & 1) as i8
            })
            .collect()
    }

    /// Magnetization M = Σ_i s_i.
    pub fn magnetization(&self) -> i64 {
        let down: u64 = self.spins.iter().map(|w| w.count_ones() as u64).sum();
        self.n() as i64 - 2 * down as i64
    }

    /// Energy H(s) = J (2u − dN), u the number of unsatisfied bonds (each bond has exactly
    /// one end of colour 0, so u counts the colour-0 sites' bonds).
    pub fn energy(&self) -> f64 {
        let d = self.lattice.dim();
        let mut shifted = vec![0; self.h];
        let mut u = 0u64;
        for r in 0..self.rows() {
            let nb = self.neighbours(0, r, &mut shifted);
            let own = &self.spins[r * self.h..][..self.h];
            for b in nb.iter().take(2 * d) {
                u += own
                    .iter()
                    .zip(*b)
                    .map(|(s, v)| (s ^ v).count_ones() as u64)
                    .sum::<u64>();
            }
        }
        self.j * (2.0 * u as f64 - (d * self.n()) as f64)
    }

    /// The neighbour rows of row r of colour c (slots: the same word along axis 1, the
    /// shifted row along axis 1 — written to `shifted` — then back and forward along axes
    /// 2..d; unused slots empty).
    fn neighbours<'a>(&'a self, c: usize, r: usize, shifted: &'a mut [u64]) -> [&'a [u64]; SLOTS] {
        neighbours(
            &self.spins[(1 - c) * self.rows() * self.h..][..self.rows() * self.h],
            self.h,
            (self.parity[r] as usize + c) % 2,
            r,
            &self.nbrows[r][..2 * (self.lattice.dim() - 1)],
            shifted,
        )
    }

    /// Zero-temperature quench: sweeps flipping every spin whose flip lowers the energy,
    /// until none does; every spin is then aligned with (or neutral to) its local field.
    /// Deterministic. Returns the number of sweeps.
    pub fn quench(&mut self) -> usize {
        let table = Table::quench(self.lattice.dim());
        // Never draws: no class needs a comparison.
        let mut rng = MultiRng::new(&Streams::new(0), &[]);
        let mut sweeps = 0;
        loop {
            sweeps += 1;
            if sweep_kernel::<true>(Kernel::best(), self, &table, &mut rng) == 0 {
                return sweeps;
            }
        }
    }
}

/// The 2d neighbour rows of a row with offset `o` (see the [module docs](self)): `other` is
/// the other colour (rows of `h` words), `r` the row, `across` its neighbour rows along axes
/// 2..d; the shifted row along axis 1 is written to `shifted`.
fn neighbours<'a>(
    other: &'a [u64],
    h: usize,
    o: usize,
    r: usize,
    across: &[u32],
    shifted: &'a mut [u64],
) -> [&'a [u64]; SLOTS] {
    let at = |q: usize| &other[q * h..][..h];
    let same = at(r);
    if o == 0 {
        // Site k − 1: bit k of the row shifted up, the top bit of the previous word carried.
        shifted[0] = (same[0] << 1) | (same[h - 1] >> 63);
        for ((s, &a), &b) in shifted[1..].iter_mut().zip(&same[1..]).zip(same) {
            *s = (a << 1) | (b >> 63);
        }
    } else {
        // Site k + 1: the row shifted down, the bottom bit of the next word carried.
        shifted[h - 1] = (same[h - 1] >> 1) | (same[0] << 63);
        for ((s, &a), &b) in shifted.iter_mut().zip(same).zip(&same[1..]) {
            *s = (a >> 1) | (b << 63);
        }
    }
    let mut nb: [&[u64]; SLOTS] = [&[]; SLOTS];
    nb[0] = same;
    nb[1] = shifted;
    for (slot, &q) in nb[2..].iter_mut().zip(across) {
        *slot = at(q as usize);
    }
    nb
}

/// Single-spin-flip Monte Carlo of a [`SitePacked`] at fixed β (Metropolis or heat bath with
/// exact acceptance, see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct SiteSweeper {
    rule: Rule,
    beta: f64,
    dim: usize,
    coupling: f64,
    table: Table,
}

impl SiteSweeper {
    /// A sweeper for `state` (its dimension and J) at inverse temperature `beta` (finite, > 0).
    pub fn new(state: &SitePacked, rule: Rule, beta: f64) -> Result<Self> {
        let (dim, coupling) = (state.lattice.dim(), state.j);
        Ok(SiteSweeper {
            rule,
            beta,
            dim,
            coupling,
            table: Table::for_rule(rule, beta, dim, coupling)?,
        })
    }

    /// The inverse temperature.
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The rule.
    pub fn rule(&self) -> Rule {
        self.rule
    }

    /// One sweep (N attempted flips, colour 0 then colour 1); returns the number of accepted
    /// flips. `state` must have the dimension and J of the state the sweeper was built for.
    pub fn sweep(&self, state: &mut SitePacked, rng: &mut MultiRng) -> u64 {
        self.sweep_on(Kernel::best(), state, rng)
    }

    fn sweep_on(&self, kernel: Kernel, state: &mut SitePacked, rng: &mut MultiRng) -> u64 {
        assert!(
            state.lattice.dim() == self.dim && state.j == self.coupling,
            "sweeper built for another lattice dimension or J"
        );
        match self.rule {
            Rule::Metropolis => sweep_kernel::<false>(kernel, state, &self.table, rng),
            Rule::HeatBath => sweep_kernel::<true>(kernel, state, &self.table, rng),
        }
    }
}

/// One sweep with `kernel`; returns the number of flips.
fn sweep_kernel<const HB: bool>(
    kernel: Kernel,
    st: &mut SitePacked,
    tab: &Table,
    rng: &mut MultiRng,
) -> u64 {
    match st.lattice.dim() {
        2 => kernel.run(Sweep::<2, HB> { st, tab, rng }),
        3 => kernel.run(Sweep::<3, HB> { st, tab, rng }),
        _ => unreachable!("checked dimension"),
    }
}

/// One sweep of a [`SitePacked`], as a kernel [`Body`].
struct Sweep<'a, const D: usize, const HB: bool> {
    st: &'a mut SitePacked,
    tab: &'a Table,
    rng: &'a mut MultiRng,
}

impl<const D: usize, const HB: bool> Body for Sweep<'_, D, HB> {
    #[inline(always)]
    fn run<V: Simd>(self) -> u64 {
        let Sweep { st, tab, rng } = self;
        let (h, rows) = (st.h, st.rows());
        let mut g: [V; 4] = rng.load();
        let mut shifted = vec![0; h];
        let mut before = vec![0; h];
        let mut flips = 0u64;
        for c in 0..2 {
            // Colour c is written, colour 1 − c only read.
            let (lo, hi) = st.spins.split_at_mut(rows * h);
            let (own, other) = if c == 0 { (lo, &*hi) } else { (hi, &*lo) };
            for r in 0..rows {
                let o = (st.parity[r] as usize + c) % 2;
                let across = &st.nbrows[r][..2 * (D - 1)];
                let nb = neighbours(other, h, o, r, across, &mut shifted);
                let own = &mut own[r * h..][..h];
                before.copy_from_slice(own);
                row::<V, D, HB, false>(own, &nb, &[&[]; SLOTS], tab, &mut g);
                flips += own
                    .iter()
                    .zip(&before)
                    .map(|(a, b)| (a ^ b).count_ones() as u64)
                    .sum::<u64>();
            }
        }
        rng.store(&g);
        flips
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::kaufman::kaufman;
    use crate::mc::{Order, Replica, Sweeper};
    use crate::measure::{jackknife, Estimate, Series};
    use crate::model::ModelSpec;
    use crate::rng::purpose;

    fn model(toml: &str) -> Ising {
        ModelSpec::from_toml(toml).unwrap().build().unwrap()
    }

    fn ferro(dims: &str) -> Ising {
        model(&format!("graph = {{ kind = 'lattice', dims = {dims} }}"))
    }

    fn random(m: &Ising, seed: u64) -> SitePacked {
        let mut st = SitePacked::new(m).unwrap();
        st.randomize(&mut Streams::new(seed).stream(&[purpose::INITIAL_STATE]));
        st
    }

    #[test]
    fn eligibility() {
        for dims in ["[128, 2]", "[256, 6]", "[128, 4, 6]"] {
            assert_eq!(SitePacked::check(&ferro(dims)).unwrap(), 1.0);
        }
        let e = |t: &str| SitePacked::check(&model(t)).unwrap_err().to_string();
        let lattice = |dims: &str| format!("graph = {{ kind = 'lattice', dims = {dims} }}");
        assert!(e(&lattice("[64, 64]")).contains("multiple of 128"));
        assert!(e(&lattice("[192, 4]")).contains("multiple of 128"));
        assert!(e(&lattice("[128, 6, 3]")).contains("others even"));
        assert!(e(&lattice("[128]")).contains("2D or 3D"));
        assert!(e(&format!(
            "{}\ncouplings = {{ law = 'plus-minus' }}",
            lattice("[128, 4]")
        ))
        .contains("ferromagnet"));
        assert!(e(&format!(
            "{}\nfield = {{ uniform = 0.1 }}",
            lattice("[128, 4]")
        ))
        .contains("field"));
        let mut st = SitePacked::new(&ferro("[128, 2]")).unwrap();
        assert!(st.set_spins(&[1; 255]).is_err());
        assert!(st.set_spins(&[0; 256]).is_err());
    }

    /// spins → packed → spins, and energy and magnetization from the packed words equal the
    /// scalar model's on the unpacked spins (random states, and single flipped spins at the
    /// row and word edges, where the shifted neighbours carry bits between words).
    #[test]
    fn layout_round_trip_and_observables() {
        for m in [
            ferro("[128, 2]"),
            ferro("[256, 6]"),
            ferro("[384, 4]"),
            ferro("[128, 4, 6]"),
        ] {
            let n = m.n();
            let l = m.n() / SitePacked::new(&m).unwrap().rows();
            for seed in 0..3 {
                let st = random(&m, seed);
                let s = st.spins();
                assert_eq!(SitePacked::from_spins(&m, &s).unwrap(), st);
                assert_eq!(st.energy(), m.energy(&s));
                assert_eq!(st.magnetization(), s.iter().map(|&x| x as i64).sum::<i64>());
            }
            let up = SitePacked::new(&m).unwrap();
            assert_eq!(up.spins(), vec![1; n]);
            assert_eq!(up.magnetization(), n as i64);
            for x in [0, 1, 126, 127, 128, 129, l - 2, l - 1].map(|x| x % l) {
                for r in [0, 1, n / l - 1] {
                    let mut s = vec![1i8; n];
                    s[x + l * r] = -1;
                    let st = SitePacked::from_spins(&m, &s).unwrap();
                    assert_eq!(st.spins(), s);
                    assert_eq!(st.energy(), m.energy(&s), "site x = {x}, row {r}");
                    assert_eq!(st.magnetization(), n as i64 - 2);
                }
            }
        }
    }

    /// Quench: every spin ends aligned with (or neutral to) its field, as the scalar replica
    /// checks.
    #[test]
    fn quench_reaches_local_minimum() {
        for m in [ferro("[128, 16]"), ferro("[256, 4, 6]")] {
            let mut st = random(&m, 3);
            let e0 = st.energy();
            assert!(!Replica::new(&m, st.spins()).unwrap().is_local_minimum());
            let sweeps = st.quench();
            assert!(sweeps > 1);
            assert!(Replica::new(&m, st.spins()).unwrap().is_local_minimum());
            assert!(st.energy() < e0);
        }
    }

    fn run(st: &mut SitePacked, sw: &SiteSweeper, kernel: Kernel, seed: u64) -> (MultiRng, u64) {
        let mut rng = MultiRng::new(&Streams::new(seed), &[purpose::MONTE_CARLO]);
        let flips = (0..5).map(|_| sw.sweep_on(kernel, st, &mut rng)).sum();
        (rng, flips)
    }

    /// The portable and AVX2 (and AVX-512, where the CPU has it) kernels give the same
    /// states, streams and flip counts bit for bit; other seeds give other states.
    #[test]
    fn kernels_agree() {
        let kernels = Kernel::available();
        assert!(kernels.contains(&Kernel::Portable));
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            assert!(kernels.contains(&Kernel::Avx2));
        }
        // 640 = 5 words per row: one full register of 4 words and a partial one.
        for m in [ferro("[256, 6]"), ferro("[640, 2]"), ferro("[128, 4, 6]")] {
            for rule in [Rule::Metropolis, Rule::HeatBath] {
                let start = random(&m, 4);
                let sw = SiteSweeper::new(&start, rule, 0.44).unwrap();
                let runs: Vec<_> = kernels
                    .iter()
                    .map(|&k| {
                        let mut st = start.clone();
                        let r = run(&mut st, &sw, k, 1);
                        (st, r)
                    })
                    .collect();
                assert_ne!(runs[0].0, start);
                for (k, r) in kernels.iter().zip(&runs) {
                    assert_eq!(r, &runs[0], "{k:?} vs {:?}", kernels[0]);
                }
                let mut other = start.clone();
                run(&mut other, &sw, Kernel::best(), 2);
                assert_ne!(other, runs[0].0);
            }
        }
    }

    /// A sweep visits every site once, so its flip count is the number of changed spins.
    #[test]
    fn flips_are_counted() {
        let m = ferro("[256, 8]");
        let mut st = random(&m, 5);
        let sw = SiteSweeper::new(&st, Rule::Metropolis, 0.3).unwrap();
        let mut rng = MultiRng::new(&Streams::new(5), &[purpose::MONTE_CARLO]);
        for _ in 0..3 {
            let before = st.spins();
            let flips = sw.sweep(&mut st, &mut rng);
            let after = st.spins();
            let changed = before.iter().zip(&after).filter(|(a, b)| a != b).count();
            assert!(flips > 0);
            assert_eq!(flips, changed as u64);
        }
    }

    /// Per-sweep series of e = E/N, e² and |m| after `therm` sweeps (from all up or random).
    fn site_series(
        m: &Ising,
        rule: Rule,
        t: f64,
        up: bool,
        therm: u64,
        sweeps: u64,
    ) -> [Series; 3] {
        let mut st = if up {
            SitePacked::new(m).unwrap()
        } else {
            random(m, 11)
        };
        let sw = SiteSweeper::new(&st, rule, 1.0 / t).unwrap();
        let mut rng = MultiRng::new(&Streams::new(12), &[purpose::MONTE_CARLO]);
        let n = m.n() as f64;
        let mut s: [Series; 3] = Default::default();
        for k in 0..therm + sweeps {
            sw.sweep(&mut st, &mut rng);
            if k >= therm {
                let e = st.energy() / n;
                s[0].push(e);
                s[1].push(e * e);
                s[2].push((st.magnetization() as f64 / n).abs());
            }
        }
        s
    }

    fn check(what: &str, x: &Estimate, exact: f64, max_error: f64) {
        assert!(x.reliable && x.error < max_error, "{what}: {x:?}");
        assert!(
            x.sigmas_from(exact) < 4.0,
            "{what}: {} ± {} vs exact {exact}",
            x.mean,
            x.error
        );
    }

    /// ⟨e⟩ and C on the 128×128 torus against Kaufman's exact finite-lattice solution.
    #[test]
    fn matches_kaufman_128() {
        let m = ferro("[128, 128]");
        let n = m.n() as f64;
        for t in [2.0, 2.269, 3.0] {
            let beta = 1.0 / t;
            let [e, e2, _] = site_series(&m, Rule::Metropolis, t, t < 2.5, 20_000, 200_000);
            let c = jackknife(&[&e, &e2], 32, |x| beta * beta * n * (x[1] - x[0] * x[0]));
            let exact = kaufman(128, 128, beta).unwrap();
            check(
                &format!("e at T = {t}"),
                &e.estimate(),
                exact.energy_per_spin,
                3e-3,
            );
            let c_exact = exact.specific_heat_per_spin;
            check(&format!("C at T = {t}"), &c, c_exact, 0.2 * c_exact);
        }
    }

    /// ⟨e⟩ and ⟨|m|⟩ on a non-square 128×8 torus (Metropolis and heat bath) and a 128×4×4
    /// one against the scalar sweeper.
    #[test]
    fn matches_scalar() {
        let sweeps = 100_000;
        for (dims, t, rule) in [
            ("[128, 8]", 2.3, Rule::Metropolis),
            ("[128, 8]", 3.0, Rule::HeatBath),
            ("[128, 4, 4]", 5.0, Rule::Metropolis),
        ] {
            let m = ferro(dims);
            let n = m.n() as f64;
            let [e, _, abs_m] = site_series(&m, rule, t, false, 2000, sweeps);
            let streams = Streams::new(13);
            let mut rng = streams.stream(&[purpose::MONTE_CARLO]);
            let mut r = Replica::random(&m, &mut streams.stream(&[purpose::INITIAL_STATE]));
            let sw = Sweeper::new(&m, rule, Order::Sequential, 1.0 / t).unwrap();
            let mut scalar: [Series; 2] = Default::default();
            for k in 0..2000 + sweeps {
                sw.sweep(&m, &mut r, &mut rng);
                if k >= 2000 {
                    scalar[0].push(r.energy() / n);
                    scalar[1].push((r.magnetization() as f64 / n).abs());
                }
            }
            for (what, a, b) in [("e", &e, &scalar[0]), ("|m|", &abs_m, &scalar[1])] {
                let (a, b) = (a.estimate(), b.estimate());
                let sigma = a.error.hypot(b.error);
                assert!(
                    a.reliable && b.reliable && sigma < 0.01,
                    "{what}: {a:?} {b:?}"
                );
                assert!(
                    (a.mean - b.mean).abs() < 4.0 * sigma,
                    "{what}, {dims} at T = {t}: site-packed {} ± {}, scalar {} ± {}",
                    a.mean,
                    a.error,
                    b.mean,
                    b.error
                );
            }
        }
    }
}
