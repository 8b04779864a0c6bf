//! The project's one RIFF/WAVE reader: every chunk (`fmt `, `data`, and the metadata
//! the importers need: `clm `, `srge`, `srgo`, `smpl`, `uhWT`, `LIST`/`INFO`), with
//! decoding of 8/16/24/32-bit integer PCM and 32/64-bit float, plain or
//! `WAVE_FORMAT_EXTENSIBLE`, to f32.
//!
//! Why not hound: hound 3.5 stops with "Failed to read enough bytes" on a file whose
//! chunks have odd lengths (it does not skip the pad byte RIFF puts after them), reads
//! no 64-bit float and does not expose unknown chunks such as Serum's `clm `. A RIFF file
//! is a short list of length-prefixed chunks, so this walks it itself. The bank importers,
//! the harness's `read_wav` (measure, tqa, conv, sculpt) and the
//! IR loader ([`crate::conv::ir`]) all use it; hound is still used to *write* WAV files.
//!
//! Every chunk length is checked against the bytes that remain before it is used; nothing
//! is allocated from a length the file has not shown to be backed by bytes. A chunk of
//! odd length is followed by one pad byte; a writer that forgot it is recognised (the
//! next chunk id is then one byte early) and read anyway.

use super::error::need;
use super::{ImportError, MAX_SOURCE_SAMPLES};

/// `WAVE_FORMAT_PCM`: integer samples.
const TAG_PCM: u16 = 1;
/// `WAVE_FORMAT_IEEE_FLOAT`: float samples.
const TAG_FLOAT: u16 = 3;
/// `WAVE_FORMAT_EXTENSIBLE`: the real tag is in the sub-format GUID.
const TAG_EXTENSIBLE: u16 = 0xFFFE;
/// Bytes 2..16 of every `KSDATAFORMAT_SUBTYPE_*` GUID derived from a format tag.
const GUID_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];
/// Most channels a file may declare.
const MAX_CHANNELS: u16 = 256;

/// How the samples of a `data` chunk are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// Unsigned 8-bit integer, offset 128.
    U8,
    /// Signed little-endian integer of 16, 24 or 32 bits.
    Int(u16),
    /// IEEE float, 32 or 64 bits.
    Float(u16),
}

impl SampleKind {
    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::Int(bits) | Self::Float(bits) => usize::from(bits / 8),
        }
    }

    /// Short description, e.g. "24-bit integer".
    pub fn describe(self) -> String {
        match self {
            Self::U8 => "8-bit integer".to_owned(),
            Self::Int(bits) => format!("{bits}-bit integer"),
            Self::Float(bits) => format!("{bits}-bit float"),
        }
    }
}

/// A parsed WAV file, borrowing its chunks from the input bytes.
#[derive(Debug, Clone)]
pub struct WavFile<'a> {
    /// Sample storage.
    pub kind: SampleKind,
    /// Channels in the file (all are counted; only two are decoded).
    pub channels: usize,
    /// Sample rate, Hz: only a hint, since a frame is one cycle at any rate.
    pub sample_rate_hz: u32,
    /// The `data` chunk's bytes.
    pub data: &'a [u8],
    /// Byte offset of the `data` chunk's first byte in the file.
    pub data_offset: usize,
    /// The `clm ` chunk's text, with its byte offset, if present.
    pub clm: Option<(usize, &'a [u8])>,
    /// Surge's `srge` chunk (version, frame size): the frame size, with the chunk's
    /// offset, if present and at least 8 bytes long.
    pub srge: Option<(usize, u32)>,
    /// Surge's `srgo` chunk (version, one-shot window size): the window size, with the
    /// chunk's offset, if present and at least 8 bytes long.
    pub srgo: Option<(usize, u32)>,
    /// The first loop of a `smpl` chunk as a frame size, `end - start + 1` samples (0 when
    /// the chunk declares no loop, which RAPID and Surge read as 2048), with the chunk's
    /// offset, if present and long enough.
    pub smpl_loop: Option<(usize, u32)>,
    /// Whether a `uhWT` chunk (u-he Hive wavetable metadata: 2048-sample frames) is present.
    pub uhwt: bool,
    /// `LIST`/`INFO` `INAM` (title), if present.
    pub title: Option<String>,
    /// `LIST`/`INFO` `ICMT` (comment), if present.
    pub comment: Option<String>,
}

impl WavFile<'_> {
    /// Frames (samples per channel) in the `data` chunk; a partial trailing frame is not
    /// counted.
    pub fn frames(&self) -> usize {
        self.data.len() / (self.channels * self.kind.bytes())
    }

    /// The first `min(channels, 2)` channels as f32, full scale ±1.
    ///
    /// Integers are scaled by 2^-(bits-1) (8-bit: offset 128 first).
    ///
    /// # Errors
    /// [`ImportError::TooLarge`] beyond [`MAX_SOURCE_SAMPLES`] per channel (checked before
    /// allocating); [`ImportError::NonFinite`] for a NaN or infinite float, with its offset.
    ///
    /// # Allocation
    /// Allocates the channels: at most 4 bytes per data byte each.
    pub fn decode(&self) -> Result<Vec<Vec<f32>>, ImportError> {
        let frames = self.frames();
        if frames > MAX_SOURCE_SAMPLES {
            return Err(ImportError::TooLarge {
                what: "samples per channel",
                value: frames as u64,
                cap: MAX_SOURCE_SAMPLES as u64,
            });
        }
        let out = self.channels_upto(2, frames);
        let width = self.kind.bytes();
        for (ch, samples) in out.iter().enumerate() {
            if let Some(f) = samples.iter().position(|x| !x.is_finite()) {
                return Err(ImportError::NonFinite {
                    offset: self.data_offset + f * self.channels * width + ch * width,
                });
            }
        }
        Ok(out)
    }

    /// The first `min(channels, max_channels)` channels, each of its first
    /// `min(frames, max_frames)` samples, as f32 full scale ±1, exactly as stored: a NaN
    /// or infinite float stays what it is (callers decide).
    ///
    /// # Allocation
    /// Allocates the channels: at most 4 bytes per data byte in all.
    pub fn channels_upto(&self, max_channels: usize, max_frames: usize) -> Vec<Vec<f32>> {
        let frames = self.frames().min(max_frames);
        let width = self.kind.bytes();
        let stride = self.channels * width;
        let keep = self.channels.min(max_channels);
        let mut out = vec![Vec::with_capacity(frames); keep];
        for (ch, samples) in out.iter_mut().enumerate() {
            samples.extend((0..frames).map(|f| {
                let at = f * stride + ch * width;
                decode_sample(self.kind, &self.data[at..at + width])
            }));
        }
        out
    }
}

/// A whole WAV file decoded: what the harness commands and the plugin's IR loader read.
#[derive(Debug, Clone, PartialEq)]
pub struct WavAudio {
    /// Sample rate the file declares, Hz (may be 0 in a broken file; callers check).
    pub sample_rate_hz: u32,
    /// Sample storage in the file.
    pub kind: SampleKind,
    /// Every channel, full scale ±1 (integers divided by 2^(bits-1)); floats as stored,
    /// NaN and infinities included.
    pub channels: Vec<Vec<f32>>,
}

/// Reads a whole RIFF/WAVE file from memory with [`parse_wav`] and decodes every channel
/// (at most `max_frames` samples each).
///
/// # Errors
/// Any [`ImportError`] of [`parse_wav`]: no RIFF/WAVE header, a chunk running past the
/// end, no `fmt ` or `data` chunk, a sample format other than 8/16/24/32-bit integer or
/// 32/64-bit float; each names its byte offset.
///
/// # Allocation
/// Allocates the channels: at most 4 bytes per data byte.
pub fn read_wav_bytes(bytes: &[u8], max_frames: usize) -> Result<WavAudio, ImportError> {
    let wav = parse_wav(bytes)?;
    Ok(WavAudio {
        sample_rate_hz: wav.sample_rate_hz,
        kind: wav.kind,
        channels: wav.channels_upto(usize::MAX, max_frames),
    })
}

/// One sample of `kind` from its little-endian bytes, as f32 full scale ±1.
fn decode_sample(kind: SampleKind, b: &[u8]) -> f32 {
    match kind {
        SampleKind::U8 => (f32::from(b[0]) - 128.0) / 128.0,
        SampleKind::Int(16) => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0,
        SampleKind::Int(24) => {
            let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
            v as f32 / 8_388_608.0
        }
        SampleKind::Int(_) => {
            (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0) as f32
        }
        SampleKind::Float(32) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        SampleKind::Float(_) => {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[..8]);
            // NOTE: out-of-range doubles become ±inf here and are refused as non-finite.
            f64::from_le_bytes(a) as f32
        }
    }
}

/// True when `bytes` start like a RIFF/WAVE file.
pub fn is_wav(bytes: &[u8]) -> bool {
    bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses the chunk list of a RIFF/WAVE file.
///
/// The RIFF size field is only trusted when it shortens the file (trailing junk is then
/// ignored) and is not zero; chunks are walked to that end. The first `fmt `, `data` and
/// `clm ` chunks count; unknown chunks are skipped.
///
/// # Errors
/// [`ImportError::UnknownFormat`] without the RIFF/WAVE header; [`ImportError::Truncated`]
/// for a chunk that runs past the end; [`ImportError::Malformed`] or
/// [`ImportError::Unsupported`] for a bad or unreadable `fmt ` chunk, naming its offset.
pub fn parse_wav(bytes: &[u8]) -> Result<WavFile<'_>, ImportError> {
    if !is_wav(bytes) {
        return Err(ImportError::UnknownFormat {
            reason: "no RIFF/WAVE header".to_owned(),
        });
    }
    let declared = u64::from(u32_at(bytes, 4)) + 8;
    let riff_end = if declared < 12 {
        // Some streaming writers leave the size 0: walk the whole file.
        bytes.len()
    } else {
        declared.min(bytes.len() as u64) as usize
    };
    let mut fmt: Option<(usize, &[u8])> = None;
    let mut data: Option<(usize, &[u8])> = None;
    let mut clm = None;
    let (mut srge, mut srgo, mut smpl_loop, mut uhwt) = (None, None, None, false);
    let (mut title, mut comment) = (None, None);
    let mut at = 12;
    while at + 8 <= riff_end {
        let id = &bytes[at..at + 4];
        let size = u64::from(u32_at(bytes, at + 4));
        let body = at + 8;
        need("chunk", body, size, riff_end).map_err(|e| match e {
            ImportError::Truncated {
                needed, available, ..
            } => ImportError::Truncated {
                what: chunk_name(id),
                offset: at,
                needed: needed + 8,
                available: available + 8,
            },
            other => other,
        })?;
        let size = size as usize;
        let content = &bytes[body..body + size];
        match id {
            b"fmt " if fmt.is_none() => fmt = Some((at, content)),
            b"data" if data.is_none() => data = Some((body, content)),
            b"clm " if clm.is_none() => clm = Some((body, content)),
            b"srge" if srge.is_none() && size >= 8 => srge = Some((at, u32_at(content, 4))),
            b"srgo" if srgo.is_none() && size >= 8 => srgo = Some((at, u32_at(content, 4))),
            b"smpl" if smpl_loop.is_none() && size >= 36 => {
                smpl_loop = smpl_frame_len(content).map(|n| (at, n));
            }
            b"uhWT" => uhwt = true,
            b"LIST" if content.len() >= 4 && &content[..4] == b"INFO" => {
                read_info(&content[4..], &mut title, &mut comment);
            }
            _ => {}
        }
        // Chunks are word-aligned: an odd chunk is followed by a pad byte. Some writers
        // leave it out; then the next chunk id starts right after the body. A missing pad
        // byte at the very end is tolerated.
        let padded = body + size + (size & 1);
        let unpadded = body + size;
        at = if size & 1 == 1
            && !is_chunk_id(bytes.get(padded..padded + 4))
            && is_chunk_id(bytes.get(unpadded..unpadded + 4))
        {
            unpadded
        } else {
            padded
        };
    }
    let (fmt_at, fmt) = fmt.ok_or_else(|| ImportError::Malformed {
        what: "WAV file",
        offset: 12,
        reason: "no fmt chunk".to_owned(),
    })?;
    let (data_offset, data) = data.ok_or_else(|| ImportError::Malformed {
        what: "WAV file",
        offset: 12,
        reason: "no data chunk".to_owned(),
    })?;
    let (kind, channels) = parse_fmt(fmt, fmt_at)?;
    Ok(WavFile {
        kind,
        channels,
        sample_rate_hz: u32_at(fmt, 4),
        data,
        data_offset,
        clm,
        srge,
        srgo,
        smpl_loop,
        uhwt,
        title,
        comment,
    })
}

/// True for four bytes that can be a RIFF chunk id: printable ASCII (spaces allowed).
fn is_chunk_id(id: Option<&[u8]>) -> bool {
    id.is_some_and(|id| id.iter().all(|b| (0x20..0x7F).contains(b)))
}

/// The frame size a `smpl` chunk gives, as Surge reads it: the first loop's
/// `end - start + 1` samples, or 2048 when the chunk declares no loop (RAPID's way of
/// marking a 2048-sample wavetable). `None` when a declared loop is not there or is empty.
fn smpl_frame_len(smpl: &[u8]) -> Option<u32> {
    let loops = u32_at(smpl, 28);
    if loops == 0 {
        return Some(2048);
    }
    // The first loop: cue id, type, start, end, fraction, play count (6 × u32).
    if smpl.len() < 36 + 24 {
        return None;
    }
    let (start, end) = (u32_at(smpl, 36 + 8), u32_at(smpl, 36 + 12));
    end.checked_sub(start)
        .and_then(|d| d.checked_add(1))
        .filter(|&n| n > 1)
}

/// A static name for a chunk id, for errors.
fn chunk_name(id: &[u8]) -> &'static str {
    match id {
        b"fmt " => "fmt chunk",
        b"data" => "data chunk",
        b"clm " => "clm chunk",
        b"LIST" => "LIST chunk",
        _ => "chunk",
    }
}

/// Reads `INAM` and `ICMT` from the sub-chunks of a `LIST`/`INFO` chunk; stops quietly at
/// anything malformed (the metadata is optional).
fn read_info(mut list: &[u8], title: &mut Option<String>, comment: &mut Option<String>) {
    while list.len() >= 8 {
        let size = u32_at(list, 4) as usize;
        let Some(text) = list.get(8..8usize.saturating_add(size)) else {
            return;
        };
        let text = String::from_utf8_lossy(text)
            .trim_end_matches('\0')
            .trim()
            .to_owned();
        match &list[..4] {
            b"INAM" => *title = Some(text),
            b"ICMT" => *comment = Some(text),
            _ => {}
        }
        let next = 8 + size + (size & 1);
        list = list.get(next..).unwrap_or_default();
    }
}

/// The sample kind and channel count of a `fmt ` chunk whose header is at `at`.
fn parse_fmt(fmt: &[u8], at: usize) -> Result<(SampleKind, usize), ImportError> {
    let malformed = |offset: usize, reason: String| ImportError::Malformed {
        what: "fmt chunk",
        offset,
        reason,
    };
    let body = at + 8;
    if fmt.len() < 16 {
        return Err(malformed(
            at,
            format!("{} bytes long, at least 16 needed", fmt.len()),
        ));
    }
    let mut tag = u16_at(fmt, 0);
    let channels = u16_at(fmt, 2);
    let block_align = usize::from(u16_at(fmt, 12));
    let bits = u16_at(fmt, 14);
    if tag == TAG_EXTENSIBLE {
        if fmt.len() < 40 {
            return Err(malformed(
                at,
                format!(
                    "WAVE_FORMAT_EXTENSIBLE needs 40 bytes, the chunk has {}",
                    fmt.len()
                ),
            ));
        }
        let guid = &fmt[24..40];
        if guid[2..] != GUID_TAIL {
            return Err(ImportError::Unsupported {
                what: "WAV format",
                offset: body + 24,
                reason: "sub-format GUID is not PCM or IEEE float".to_owned(),
            });
        }
        tag = u16_at(guid, 0);
    }
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(malformed(
            body + 2,
            format!("{channels} channels (1 to {MAX_CHANNELS} allowed)"),
        ));
    }
    let kind = match (tag, bits) {
        (TAG_PCM, 8) => SampleKind::U8,
        (TAG_PCM, 16 | 24 | 32) => SampleKind::Int(bits),
        (TAG_FLOAT, 32 | 64) => SampleKind::Float(bits),
        _ => {
            return Err(ImportError::Unsupported {
                what: "WAV format",
                offset: body,
                reason: format!(
                    "format tag {tag:#06x} with {bits} bits per sample (integer PCM of 8, 16, 24 \
                     or 32 bits and 32- or 64-bit float are read)"
                ),
            })
        }
    };
    let expect = usize::from(channels) * kind.bytes();
    if block_align != expect {
        return Err(malformed(
            body + 12,
            format!(
                "block align {block_align}, but {channels} channels of {} need {expect}",
                kind.describe()
            ),
        ));
    }
    Ok((kind, usize::from(channels)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(fmt: &[u8], extra: &[(&[u8; 4], &[u8])], data: &[u8]) -> Vec<u8> {
        let mut body = b"WAVE".to_vec();
        let mut chunk = |id: &[u8], c: &[u8]| {
            body.extend_from_slice(id);
            body.extend_from_slice(&(c.len() as u32).to_le_bytes());
            body.extend_from_slice(c);
            if c.len() % 2 == 1 {
                body.push(0);
            }
        };
        chunk(b"fmt ", fmt);
        for (id, c) in extra {
            chunk(*id, c);
        }
        chunk(b"data", data);
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    fn fmt(tag: u16, channels: u16, bits: u16) -> Vec<u8> {
        let align = channels * bits / 8;
        let mut f = Vec::new();
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&channels.to_le_bytes());
        f.extend_from_slice(&44_100u32.to_le_bytes());
        f.extend_from_slice(&(44_100 * u32::from(align)).to_le_bytes());
        f.extend_from_slice(&align.to_le_bytes());
        f.extend_from_slice(&bits.to_le_bytes());
        f
    }

    #[test]
    fn decodes_every_integer_width_at_full_scale() {
        let cases: [(u16, Vec<u8>, f32); 4] = [
            (8, vec![0, 255], -1.0),
            (16, vec![0x00, 0x80, 0xFF, 0x7F], -1.0),
            (24, vec![0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F], -1.0),
            (32, vec![0, 0, 0, 0x80, 0xFF, 0xFF, 0xFF, 0x7F], -1.0),
        ];
        for (bits, data, first) in cases {
            let bytes = wav(&fmt(TAG_PCM, 1, bits), &[], &data);
            let w = parse_wav(&bytes).unwrap();
            let ch = w.decode().unwrap();
            assert_eq!(ch[0][0], first, "{bits}-bit");
            assert!((ch[0][1] - 1.0).abs() < 0.01, "{bits}-bit max {}", ch[0][1]);
        }
    }

    #[test]
    fn reads_extensible_float_and_info() {
        let mut f = fmt(TAG_EXTENSIBLE, 3, 32);
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&32u16.to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&TAG_FLOAT.to_le_bytes());
        f.extend_from_slice(&GUID_TAIL);
        let data: Vec<u8> = [0.5f32, -0.25, 0.125]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let mut info = b"INFO".to_vec();
        info.extend_from_slice(b"ICMT");
        info.extend_from_slice(&3u32.to_le_bytes());
        info.extend_from_slice(b"hi\0\0");
        let bytes = wav(&f, &[(b"LIST", &info), (b"clm ", b"<!>256")], &data);
        let w = parse_wav(&bytes).unwrap();
        assert_eq!(w.kind, SampleKind::Float(32));
        assert_eq!(w.channels, 3);
        assert_eq!(w.comment.as_deref(), Some("hi"));
        assert_eq!(w.clm.unwrap().1, b"<!>256");
        let ch = w.decode().unwrap();
        assert_eq!(ch.len(), 2);
        assert_eq!((ch[0][0], ch[1][0]), (0.5, -0.25));
    }

    #[test]
    fn bad_chunks_name_their_offset() {
        let mut bytes = wav(&fmt(TAG_PCM, 1, 16), &[], &[0; 8]);
        let n = bytes.len();
        bytes[n - 12..n - 8].copy_from_slice(&100u32.to_le_bytes());
        let err = parse_wav(&bytes).unwrap_err();
        assert_eq!(
            err,
            ImportError::Truncated {
                what: "data chunk",
                offset: 36,
                needed: 108,
                available: 16
            }
        );
        let bytes = wav(&fmt(TAG_PCM, 1, 12), &[], &[0; 8]);
        assert!(matches!(
            parse_wav(&bytes),
            Err(ImportError::Unsupported { offset: 20, .. })
        ));
        let mut bad_align = fmt(TAG_PCM, 2, 16);
        bad_align[12] = 3;
        let bytes = wav(&bad_align, &[], &[0; 8]);
        assert!(matches!(
            parse_wav(&bytes),
            Err(ImportError::Malformed { offset: 32, .. })
        ));
        let nan: Vec<u8> = [0.0f32, f32::NAN]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let bytes = wav(&fmt(TAG_FLOAT, 1, 32), &[], &nan);
        let w = parse_wav(&bytes).unwrap();
        assert_eq!(w.decode(), Err(ImportError::NonFinite { offset: 48 }));
    }
}
