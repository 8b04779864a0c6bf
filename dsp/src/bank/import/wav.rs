//! WAV wavetables: Serum-style files with a `clm ` chunk, Surge's with `srge`/`srgo`,
//! files with a `smpl` loop or Hive's `uhWT`, Wavecube's own exports, WaveEdit banks saved
//! as WAV and plain multi-frame WAV files.

use super::conform::Conformer;
use super::riff::{parse_wav, SampleKind, WavFile};
use super::{
    check_frame_count, check_frame_len, ImportError, Imported, Shape, SourceFormat,
    DEFAULT_FRAME_LEN, MIN_SOURCE_FRAME_LEN,
};

/// Frames in a WaveEdit bank.
pub const WAVEEDIT_FRAMES: usize = 64;
/// Samples per WaveEdit frame.
pub const WAVEEDIT_FRAME_LEN: usize = 256;
/// The prefix of the `ICMT` comment Wavecube's clm export writes, followed by `WxHxD`.
pub const WAVECUBE_COMMENT: &str = "wavecube cube ";

/// Imports a multi-frame WAV file.
///
/// The frame length is, in order of precedence:
/// 1. `frame_len` (the CLI's `--frame-size`), noting when it overrides the file's own;
/// 2. the number after `<!>` in a `clm ` chunk (Serum, and Wavecube's own export);
/// 3. a `uhWT` chunk (u-he Hive): 2048;
/// 4. the frame size in Surge's `srge` chunk (or the window of its one-shot `srgo`);
/// 5. the first loop of a `smpl` chunk, `end - start + 1`, when it is a power of two of
///    8..=8192 samples (a chunk without loops means 2048, as RAPID writes it and Surge
///    reads it); other loops are sustain loops of a sample and are ignored (noted);
/// 6. with none of these, 256 for a WaveEdit-shaped file (mono 16-bit, exactly 64 × 256
///    samples), else the whole file when it is shorter than 2048 samples (one frame),
///    else [`DEFAULT_FRAME_LEN`]; each fallback is noted.
///
/// Trailing samples short of a frame are dropped (noted). Stereo files give stereo nodes;
/// files with more channels use the first two (noted). A Wavecube export's `ICMT`
/// comment (`wavecube cube WxHxD`) restores the cube's shape.
///
/// # Errors
/// Any [`ImportError`] of the RIFF structure, naming its offset; a frame length or count
/// outside the caps; [`ImportError::NoFrames`] for less than one frame.
///
/// # Allocation
/// Allocates the decoded audio and the nodes.
pub fn import_wav(bytes: &[u8], frame_len: Option<usize>) -> Result<Imported, ImportError> {
    let wav = parse_wav(bytes)?;
    let mut notes = Vec::new();
    let samples = wav.frames();
    let mut format = SourceFormat::Wav;
    let meta = metadata_frame_len(&wav, &mut notes);
    let frame_len = match (frame_len, meta) {
        (Some(n), meta) => {
            check_frame_len(n).map_err(|reason| ImportError::Option {
                option: "--frame-size",
                reason,
            })?;
            if let Some(m) = meta {
                format = m.format;
                if m.len != n {
                    notes.push(format!(
                        "--frame-size {n} overrides the {}'s frame size of {} samples",
                        m.what, m.len
                    ));
                }
            }
            n
        }
        (None, Some(m)) => {
            check_frame_len(m.len).map_err(|reason| ImportError::Malformed {
                what: m.what,
                offset: m.offset,
                reason,
            })?;
            format = m.format;
            if m.what != "clm chunk" {
                notes.push(format!(
                    "frame size {} samples, from the {} at byte {}",
                    m.len, m.what, m.offset
                ));
            }
            m.len
        }
        (None, None) => fallback_frame_len(&wav, samples, &mut notes, &mut format),
    };
    if wav.channels > 2 {
        notes.push(format!(
            "{} channels: the first two are imported as left and right",
            wav.channels
        ));
    }
    let count = samples / frame_len;
    if count == 0 {
        return Err(ImportError::NoFrames { samples, frame_len });
    }
    check_frame_count(count)?;
    let leftover = samples - count * frame_len;
    if leftover > 0 {
        notes.push(format!(
            "{leftover} trailing samples (less than one {frame_len}-sample frame) are dropped"
        ));
    }
    let channels = wav.decode()?;
    let mut conformer = Conformer::new();
    let mut frames = Vec::with_capacity(count);
    for i in 0..count {
        let span = i * frame_len..(i + 1) * frame_len;
        let right = channels.get(1).map(|r| &r[span.clone()]);
        frames.push(conformer.node(&channels[0][span], right, i)?);
    }
    let shape = wav
        .comment
        .as_deref()
        .and_then(parse_wavecube_comment)
        .filter(|d| d.iter().product::<usize>() == count)
        .map(Shape::Dims);
    if shape.is_some() {
        format = SourceFormat::WavecubeWav;
    }
    Ok(Imported {
        frames,
        notes,
        shape,
        format,
        name: wav.title.clone().filter(|t| !t.is_empty()),
        sample_rate_hz: Some(wav.sample_rate_hz).filter(|&hz| hz > 0),
    })
}

/// A frame size a WAV file's metadata gives.
#[derive(Debug, Clone, Copy)]
struct MetaFrameLen {
    /// Samples per frame.
    len: usize,
    /// The chunk it came from, e.g. "srge chunk".
    what: &'static str,
    /// Byte offset of that chunk.
    offset: usize,
    /// The format the chunk makes the file.
    format: SourceFormat,
}

/// The frame size the file's own metadata gives, in Surge's order of precedence
/// (`clm `, `uhWT`, `srge`/`srgo`, `smpl`), noting chunks that are present but unusable.
fn metadata_frame_len(wav: &WavFile<'_>, notes: &mut Vec<String>) -> Option<MetaFrameLen> {
    let mut found = Vec::new();
    match wav.clm.map(|(offset, text)| (offset, parse_clm(text))) {
        Some((offset, Some(len))) => found.push(MetaFrameLen {
            len,
            what: "clm chunk",
            offset,
            format: SourceFormat::ClmWav,
        }),
        Some((offset, None)) => notes.push(format!(
            "the clm chunk at byte {offset} gives no frame size after <!>; ignored"
        )),
        None => {}
    }
    if wav.uhwt {
        found.push(MetaFrameLen {
            len: 2048,
            what: "uhWT chunk (Hive)",
            offset: 12,
            format: SourceFormat::Wav,
        });
    }
    for (chunk, what) in [(wav.srge, "srge chunk"), (wav.srgo, "srgo chunk")] {
        if let Some((offset, len)) = chunk {
            found.push(MetaFrameLen {
                len: len as usize,
                what,
                offset,
                format: SourceFormat::SurgeWav,
            });
        }
    }
    if wav.srgo.is_some() && wav.srge.is_none() {
        notes.push(
            "Surge's srgo chunk marks a one-shot sample: its windows are imported as frames"
                .to_owned(),
        );
    }
    if let Some((offset, len)) = wav.smpl_loop {
        let len = len as usize;
        if len.is_power_of_two() && (MIN_SOURCE_FRAME_LEN..=8192).contains(&len) {
            found.push(MetaFrameLen {
                len,
                what: "smpl chunk's loop",
                offset,
                format: SourceFormat::Wav,
            });
        } else {
            notes.push(format!(
                "the smpl chunk at byte {offset} loops {len} samples, not a power-of-two \
                 frame of {MIN_SOURCE_FRAME_LEN} to 8192: a sustain loop, ignored"
            ));
        }
    }
    let first = found.first().copied();
    if let Some(f) = first {
        for other in &found[1..] {
            if other.len != f.len {
                notes.push(format!(
                    "the {} says {} samples per frame; the {} ({}) wins",
                    other.what, other.len, f.what, f.len
                ));
            }
        }
    }
    first
}

/// The frame length of a WAV file without frame-size metadata or `--frame-size`.
fn fallback_frame_len(
    wav: &WavFile<'_>,
    samples: usize,
    notes: &mut Vec<String>,
    format: &mut SourceFormat,
) -> usize {
    let waveedit_shaped = wav.channels == 1
        && wav.kind == SampleKind::Int(16)
        && samples == WAVEEDIT_FRAMES * WAVEEDIT_FRAME_LEN;
    if waveedit_shaped {
        *format = SourceFormat::WaveEdit;
        notes.push(format!(
            "no frame-size metadata; mono 16-bit with {samples} samples looks like a WaveEdit \
             bank: {WAVEEDIT_FRAMES} frames of {WAVEEDIT_FRAME_LEN} samples (use --frame-size \
             to choose otherwise)"
        ));
        WAVEEDIT_FRAME_LEN
    } else if (MIN_SOURCE_FRAME_LEN..DEFAULT_FRAME_LEN).contains(&samples) {
        notes.push(format!(
            "no frame-size metadata and only {samples} samples: the whole file is one frame \
             (use --frame-size to split it)"
        ));
        samples
    } else {
        notes.push(format!(
            "no frame-size metadata (no clm, srge or smpl chunk): assuming {DEFAULT_FRAME_LEN}-sample frames \
             (use --frame-size to choose otherwise)"
        ));
        DEFAULT_FRAME_LEN
    }
}

/// The frame size of a `clm ` chunk's text, `<!>N …`, if it has one that fits a `usize`.
pub fn parse_clm(text: &[u8]) -> Option<usize> {
    let text = text.strip_prefix(b"<!>")?;
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    std::str::from_utf8(&text[..digits]).ok()?.parse().ok()
}

/// The cube shape `[w, h, d]` in a Wavecube export's comment, `wavecube cube WxHxD …`.
pub fn parse_wavecube_comment(comment: &str) -> Option<[usize; 3]> {
    let rest = comment.strip_prefix(WAVECUBE_COMMENT)?;
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == 'x'))
        .unwrap_or(rest.len());
    let dims = &rest[..end];
    let mut it = dims.split('x').map(|s| s.parse::<usize>().ok());
    let d = [it.next()??, it.next()??, it.next()??];
    if it.next().is_some() || d.iter().any(|&s| !(1..=crate::cube::MAX_SIDE).contains(&s)) {
        return None;
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clm_text_gives_the_frame_size() {
        assert_eq!(
            parse_clm(b"<!>2048 01000000 wavetable (www.xferrecords.com)"),
            Some(2048)
        );
        assert_eq!(parse_clm(b"<!>256"), Some(256));
        assert_eq!(parse_clm(b"<!> 2048"), None);
        assert_eq!(parse_clm(b"2048"), None);
        assert_eq!(parse_clm(b"<!>99999999999999999999"), None);
    }

    #[test]
    fn wavecube_comment_gives_the_shape() {
        assert_eq!(
            parse_wavecube_comment("wavecube cube 8x4x2, frames x fastest"),
            Some([8, 4, 2])
        );
        assert_eq!(parse_wavecube_comment("wavecube cube 8x4"), None);
        assert_eq!(parse_wavecube_comment("wavecube cube 17x1x1"), None);
        assert_eq!(parse_wavecube_comment("hello"), None);
    }
}
