//! A folder of single-cycle WAV files: each file is one frame, its whole length one cycle.

use super::conform::Conformer;
use super::riff::parse_wav;
use std::cmp::Ordering;

use super::{check_frame_count, check_frame_len, ImportError, Imported, Shape, SourceFormat};
use crate::cube::MAX_SIDE;

/// Imports single-cycle WAV files, given as `(file name, bytes)`, one frame per file in
/// natural order of file name: runs of digits compare as numbers, so `wave2.wav` comes
/// before `wave10.wav` (see [`natural_cmp`]).
///
/// Each file's whole length is one cycle, resampled to the next power of two; stereo
/// files give stereo nodes (more channels: the first two). When every name is a
/// Wavecube per-node export name, `node_x{X}_y{Y}_z{Z}.wav`, the frames keep those grid
/// positions ([`Shape::Positions`]).
///
/// # Errors
/// [`ImportError::Empty`] for no files; [`ImportError::TooLarge`] for more than
/// [`MAX_FRAMES`](super::MAX_FRAMES) files; any error of a file, wrapped in
/// [`ImportError::InFile`] with its name.
///
/// # Allocation
/// Allocates one file's audio at a time and the nodes.
pub fn import_folder(files: &[(String, Vec<u8>)]) -> Result<Imported, ImportError> {
    if files.is_empty() {
        return Err(ImportError::Empty);
    }
    check_frame_count(files.len())?;
    let mut order: Vec<&(String, Vec<u8>)> = files.iter().collect();
    order.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    let mut notes = Vec::new();
    let positions: Option<Vec<[usize; 3]>> = order
        .iter()
        .map(|(name, _)| parse_node_name(name))
        .collect();
    if positions.is_some() {
        notes.push("file names give each node's grid position (node_xX_yY_zZ.wav)".to_owned());
    }
    let mut conformer = Conformer::new();
    let mut frames = Vec::with_capacity(order.len());
    for (i, (name, bytes)) in order.into_iter().enumerate() {
        let node = (|| {
            let wav = parse_wav(bytes)?;
            let len = wav.frames();
            check_frame_len(len).map_err(|reason| ImportError::Malformed {
                what: "single-cycle file",
                offset: wav.data_offset,
                reason,
            })?;
            if wav.clm.is_some() {
                notes.push(format!(
                    "{name}: has a clm chunk (a multi-frame table) but is imported whole as \
                     one frame"
                ));
            }
            if wav.channels > 2 {
                notes.push(format!(
                    "{name}: {} channels, the first two are used",
                    wav.channels
                ));
            }
            let ch = wav.decode()?;
            conformer.node(&ch[0], ch.get(1).map(Vec::as_slice), i)
        })()
        .map_err(|e| e.in_file(name))?;
        frames.push(node);
    }
    Ok(Imported {
        frames,
        notes,
        shape: positions.map(Shape::Positions),
        format: SourceFormat::Folder,
        name: None,
        sample_rate_hz: None,
    })
}

/// Compares file names in natural order: runs of ASCII digits compare by value (leading
/// zeros ignored), everything else byte by byte; ties fall back to plain byte order.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    while let (Some(&cx), Some(&cy)) = (x.first(), y.first()) {
        if cx.is_ascii_digit() && cy.is_ascii_digit() {
            let run = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
            let (nx, ny) = (run(x), run(y));
            let trim = |s: &[u8]| {
                let z = s.iter().take_while(|&&c| c == b'0').count();
                s[z..].to_vec()
            };
            let (dx, dy) = (trim(&x[..nx]), trim(&y[..ny]));
            let ord = dx.len().cmp(&dy.len()).then_with(|| dx.cmp(&dy));
            if ord != Ordering::Equal {
                return ord;
            }
            x = &x[nx..];
            y = &y[ny..];
        } else {
            if cx != cy {
                return cx.cmp(&cy);
            }
            x = &x[1..];
            y = &y[1..];
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

/// The grid position in a per-node export name, `node_x{X}_y{Y}_z{Z}.wav`, each index
/// below 16.
pub fn parse_node_name(name: &str) -> Option<[usize; 3]> {
    let stem = name
        .strip_suffix(".wav")
        .or_else(|| name.strip_suffix(".WAV"))?;
    let rest = stem.strip_prefix("node_x")?;
    let (x, rest) = rest.split_once("_y")?;
    let (y, z) = rest.split_once("_z")?;
    let pos = [x.parse().ok()?, y.parse().ok()?, z.parse().ok()?];
    pos.iter().all(|&i| i < MAX_SIDE).then_some(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_naturally() {
        let mut names = vec![
            "w10.wav", "w2.wav", "w02b.wav", "a.wav", "w1.wav", "w002.wav",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            ["a.wav", "w1.wav", "w002.wav", "w2.wav", "w02b.wav", "w10.wav"]
        );
    }

    #[test]
    fn node_names_give_positions() {
        assert_eq!(parse_node_name("node_x3_y0_z12.wav"), Some([3, 0, 12]));
        assert_eq!(parse_node_name("node_x3_y0_z16.wav"), None);
        assert_eq!(parse_node_name("node_x3_y0.wav"), None);
        assert_eq!(parse_node_name("wave1.wav"), None);
    }
}
