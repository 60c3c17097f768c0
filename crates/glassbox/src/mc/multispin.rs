//! Multispin coding: 64 Ising systems on one periodic 2D or 3D hypercubic lattice, bit-sliced
//! so that one `u64` per site holds that site's spin in all 64 systems ("lanes").
//!
//! # Model
//!
//! Lane k is the zero-field model
//!
//! ```text
//! H_k(s) = -Σ_<ij> J_ij^(k) s_i s_j,      J_ij^(k) = ±J (the same magnitude J > 0 for every bond),
//! ```
//!
//! on a periodic `L_1 × … × L_d` lattice, d ∈ {2, 3}. The lanes can share their couplings
//! (64 replicas of one sample, e.g. the ferromagnet) or each have their own (64 disorder
//! samples of a ±J spin glass). External fields are not supported: models with h ≠ 0 (or
//! Gaussian couplings, open boundaries, other graphs) stay on the scalar path
//! ([`crate::mc::Sweeper`]); [`MultiSpin::check`] says why a model is not eligible.
//!
//! # Bit encoding
//!
//! Bit k of a spin word is 1 when `s_i = −1` in lane k; bit k of a bond word is 1 when
//! `J_ij^(k) = −J`. A bond is *unsatisfied* (contributes +J to the energy) exactly when
//! `spin_i ⊕ spin_j ⊕ bond_ij` has its bit set, so with `u` unsatisfied bonds among the 2d
//! bonds of a site, flipping it changes the energy by `ΔE = 4J (d − u)`. The per-lane counts
//! `u` are kept as bit-sliced threshold masks (`u ≥ 1`, `u ≥ 2`, …) built from the 2d XORs
//! with AND/OR only.
//!
//! # Acceptance (exact)
//!
//! Every lane whose flip probability `q(u)` is neither 0 nor 1 draws its *own* uniform number
//! `U = 0.b_1 b_2 b_3 …` (bit j of the j-th random word of the site, so no random bit is shared
//! between lanes) and flips iff `U < q(u)`. The comparison runs MSB first on all 64 lanes at
//! once against the binary expansion of the 53-bit threshold `⌊q 2^53⌋` (the same integer
//! threshold as the scalar [`crate::mc::Sweeper`]): in round j a lane is decided at the first
//! bit where `b_j` differs from its threshold's bit (accept when `b_j = 0` and the threshold
//! bit is 1), and the rounds stop once every lane of the 4 site words processed together is
//! decided (about 9 rounds on average; the first 10 run without testing, which spares
//! mispredicted branches; each lane on average looks at only 2 of its bits, and rounds past
//! a lane's decision change nothing for it). This is exactly the scalar
//! acceptance `u53 < ⌊q 2^53⌋`: the probabilities are exact to 2^−53, like an f64 uniform.
//! Metropolis needs a comparison only where ΔE > 0 (`u < d`); heat bath needs one everywhere.
//!
//! # Update order
//!
//! When every side is even the lattice is bipartite and a sweep updates the two checkerboard
//! sublattices in turn (every site of one colour at once, each with its own randomness). The
//! spins are then stored per colour in rows along axis 0 with one ghost word at each end, so
//! that all neighbour loads are contiguous and the kernel vectorizes; several site words are
//! processed together, each with its own xoshiro256++ stream ([`MultiRng`]). With an odd side
//! (e.g. 3×3×3) the sweep is sequential in site order instead, one site word at a time.
//!
//! A sweep is N attempted flips in every lane, i.e. 64 N attempts. The kernel is picked at
//! run time (AVX-512VL, AVX2 or portable code); all give bit-identical results, so a seed
//! reproduces a run on any x86-64 CPU.
//!
//! # Use
//!
//! ```
//! use glassbox::mc::multispin::{MultiRng, MultiSpin, MultiSweeper};
//! use glassbox::mc::Rule;
//! use glassbox::model::ModelSpec;
//! use glassbox::rng::{purpose, Streams};
//!
//! let model = ModelSpec::from_toml("graph = { kind = 'lattice', dims = [32, 32] }")?.build()?;
//! let streams = Streams::new(7);
//! let mut state = MultiSpin::new(&model)?; // 64 replicas (from_models: 64 samples)
//! state.randomize(&mut streams.stream(&[purpose::INITIAL_STATE]));
//! let mut rng = MultiRng::new(&streams, &[purpose::MONTE_CARLO]);
//! let sweeper = MultiSweeper::new(&state, Rule::Metropolis, 1.0 / 2.269)?;
//! let averages = sweeper.run(&mut state, &mut rng, 100, 1000, 1)?;
//! assert!(averages.energy.mean < -1.0);
//! let lane_3 = state.lane_replica(3); // a scalar Replica of lane 3
//! assert_eq!(lane_3.energy(), state.energies()[3]);
//! # Ok::<(), glassbox::Error>(())
//! ```

// Index loops over site words and bond slots spell out the bit-sliced formulas (several
// arrays indexed alike) and are what LLVM vectorizes.
#![allow(clippy::needless_range_loop)]

use rand::RngCore;

use crate::error::{invalid, Result};
use crate::graph::Lattice;
use crate::mc::lanes::F32s;
use crate::mc::update::threshold;
use crate::mc::{Replica, Rule};
use crate::measure::{Estimate, Series};
use crate::model::{Couplings, Ising, LatticeCouplings};
use crate::rng::{Rng, Streams};

/// Number of systems in one [`MultiSpin`].
pub const LANES: usize = 64;

/// Site words processed together by the checkerboard kernel (= random streams in a
/// [`MultiRng`]).
pub(crate) const W: usize = 4;

/// Bits of the acceptance thresholds (as the scalar path).
const BITS: usize = 53;

/// Threshold rounds run before the kernel starts testing whether every lane is decided.
const FREE_ROUNDS: usize = 10;

/// The most classes of a site: u = 0..=2d unsatisfied bonds, d ≤ 3.
const MAXC: usize = 7;

/// Neighbour slots of a site (2d, d ≤ 3).
pub(crate) const SLOTS: usize = 6;

/// The random bits of the multispin kernels: `W` interleaved xoshiro256++ generators (one per
/// site word processed together), each seeded from its own [`Streams`] path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MultiRng {
    /// `s[j][w]`: state word j of generator w (structure of arrays, so the step vectorizes).
    s: [[u64; W]; 4],
}

impl MultiRng {
    /// The generators for `path`: generator w is seeded from `streams.stream(path ++ [w])`.
    pub fn new(streams: &Streams, path: &[u64]) -> Self {
        let mut s = [[0u64; W]; 4];
        let mut p = path.to_vec();
        p.push(0);
        for w in 0..W {
            *p.last_mut().expect("nonempty path") = w as u64;
            let mut g = streams.stream(&p);
            while (0..4).all(|j| s[j][w] == 0) {
                for row in s.iter_mut() {
                    row[w] = g.next_u64();
                }
            }
        }
        MultiRng { s }
    }

    /// Generators with the given state words (`s[j][w]`: word j of generator w), for kernels
    /// that never draw.
    pub(crate) fn from_state(s: [[u64; W]; 4]) -> Self {
        MultiRng { s }
    }

    /// The generators' state in registers (see [`xoshiro`]).
    #[inline(always)]
    pub(crate) fn load<V: Simd>(&self) -> [V; 4] {
        std::array::from_fn(|j| V::from_array(self.s[j]))
    }

    /// Writes back the state `g` taken by [`MultiRng::load`] and advanced since.
    #[inline(always)]
    pub(crate) fn store<V: Simd>(&mut self, g: &[V; 4]) {
        for (s, v) in self.s.iter_mut().zip(g) {
            *s = v.to_array();
        }
    }
}

/// Where sites live in the word arrays.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum Layout {
    /// Every side even: colour c = (x_1 + … + x_d) mod 2. Colour c, row r (the coordinates
    /// x_2…x_d, row-major) holds the sites `x_1 = 2k + o` (o = parity of the row plus c) at
    /// word `(c·rows + r)·pitch + 1 + k`, k < half; words 0 and half + 1 of each row are
    /// ghosts (copies of words half and 1). Bond words (the bond to the forward neighbour
    /// along axis a) use the same place in array `(c·d + a)`.
    Checkerboard {
        half: usize,
        pitch: usize,
        rows: usize,
        /// Parity of each row's coordinates x_2 + … + x_d.
        parity: Vec<u8>,
        /// For each row, the rows one step back and forward along axes 2..d.
        nbrows: Vec<[u32; 4]>,
    },
    /// Some side odd: site i at word i, bond (i, a) at word i·d + a; `nb[i]` lists the
    /// neighbours as [back along 1, forward along 1, back along 2, …].
    Natural { nb: Vec<[u32; SLOTS]> },
}

/// 64 bit-sliced Ising systems on a periodic 2D/3D lattice (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MultiSpin {
    lattice: Lattice,
    j: f64,
    layout: Layout,
    spins: Vec<u64>,
    /// Bond words (bit set: J = −J); `None` when every lane has every bond +J.
    bonds: Option<Vec<u64>>,
}

impl MultiSpin {
    /// Checks that `model` can be run bit-sliced and returns the bond magnitude J: a periodic
    /// 2D or 3D lattice, zero field, every coupling ±J with one J > 0.
    pub fn check(model: &Ising) -> Result<f64> {
        let Couplings::Lattice(c) = model.couplings() else {
            return Err(invalid("multispin coding needs a lattice model"));
        };
        let lat = c.lattice();
        if !lat.periodic() || !(2..=3).contains(&lat.dim()) {
            return Err(invalid(
                "multispin coding needs a periodic 2D or 3D lattice",
            ));
        }
        if model.fields().iter().any(|&h| h != 0.0) {
            return Err(invalid("multispin coding needs zero external field"));
        }
        let j = c.bond(0, 0).abs();
        let d = lat.dim();
        if !(j > 0.0 && j.is_finite())
            || (0..lat.n()).any(|i| (0..d).any(|a| c.bond(i, a).abs() != j))
        {
            return Err(invalid(
                "multispin coding needs couplings ±J with one magnitude J > 0",
            ));
        }
        Ok(j)
    }

    /// 64 replicas of `model`, all spins up (+1).
    pub fn new(model: &Ising) -> Result<Self> {
        MultiSpin::from_models(std::slice::from_ref(model))
    }

    /// Lane k runs `models[k % models.len()]` (1 to 64 models on the same lattice with the
    /// same J), all spins up. 64 models give 64 disorder samples.
    pub fn from_models(models: &[Ising]) -> Result<Self> {
        if models.is_empty() || models.len() > LANES {
            return Err(invalid(format!(
                "multispin coding takes 1 to {LANES} models, got {}",
                models.len()
            )));
        }
        let j = MultiSpin::check(&models[0])?;
        let lattice = match models[0].couplings() {
            Couplings::Lattice(c) => c.lattice().clone(),
            _ => unreachable!("checked"),
        };
        for m in &models[1..] {
            let jm = MultiSpin::check(m)?;
            let Couplings::Lattice(c) = m.couplings() else {
                unreachable!("checked")
            };
            if c.lattice() != &lattice || jm != j {
                return Err(invalid(
                    "multispin models must share the lattice and the bond magnitude J",
                ));
            }
        }
        let layout = Layout::for_lattice(&lattice);
        let d = lattice.dim();
        let mut st = MultiSpin {
            j,
            spins: vec![0; layout.words(&lattice, 1)],
            bonds: None,
            layout,
            lattice,
        };
        let mut bonds = vec![0u64; st.layout.words(&st.lattice, d)];
        for (k, m) in (0..LANES).map(|k| (k, &models[k % models.len()])) {
            let Couplings::Lattice(c) = m.couplings() else {
                unreachable!("checked")
            };
            for i in 0..st.lattice.n() {
                for a in 0..d {
                    if c.bond(i, a) < 0.0 {
                        bonds[st.bond_at(i, a)] |= 1 << k;
                    }
                }
            }
        }
        if bonds.iter().any(|&b| b != 0) {
            st.bonds = Some(bonds);
            st.refresh_bond_ghosts();
        }
        Ok(st)
    }

    /// Number of spins per lane.
    pub fn n(&self) -> usize {
        self.lattice.n()
    }

    /// The lattice.
    pub fn lattice(&self) -> &Lattice {
        &self.lattice
    }

    /// The bond magnitude J.
    pub fn coupling(&self) -> f64 {
        self.j
    }

    /// Whether the lanes have per-bond signs (false: every bond is +J, the ferromagnet).
    pub fn has_signs(&self) -> bool {
        self.bonds.is_some()
    }

    /// Independent uniformly random spins in every lane (one random word per site, in site
    /// order).
    pub fn randomize(&mut self, rng: &mut Rng) {
        for i in 0..self.n() {
            let w = self.spin_at(i);
            self.spins[w] = rng.next_u64();
        }
        self.refresh_all_ghosts();
    }

    /// Sets lane k to the configuration `spins` (each ±1).
    pub fn set_lane(&mut self, k: usize, spins: &[i8]) -> Result<()> {
        if k >= LANES || spins.len() != self.n() {
            return Err(invalid(format!(
                "lane {k} of {LANES} with {} spins (the lattice has {})",
                spins.len(),
                self.n()
            )));
        }
        if let Some(s) = spins.iter().find(|&&s| s != 1 && s != -1) {
            return Err(invalid(format!("spins must be ±1, found {s}")));
        }
        for (i, &s) in spins.iter().enumerate() {
            let w = self.spin_at(i);
            self.spins[w] = (self.spins[w] & !(1 << k)) | (((s < 0) as u64) << k);
        }
        self.refresh_all_ghosts();
        Ok(())
    }

    /// The configuration of lane k (k < 64), as ±1 spins in site order.
    pub fn lane_spins(&self, k: usize) -> Vec<i8> {
        assert!(k < LANES, "lane {k} out of range");
        (0..self.n())
            .map(|i| 1 - 2 * ((self.spins[self.spin_at(i)] >> k) & 1) as i8)
            .collect()
    }

    /// The model of lane k, as a scalar [`Ising`] model.
    pub fn lane_model(&self, k: usize) -> Ising {
        assert!(k < LANES, "lane {k} out of range");
        let d = self.lattice.dim();
        let mut w = vec![self.j; self.n() * d];
        if let Some(b) = &self.bonds {
            for i in 0..self.n() {
                for a in 0..d {
                    if (b[self.bond_at(i, a)] >> k) & 1 == 1 {
                        w[i * d + a] = -self.j;
                    }
                }
            }
        }
        let c = LatticeCouplings::new(self.lattice.clone(), w).expect("consistent lattice");
        Ising::new(Couplings::Lattice(c), vec![0.0; self.n()]).expect("valid model")
    }

    /// Lane k as a scalar [`Replica`] of [`MultiSpin::lane_model`]`(k)`.
    pub fn lane_replica(&self, k: usize) -> Replica {
        Replica::new(&self.lane_model(k), self.lane_spins(k)).expect("valid spins")
    }

    /// Magnetizations M_k = Σ_i s_i of the 64 lanes.
    pub fn magnetizations(&self) -> [i64; LANES] {
        let mut count = VerticalCount::default();
        self.for_each_spin_word(|w| count.add(self.spins[w]));
        let n = self.n() as i64;
        std::array::from_fn(|k| n - 2 * count.lane(k) as i64)
    }

    /// Per lane, the number of sites whose spin differs between `self` and `other` (the
    /// Hamming distance; after one sweep from `other`, the lane's accepted flips, as a sweep
    /// visits every site once). Both must be states of the same lattice.
    pub fn differing_sites(&self, other: &MultiSpin) -> [u64; LANES] {
        assert_eq!(self.spins.len(), other.spins.len(), "states of one lattice");
        let mut count = VerticalCount::default();
        self.for_each_spin_word(|w| count.add(self.spins[w] ^ other.spins[w]));
        std::array::from_fn(|k| count.lane(k))
    }

    /// Copies the spins of the lanes in `mask` (bit k for lane k) from `other`, a state of
    /// the same lattice.
    pub fn copy_lanes(&mut self, other: &MultiSpin, mask: u64) {
        assert_eq!(self.spins.len(), other.spins.len(), "states of one lattice");
        for (a, &b) in self.spins.iter_mut().zip(&other.spins) {
            *a = (*a & !mask) | (b & mask);
        }
    }

    /// Calls `f` with the index of every site's spin word (ghost words skipped), in layout
    /// order.
    fn for_each_spin_word(&self, mut f: impl FnMut(usize)) {
        match &self.layout {
            Layout::Checkerboard {
                half, pitch, rows, ..
            } => {
                for row in 0..2 * rows {
                    (row * pitch + 1..row * pitch + 1 + half).for_each(&mut f);
                }
            }
            Layout::Natural { .. } => (0..self.n()).for_each(f),
        }
    }

    /// Energies E_k = H_k(s) of the 64 lanes.
    pub fn energies(&self) -> [f64; LANES] {
        // Each bond once: on the checkerboard every bond has one end of colour 0; otherwise
        // the forward slots (odd) of every site.
        let mut count = VerticalCount::default();
        let d = self.lattice.dim();
        let checkerboard = matches!(self.layout, Layout::Checkerboard { .. });
        self.for_each_site_of(0..if checkerboard { 1 } else { 2 }, |_, v| {
            for (b, &u) in v[..2 * d].iter().enumerate() {
                if checkerboard || b % 2 == 1 {
                    count.add(u);
                }
            }
        });
        let bonds = (self.n() * d) as f64;
        std::array::from_fn(|k| self.j * (2.0 * count.lane(k) as f64 - bonds))
    }

    /// The lanes (bit k set for lane k) in which every spin is aligned with its local field,
    /// i.e. no single flip lowers the energy.
    pub fn local_minimum_lanes(&self) -> u64 {
        let d = self.lattice.dim();
        let mut bad = 0u64;
        self.for_each_site(|_, v| {
            // ΔE < 0 ⇔ more than d of the 2d bonds unsatisfied.
            let mut ge = [0u64; MAXC + 1];
            ge[0] = !0;
            for &u in &v[..2 * d] {
                for t in (1..=2 * d).rev() {
                    ge[t] |= ge[t - 1] & u;
                }
            }
            bad |= ge[d + 1];
        });
        !bad
    }

    /// Calls `f(spin word, unsatisfied-bond words)` for every site, slot order as the layout.
    fn for_each_site(&self, f: impl FnMut(u64, &[u64; SLOTS])) {
        self.for_each_site_of(0..2, f)
    }

    /// [`MultiSpin::for_each_site`] restricted to the checkerboard colours `colours` (all
    /// sites for the sequential layout).
    fn for_each_site_of(
        &self,
        colours: std::ops::Range<usize>,
        mut f: impl FnMut(u64, &[u64; SLOTS]),
    ) {
        let d = self.lattice.dim();
        let bond = |w: usize| self.bonds.as_ref().map_or(0, |b| b[w]);
        match &self.layout {
            Layout::Checkerboard { half, rows, .. } => {
                for c in colours {
                    for r in 0..*rows {
                        let v = self.row_views(c, r);
                        for x in 0..*half {
                            let s = self.spins[v.own + x];
                            let mut u = [0u64; SLOTS];
                            for b in 0..2 * d {
                                u[b] = s ^ self.spins[v.nb[b] + x] ^ bond(v.bond[b] + x);
                            }
                            f(s, &u);
                        }
                    }
                }
            }
            Layout::Natural { nb } => {
                for (i, nb) in nb.iter().enumerate() {
                    let s = self.spins[i];
                    let mut u = [0u64; SLOTS];
                    for b in 0..2 * d {
                        let a = b / 2;
                        let bw = if b % 2 == 0 {
                            nb[b] as usize * d + a
                        } else {
                            i * d + a
                        };
                        u[b] = s ^ self.spins[nb[b] as usize] ^ bond(bw);
                    }
                    f(s, &u);
                }
            }
        }
    }

    /// Word holding site i's spins.
    fn spin_at(&self, i: usize) -> usize {
        self.layout.place(&self.lattice, i, 0, 1)
    }

    /// Word holding the bonds from site i to its forward neighbour along axis a.
    fn bond_at(&self, i: usize, a: usize) -> usize {
        self.layout.place(&self.lattice, i, a, self.lattice.dim())
    }

    /// Where colour c, row r of the checkerboard layout and its neighbours start.
    fn row_views(&self, c: usize, r: usize) -> RowView {
        let Layout::Checkerboard {
            pitch,
            rows,
            parity,
            nbrows,
            ..
        } = &self.layout
        else {
            unreachable!("checkerboard layout")
        };
        let d = self.lattice.dim();
        let o = (parity[r] as usize + c) % 2;
        let other = 1 - c;
        let spin = |c: usize, r: usize| (c * rows + r) * pitch;
        let bond = |c: usize, a: usize, r: usize| ((c * d + a) * rows + r) * pitch;
        let mut v = RowView {
            own: spin(c, r) + 1,
            nb: [0; SLOTS],
            bond: [0; SLOTS],
        };
        // Along axis 1 the neighbours are in the same row of the other colour, shifted by o.
        v.nb[0] = spin(other, r) + o;
        v.nb[1] = spin(other, r) + o + 1;
        v.bond[0] = bond(other, 0, r) + o;
        v.bond[1] = bond(c, 0, r) + 1;
        for a in 1..d {
            let (back, fwd) = (
                nbrows[r][2 * (a - 1)] as usize,
                nbrows[r][2 * (a - 1) + 1] as usize,
            );
            v.nb[2 * a] = spin(other, back) + 1;
            v.nb[2 * a + 1] = spin(other, fwd) + 1;
            v.bond[2 * a] = bond(other, a, back) + 1;
            v.bond[2 * a + 1] = bond(c, a, r) + 1;
        }
        v
    }

    fn refresh_ghosts(words: &mut [u64], layout: &Layout, arrays: std::ops::Range<usize>) {
        if let Layout::Checkerboard {
            half, pitch, rows, ..
        } = layout
        {
            for row in arrays.flat_map(|a| a * rows..(a + 1) * rows) {
                let b = row * pitch;
                words[b] = words[b + half];
                words[b + half + 1] = words[b + 1];
            }
        }
    }

    fn refresh_all_ghosts(&mut self) {
        MultiSpin::refresh_ghosts(&mut self.spins, &self.layout, 0..2);
    }

    fn refresh_bond_ghosts(&mut self) {
        let d = self.lattice.dim();
        if let Some(b) = &mut self.bonds {
            MultiSpin::refresh_ghosts(b, &self.layout, 0..2 * d);
        }
    }
}

/// Start words of a checkerboard row, its 2d neighbour rows and bond rows (slot order: back
/// and forward along axis 1, then along axis 2, …).
struct RowView {
    own: usize,
    nb: [usize; SLOTS],
    bond: [usize; SLOTS],
}

impl Layout {
    fn for_lattice(lattice: &Lattice) -> Layout {
        let dims = lattice.dims();
        let d = dims.len();
        if dims.iter().all(|l| l % 2 == 0) {
            let (parity, nbrows) = checkerboard_rows(dims);
            let half = dims[0] / 2;
            Layout::Checkerboard {
                half,
                pitch: half + 2,
                rows: parity.len(),
                parity,
                nbrows,
            }
        } else {
            let nb = (0..lattice.n())
                .map(|i| {
                    let mut s = [0u32; SLOTS];
                    for a in 0..d {
                        s[2 * a] = lattice.backward(i, a).0 as u32;
                        s[2 * a + 1] = lattice.forward(i, a).0 as u32;
                    }
                    s
                })
                .collect();
            Layout::Natural { nb }
        }
    }

    /// Words of an array family with `per_colour` arrays per colour (1 for spins, d for bonds).
    fn words(&self, lattice: &Lattice, per_colour: usize) -> usize {
        match self {
            Layout::Checkerboard { pitch, rows, .. } => 2 * per_colour * rows * pitch,
            Layout::Natural { .. } => lattice.n() * per_colour,
        }
    }

    /// Word of site i in array a of a family with `per_colour` arrays per colour.
    fn place(&self, lattice: &Lattice, i: usize, a: usize, per_colour: usize) -> usize {
        match self {
            Layout::Checkerboard {
                pitch,
                rows,
                parity,
                ..
            } => {
                let l = lattice.dims()[0];
                let (x, r) = (i % l, i / l);
                let c = (x + parity[r] as usize) % 2;
                ((c * per_colour + a) * rows + r) * pitch + 1 + x / 2
            }
            Layout::Natural { .. } => i * per_colour + a,
        }
    }
}

/// The rows (lines along axis 1) of a periodic lattice with sides `dims` (d ≤ 3), indexed by
/// the coordinates x_2…x_d in site order (x_2 fastest): for each row the parity of
/// x_2 + … + x_d and the rows one step back and forward along axes 2..d (unused slots 0).
pub(crate) fn checkerboard_rows(dims: &[usize]) -> (Vec<u8>, Vec<[u32; 4]>) {
    let d = dims.len();
    let rows: usize = dims[1..].iter().product();
    let mut parity = Vec::with_capacity(rows);
    let mut nbrows = Vec::with_capacity(rows);
    for r in 0..rows {
        // Coordinates x_2..x_d of row r.
        let mut coord = [0usize; 3];
        let mut rest = r;
        for a in 1..d {
            coord[a] = rest % dims[a];
            rest /= dims[a];
        }
        parity.push((coord[1..d].iter().sum::<usize>() % 2) as u8);
        let mut nbr = [0u32; 4];
        for a in 1..d {
            let stride: usize = dims[1..a].iter().product();
            let x = coord[a];
            let back = if x == 0 {
                r + (dims[a] - 1) * stride
            } else {
                r - stride
            };
            let fwd = if x + 1 == dims[a] {
                r - x * stride
            } else {
                r + stride
            };
            nbr[2 * (a - 1)] = back as u32;
            nbr[2 * (a - 1) + 1] = fwd as u32;
        }
        nbrows.push(nbr);
    }
    (parity, nbrows)
}

/// Per-lane population counts of a stream of words (bit k of every word counts for lane k).
/// Words are buffered 16 at a time and summed by a carry-save adder tree (Harley–Seal) into
/// bit-sliced partial sums of weight 1, 2, 4 and 8; each block's carries of weight 16 go to a
/// bit-sliced binary counter. About five word operations per word.
#[derive(Default)]
struct VerticalCount {
    buf: [u64; 16],
    len: usize,
    /// Partial sums of weight 1, 2, 4, 8.
    low: [u64; 4],
    /// Bit-sliced binary counter of the weight-16 carries.
    sixteens: Vec<u64>,
}

/// Carry-save adder: `(carry, sum)` of three words, lane by lane.
#[inline(always)]
fn csa(a: u64, b: u64, c: u64) -> (u64, u64) {
    let u = a ^ b;
    ((a & b) | (u & c), u ^ c)
}

impl VerticalCount {
    #[inline(always)]
    fn add(&mut self, x: u64) {
        self.buf[self.len] = x;
        self.len += 1;
        if self.len == 16 {
            self.len = 0;
            self.block();
        }
    }

    /// Adds the 16 buffered words.
    fn block(&mut self) {
        let b = &self.buf;
        let [mut ones, mut twos, mut fours, mut eights] = self.low;
        let mut eights_in = [0u64; 2];
        for (h, e) in eights_in.iter_mut().enumerate() {
            let b = &b[8 * h..8 * h + 8];
            let mut fours_in = [0u64; 2];
            for (q, f) in fours_in.iter_mut().enumerate() {
                let b = &b[4 * q..4 * q + 4];
                let (t1, o) = csa(ones, b[0], b[1]);
                let (t2, o) = csa(o, b[2], b[3]);
                ones = o;
                let (f_, t) = csa(twos, t1, t2);
                twos = t;
                *f = f_;
            }
            let (e_, f) = csa(fours, fours_in[0], fours_in[1]);
            fours = f;
            *e = e_;
        }
        let (mut carry, e) = csa(eights, eights_in[0], eights_in[1]);
        eights = e;
        self.low = [ones, twos, fours, eights];
        for p in self.sixteens.iter_mut() {
            if carry == 0 {
                return;
            }
            let c = *p & carry;
            *p ^= carry;
            carry = c;
        }
        if carry != 0 {
            self.sixteens.push(carry);
        }
    }

    fn lane(&self, k: usize) -> u64 {
        let bit = |w: u64| (w >> k) & 1;
        let high: u64 = self
            .sixteens
            .iter()
            .enumerate()
            .map(|(p, &w)| bit(w) << p)
            .sum();
        let low: u64 = self.low.iter().enumerate().map(|(p, &w)| bit(w) << p).sum();
        16 * high + low + self.buf[..self.len].iter().map(|&w| bit(w)).sum::<u64>()
    }
}

/// Per-class decision data for one rule and temperature. A site's class is its number u of
/// unsatisfied bonds (for Metropolis, the last class is u ≥ d).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Table {
    /// All ones for the classes that need a random comparison.
    need: [u64; MAXC],
    /// All ones for the classes that always flip.
    sure: [u64; MAXC],
    /// `rounds[j][c]`: all ones when bit j (from the top) of class c's 53-bit threshold is 1.
    rounds: Vec<[u64; MAXC]>,
}

impl Table {
    /// The table for flip probabilities `q(u)`, u = 0..classes.
    fn new(classes: usize, q: impl Fn(usize) -> f64) -> Table {
        let mut t = Table {
            need: [0; MAXC],
            sure: [0; MAXC],
            rounds: vec![[0; MAXC]; BITS],
        };
        for c in 0..classes {
            let th = threshold(q(c));
            if th >= 1 << BITS {
                t.sure[c] = !0;
            } else if th > 0 {
                t.need[c] = !0;
                for (j, r) in t.rounds.iter_mut().enumerate() {
                    r[c] = 0u64.wrapping_sub((th >> (BITS - 1 - j)) & 1);
                }
            }
        }
        t
    }

    /// The table of `rule` at inverse temperature `beta` (finite, > 0) for the hypercubic
    /// lattice of dimension `d` with bond magnitude `j`.
    pub(crate) fn for_rule(rule: Rule, beta: f64, d: usize, j: f64) -> Result<Table> {
        if !(beta.is_finite() && beta > 0.0) {
            return Err(invalid(format!(
                "inverse temperature must be finite and positive, got {beta}"
            )));
        }
        // u unsatisfied bonds: x = s_i h_i^loc = J (2d − 2u), ΔE = 2x.
        let x = |u: usize| j * 2.0 * (d as f64 - u as f64);
        Ok(match rule {
            Rule::Metropolis => Table::new(d + 1, |u| {
                if u == d {
                    1.0
                } else {
                    rule.flip_probability(beta, x(u))
                }
            }),
            Rule::HeatBath => Table::new(2 * d + 1, |u| rule.flip_probability(beta, x(u))),
        })
    }

    /// The zero-temperature table (for the heat-bath classes u = 0..=2d): flip exactly when
    /// that lowers the energy (u > d); never draws a random number.
    pub(crate) fn quench(d: usize) -> Table {
        Table::new(2 * d + 1, |u| if u > d { 1.0 } else { 0.0 })
    }
}

/// Single-spin-flip Monte Carlo of a [`MultiSpin`] at fixed β (Metropolis or heat bath with
/// exact acceptance, see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
pub struct MultiSweeper {
    rule: Rule,
    beta: f64,
    dim: usize,
    coupling: f64,
    table: Table,
}

impl MultiSweeper {
    /// A sweeper for `state` (its dimension and J) at inverse temperature `beta` (finite, > 0).
    pub fn new(state: &MultiSpin, rule: Rule, beta: f64) -> Result<Self> {
        let (dim, coupling) = (state.lattice.dim(), state.j);
        Ok(MultiSweeper {
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

    /// One sweep: N attempted flips in each of the 64 lanes. `state` must have the dimension
    /// and bond magnitude J of the state the sweeper was built for.
    pub fn sweep(&self, state: &mut MultiSpin, rng: &mut MultiRng) {
        assert!(
            state.lattice.dim() == self.dim && state.j == self.coupling,
            "sweeper built for another lattice dimension or J"
        );
        match self.rule {
            Rule::Metropolis => sweep_dispatch::<false>(state, &self.table, rng),
            Rule::HeatBath => sweep_dispatch::<true>(state, &self.table, rng),
        };
    }
}

/// Lane-averaged observables per spin from [`MultiSweeper::run`]: every measurement is the
/// mean over the 64 lanes (over disorder samples too, when the lanes hold different ones), and
/// the error bars account for the autocorrelation in time.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LaneAverages {
    /// ⟨e⟩ = ⟨E⟩/N.
    pub energy: Estimate,
    /// ⟨|m|⟩.
    pub abs_m: Estimate,
    /// ⟨m²⟩.
    pub m2: Estimate,
}

impl MultiSweeper {
    /// Runs `thermalization` sweeps, then `sweeps` more, measuring the lane averages after
    /// every `measure_every`-th of them (≥ 1).
    pub fn run(
        &self,
        state: &mut MultiSpin,
        rng: &mut MultiRng,
        thermalization: u64,
        sweeps: u64,
        measure_every: u64,
    ) -> Result<LaneAverages> {
        if sweeps == 0 || measure_every == 0 {
            return Err(invalid("sweeps and measure_every must be positive"));
        }
        for _ in 0..thermalization {
            self.sweep(state, rng);
        }
        let n = state.n() as f64;
        let mut series: [Series; 3] = Default::default();
        for k in 1..=sweeps {
            self.sweep(state, rng);
            if k % measure_every != 0 {
                continue;
            }
            let (e, mag) = (state.energies(), state.magnetizations());
            let mut sums = [0.0; 3];
            for (e, m) in e.iter().zip(mag) {
                let m = m as f64 / n;
                sums[0] += e / n;
                sums[1] += m.abs();
                sums[2] += m * m;
            }
            for (s, x) in series.iter_mut().zip(sums) {
                s.push(x / LANES as f64);
            }
        }
        let [energy, abs_m, m2] = series.map(|s| s.estimate());
        Ok(LaneAverages { energy, abs_m, m2 })
    }
}

/// Zero-temperature quench of every lane: sweeps (checkerboard, or sequential for odd sides)
/// flipping each spin whose flip lowers the energy, until none does; every lane then sits in
/// a local minimum. Deterministic. Returns the number of sweeps.
pub fn quench(state: &mut MultiSpin) -> usize {
    let table = Table::quench(state.lattice.dim());
    // Never draws: no class needs a comparison.
    let mut rng = MultiRng { s: [[1; W]; 4] };
    let mut sweeps = 0;
    loop {
        sweeps += 1;
        if sweep_dispatch::<true>(state, &table, &mut rng) == 0 {
            return sweeps;
        }
    }
}

/// An implementation of the sweep: the same arithmetic, so the same results, on any of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kernel {
    /// `[u64; W]` code (whatever the compiler makes of it).
    Portable,
    /// AVX2 registers.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX-512VL on 256-bit registers (fused three-input logic and rotations).
    #[cfg(all(target_arch = "x86_64", glassbox_avx512))]
    Avx512,
}

impl Kernel {
    /// The kernels this CPU can run, fastest first.
    pub(crate) fn available() -> Vec<Kernel> {
        let mut k = Vec::new();
        #[cfg(all(target_arch = "x86_64", glassbox_avx512))]
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("fma")
        {
            k.push(Kernel::Avx512);
        }
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                k.push(Kernel::Avx2);
            }
        }
        k.push(Kernel::Portable);
        k
    }

    pub(crate) fn best() -> Kernel {
        static BEST: std::sync::OnceLock<Kernel> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| Kernel::available()[0])
    }

    /// Runs `body` on this kernel's registers.
    pub(crate) fn run<B: Body>(self, body: B) -> u64 {
        match self {
            Kernel::Portable => body.run::<[u64; W]>(),
            // SAFETY: `Kernel::available` lists these only when the CPU has the features.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { avx2::run(body) },
            #[cfg(all(target_arch = "x86_64", glassbox_avx512))]
            Kernel::Avx512 => unsafe { avx512::run(body) },
        }
    }
}

/// Code generic over the register type (a sweep), which [`Kernel::run`] compiles for and
/// runs on each implementation.
pub(crate) trait Body {
    /// Runs on registers `V`; the result is the body's own (flip masks, accepted flips).
    fn run<V: Simd>(self) -> u64;
}

/// One sweep of a [`MultiSpin`], as a [`Body`].
struct Sweep<'a, const D: usize, const HB: bool, const PM: bool> {
    st: &'a mut MultiSpin,
    tab: &'a Table,
    rng: &'a mut MultiRng,
}

impl<const D: usize, const HB: bool, const PM: bool> Body for Sweep<'_, D, HB, PM> {
    #[inline(always)]
    fn run<V: Simd>(self) -> u64 {
        sweep_body::<V, D, HB, PM>(self.st, self.tab, self.rng)
    }
}

/// Runs one sweep with the fastest kernel for the state's dimension, couplings and the CPU;
/// returns the OR of all flip masks.
fn sweep_dispatch<const HB: bool>(st: &mut MultiSpin, tab: &Table, rng: &mut MultiRng) -> u64 {
    sweep_kernel::<HB>(Kernel::best(), st, tab, rng)
}

fn sweep_kernel<const HB: bool>(
    kernel: Kernel,
    st: &mut MultiSpin,
    tab: &Table,
    rng: &mut MultiRng,
) -> u64 {
    match (st.lattice.dim(), st.bonds.is_some()) {
        (2, false) => sweep_cpu::<2, HB, false>(kernel, st, tab, rng),
        (2, true) => sweep_cpu::<2, HB, true>(kernel, st, tab, rng),
        (3, false) => sweep_cpu::<3, HB, false>(kernel, st, tab, rng),
        (3, true) => sweep_cpu::<3, HB, true>(kernel, st, tab, rng),
        _ => unreachable!("checked dimension"),
    }
}

fn sweep_cpu<const D: usize, const HB: bool, const PM: bool>(
    kernel: Kernel,
    st: &mut MultiSpin,
    tab: &Table,
    rng: &mut MultiRng,
) -> u64 {
    kernel.run(Sweep::<D, HB, PM> { st, tab, rng })
}

/// `W` site words (or `W` generators' state words) side by side: the few operations the
/// kernel needs. `[u64; W]` is the portable implementation; the AVX2 one is the same
/// arithmetic on one 256-bit register, so both give identical results.
pub(crate) trait Simd: Copy {
    /// Eight single-precision lanes on the same kind of register (the arithmetic of
    /// [replica lanes](crate::mc::lanes)).
    type F32: F32s;
    /// The `4 W` 32-bit halves of the words as `F32` lanes: lane 2w is the low half of word
    /// w, lane 2w + 1 its high half.
    fn bits32(self) -> Self::F32;
    fn splat(x: u64) -> Self;
    fn from_array(a: [u64; W]) -> Self;
    fn to_array(self) -> [u64; W];
    /// The first `W` words of `s` (which must have that many).
    fn load(s: &[u64]) -> Self;
    /// Writes the first `W` words of `s`.
    fn store(self, s: &mut [u64]);
    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    /// `!self & o`.
    fn andnot(self, o: Self) -> Self;
    fn add(self, o: Self) -> Self;
    fn shl(self, k: u32) -> Self;
    fn rotl(self, k: u32) -> Self;
    fn is_zero(self) -> bool;
    /// `self | (a & b)`.
    #[inline(always)]
    fn or_and(self, a: Self, b: Self) -> Self {
        self.or(a.and(b))
    }
    /// `self | (a & b & !c)`.
    #[inline(always)]
    fn or_and_andnot(self, a: Self, b: Self, c: Self) -> Self {
        self.or(a.and(c.andnot(b)))
    }
    /// `self & !(a ^ b)`.
    #[inline(always)]
    fn and_xnor(self, a: Self, b: Self) -> Self {
        a.xor(b).andnot(self)
    }
    /// `self ^ (a ^ b)`.
    #[inline(always)]
    fn xor3(self, a: Self, b: Self) -> Self {
        self.xor(a.xor(b))
    }
}

impl Simd for [u64; W] {
    type F32 = [f32; 8];
    #[inline(always)]
    fn bits32(self) -> [f32; 8] {
        std::array::from_fn(|l| f32::from_bits((self[l / 2] >> (32 * (l % 2))) as u32))
    }
    #[inline(always)]
    fn splat(x: u64) -> Self {
        [x; W]
    }
    #[inline(always)]
    fn from_array(a: [u64; W]) -> Self {
        a
    }
    #[inline(always)]
    fn to_array(self) -> [u64; W] {
        self
    }
    #[inline(always)]
    fn load(s: &[u64]) -> Self {
        s[..W].try_into().expect("W words")
    }
    #[inline(always)]
    fn store(self, s: &mut [u64]) {
        s[..W].copy_from_slice(&self);
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        std::array::from_fn(|w| self[w] & o[w])
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        std::array::from_fn(|w| self[w] | o[w])
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        std::array::from_fn(|w| self[w] ^ o[w])
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        std::array::from_fn(|w| !self[w] & o[w])
    }
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        std::array::from_fn(|w| self[w].wrapping_add(o[w]))
    }
    #[inline(always)]
    fn shl(self, k: u32) -> Self {
        std::array::from_fn(|w| self[w] << k)
    }
    #[inline(always)]
    fn rotl(self, k: u32) -> Self {
        std::array::from_fn(|w| self[w].rotate_left(k))
    }
    #[inline(always)]
    fn is_zero(self) -> bool {
        self.iter().fold(0, |a, &x| a | x) == 0
    }
}

/// The AVX2 kernel: a [`Body`] (e.g. [`sweep_body`]) on 256-bit registers, compiled with AVX2
/// enabled.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Body, Simd, W};
    use crate::mc::lanes::Avx8;
    use std::arch::x86_64::*;

    /// Registers per value.
    const H: usize = W / 4;

    /// `W` words in `W/4` 256-bit registers. Only ever created inside [`run`], which runs
    /// after AVX2 was detected; that is what makes the `unsafe` intrinsic calls below sound.
    #[derive(Clone, Copy)]
    pub(super) struct Avx2([__m256i; H]);

    impl Avx2 {
        #[inline(always)]
        fn map2(self, o: Self, f: impl Fn(__m256i, __m256i) -> __m256i) -> Self {
            Avx2(std::array::from_fn(|h| f(self.0[h], o.0[h])))
        }
    }

    const _: () = assert!(H == 1, "one 256-bit register per value");

    impl Simd for Avx2 {
        type F32 = Avx8;
        #[inline(always)]
        fn bits32(self) -> Avx8 {
            // SAFETY: AVX2 is available, see the type's doc.
            Avx8(unsafe { _mm256_castsi256_ps(self.0[0]) })
        }
        #[inline(always)]
        fn splat(x: u64) -> Self {
            // SAFETY (this and every block below): AVX2 is available, see the type's doc.
            Avx2([unsafe { _mm256_set1_epi64x(x as i64) }; H])
        }
        #[inline(always)]
        fn from_array(a: [u64; W]) -> Self {
            Avx2::load(&a)
        }
        #[inline(always)]
        fn to_array(self) -> [u64; W] {
            let mut a = [0; W];
            self.store(&mut a);
            a
        }
        #[inline(always)]
        fn load(s: &[u64]) -> Self {
            assert!(s.len() >= W);
            // SAFETY: W words are readable (checked); unaligned loads.
            Avx2(std::array::from_fn(|h| unsafe {
                _mm256_loadu_si256(s.as_ptr().add(4 * h).cast())
            }))
        }
        #[inline(always)]
        fn store(self, s: &mut [u64]) {
            assert!(s.len() >= W);
            for h in 0..H {
                // SAFETY: W words are writable (checked); unaligned stores.
                unsafe { _mm256_storeu_si256(s.as_mut_ptr().add(4 * h).cast(), self.0[h]) }
            }
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            self.map2(o, |a, b| unsafe { _mm256_and_si256(a, b) })
        }
        #[inline(always)]
        fn or(self, o: Self) -> Self {
            self.map2(o, |a, b| unsafe { _mm256_or_si256(a, b) })
        }
        #[inline(always)]
        fn xor(self, o: Self) -> Self {
            self.map2(o, |a, b| unsafe { _mm256_xor_si256(a, b) })
        }
        #[inline(always)]
        fn andnot(self, o: Self) -> Self {
            self.map2(o, |a, b| unsafe { _mm256_andnot_si256(a, b) })
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            self.map2(o, |a, b| unsafe { _mm256_add_epi64(a, b) })
        }
        #[inline(always)]
        fn shl(self, k: u32) -> Self {
            self.map2(self, |a, _| unsafe {
                _mm256_sll_epi64(a, _mm_cvtsi32_si128(k as i32))
            })
        }
        #[inline(always)]
        fn rotl(self, k: u32) -> Self {
            self.map2(self, |a, _| unsafe {
                _mm256_or_si256(
                    _mm256_sll_epi64(a, _mm_cvtsi32_si128(k as i32)),
                    _mm256_srl_epi64(a, _mm_cvtsi32_si128(64 - k as i32)),
                )
            })
        }
        #[inline(always)]
        fn is_zero(self) -> bool {
            let x = self
                .0
                .iter()
                .fold(unsafe { _mm256_setzero_si256() }, |a, &b| unsafe {
                    _mm256_or_si256(a, b)
                });
            unsafe { _mm256_testz_si256(x, x) == 1 }
        }
    }

    /// `body` on AVX2 registers.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn run<B: Body>(body: B) -> u64 {
        body.run::<Avx2>()
    }
}

/// The AVX-512VL kernel: a [`Body`] on 256-bit registers with three-input logic
/// (`vpternlogq`) and rotations (`vprolq`) fused. Its intrinsics are stable since Rust 1.89,
/// above the MSRV: `build.rs` sets `glassbox_avx512` only for such compilers.
#[cfg(all(target_arch = "x86_64", glassbox_avx512))]
#[allow(clippy::incompatible_msrv)]
mod avx512 {
    use super::{Body, Simd, W};
    use crate::mc::lanes::Avx8;
    use std::arch::x86_64::*;

    const _: () = assert!(W == 4, "one 256-bit register per value");

    /// `W` = 4 words in a 256-bit register. Only ever created inside [`run`], which runs
    /// after AVX-512F/VL were detected; that is what makes the `unsafe` intrinsic calls below
    /// sound.
    #[derive(Clone, Copy)]
    pub(super) struct Avx512(__m256i);

    /// `vpternlogq` truth-table operands: the bits of A, B and C.
    const A: i32 = 0xF0;
    const B: i32 = 0xCC;
    const C: i32 = 0xAA;

    impl Simd for Avx512 {
        type F32 = Avx8;
        #[inline(always)]
        fn bits32(self) -> Avx8 {
            // SAFETY: AVX-512F/VL (so AVX) are available, see the type's doc.
            Avx8(unsafe { _mm256_castsi256_ps(self.0) })
        }
        #[inline(always)]
        fn splat(x: u64) -> Self {
            // SAFETY (this and every block below): AVX-512F/VL are available, see the type.
            Avx512(unsafe { _mm256_set1_epi64x(x as i64) })
        }
        #[inline(always)]
        fn from_array(a: [u64; W]) -> Self {
            Avx512::load(&a)
        }
        #[inline(always)]
        fn to_array(self) -> [u64; W] {
            let mut a = [0; W];
            self.store(&mut a);
            a
        }
        #[inline(always)]
        fn load(s: &[u64]) -> Self {
            assert!(s.len() >= W);
            // SAFETY: W words are readable (checked); unaligned load.
            Avx512(unsafe { _mm256_loadu_si256(s.as_ptr().cast()) })
        }
        #[inline(always)]
        fn store(self, s: &mut [u64]) {
            assert!(s.len() >= W);
            // SAFETY: W words are writable (checked); unaligned store.
            unsafe { _mm256_storeu_si256(s.as_mut_ptr().cast(), self.0) }
        }
        #[inline(always)]
        fn and(self, o: Self) -> Self {
            Avx512(unsafe { _mm256_and_si256(self.0, o.0) })
        }
        #[inline(always)]
        fn or(self, o: Self) -> Self {
            Avx512(unsafe { _mm256_or_si256(self.0, o.0) })
        }
        #[inline(always)]
        fn xor(self, o: Self) -> Self {
            Avx512(unsafe { _mm256_xor_si256(self.0, o.0) })
        }
        #[inline(always)]
        fn andnot(self, o: Self) -> Self {
            Avx512(unsafe { _mm256_andnot_si256(self.0, o.0) })
        }
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            Avx512(unsafe { _mm256_add_epi64(self.0, o.0) })
        }
        #[inline(always)]
        fn shl(self, k: u32) -> Self {
            Avx512(unsafe { _mm256_sll_epi64(self.0, _mm_cvtsi32_si128(k as i32)) })
        }
        #[inline(always)]
        fn rotl(self, k: u32) -> Self {
            Avx512(unsafe { _mm256_rolv_epi64(self.0, _mm256_set1_epi64x(k as i64)) })
        }
        #[inline(always)]
        fn is_zero(self) -> bool {
            unsafe { _mm256_test_epi64_mask(self.0, self.0) == 0 }
        }
        #[inline(always)]
        fn or_and(self, a: Self, b: Self) -> Self {
            Avx512(unsafe { _mm256_ternarylogic_epi64::<{ A | (B & C) }>(self.0, a.0, b.0) })
        }
        #[inline(always)]
        fn or_and_andnot(self, a: Self, b: Self, c: Self) -> Self {
            let t = unsafe { _mm256_ternarylogic_epi64::<{ A & B & !C & 0xFF }>(a.0, b.0, c.0) };
            Avx512(unsafe { _mm256_or_si256(self.0, t) })
        }
        #[inline(always)]
        fn and_xnor(self, a: Self, b: Self) -> Self {
            Avx512(unsafe {
                _mm256_ternarylogic_epi64::<{ A & !(B ^ C) & 0xFF }>(self.0, a.0, b.0)
            })
        }
        #[inline(always)]
        fn xor3(self, a: Self, b: Self) -> Self {
            Avx512(unsafe { _mm256_ternarylogic_epi64::<{ A ^ B ^ C }>(self.0, a.0, b.0) })
        }
    }

    /// `body` on AVX-512F/VL registers.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and AVX-512VL.
    #[target_feature(enable = "avx2,fma,avx512f,avx512vl")]
    pub(super) unsafe fn run<B: Body>(body: B) -> u64 {
        body.run::<Avx512>()
    }
}

/// The next output of the `W` xoshiro256++ generators whose state words are `g`.
#[inline(always)]
pub(crate) fn xoshiro<V: Simd>(g: &mut [V; 4]) -> V {
    let [s0, s1, s2, s3] = *g;
    let out = s0.add(s3).rotl(23).add(s0);
    // s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= s1 << 17; s3 = rotl(s3, 45).
    let t = s1.shl(17);
    *g = [
        s0.xor3(s3, s1),
        s1.xor3(s2, s0),
        t.xor3(s2, s0),
        s3.xor(s1).rotl(45),
    ];
    out
}

/// One sweep of `st` (both colours, or all sites in order) with the decision table `tab`;
/// returns the OR of the flip masks.
#[inline(always)]
fn sweep_body<V: Simd, const D: usize, const HB: bool, const PM: bool>(
    st: &mut MultiSpin,
    tab: &Table,
    rng: &mut MultiRng,
) -> u64 {
    let mut g: [V; 4] = rng.load();
    let mut any = V::splat(0);
    let empty: &[u64] = &[];
    match &st.layout {
        Layout::Checkerboard {
            half, rows, pitch, ..
        } => {
            let (half, rows, pitch) = (*half, *rows, *pitch);
            for c in 0..2 {
                for r in 0..rows {
                    let v = st.row_views(c, r);
                    // Colour c is written, colour 1 − c only read.
                    let (lo, hi) = st.spins.split_at_mut(rows * pitch);
                    let (own, other, off) = if c == 0 {
                        (lo, &*hi, rows * pitch)
                    } else {
                        (hi, &*lo, 0)
                    };
                    let own = &mut own[v.own - c * rows * pitch..][..half];
                    let nb: [&[u64]; SLOTS] = std::array::from_fn(|b| {
                        if b < 2 * D {
                            &other[v.nb[b] - off..][..half]
                        } else {
                            empty
                        }
                    });
                    let bd: [&[u64]; SLOTS] = std::array::from_fn(|b| match &st.bonds {
                        Some(bonds) if PM && b < 2 * D => &bonds[v.bond[b]..][..half],
                        _ => empty,
                    });
                    any = any.or(row::<V, D, HB, PM>(own, &nb, &bd, tab, &mut g));
                }
                MultiSpin::refresh_ghosts(&mut st.spins, &st.layout, c..c + 1);
            }
        }
        Layout::Natural { nb } => {
            // One site word at a time (the other W − 1 slots are idle).
            let bonds = st.bonds.as_deref().unwrap_or(empty);
            let one = |x: u64| {
                let mut a = [0; W];
                a[0] = x;
                V::from_array(a)
            };
            for (i, nb) in nb.iter().enumerate() {
                let s = one(st.spins[i]);
                let mut v = [V::splat(0); SLOTS];
                for b in 0..2 * D {
                    let mut x = st.spins[nb[b] as usize];
                    if PM {
                        let w = if b % 2 == 0 { nb[b] as usize } else { i };
                        x ^= bonds[w * D + b / 2];
                    }
                    v[b] = one(x);
                }
                let f = decide::<V, D, HB>(s, &v, tab, &mut g).to_array()[0];
                st.spins[i] ^= f;
                any = any.or(one(f));
            }
        }
    }
    rng.store(&g);
    any.to_array().iter().fold(0, |a, &x| a | x)
}

/// Updates one checkerboard row `own` (all its site words, `W` at a time) given its
/// neighbour rows `nb` and bond rows `bd` (same length; `bd` unused without per-lane signs).
/// Returns the OR of the flip masks.
#[inline(always)]
pub(crate) fn row<V: Simd, const D: usize, const HB: bool, const PM: bool>(
    own: &mut [u64],
    nb: &[&[u64]; SLOTS],
    bd: &[&[u64]; SLOTS],
    tab: &Table,
    g: &mut [V; 4],
) -> V {
    let len = own.len();
    let mut any = V::splat(0);
    let mut x = 0;
    while x + W <= len {
        let s = V::load(&own[x..]);
        let mut v = [V::splat(0); SLOTS];
        for b in 0..2 * D {
            v[b] = V::load(&nb[b][x..]);
            if PM {
                v[b] = v[b].xor(V::load(&bd[b][x..]));
            }
        }
        let f = decide::<V, D, HB>(s, &v, tab, g);
        s.xor(f).store(&mut own[x..]);
        any = any.or(f);
        x += W;
    }
    if x < len {
        // The last len − x < W words, padded with zeros (their results are dropped).
        let m = len - x;
        let part =
            |sl: &[u64]| V::from_array(std::array::from_fn(|w| if w < m { sl[x + w] } else { 0 }));
        let s = part(own);
        let mut v = [V::splat(0); SLOTS];
        for b in 0..2 * D {
            v[b] = part(nb[b]);
            if PM {
                v[b] = v[b].xor(part(bd[b]));
            }
        }
        let f = decide::<V, D, HB>(s, &v, tab, g).to_array();
        let s = s.to_array();
        for w in 0..m {
            own[x + w] = s[w] ^ f[w];
        }
        any = any.or(V::from_array(std::array::from_fn(|w| {
            if w < m {
                f[w]
            } else {
                0
            }
        })));
    }
    any
}

/// The flip masks of `W` site words with spins `s` whose neighbours (XOR bond signs) are `v`:
/// bit-sliced counting of unsatisfied bonds, then the exact MSB-first threshold comparison,
/// one random word per generator per round, until every lane of the `W` words is decided.
#[inline(always)]
fn decide<V: Simd, const D: usize, const HB: bool>(
    s: V,
    v: &[V; SLOTS],
    tab: &Table,
    g: &mut [V; 4],
) -> V {
    // Heat bath needs every count u = 0..2d, Metropolis only u < d and u ≥ d.
    let top = if HB { 2 * D } else { D };
    // ge[t]: lanes with at least t unsatisfied bonds.
    let mut ge = [V::splat(0); MAXC];
    for b in 0..2 * D {
        let u = s.xor(v[b]);
        for t in (2..=top.min(b + 1)).rev() {
            ge[t] = ge[t].or_and(ge[t - 1], u);
        }
        ge[1] = ge[1].or(u);
    }
    // One-hot classes: u = c for c < top, u ≥ top for c = top.
    let mut cls = [V::splat(0); MAXC];
    cls[0] = ge[1].andnot(V::splat(!0));
    for c in 1..top {
        cls[c] = ge[c + 1].andnot(ge[c]);
    }
    cls[top] = ge[top];
    let mut und = V::splat(0);
    let mut acc = V::splat(0);
    for c in 0..=top {
        und = und.or(cls[c].and(V::splat(tab.need[c])));
        acc = acc.or(cls[c].and(V::splat(tab.sure[c])));
    }
    // Metropolis' last class (u ≥ d) always flips: no rounds for it.
    let rc = if HB { top + 1 } else { top };
    if !und.is_zero() {
        // The first FREE_ROUNDS rounds run untested: a register of ~200 comparing lanes
        // needs about 9 on average, and a fixed count spares most of the mispredicted exits
        // of a variable-length loop.
        for bits in &tab.rounds[..FREE_ROUNDS] {
            round(bits, &cls, rc, g, &mut acc, &mut und);
        }
        for bits in &tab.rounds[FREE_ROUNDS..] {
            if und.is_zero() {
                break;
            }
            round(bits, &cls, rc, g, &mut acc, &mut und);
        }
    }
    acc
}

/// One threshold round: a random bit for every lane, compared with the bit `bits[class]` of
/// its class's threshold (classes `0..rc` of `cls`).
#[inline(always)]
fn round<V: Simd>(
    bits: &[u64; MAXC],
    cls: &[V; MAXC],
    rc: usize,
    g: &mut [V; 4],
    acc: &mut V,
    und: &mut V,
) {
    let r = xoshiro(g);
    let mut p = V::splat(0);
    for c in 0..rc {
        p = p.or_and(cls[c], V::splat(bits[c]));
    }
    // Decided where r ≠ p; accepted where moreover r = 0 (so p = 1).
    *acc = acc.or_and_andnot(*und, p, r);
    *und = und.and_xnor(p, r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;
    use crate::rng::purpose;

    fn model(toml: &str) -> Ising {
        ModelSpec::from_toml(toml).unwrap().build().unwrap()
    }

    fn ferro(dims: &str) -> Ising {
        model(&format!("graph = {{ kind = 'lattice', dims = {dims} }}"))
    }

    fn pm(dims: &str, seed: u64) -> Ising {
        model(&format!(
            "graph = {{ kind = 'lattice', dims = {dims} }}\ncouplings = {{ law = 'plus-minus' }}\nseed = {seed}"
        ))
    }

    #[test]
    fn eligibility() {
        assert!(MultiSpin::check(&ferro("[8, 8]")).is_ok());
        assert!(MultiSpin::check(&pm("[4, 4, 4]", 1)).is_ok());
        let e = |t: &str| MultiSpin::check(&model(t)).unwrap_err().to_string();
        assert!(e("graph = { kind = 'lattice', dims = [8] }").contains("2D or 3D"));
        assert!(
            e("graph = { kind = 'lattice', dims = [4, 4], periodic = false }").contains("periodic")
        );
        assert!(
            e("graph = { kind = 'lattice', dims = [4, 4] }\nfield = { uniform = 0.1 }")
                .contains("field")
        );
        assert!(
            e("graph = { kind = 'lattice', dims = [4, 4] }\ncouplings = { law = 'gaussian' }")
                .contains("±J")
        );
        assert!(e("graph = { kind = 'complete', n = 5 }").contains("lattice"));
    }

    /// Energies, magnetizations and lane round trips agree with the scalar model, for both
    /// layouts and both coupling kinds.
    #[test]
    fn observables_match_scalar() {
        for m in [
            ferro("[6, 4]"),
            pm("[4, 6]", 3),
            pm("[4, 2, 6]", 4),
            pm("[3, 3, 3]", 5),
            ferro("[5, 4]"),
        ] {
            let mut st = MultiSpin::new(&m).unwrap();
            st.randomize(&mut Streams::new(9).stream(&[0]));
            let (e, mag) = (st.energies(), st.magnetizations());
            for k in [0, 1, 31, 63] {
                let r = st.lane_replica(k);
                assert_eq!(st.lane_model(k), m);
                assert!(
                    (r.energy() - e[k]).abs() < 1e-9,
                    "{} vs {}",
                    r.energy(),
                    e[k]
                );
                assert_eq!(r.magnetization(), mag[k]);
                let mut t = st.clone();
                t.set_lane(k, r.spins()).unwrap();
                assert_eq!(t, st);
            }
        }
    }

    #[test]
    fn per_lane_samples() {
        let models: Vec<Ising> = (0..64).map(|k| pm("[4, 4]", k)).collect();
        let mut st = MultiSpin::from_models(&models).unwrap();
        st.randomize(&mut Streams::new(1).stream(&[0]));
        let e = st.energies();
        for (k, m) in models.iter().enumerate() {
            assert_eq!(&st.lane_model(k), m);
            assert!((m.energy(&st.lane_spins(k)) - e[k]).abs() < 1e-9);
        }
        assert!(MultiSpin::from_models(&[ferro("[4, 4]"), ferro("[6, 4]")]).is_err());
    }

    /// Quench: every lane ends in a local minimum, checked against the scalar replica too.
    #[test]
    fn quench_reaches_local_minimum_in_every_lane() {
        for m in [ferro("[16, 16]"), pm("[8, 8, 8]", 2), pm("[5, 3, 3]", 6)] {
            let mut st = MultiSpin::new(&m).unwrap();
            st.randomize(&mut Streams::new(3).stream(&[0]));
            let e0 = st.energies();
            assert_ne!(st.local_minimum_lanes(), !0);
            let sweeps = quench(&mut st);
            assert!(sweeps > 1);
            assert_eq!(st.local_minimum_lanes(), !0);
            let e1 = st.energies();
            for k in 0..LANES {
                assert!(st.lane_replica(k).is_local_minimum(), "lane {k}");
                assert!(e1[k] < e0[k]);
            }
        }
    }

    fn run(m: &Ising, rule: Rule, beta: f64, sweeps: usize, seed: u64) -> MultiSpin {
        let streams = Streams::new(seed);
        let mut st = MultiSpin::new(m).unwrap();
        st.randomize(&mut streams.stream(&[purpose::INITIAL_STATE]));
        let mut rng = MultiRng::new(&streams, &[purpose::MONTE_CARLO]);
        let sw = MultiSweeper::new(&st, rule, beta).unwrap();
        for _ in 0..sweeps {
            sw.sweep(&mut st, &mut rng);
        }
        st
    }

    /// Same seed, same result bit for bit; different lanes (and seeds) differ.
    #[test]
    fn reproducible_and_lanes_independent() {
        for (m, beta) in [(ferro("[16, 8]"), 0.44), (pm("[3, 3, 3]", 1), 0.3)] {
            for rule in [Rule::Metropolis, Rule::HeatBath] {
                let a = run(&m, rule, beta, 20, 5);
                assert_eq!(a, run(&m, rule, beta, 20, 5));
                assert_ne!(a, run(&m, rule, beta, 20, 6));
                let lanes: Vec<Vec<i8>> = (0..LANES).map(|k| a.lane_spins(k)).collect();
                for k in 0..LANES {
                    for l in 0..k {
                        assert_ne!(lanes[k], lanes[l], "lanes {k} and {l}");
                    }
                }
            }
        }
    }

    /// Every kernel this CPU can run (portable, AVX2, AVX-512) gives the same result bit
    /// for bit.
    #[test]
    fn kernels_agree() {
        let kernels = Kernel::available();
        for m in [ferro("[16, 6]"), pm("[6, 4, 10]", 1), pm("[3, 5, 3]", 2)] {
            for rule in [Rule::Metropolis, Rule::HeatBath] {
                let mut start = MultiSpin::new(&m).unwrap();
                start.randomize(&mut Streams::new(4).stream(&[0]));
                let sw = MultiSweeper::new(&start, rule, 0.6).unwrap();
                let runs: Vec<(MultiSpin, MultiRng)> = kernels
                    .iter()
                    .map(|&k| {
                        let mut st = start.clone();
                        let mut rng = MultiRng::new(&Streams::new(4), &[1]);
                        for _ in 0..5 {
                            match rule {
                                Rule::Metropolis => {
                                    sweep_kernel::<false>(k, &mut st, &sw.table, &mut rng)
                                }
                                Rule::HeatBath => {
                                    sweep_kernel::<true>(k, &mut st, &sw.table, &mut rng)
                                }
                            };
                        }
                        (st, rng)
                    })
                    .collect();
                assert_ne!(runs[0].0, start);
                for (k, r) in kernels.iter().zip(&runs) {
                    assert_eq!(r, &runs[0], "{k:?} vs {:?}", kernels[0]);
                }
            }
        }
    }

    /// Lanes started in the same configuration part at once: a random number shared between
    /// lanes would keep identical lanes identical forever.
    #[test]
    fn identical_lanes_diverge() {
        for m in [ferro("[16, 16]"), pm("[4, 4, 4]", 3), pm("[3, 3, 3]", 4)] {
            for rule in [Rule::Metropolis, Rule::HeatBath] {
                let mut st = MultiSpin::new(&m).unwrap();
                let mut rng = MultiRng::new(&Streams::new(8), &[0]);
                let sw = MultiSweeper::new(&st, rule, 0.1).unwrap();
                for _ in 0..5 {
                    sw.sweep(&mut st, &mut rng);
                }
                let lanes: Vec<Vec<i8>> = (0..LANES).map(|k| st.lane_spins(k)).collect();
                // At β = 0.1 after 5 sweeps the spins are nearly unbiased: two independent
                // lanes of N = 27 spins coincide with probability ~2^-27.
                for k in 0..LANES {
                    for l in 0..k {
                        assert_ne!(lanes[k], lanes[l], "{rule:?}: lanes {k} and {l}");
                    }
                }
            }
        }
    }

    /// The bit-sliced counts (magnetizations, Hamming distances) and lane copies agree with
    /// the scalar configurations, on both layouts.
    #[test]
    fn lane_counts_and_copies() {
        for m in [pm("[6, 6, 8]", 1), pm("[3, 5, 3]", 2)] {
            let mut a = MultiSpin::new(&m).unwrap();
            a.randomize(&mut Streams::new(1).stream(&[0]));
            let mut b = a.clone();
            b.randomize(&mut Streams::new(2).stream(&[0]));
            let d = a.differing_sites(&b);
            let mag = a.magnetizations();
            for k in 0..LANES {
                let (x, y) = (a.lane_spins(k), b.lane_spins(k));
                let hamming = x.iter().zip(&y).filter(|(p, q)| p != q).count() as u64;
                assert_eq!(d[k], hamming, "lane {k}");
                assert_eq!(mag[k], x.iter().map(|&s| s as i64).sum::<i64>());
            }
            let mask = 0x00ff_0000_0000_f00f;
            let mut c = a.clone();
            c.copy_lanes(&b, mask);
            for k in 0..LANES {
                let want = if (mask >> k) & 1 == 1 { &b } else { &a };
                assert_eq!(c.lane_spins(k), want.lane_spins(k));
            }
            assert_eq!(c.energies()[2], b.energies()[2]);
            assert_eq!(c.energies()[5], a.energies()[5]);
        }
    }

    #[test]
    fn thresholds_are_the_scalar_ones() {
        let st = MultiSpin::new(&ferro("[4, 4]")).unwrap();
        let sw = MultiSweeper::new(&st, Rule::Metropolis, 0.5).unwrap();
        // u = 0: ΔE = 8, q = e^{-4}; u = 1: q = e^{-2}; u ≥ 2 sure.
        for (c, q) in [(0, (-4.0f64).exp()), (1, (-2.0f64).exp())] {
            let th: u64 = sw.table.rounds.iter().fold(0, |t, r| (t << 1) | (r[c] & 1));
            assert_eq!(th, threshold(q));
        }
        assert_eq!(sw.table.sure[2], !0);
        assert_eq!(sw.table.need[..3], [!0, !0, 0]);
    }
}
