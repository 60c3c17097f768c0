//! Writer for NumPy `.npy` files, format version 1.0 (C order, little-endian).
//!
//! Layout: magic `\x93NUMPY`, version `1 0`, a little-endian `u16` header length, then an
//! ASCII dict such as `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` padded
//! with spaces and ending in `\n` so that magic + version + length + dict is a multiple of
//! 64 bytes; the raw array data follows.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, ensure, Result};

use crate::runfolder::{write_atomic, write_atomic_with};

/// An element type that can be stored in a `.npy` file.
pub trait NpyElement: Copy {
    /// NumPy dtype string, e.g. `<f8`.
    const DESCR: &'static str;
    /// Appends the little-endian bytes of `self`.
    fn put(self, out: &mut Vec<u8>);
}

macro_rules! npy_element {
    ($($t:ty => $descr:literal),* $(,)?) => {$(
        impl NpyElement for $t {
            const DESCR: &'static str = $descr;
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

npy_element!(
    i8 => "|i1", u8 => "|u1", i16 => "<i2", u16 => "<u2", i32 => "<i4", u32 => "<u4",
    i64 => "<i8", u64 => "<u8", f32 => "<f4", f64 => "<f8",
);

impl NpyElement for bool {
    const DESCR: &'static str = "|b1";
    fn put(self, out: &mut Vec<u8>) {
        out.push(u8::from(self));
    }
}

/// Python tuple syntax for a shape: `()`, `(n,)` or `(a, b, c)`.
fn shape_tuple(shape: &[usize]) -> String {
    match shape {
        [] => "()".to_string(),
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// The complete v1.0 preamble (magic, version, length, padded dict) for `descr` and `shape`.
pub fn npy_header(descr: &str, shape: &[usize]) -> Result<Vec<u8>> {
    let mut dict = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': {}, }}",
        shape_tuple(shape)
    );
    // 6 magic + 2 version + 2 length bytes, then the dict and a final newline.
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    dict.push_str(&" ".repeat(total - unpadded));
    dict.push('\n');
    let Ok(len) = u16::try_from(dict.len()) else {
        bail!("npy header for shape {shape:?} is too long for format version 1.0");
    };
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    debug_assert_eq!(out.len() % 64, 0);
    Ok(out)
}

/// Checks that `shape` describes exactly `len` elements.
fn check_shape(shape: &[usize], len: usize) -> Result<()> {
    let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    match count {
        Some(n) if n == len => Ok(()),
        Some(n) => bail!("npy shape {shape:?} holds {n} elements but {len} were given"),
        None => bail!("npy shape {shape:?} overflows"),
    }
}

/// The whole `.npy` file for `data` (C order) with the given `shape`, in memory.
#[cfg(test)]
fn npy_bytes<T: NpyElement>(shape: &[usize], data: &[T]) -> Result<Vec<u8>> {
    check_shape(shape, data.len())?;
    let mut out = npy_header(T::DESCR, shape)?;
    out.reserve(std::mem::size_of_val(data));
    for &x in data {
        x.put(&mut out);
    }
    Ok(out)
}

/// Atomically writes `data` (C order) with the given `shape` as a `.npy` file.
pub fn write_npy<T: NpyElement>(path: &Path, shape: &[usize], data: &[T]) -> Result<()> {
    check_shape(shape, data.len())?;
    let header = npy_header(T::DESCR, shape)?;
    write_atomic_with(path, |w| {
        w.write_all(&header)?;
        // Stream in chunks so large arrays are not duplicated in memory.
        let mut buf = Vec::with_capacity(1 << 16);
        for chunk in data.chunks((1 << 16) / std::mem::size_of::<T>().max(1)) {
            buf.clear();
            for &x in chunk {
                x.put(&mut buf);
            }
            w.write_all(&buf)?;
        }
        Ok::<(), io::Error>(())
    })
}

/// Reads a C-order `.npy` file of float64, float32, or (u)int8 values as `f64`: (shape, data).
pub fn read_npy_f64(path: &Path) -> Result<(Vec<usize>, Vec<f64>)> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    parse_npy_f64(&bytes, &path.display().to_string())
}

/// Writes float64 arrays `(name, shape, data)` as an uncompressed `.npz` (a zip archive of
/// `name.npy` members, what `numpy.savez` writes), atomically. The zip container is the
/// minimal "stored" form: local headers, data, central directory, end record, CRC-32 from
/// flate2.
pub fn write_npz(path: &Path, arrays: &[(&str, &[usize], &[f64])]) -> Result<()> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for &(name, shape, data) in arrays {
        check_shape(shape, data.len())?;
        let mut body = npy_header(f64::DESCR, shape)?;
        for &x in data {
            x.put(&mut body);
        }
        let mut crc = flate2::Crc::new();
        crc.update(&body);
        let file_name = format!("{name}.npy");
        ensure!(
            body.len() < u32::MAX as usize && out.len() < u32::MAX as usize,
            "{}: array {name} is too large for a zip32 archive",
            path.display()
        );
        let offset = out.len() as u32;
        let size = body.len() as u32;
        // Shared fields: version 2.0, no flags, stored, time/date 0, CRC, sizes, name length.
        let fields = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(&0x21u16.to_le_bytes());
            v.extend_from_slice(&crc.sum().to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&size.to_le_bytes());
            v.extend_from_slice(&(file_name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        fields(&mut out);
        out.extend_from_slice(file_name.as_bytes());
        out.extend_from_slice(&body);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        fields(&mut central);
        central.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(file_name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let count = arrays.len() as u16;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    write_atomic(path, &out)
}

/// One member of a `.npz` file: (name without `.npy`, shape, data as f64).
pub type NpzArray = (String, Vec<usize>, Vec<f64>);

/// Reads every member of a `.npz` file (stored or deflated, as `numpy.savez` and
/// `numpy.savez_compressed` write them) as `f64`: (name without `.npy`, shape, data).
pub fn read_npz_f64(path: &Path) -> Result<Vec<NpzArray>> {
    use std::io::Read as _;
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let bad = |why: &str| anyhow::anyhow!("{}: not a readable .npz file ({why})", path.display());
    let u16_at = |k: usize| -> Result<usize> {
        Ok(u16::from_le_bytes(
            bytes
                .get(k..k + 2)
                .ok_or_else(|| bad("truncated"))?
                .try_into()?,
        ) as usize)
    };
    let u32_at = |k: usize| -> Result<usize> {
        Ok(u32::from_le_bytes(
            bytes
                .get(k..k + 4)
                .ok_or_else(|| bad("truncated"))?
                .try_into()?,
        ) as usize)
    };
    // The end-of-central-directory record: the last "PK\x05\x06".
    let end = (0..bytes.len().saturating_sub(21))
        .rev()
        .find(|&k| bytes[k..k + 4] == [0x50, 0x4b, 0x05, 0x06])
        .ok_or_else(|| bad("no zip directory"))?;
    let count = u16_at(end + 10)?;
    let mut at = u32_at(end + 16)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(at)? != 0x0201_4b50 {
            return Err(bad("bad central directory"));
        }
        let method = u16_at(at + 10)?;
        let csize = u32_at(at + 20)?;
        let usize_ = u32_at(at + 24)?;
        let (nlen, xlen, clen) = (u16_at(at + 28)?, u16_at(at + 30)?, u16_at(at + 32)?);
        let local = u32_at(at + 42)?;
        let name = String::from_utf8_lossy(
            bytes
                .get(at + 46..at + 46 + nlen)
                .ok_or_else(|| bad("truncated"))?,
        )
        .to_string();
        at += 46 + nlen + xlen + clen;
        let start = local + 30 + u16_at(local + 26)? + u16_at(local + 28)?;
        let raw = bytes
            .get(start..start + csize)
            .ok_or_else(|| bad("truncated member"))?;
        let data = match method {
            0 => raw.to_vec(),
            8 => {
                let mut v = Vec::with_capacity(usize_);
                flate2::read::DeflateDecoder::new(raw)
                    .read_to_end(&mut v)
                    .map_err(|_| bad("bad deflate stream"))?;
                v
            }
            _ => return Err(bad("compression method other than stored or deflate")),
        };
        let label = format!("{}:{name}", path.display());
        let (shape, x) = parse_npy_f64(&data, &label)?;
        out.push((name.trim_end_matches(".npy").to_string(), shape, x));
    }
    Ok(out)
}

/// Parses the bytes of a `.npy` file (`label` names it in errors).
fn parse_npy_f64(bytes: &[u8], label: &str) -> Result<(Vec<usize>, Vec<f64>)> {
    let bad = |why: &str| anyhow::anyhow!("{label}: not a readable .npy file ({why})");
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("bad magic"));
    }
    let (len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unsupported version")),
    };
    let dict = std::str::from_utf8(
        bytes
            .get(start..start + len)
            .ok_or_else(|| bad("truncated header"))?,
    )
    .map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Option<&str> {
        let rest = dict.split(&format!("'{key}':")).nth(1)?;
        Some(rest.trim_start())
    };
    let descr = field("descr")
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.split('\'').next())
        .ok_or_else(|| bad("no descr"))?;
    if field("fortran_order").is_some_and(|r| r.starts_with("True")) {
        return Err(bad("Fortran order; save with np.ascontiguousarray"));
    }
    let shape_text = field("shape")
        .and_then(|r| r.strip_prefix('('))
        .and_then(|r| r.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad("bad shape"))?;
    let count: usize = shape.iter().product();
    let raw = &bytes[start + len..];
    let data: Vec<f64> = match descr {
        "<f8" if raw.len() == 8 * count => raw
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect(),
        "<f4" if raw.len() == 4 * count => raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        "|u1" | "|b1" if raw.len() == count => raw.iter().map(|&b| b as f64).collect(),
        "|i1" if raw.len() == count => raw.iter().map(|&b| b as i8 as f64).collect(),
        "<i8" if raw.len() == 8 * count => raw
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap()) as f64)
            .collect(),
        "<f8" | "<f4" | "|u1" | "|b1" | "|i1" | "<i8" => {
            return Err(bad("data size does not match the shape"))
        }
        other => {
            return Err(bad(&format!(
                "dtype {other} unsupported; use float64, float32, int64 or uint8"
            )))
        }
    };
    Ok((shape, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runfolder::scratch_path;

    /// Minimal reader for the files written above: (descr, shape, data bytes).
    fn parse(bytes: &[u8]) -> (String, Vec<usize>, &[u8]) {
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + len) % 64, 0, "header not 64-byte aligned");
        let dict = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
        assert!(dict.ends_with('\n'));
        assert!(dict.contains("'fortran_order': False"));
        let descr = dict.split("'descr': '").nth(1).unwrap();
        let descr = descr[..descr.find('\'').unwrap()].to_string();
        let shape = dict.split("'shape': (").nth(1).unwrap();
        let shape = &shape[..shape.find(')').unwrap()];
        let shape = shape
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        (descr, shape, &bytes[10 + len..])
    }

    #[test]
    fn npz_round_trip() {
        let path = scratch_path("npz-round-trip.npz");
        let w = [1.0, -2.5, 3.0, 4.0, 5.0, 6.25];
        write_npz(&path, &[("W", &[2, 3], &w), ("a", &[2], &[0.5, -0.5])]).unwrap();
        let back = read_npz_f64(&path).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(
            (back[0].0.as_str(), &back[0].1, &back[0].2[..]),
            ("W", &vec![2, 3], &w[..])
        );
        assert_eq!(back[1].2, vec![0.5, -0.5]);
        // Truncated archives are errors, not panics.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 30]).unwrap();
        assert!(read_npz_f64(&path).is_err());
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn header_format() {
        // Same bytes as numpy.save writes for a (3, 4) float64 array.
        let h = npy_header("<f8", &[3, 4]).unwrap();
        assert_eq!(h.len(), 128);
        let dict = std::str::from_utf8(&h[10..]).unwrap();
        assert!(dict.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"));
        assert!(dict.trim_end_matches('\n').ends_with(' '));
        assert_eq!(u16::from_le_bytes([h[8], h[9]]) as usize, h.len() - 10);
        assert_eq!(shape_tuple(&[5]), "(5,)");
        assert_eq!(shape_tuple(&[]), "()");
        assert_eq!(shape_tuple(&[1, 2, 3]), "(1, 2, 3)");
        // A long shape spills into a second 64-byte block.
        let h = npy_header("<i8", &[123_456_789; 6]).unwrap();
        assert_eq!(h.len() % 64, 0);
        assert!(h.len() > 64);
    }

    #[test]
    fn round_trip_in_memory() {
        let data = [1.5f64, -2.0, f64::NAN, 1e300, 0.0, -0.0];
        let bytes = npy_bytes(&[2, 3], &data).unwrap();
        let (descr, shape, raw) = parse(&bytes);
        assert_eq!(descr, "<f8");
        assert_eq!(shape, vec![2, 3]);
        let back: Vec<f64> = raw
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(back.len(), 6);
        for (a, b) in data.iter().zip(&back) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        let bytes = npy_bytes(&[4], &[1i8, -1, 1, -1]).unwrap();
        let (descr, shape, raw) = parse(&bytes);
        assert_eq!((descr.as_str(), shape), ("|i1", vec![4]));
        assert_eq!(raw, [1, 0xff, 1, 0xff]);
        let b = npy_bytes(&[2], &[1i32, -2]).unwrap();
        let (descr, _, raw) = parse(&b);
        assert_eq!(descr, "<i4");
        assert_eq!(raw, [1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
        let b = npy_bytes(&[0, 5], &[] as &[u8]).unwrap();
        let (descr, shape, raw) = parse(&b);
        assert_eq!((descr.as_str(), shape, raw.len()), ("|u1", vec![0, 5], 0));
        let b = npy_bytes(&[], &[true]).unwrap();
        let (descr, shape, raw) = parse(&b);
        assert_eq!((descr.as_str(), shape, raw), ("|b1", vec![], &[1u8][..]));
    }

    #[test]
    fn shape_mismatch_is_an_error() {
        assert!(npy_bytes(&[2, 2], &[1.0f64; 3]).is_err());
        assert!(npy_bytes(&[usize::MAX, 2], &[0u8]).is_err());
        let dir = scratch_path("npy-bad");
        std::fs::create_dir_all(&dir).unwrap();
        let err = write_npy(&dir.join("x.npy"), &[3], &[1, 2]).unwrap_err();
        assert!(err.to_string().contains("[3]"), "{err}");
        assert!(!dir.join("x.npy").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn write_file_and_read_header_back() {
        let dir = scratch_path("npy");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("big.npy");
        // Larger than one streaming chunk.
        let data: Vec<f64> = (0..20_000).map(|i| i as f64 * 0.5).collect();
        write_npy(&path, &[100, 200], &data).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes, npy_bytes(&[100, 200], &data).unwrap());
        let (descr, shape, raw) = parse(&bytes);
        assert_eq!((descr.as_str(), shape), ("<f8", vec![100, 200]));
        assert_eq!(raw.len(), 160_000);
        let (shape, back) = read_npy_f64(&path).unwrap();
        assert_eq!((shape, back), (vec![100, 200], data));
        std::fs::write(&path, b"nonsense").unwrap();
        assert!(read_npy_f64(&path)
            .unwrap_err()
            .to_string()
            .contains("magic"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
