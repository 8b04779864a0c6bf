//! Exporters: a cube as a Serum-compatible wavetable WAV (`clm ` chunk), or as one WAV
//! file per node.
//!
//! Both write 32-bit float WAV at the bank's sample-rate hint, else
//! [`EXPORT_SAMPLE_RATE_HZ`] (a wavetable has no pitch of its own; 44.1 kHz is what Serum
//! writes). A cube with any stereo node exports stereo;
//! its mono nodes are written to both channels.

use thiserror::Error;

use super::import::WAVECUBE_COMMENT;
use crate::cube::{resample_cycle, sample_frame, Cube, CubeError, Node};

/// Samples per frame of the clm export (Serum's frame size).
pub const CLM_FRAME_LEN: usize = 2048;
/// Sample rate written in exported WAV headers when the bank has no hint, Hz.
pub const EXPORT_SAMPLE_RATE_HZ: u32 = 44_100;
/// The text of the `clm ` chunk, laid out exactly as Serum writes it: `<!>`, the frame
/// size, eight flag digits, a description. Serum reads two flags: the first is the
/// table's interpolation (0 none, 1 linear crossfades, 2-4 spectral morph; Wavecube
/// morphs linearly, so 1), the second marks a Serum factory table, which others must
/// leave 0. Its 48 bytes are even, so the chunk needs no pad byte (the 37-byte text of
/// earlier versions had one, which hound-based readers could not skip).
pub const CLM_TEXT: &str = "<!>2048 10000000 wavetable (www.xferrecords.com)";
const _: () = assert!(CLM_TEXT.len() % 2 == 0);

/// What can go wrong exporting a cube.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ExportError {
    /// There is nothing to export.
    #[error("the cube has no nodes")]
    EmptyCube,
    /// A missing node could not be filled from its neighbours.
    #[error("position ({x}, {y}, {z}) cannot be filled: {source}")]
    Fill {
        /// Grid x index.
        x: usize,
        /// Grid y index.
        y: usize,
        /// Grid z index.
        z: usize,
        /// Why.
        source: CubeError,
    },
    /// The WAV would be larger than RIFF's 4 GiB.
    #[error("the export would be {0} bytes, more than a WAV file can hold")]
    TooLarge(u64),
}

/// A clm WAV export and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct ClmExport {
    /// The WAV file's bytes.
    pub bytes: Vec<u8>,
    /// Frames written: every grid position, `w·h·d`.
    pub frames: usize,
    /// Channels written: 1, or 2 when any node is stereo.
    pub channels: usize,
    /// Grid positions that had no node and were filled with the frame the synth plays
    /// there (the blend of the present neighbours).
    pub filled: Vec<[usize; 3]>,
}

/// Exports every grid position as a 2048-sample frame of a Serum-compatible WAV.
///
/// Frames are in X, Y, Z order: x varies fastest, then y, then z, so frame
/// `x + w·(y + h·z)` is node `(x, y, z)`. Each node is resampled to 2048 samples by FFT
/// (exact for nodes up to 2048; longer ones lose the harmonics above 1023). A missing
/// node is filled by [`sample_frame`] at its position, which blends the present corners
/// of its cell; one with no present corner takes the nearest present node. Besides the
/// `clm ` chunk ([`CLM_TEXT`]) the file carries a `LIST`/`INFO` chunk: `INAM` the bank
/// name and `ICMT` `wavecube cube WxHxD, …`, from which the importer restores the shape.
///
/// # Errors
/// [`ExportError::EmptyCube`] for a cube without nodes.
///
/// # Allocation
/// Allocates the file (at most 16³ × 2048 × 2 × 4 bytes = 128 MiB).
pub fn export_clm_wav(cube: &Cube) -> Result<ClmExport, ExportError> {
    if cube.node_count() == 0 {
        return Err(ExportError::EmptyCube);
    }
    let [w, h, d] = cube.dims();
    let channels = 1 + usize::from(cube.is_stereo());
    let frames = w * h * d;
    let mut out = vec![Vec::with_capacity(frames * CLM_FRAME_LEN); channels];
    let mut filled = Vec::new();
    for z in 0..d {
        for y in 0..h {
            for x in 0..w {
                let owned;
                let node = match cube.get(x, y, z) {
                    Some(n) => n,
                    None => {
                        filled.push([x, y, z]);
                        owned = fill(cube, x, y, z)?;
                        &owned
                    }
                };
                for (ch, samples) in out.iter_mut().enumerate() {
                    samples.extend(resample_cycle(node.channel(ch), CLM_FRAME_LEN));
                }
            }
        }
    }
    let meta = cube.meta();
    let comment = format!(
        "{WAVECUBE_COMMENT}{w}x{h}x{d}, {CLM_FRAME_LEN}-sample frames, x fastest, then y, \
         then z"
    );
    let info = info_chunk(&meta.name, &comment);
    let refs: Vec<&[f32]> = out.iter().map(Vec::as_slice).collect();
    let bytes = write_f32_wav(
        &refs,
        sample_rate_hz(cube),
        &[(*b"clm ", CLM_TEXT.as_bytes()), (*b"LIST", &info)],
    )?;
    Ok(ClmExport {
        bytes,
        frames,
        channels,
        filled,
    })
}

/// The rate to write in a WAV header: the bank's hint, else [`EXPORT_SAMPLE_RATE_HZ`].
fn sample_rate_hz(cube: &Cube) -> u32 {
    cube.meta()
        .sample_rate_hint_hz
        .filter(|hz| (1..=1_000_000).contains(hz))
        .unwrap_or(EXPORT_SAMPLE_RATE_HZ)
}

/// The frame the synth plays at a missing node's position.
fn fill(cube: &Cube, x: usize, y: usize, z: usize) -> Result<Node, ExportError> {
    match sample_frame(cube, x as f32, y as f32, z as f32) {
        Ok(node) => Ok(node),
        Err(CubeError::EmptyCorners { .. }) => {
            let dist = |p: [usize; 3]| {
                let q = [x, y, z];
                (0..3).map(|a| p[a].abs_diff(q[a]).pow(2)).sum::<usize>()
            };
            cube.iter()
                .min_by_key(|(p, _)| dist(*p))
                .map(|(_, n)| n.clone())
                .ok_or(ExportError::EmptyCube)
        }
        Err(source) => Err(ExportError::Fill { x, y, z, source }),
    }
}

/// The file name of node `(x, y, z)` in a per-node export: `node_x{X}_y{Y}_z{Z}.wav`.
pub fn node_file_name([x, y, z]: [usize; 3]) -> String {
    format!("node_x{x}_y{y}_z{z}.wav")
}

/// Exports each present node as its own f32 WAV file at its own length and channel
/// count; returns `(file name, bytes)` in x-major order (see [`node_file_name`]).
///
/// # Errors
/// [`ExportError::EmptyCube`] for a cube without nodes.
///
/// # Allocation
/// Allocates every file.
pub fn export_node_wavs(cube: &Cube) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    if cube.node_count() == 0 {
        return Err(ExportError::EmptyCube);
    }
    cube.iter()
        .map(|(pos, node)| {
            let chans: Vec<&[f32]> = (0..node.channels()).map(|c| node.channel(c)).collect();
            Ok((
                node_file_name(pos),
                write_f32_wav(&chans, sample_rate_hz(cube), &[])?,
            ))
        })
        .collect()
}

/// A `LIST`/`INFO` chunk body with `INAM` (when `name` is not empty) and `ICMT`.
fn info_chunk(name: &str, comment: &str) -> Vec<u8> {
    let mut info = b"INFO".to_vec();
    for (id, text) in [(b"INAM", name), (b"ICMT", comment)] {
        if text.is_empty() {
            continue;
        }
        let mut z = text.as_bytes().to_vec();
        z.push(0);
        info.extend_from_slice(id);
        info.extend_from_slice(&(z.len() as u32).to_le_bytes());
        info.extend_from_slice(&z);
        if z.len() % 2 == 1 {
            info.push(0);
        }
    }
    info
}

/// A 32-bit float WAV file of equal-length `channels` (interleaved on writing) with
/// `extra` chunks between `fmt `/`fact` and `data`.
///
/// The `fmt ` chunk is the 18-byte `WAVE_FORMAT_IEEE_FLOAT` form with a `fact` chunk, as
/// the format asks of non-PCM data.
///
/// # Errors
/// [`ExportError::TooLarge`] past RIFF's 4 GiB.
///
/// # Allocation
/// Allocates the file.
pub fn write_f32_wav(
    channels: &[&[f32]],
    sample_rate_hz: u32,
    extra: &[([u8; 4], &[u8])],
) -> Result<Vec<u8>, ExportError> {
    let n_ch = channels.len().max(1);
    let frames = channels.first().map_or(0, |c| c.len());
    debug_assert!(channels.iter().all(|c| c.len() == frames));
    let data_len = (frames * n_ch * 4) as u64;
    let extra_len: u64 = extra
        .iter()
        .map(|(_, b)| 8 + b.len() as u64 + (b.len() as u64 & 1))
        .sum();
    let total = 4 + (8 + 18) + (8 + 4) + extra_len + 8 + data_len;
    if total > u64::from(u32::MAX) {
        return Err(ExportError::TooLarge(total + 8));
    }
    let mut out = Vec::with_capacity(total as usize + 8);
    let chunk_head = |out: &mut Vec<u8>, id: &[u8; 4], len: usize| {
        out.extend_from_slice(id);
        out.extend_from_slice(&(len as u32).to_le_bytes());
    };
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    chunk_head(&mut out, b"fmt ", 18);
    let align = (n_ch * 4) as u16;
    out.extend_from_slice(&3u16.to_le_bytes());
    out.extend_from_slice(&(n_ch as u16).to_le_bytes());
    out.extend_from_slice(&sample_rate_hz.to_le_bytes());
    out.extend_from_slice(&(sample_rate_hz * u32::from(align)).to_le_bytes());
    out.extend_from_slice(&align.to_le_bytes());
    out.extend_from_slice(&32u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    chunk_head(&mut out, b"fact", 4);
    out.extend_from_slice(&(frames as u32).to_le_bytes());
    for (id, body) in extra {
        chunk_head(&mut out, id, body.len());
        out.extend_from_slice(body);
        if body.len() % 2 == 1 {
            out.push(0);
        }
    }
    chunk_head(&mut out, b"data", data_len as usize);
    for f in 0..frames {
        for ch in channels {
            out.extend_from_slice(&ch[f].to_le_bytes());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_header_is_well_formed() {
        let left = [0.5f32, -0.5];
        let bytes = write_f32_wav(&[&left, &left], 44_100, &[(*b"clm ", b"<!>2")]).unwrap();
        assert_eq!(&bytes[0..4], b"RIFF");
        let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff + 8, bytes.len());
        // RIFF(12) + fmt(26) + fact(12) + clm(8+4) + data header(8) + 2 frames × 2 ch × 4.
        assert_eq!(bytes.len(), 12 + 26 + 12 + 12 + 8 + 16);
        assert_eq!(&bytes[bytes.len() - 4..], &(-0.5f32).to_le_bytes());
    }

    #[test]
    fn the_clm_chunk_is_even_and_laid_out_like_serums() {
        assert_eq!(CLM_TEXT.len(), 48);
        assert_eq!(
            super::super::import::parse_clm(CLM_TEXT.as_bytes()),
            Some(2048)
        );
        let bytes =
            write_f32_wav(&[&[0.0; 4]], 44_100, &[(*b"clm ", CLM_TEXT.as_bytes())]).unwrap();
        // No chunk in the file has an odd length.
        let mut at = 12;
        while at + 8 <= bytes.len() {
            let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
            assert_eq!(size % 2, 0, "chunk {:?}", &bytes[at..at + 4]);
            at += 8 + size;
        }
        assert_eq!(at, bytes.len());
    }

    #[test]
    fn empty_cubes_are_refused() {
        let cube = Cube::new(2, 1, 1).unwrap();
        assert_eq!(export_clm_wav(&cube), Err(ExportError::EmptyCube));
        assert_eq!(export_node_wavs(&cube), Err(ExportError::EmptyCube));
    }
}
