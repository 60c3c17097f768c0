//! Data sets: the IDX format of MNIST (LeCun et al.), plain or gzip-compressed.
//!
//! An IDX file is a big-endian header — two zero bytes, a type code (0x08 = unsigned byte) and
//! the number of dimensions d — followed by d u32 sizes and the data in row-major order.
//! Images are `[count, rows, cols]` u8 arrays, labels `[count]`.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Images with their labels, pixels scaled to [0, 1].
#[derive(Clone, Debug)]
pub struct Images {
    /// Image height in pixels.
    pub rows: usize,
    /// Image width in pixels.
    pub cols: usize,
    /// `count × rows·cols` pixel intensities in [0, 1], row-major per image.
    pub pixels: Vec<f32>,
    /// The class of each image (0–9 for MNIST).
    pub labels: Vec<u8>,
}

impl Images {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image.
    pub fn dim(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `k`.
    pub fn image(&self, k: usize) -> &[f32] {
        &self.pixels[k * self.dim()..(k + 1) * self.dim()]
    }

    /// The images averaged over `f` × `f` blocks of pixels (⌊rows/f⌋ × ⌊cols/f⌋ images; the
    /// last partial rows and columns are dropped). `f` = 1 is a copy; `f` = 0 is an error.
    pub fn pooled(&self, f: usize) -> crate::Result<Images> {
        if f == 0 || f > self.rows || f > self.cols {
            return Err(crate::error::invalid(format!(
                "pooling factor must be between 1 and the image size {} × {}, got {f}",
                self.rows, self.cols
            )));
        }
        let (rows, cols) = (self.rows / f, self.cols / f);
        let norm = 1.0 / (f * f) as f32;
        let mut pixels = Vec::with_capacity(self.len() * rows * cols);
        for k in 0..self.len() {
            let img = self.image(k);
            for r in 0..rows {
                for c in 0..cols {
                    let sum: f32 = (0..f)
                        .flat_map(|i| (0..f).map(move |j| (r * f + i) * self.cols + c * f + j))
                        .map(|p| img[p])
                        .sum();
                    pixels.push(sum * norm);
                }
            }
        }
        Ok(Images {
            rows,
            cols,
            pixels,
            labels: self.labels.clone(),
        })
    }
}

fn parse_error(path: &Path, message: String) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line: 1,
        message,
    }
}

/// Reads a whole file, inflating it when it starts with the gzip magic bytes.
fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(io)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Reads an unsigned-byte IDX array: its shape and data.
pub fn read_idx(path: &Path) -> Result<(Vec<usize>, Vec<u8>)> {
    let bytes = read_maybe_gz(path)?;
    if bytes.len() < 4 || bytes[0] != 0 || bytes[1] != 0 {
        return Err(parse_error(
            path,
            "not an IDX file (bad magic number)".into(),
        ));
    }
    if bytes[2] != 0x08 {
        return Err(parse_error(
            path,
            format!(
                "IDX type 0x{:02x} unsupported (only unsigned bytes, 0x08)",
                bytes[2]
            ),
        ));
    }
    let d = bytes[3] as usize;
    let data_start = 4 + 4 * d;
    if d == 0 || bytes.len() < data_start {
        return Err(parse_error(path, "truncated IDX header".into()));
    }
    let shape: Vec<usize> = (0..d)
        .map(|k| u32::from_be_bytes(bytes[4 + 4 * k..8 + 4 * k].try_into().unwrap()) as usize)
        .collect();
    let count = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
    if count != Some(bytes.len() - data_start) {
        return Err(parse_error(
            path,
            format!(
                "IDX shape {shape:?} needs {} data bytes, file has {}",
                count.map_or("too many".into(), |c| c.to_string()),
                bytes.len() - data_start
            ),
        ));
    }
    Ok((shape, bytes[data_start..].to_vec()))
}

/// The MNIST files in `dir`: `t10k-*` (test set) or `train-*`, plain or `.gz`.
fn mnist_file(dir: &Path, stem: &str) -> Result<PathBuf> {
    [format!("{stem}.gz"), stem.to_string()]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.exists())
        .ok_or_else(|| Error::Io {
            path: dir.join(stem),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "MNIST file not found"),
        })
}

/// Reads MNIST from `dir`: the `set` is `"t10k"` (10 000 test images) or `"train"`.
pub fn mnist(dir: &Path, set: &str) -> Result<Images> {
    let img_path = mnist_file(dir, &format!("{set}-images-idx3-ubyte"))?;
    let lab_path = mnist_file(dir, &format!("{set}-labels-idx1-ubyte"))?;
    let (shape, pixels) = read_idx(&img_path)?;
    if shape.len() != 3 {
        return Err(parse_error(
            &img_path,
            format!("expected 3 dimensions, got {shape:?}"),
        ));
    }
    let (labels_shape, labels) = read_idx(&lab_path)?;
    if labels_shape != [shape[0]] {
        return Err(parse_error(
            &lab_path,
            format!("{} labels for {} images", labels_shape[0], shape[0]),
        ));
    }
    Ok(Images {
        rows: shape[1],
        cols: shape[2],
        pixels: pixels.iter().map(|&p| f32::from(p) / 255.0).collect(),
        labels,
    })
}

/// The MNIST folder on this machine: `$GLASSBOX_MNIST`, else `../shared/data/mnist` next to
/// the repository or `/work/shared/data/mnist`, whichever exists.
pub fn mnist_dir() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::var_os("GLASSBOX_MNIST")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            repo.join("../shared/data/mnist"),
            PathBuf::from("/work/shared/data/mnist"),
        ])
        .find(|d| {
            d.join("t10k-labels-idx1-ubyte.gz").exists()
                || d.join("t10k-labels-idx1-ubyte").exists()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_small_idx_file_and_rejects_bad_ones() {
        let dir = std::env::temp_dir().join(format!("glassbox-idx-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("a.idx");
        let mut bytes = vec![0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3];
        bytes.extend([1, 2, 3, 4, 5, 6]);
        std::fs::write(&good, &bytes).unwrap();
        let (shape, data) = read_idx(&good).unwrap();
        assert_eq!((shape, data), (vec![2, 3], vec![1, 2, 3, 4, 5, 6]));
        let bad = dir.join("b.idx");
        std::fs::write(&bad, &bytes[..bytes.len() - 1]).unwrap();
        assert!(read_idx(&bad)
            .unwrap_err()
            .to_string()
            .contains("needs 6 data bytes"));
        std::fs::write(&bad, b"hello").unwrap();
        assert!(read_idx(&bad).unwrap_err().to_string().contains("magic"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn mnist_test_set_when_present() {
        // The data set lives outside the repository, next to it on the project's machines.
        let Some(dir) = mnist_dir() else {
            eprintln!("MNIST not found; set GLASSBOX_MNIST to its folder");
            return;
        };
        let m = mnist(&dir, "t10k").unwrap();
        assert_eq!((m.len(), m.rows, m.cols), (10_000, 28, 28));
        assert!(m.labels.iter().all(|&l| l < 10));
        assert!(m.pixels.iter().all(|&p| (0.0..=1.0).contains(&p)));
        let p = m.pooled(4).unwrap();
        assert_eq!((p.len(), p.rows, p.cols), (10_000, 7, 7));
        // Pooling keeps the mean intensity of each image (28 = 4 · 7, nothing dropped).
        let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
        assert!((mean(p.image(3)) - mean(m.image(3))).abs() < 1e-6);
        assert!(m.pooled(0).is_err());
    }
}
