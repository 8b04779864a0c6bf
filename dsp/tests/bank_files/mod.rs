//! Builders of the wavetable files the importer tests read: WAV in every sample format
//! with any extra chunks, Surge `.wt`, Vital `.vitaltable` and raw WaveEdit banks.

#![allow(dead_code)]

use base64::Engine as _;

/// A WAV sample format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    /// Unsigned 8-bit.
    U8,
    /// Signed 16-bit.
    I16,
    /// Signed 24-bit.
    I24,
    /// Signed 32-bit.
    I32,
    /// IEEE float 32-bit.
    F32,
}

impl Fmt {
    pub fn bits(self) -> u16 {
        match self {
            Self::U8 => 8,
            Self::I16 => 16,
            Self::I24 => 24,
            Self::I32 => 32,
            Self::F32 => 32,
        }
    }

    /// Largest quantisation error of a full-scale ±1 sample, linear.
    pub fn step(self) -> f32 {
        match self {
            Self::F32 => 0.0,
            _ => 1.0 / (1u64 << (self.bits() - 1)) as f32,
        }
    }

    fn tag(self) -> u16 {
        if self == Self::F32 {
            3
        } else {
            1
        }
    }

    fn encode(self, x: f32, out: &mut Vec<u8>) {
        let q = |bits: u16| {
            let s = (1u64 << (bits - 1)) as f64;
            (f64::from(x) * s).round().clamp(-s, s - 1.0) as i64
        };
        match self {
            Self::U8 => out.push((q(8) + 128) as u8),
            Self::I16 => out.extend_from_slice(&(q(16) as i16).to_le_bytes()),
            Self::I24 => out.extend_from_slice(&(q(24) as i32).to_le_bytes()[..3]),
            Self::I32 => out.extend_from_slice(&(q(32) as i32).to_le_bytes()),
            Self::F32 => out.extend_from_slice(&x.to_le_bytes()),
        }
    }
}

/// A RIFF chunk: id, length, body, pad byte.
pub fn chunk(id: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut c = id.to_vec();
    c.extend_from_slice(&(body.len() as u32).to_le_bytes());
    c.extend_from_slice(body);
    if body.len() % 2 == 1 {
        c.push(0);
    }
    c
}

/// A `clm ` chunk as Serum writes it, for frames of `frame_len` samples.
pub fn clm(frame_len: usize) -> Vec<u8> {
    chunk(
        b"clm ",
        format!("<!>{frame_len} 01000000 wavetable (www.xferrecords.com)").as_bytes(),
    )
}

/// A WAV file of `channels` (each the same length) in `fmt`, with `extra` chunks (whole,
/// from [`chunk`]) before `data`; `extensible` writes `WAVE_FORMAT_EXTENSIBLE`.
pub fn wav(fmt: Fmt, channels: &[Vec<f32>], extra: &[Vec<u8>], extensible: bool) -> Vec<u8> {
    let n_ch = channels.len() as u16;
    let align = n_ch * fmt.bits() / 8;
    let mut f = Vec::new();
    f.extend_from_slice(&(if extensible { 0xFFFE } else { fmt.tag() }).to_le_bytes());
    f.extend_from_slice(&n_ch.to_le_bytes());
    f.extend_from_slice(&48_000u32.to_le_bytes());
    f.extend_from_slice(&(48_000 * u32::from(align)).to_le_bytes());
    f.extend_from_slice(&align.to_le_bytes());
    f.extend_from_slice(&fmt.bits().to_le_bytes());
    if extensible {
        f.extend_from_slice(&22u16.to_le_bytes());
        f.extend_from_slice(&fmt.bits().to_le_bytes());
        f.extend_from_slice(&0u32.to_le_bytes());
        f.extend_from_slice(&fmt.tag().to_le_bytes());
        f.extend_from_slice(&[
            0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    }
    let frames = channels.first().map_or(0, Vec::len);
    let mut data = Vec::new();
    for i in 0..frames {
        for ch in channels {
            fmt.encode(ch[i], &mut data);
        }
    }
    let mut body = b"WAVE".to_vec();
    body.extend(chunk(b"fmt ", &f));
    for c in extra {
        body.extend_from_slice(c);
    }
    body.extend(chunk(b"data", &data));
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

/// One cycle of `amp · sin(2π·harmonic·t + phase) + dc` over `len` samples.
pub fn sine(len: usize, harmonic: usize, amp: f32, phase: f64, dc: f32) -> Vec<f32> {
    (0..len)
        .map(|i| {
            let t = i as f64 / len as f64;
            amp * (std::f64::consts::TAU * harmonic as f64 * t + phase).sin() as f32 + dc
        })
        .collect()
}

/// Largest absolute difference of two frames of equal length.
pub fn max_err(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A Surge `.wt` file of equal-length `frames` with `flags` (0x04 int16, 0x08 full range);
/// int16 data is scaled by 2^15 with 0x08, else 2^14, as Surge stores it.
pub fn surge_wt(frames: &[Vec<f32>], flags: u16) -> Vec<u8> {
    let mut out = b"vawt".to_vec();
    out.extend_from_slice(&(frames[0].len() as u32).to_le_bytes());
    out.extend_from_slice(&(frames.len() as u16).to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    let int16 = flags & 0x0C != 0;
    let scale = if flags & 0x08 != 0 {
        32_768.0
    } else {
        16_384.0
    };
    for f in frames {
        for &x in f {
            if int16 {
                let v = (f64::from(x) * scale).round().clamp(-32_768.0, 32_767.0) as i16;
                out.extend_from_slice(&v.to_le_bytes());
            } else {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
    out
}

/// Base64 of the little-endian f32 bytes of `frame`.
pub fn base64_frame(frame: &[f32]) -> String {
    let raw: Vec<u8> = frame.iter().flat_map(|x| x.to_le_bytes()).collect();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

/// A `.vitaltable` as Vital writes it: one group, one "Wave Source" component, a keyframe
/// per `(position, frame)`.
pub fn vitaltable(name: &str, keyframes: &[(u32, Vec<f32>)]) -> Vec<u8> {
    let kf: Vec<serde_json::Value> = keyframes
        .iter()
        .map(|(pos, frame)| serde_json::json!({"position": pos, "wave_data": base64_frame(frame)}))
        .collect();
    let table = serde_json::json!({
        "author": "test",
        "full_normalize": true,
        "groups": [{"components": [{
            "interpolation": 1,
            "interpolation_style": 1,
            "keyframes": kf,
            "type": "Wave Source"
        }]}],
        "name": name,
        "remove_all_dc": true,
        "version": "1.5.5"
    });
    serde_json::to_vec_pretty(&table).unwrap()
}
