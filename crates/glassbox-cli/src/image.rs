//! Grayscale image grids written as PNG (8-bit gray, zlib via flate2, CRC-32 per chunk).

use std::io::Write;
use std::path::Path;

use anyhow::{ensure, Result};

use crate::runfolder::write_atomic;

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// PNG bytes of a `width × height` 8-bit grayscale image (row-major pixels).
pub fn png_gray(width: usize, height: usize, pixels: &[u8]) -> Result<Vec<u8>> {
    ensure!(
        pixels.len() == width * height && width > 0 && height > 0,
        "bad image size"
    );
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&(width as u32).to_be_bytes());
    ihdr.extend_from_slice(&(height as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit gray, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for row in pixels.chunks(width) {
        z.write_all(&[0])?;
        z.write_all(row)?;
    }
    chunk(&mut out, b"IDAT", &z.finish()?);
    chunk(&mut out, b"IEND", &[]);
    Ok(out)
}

/// Tiles `tiles` (each `rows × cols` values) into a grid of `per_row` columns with a 1-pixel
/// gap, each tile scaled linearly from its own [min, max] (or the fixed `range`) to 0–255,
/// magnified `scale` times, and writes it as a PNG.
pub fn write_grid(
    path: &Path,
    tiles: &[Vec<f64>],
    rows: usize,
    cols: usize,
    per_row: usize,
    range: Option<(f64, f64)>,
    scale: usize,
) -> Result<()> {
    ensure!(
        !tiles.is_empty() && per_row > 0 && scale > 0,
        "empty image grid"
    );
    let grid_rows = tiles.len().div_ceil(per_row);
    let (tw, th) = (cols + 1, rows + 1);
    let (w, h) = ((per_row * tw + 1) * scale, (grid_rows * th + 1) * scale);
    let mut px = vec![64u8; w * h];
    for (k, t) in tiles.iter().enumerate() {
        ensure!(
            t.len() == rows * cols,
            "tile {k} has {} values, expected {}",
            t.len(),
            rows * cols
        );
        let (lo, hi) = range.unwrap_or_else(|| {
            t.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                })
        });
        let span = if hi > lo { hi - lo } else { 1.0 };
        let (gx, gy) = ((k % per_row) * tw + 1, (k / per_row) * th + 1);
        for r in 0..rows {
            for c in 0..cols {
                let v = (((t[r * cols + c] - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8;
                for dy in 0..scale {
                    let y = (gy + r) * scale + dy;
                    let x0 = (gx + c) * scale;
                    px[y * w + x0..y * w + x0 + scale].fill(v);
                }
            }
        }
    }
    write_atomic(path, &png_gray(w, h, &px)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_structure() {
        let png = png_gray(3, 2, &[0, 128, 255, 10, 20, 30]).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        // CRC of the IEND chunk is fixed by the standard.
        assert_eq!(&png[png.len() - 4..], &[0xae, 0x42, 0x60, 0x82]);
        assert!(png_gray(3, 2, &[0; 5]).is_err());
    }
}
