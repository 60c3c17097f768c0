//! Interaction graphs: hypercubic lattices (implicit neighbours), sparse graphs in CSR form,
//! random-graph generators, and the G-set / edge-list instance formats.
//!
//! A lattice never stores its neighbour lists: the neighbour of site `i` in direction `k` is
//! computed from its coordinates. Sparse graphs are stored once as a symmetric CSR adjacency
//! (each undirected edge appears in both rows). Complete graphs are dense matrices and live in
//! [`crate::model`].

use std::io::{BufRead, Write};
use std::path::Path;

use rand::Rng as _;

use crate::error::{invalid, Error, Result};
use crate::rng::Rng;

/// The largest lattice dimension supported.
pub const MAX_DIM: usize = 4;

/// A hypercubic lattice `L_1 × … × L_d`, `d ∈ 1..=4`, with periodic or open boundaries.
///
/// Sites are numbered in row-major order with the first coordinate fastest:
/// `i = x_1 + L_1 (x_2 + L_2 (x_3 + …))`. Every site has `2d` neighbour slots; with open
/// boundaries the slots across the boundary carry zero coupling.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Lattice {
    dims: Vec<usize>,
    periodic: bool,
    strides: Vec<usize>,
    n: usize,
}

impl Lattice {
    /// A lattice with side lengths `dims` (each ≥ 2; 1 to 4 dimensions).
    pub fn new(dims: &[usize], periodic: bool) -> Result<Self> {
        if dims.is_empty() || dims.len() > MAX_DIM {
            return Err(invalid(format!(
                "lattice dimension must be 1 to {MAX_DIM}, got {}",
                dims.len()
            )));
        }
        if let Some(&l) = dims.iter().find(|&&l| l < 2) {
            return Err(invalid(format!("lattice side must be at least 2, got {l}")));
        }
        let mut strides = Vec::with_capacity(dims.len());
        let mut n: usize = 1;
        for &l in dims {
            strides.push(n);
            n = n
                .checked_mul(l)
                .filter(|&n| n <= u32::MAX as usize)
                .ok_or_else(|| invalid(format!("lattice {dims:?} has too many sites")))?;
        }
        Ok(Lattice {
            dims: dims.to_vec(),
            periodic,
            strides,
            n,
        })
    }

    /// Number of sites.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Side lengths.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Number of dimensions d.
    pub fn dim(&self) -> usize {
        self.dims.len()
    }

    /// Whether the boundaries are periodic.
    pub fn periodic(&self) -> bool {
        self.periodic
    }

    /// The neighbour of site `i` one step forward along axis `k` (wrapping around), and
    /// whether that bond crosses the boundary.
    #[inline]
    pub fn forward(&self, i: usize, k: usize) -> (usize, bool) {
        let l = self.dims[k];
        let s = self.strides[k];
        let x = (i / s) % l;
        if x + 1 == l {
            (i + s - l * s, true)
        } else {
            (i + s, false)
        }
    }

    /// The neighbour of site `i` one step backward along axis `k` (wrapping around), and
    /// whether that bond crosses the boundary.
    #[inline]
    pub fn backward(&self, i: usize, k: usize) -> (usize, bool) {
        let l = self.dims[k];
        let s = self.strides[k];
        let x = (i / s) % l;
        if x == 0 {
            (i + l * s - s, true)
        } else {
            (i - s, false)
        }
    }

    /// The bonds `(i, j)` of the lattice, one per forward neighbour slot, `d·N` in all for
    /// periodic boundaries (for L = 2 a pair of sites is joined by two bonds). With open
    /// boundaries, bonds crossing the boundary are left out.
    pub fn bonds(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        (0..self.n).flat_map(move |i| {
            (0..self.dim()).filter_map(move |k| {
                let (j, wraps) = self.forward(i, k);
                (self.periodic || !wraps).then_some((i, j))
            })
        })
    }
}

/// A sparse symmetric graph with weights, in compressed-sparse-row form: the neighbours of
/// `i` are `targets[offsets[i]..offsets[i+1]]` with weights `weights[…]`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl Csr {
    /// Builds the symmetric adjacency of `n` vertices from undirected weighted edges
    /// `(i, j, w)` with `i ≠ j`; repeated edges are summed.
    pub fn from_edges(n: usize, edges: &[(usize, usize, f64)]) -> Result<Self> {
        if n > u32::MAX as usize {
            return Err(invalid(format!("graph with {n} vertices is too large")));
        }
        let mut degree = vec![0usize; n];
        for &(i, j, w) in edges {
            if i >= n || j >= n {
                return Err(invalid(format!(
                    "edge ({i}, {j}) has a vertex outside 0..{n}"
                )));
            }
            if i == j {
                return Err(invalid(format!("self-loop at vertex {i}")));
            }
            if !w.is_finite() {
                return Err(invalid(format!("edge ({i}, {j}) has weight {w}")));
            }
            degree[i] += 1;
            degree[j] += 1;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        for d in &degree {
            offsets.push(offsets.last().unwrap() + d);
        }
        let mut fill = offsets[..n].to_vec();
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0f64; offsets[n]];
        for &(i, j, w) in edges {
            targets[fill[i]] = j as u32;
            weights[fill[i]] = w;
            fill[i] += 1;
            targets[fill[j]] = i as u32;
            weights[fill[j]] = w;
            fill[j] += 1;
        }
        // Sort each row and merge repeated edges.
        let mut out_offsets = Vec::with_capacity(n + 1);
        out_offsets.push(0);
        let mut out_targets = Vec::with_capacity(targets.len());
        let mut out_weights = Vec::with_capacity(targets.len());
        for i in 0..n {
            let mut row: Vec<(u32, f64)> = (offsets[i]..offsets[i + 1])
                .map(|e| (targets[e], weights[e]))
                .collect();
            row.sort_by_key(|&(t, _)| t);
            for (t, w) in row {
                if out_targets.len() > out_offsets[i] && *out_targets.last().unwrap() == t {
                    *out_weights.last_mut().unwrap() += w;
                } else {
                    out_targets.push(t);
                    out_weights.push(w);
                }
            }
            out_offsets.push(out_targets.len());
        }
        Ok(Csr {
            offsets: out_offsets,
            targets: out_targets,
            weights: out_weights,
        })
    }

    /// Number of vertices.
    pub fn n(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of undirected edges.
    pub fn edge_count(&self) -> usize {
        self.targets.len() / 2
    }

    /// Neighbours of `i` with their weights.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[i]..self.offsets[i + 1];
        (&self.targets[r.clone()], &self.weights[r])
    }

    /// The undirected edges `(i, j, w)` with `i < j`.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.n()).flat_map(move |i| {
            let (t, w) = self.row(i);
            t.iter()
                .zip(w)
                .filter(move |(&j, _)| (j as usize) > i)
                .map(move |(&j, &w)| (i, j as usize, w))
        })
    }

    /// Bytes needed for a CSR with `n` vertices and `edges` undirected edges.
    pub fn memory_estimate(n: usize, edges: usize) -> u64 {
        (n as u64 + 1) * 8 + edges as u64 * 2 * (4 + 8)
    }
}

/// The edges of a uniformly random `degree`-regular simple graph on `n` vertices
/// (configuration model: random perfect matchings of half-edges, rejecting self-loops and
/// repeated edges and retrying). Requires `n·degree` even and `degree < n`.
pub fn random_regular(n: usize, degree: usize, rng: &mut Rng) -> Result<Vec<(usize, usize)>> {
    if degree == 0 || degree >= n {
        return Err(invalid(format!(
            "random regular graph needs 0 < degree < n, got degree {degree} with n = {n}"
        )));
    }
    if (n * degree) % 2 != 0 {
        return Err(invalid(format!(
            "random regular graph needs n·degree even, got n = {n}, degree = {degree}"
        )));
    }
    // A pairing is simple with probability ~exp(-(c²-1)/4); repair locally by re-drawing
    // conflicting pairs a bounded number of times, then restart from scratch.
    for _attempt in 0..1000 {
        let mut stubs: Vec<usize> = (0..n)
            .flat_map(|i| std::iter::repeat_n(i, degree))
            .collect();
        let mut edges = Vec::with_capacity(n * degree / 2);
        let mut seen = std::collections::HashSet::with_capacity(n * degree);
        let mut failures = 0;
        while !stubs.is_empty() && failures < 100 * degree {
            let a = rng.random_range(0..stubs.len());
            let b = rng.random_range(0..stubs.len());
            let (u, v) = (stubs[a], stubs[b]);
            let key = (u.min(v), u.max(v));
            if a == b || u == v || seen.contains(&key) {
                failures += 1;
                continue;
            }
            seen.insert(key);
            edges.push(key);
            let (hi, lo) = (a.max(b), a.min(b));
            stubs.swap_remove(hi);
            stubs.swap_remove(lo);
        }
        if stubs.is_empty() {
            edges.sort_unstable();
            return Ok(edges);
        }
    }
    Err(invalid(format!(
        "could not draw a simple {degree}-regular graph on {n} vertices"
    )))
}

/// The edges of a random recursive tree on `n ≥ 1` vertices: vertex `i ≥ 1` attaches to a
/// uniformly chosen earlier vertex. Always connected and loop-free (`n − 1` edges `(parent, i)`).
pub fn random_tree(n: usize, rng: &mut Rng) -> Result<Vec<(usize, usize)>> {
    if n == 0 {
        return Err(invalid("a tree needs at least one vertex"));
    }
    Ok((1..n).map(|i| (rng.random_range(0..i), i)).collect())
}

/// The edges of an Erdős–Rényi graph G(n, p) with `p = mean_degree / (n − 1)`: each of the
/// n(n−1)/2 pairs is an edge independently (drawn by geometric skipping, O(n + edges)).
pub fn erdos_renyi(n: usize, mean_degree: f64, rng: &mut Rng) -> Result<Vec<(usize, usize)>> {
    if n < 2 {
        return Err(invalid(format!("Erdős–Rényi graph needs n ≥ 2, got {n}")));
    }
    if !(mean_degree > 0.0 && mean_degree <= (n - 1) as f64) {
        return Err(invalid(format!(
            "Erdős–Rényi mean degree must be in (0, n−1], got {mean_degree}"
        )));
    }
    let p = mean_degree / (n - 1) as f64;
    let mut edges = Vec::new();
    let total = n as u64 * (n as u64 - 1) / 2;
    let log_q = (1.0 - p).ln();
    let mut k: u64 = 0; // index of the next candidate pair in row-major upper-triangle order
    let (mut row, mut row_start) = (0u64, 0u64);
    loop {
        if p < 1.0 {
            let u: f64 = rng.random();
            let skip = ((1.0 - u).ln() / log_q).floor();
            if skip >= (total - k) as f64 {
                break;
            }
            k += skip as u64;
        }
        if k >= total {
            break;
        }
        // Row r holds pairs (r, r+1..n): n-1-r of them.
        while k >= row_start + (n as u64 - 1 - row) {
            row_start += n as u64 - 1 - row;
            row += 1;
        }
        let col = row + 1 + (k - row_start);
        edges.push((row as usize, col as usize));
        k += 1;
    }
    Ok(edges)
}

/// Instance-file formats for weighted graphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileFormat {
    /// G-set / rudy: a first line `n m`, then `m` lines `i j w`, vertices 1-based.
    Gset,
    /// A plain edge list: lines `i j J`, vertices 0-based; `n` is one more than the largest
    /// vertex. Lines starting with `#` are comments.
    EdgeList,
}

/// A weighted graph read from an instance file.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedGraph {
    /// Number of vertices.
    pub n: usize,
    /// Undirected edges `(i, j, w)`, 0-based.
    pub edges: Vec<(usize, usize, f64)>,
}

fn parse_error(path: &Path, line: usize, message: impl Into<String>) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

/// Reads a graph in `format` from `path`.
pub fn read_graph(path: &Path, format: FileFormat) -> Result<WeightedGraph> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_graph(std::io::BufReader::new(file), path, format)
}

/// Parses a graph in `format` from a reader; `path` names it in error messages.
pub fn parse_graph(reader: impl BufRead, path: &Path, format: FileFormat) -> Result<WeightedGraph> {
    let mut header: Option<(usize, usize)> = None;
    let mut edges = Vec::new();
    let mut max_vertex: Option<usize> = None;
    for (k, line) in reader.lines().enumerate() {
        let lineno = k + 1;
        let line = line.map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = t.split_whitespace().collect();
        if format == FileFormat::Gset && header.is_none() {
            if fields.len() != 2 {
                return Err(parse_error(path, lineno, "expected the header `n m`"));
            }
            let n = parse_usize(fields[0], path, lineno, "vertex count")?;
            let m = parse_usize(fields[1], path, lineno, "edge count")?;
            if n == 0 {
                return Err(parse_error(path, lineno, "the graph has no vertices"));
            }
            header = Some((n, m));
            continue;
        }
        if fields.len() != 3 {
            return Err(parse_error(
                path,
                lineno,
                format!("expected `i j w`, found {} fields", fields.len()),
            ));
        }
        let a = parse_usize(fields[0], path, lineno, "vertex")?;
        let b = parse_usize(fields[1], path, lineno, "vertex")?;
        let w: f64 = fields[2]
            .parse()
            .ok()
            .filter(|w: &f64| w.is_finite())
            .ok_or_else(|| parse_error(path, lineno, format!("bad weight `{}`", fields[2])))?;
        let (i, j) = match format {
            FileFormat::Gset => {
                let n = header.unwrap().0;
                if a == 0 || b == 0 || a > n || b > n {
                    return Err(parse_error(
                        path,
                        lineno,
                        format!("vertex out of range 1..={n} in `{t}`"),
                    ));
                }
                (a - 1, b - 1)
            }
            FileFormat::EdgeList => (a, b),
        };
        if i == j {
            return Err(parse_error(
                path,
                lineno,
                format!("self-loop at vertex {a}"),
            ));
        }
        max_vertex = Some(max_vertex.unwrap_or(0).max(i).max(j));
        edges.push((i, j, w));
    }
    let n = match (format, header) {
        (FileFormat::Gset, Some((n, m))) => {
            if edges.len() != m {
                return Err(parse_error(
                    path,
                    1,
                    format!("header announces {m} edges, file has {}", edges.len()),
                ));
            }
            n
        }
        (FileFormat::Gset, None) => return Err(parse_error(path, 1, "empty file")),
        (FileFormat::EdgeList, _) => match max_vertex {
            Some(v) => v + 1,
            None => return Err(parse_error(path, 1, "no edges in file")),
        },
    };
    Ok(WeightedGraph { n, edges })
}

fn parse_usize(s: &str, path: &Path, line: usize, what: &str) -> Result<usize> {
    s.parse()
        .map_err(|_| parse_error(path, line, format!("bad {what} `{s}`")))
}

/// Writes a weighted graph in `format` (weights printed so they read back exactly).
pub fn write_graph(
    mut w: impl Write,
    graph: &WeightedGraph,
    format: FileFormat,
) -> std::io::Result<()> {
    let base = match format {
        FileFormat::Gset => {
            writeln!(w, "{} {}", graph.n, graph.edges.len())?;
            1
        }
        FileFormat::EdgeList => 0,
    };
    for &(i, j, x) in &graph.edges {
        writeln!(w, "{} {} {}", i + base, j + base, x)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    #[test]
    fn lattice_neighbours_wrap() {
        let l = Lattice::new(&[4, 3], true).unwrap();
        assert_eq!(l.n(), 12);
        assert_eq!(l.forward(3, 0), (0, true));
        assert_eq!(l.backward(0, 0), (3, true));
        assert_eq!(l.forward(9, 1), (1, true));
        assert_eq!(l.forward(5, 1), (9, false));
        assert_eq!(l.bonds().count(), 24);
        let open = Lattice::new(&[4, 3], false).unwrap();
        assert_eq!(open.bonds().count(), 3 * 3 + 4 * 2);
        assert!(Lattice::new(&[], true).is_err());
        assert!(Lattice::new(&[2, 2, 2, 2, 2], true).is_err());
        assert!(Lattice::new(&[1, 4], true).is_err());
    }

    #[test]
    fn random_regular_is_regular_and_simple() {
        let mut rng = Streams::new(7).stream(&[1]);
        let edges = random_regular(50, 3, &mut rng).unwrap();
        assert_eq!(edges.len(), 75);
        let mut deg = [0; 50];
        for &(i, j) in &edges {
            assert!(i < j);
            deg[i] += 1;
            deg[j] += 1;
        }
        assert!(deg.iter().all(|&d| d == 3));
        let set: std::collections::HashSet<_> = edges.iter().collect();
        assert_eq!(set.len(), edges.len());
        assert!(random_regular(5, 3, &mut rng).is_err());
        assert!(random_regular(4, 4, &mut rng).is_err());
    }

    #[test]
    fn erdos_renyi_mean_degree() {
        let mut rng = Streams::new(9).stream(&[1]);
        let n = 4000;
        let edges = erdos_renyi(n, 3.0, &mut rng).unwrap();
        let mean = 2.0 * edges.len() as f64 / n as f64;
        // Edge count is binomial: sd of the mean degree ≈ sqrt(2·3/n) ≈ 0.04.
        assert!((mean - 3.0).abs() < 0.16, "mean degree {mean}");
        assert!(edges.iter().all(|&(i, j)| i < j && j < n));
        let full = erdos_renyi(10, 9.0, &mut rng).unwrap();
        assert_eq!(full.len(), 45);
    }

    #[test]
    fn gset_round_trip_and_errors() {
        let text = "3 2\n1 2 1\n2 3 -1\n";
        let p = Path::new("g.txt");
        let g = parse_graph(text.as_bytes(), p, FileFormat::Gset).unwrap();
        assert_eq!(g.n, 3);
        assert_eq!(g.edges, vec![(0, 1, 1.0), (1, 2, -1.0)]);
        let mut out = Vec::new();
        write_graph(&mut out, &g, FileFormat::Gset).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), text);
        let mut out = Vec::new();
        write_graph(&mut out, &g, FileFormat::EdgeList).unwrap();
        let back = parse_graph(out.as_slice(), p, FileFormat::EdgeList).unwrap();
        assert_eq!(back, g);

        let bad = parse_graph("3 2\n1 2 1\n2 x 1\n".as_bytes(), p, FileFormat::Gset);
        assert_eq!(bad.unwrap_err().to_string(), "g.txt:3: bad vertex `x`");
        let bad = parse_graph("3 2\n1 4 1\n2 3 1\n".as_bytes(), p, FileFormat::Gset);
        assert!(bad
            .unwrap_err()
            .to_string()
            .starts_with("g.txt:2: vertex out of range"));
        let bad = parse_graph("3 3\n1 2 1\n2 3 1\n".as_bytes(), p, FileFormat::Gset);
        assert!(bad.unwrap_err().to_string().contains("announces 3 edges"));
    }

    #[test]
    fn csr_merges_and_symmetrizes() {
        let c = Csr::from_edges(3, &[(0, 1, 1.0), (1, 0, 0.5), (1, 2, -2.0)]).unwrap();
        assert_eq!(c.edge_count(), 2);
        assert_eq!(c.row(1), (&[0u32, 2][..], &[1.5, -2.0][..]));
        assert!(Csr::from_edges(2, &[(0, 0, 1.0)]).is_err());
        assert!(Csr::from_edges(2, &[(0, 2, 1.0)]).is_err());
    }
}
