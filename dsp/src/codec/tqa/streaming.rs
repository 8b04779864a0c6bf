//! TQA incrementally, on `ringbuf` SPSC rings, with no allocation after construction.
//!
//! - [`TqaEncoder::new`] gives a [`SampleWriter`] (the producer: push interleaved
//!   frames from any thread, the audio thread included) and the encoder (the
//!   consumer: [`TqaEncoder::next_packet`] codes each complete block).
//! - [`TqaDecoder::new`] gives the decoder ([`TqaDecoder::push_packet`]) and a
//!   [`SampleReader`] that pops decoded frames.
//! - [`TqaStage`] puts the two in series: the plugin's codec stage, with a latency
//!   of one block.
//!
//! A packet is one block of every channel: a u16 count of valid frames (1 to the
//! block size; fewer only in the last, flushed packet), then one block record per
//! channel, exactly as in the `.tqa` payload.

use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use super::block::{BlockCoder, MAX_INPUT};
use super::{TqaConfig, TqaError, MAX_BITS, MAX_BLOCK, MIN_BITS};

/// The producer end of an encoder's input ring: safe on the audio thread.
pub struct SampleWriter {
    ring: HeapProd<f32>,
    channels: usize,
    dropped: u64,
}

impl SampleWriter {
    /// Pushes whole interleaved frames; frames that do not fit are dropped and
    /// counted. Non-finite samples are written as 0 and samples are clamped to
    /// ±[`MAX_INPUT`], so the encoder always gets valid input. Returns frames written.
    pub fn push_interleaved(&mut self, frames: &[f32]) -> usize {
        let count = frames.len() / self.channels;
        let room = self.ring.vacant_len() / self.channels;
        let written = count.min(room);
        let clean = |x: &f32| {
            if x.is_finite() {
                x.clamp(-MAX_INPUT, MAX_INPUT)
            } else {
                0.0
            }
        };
        self.ring
            .push_iter(frames[..written * self.channels].iter().map(clean));
        self.dropped += (count - written) as u64;
        written
    }

    /// Pushes planar channels (one slice per channel, equal lengths), frame by frame.
    /// Same rules as [`SampleWriter::push_interleaved`]. Returns frames written.
    pub fn push_planar(&mut self, channels: &[&[f32]]) -> usize {
        debug_assert_eq!(channels.len(), self.channels);
        let count = channels.first().map_or(0, |c| c.len());
        let room = self.ring.vacant_len() / self.channels;
        let written = count.min(room);
        let clean = |x: f32| {
            if x.is_finite() {
                x.clamp(-MAX_INPUT, MAX_INPUT)
            } else {
                0.0
            }
        };
        let samples = (0..written).flat_map(|i| channels.iter().map(move |c| clean(c[i])));
        self.ring.push_iter(samples);
        self.dropped += (count - written) as u64;
        written
    }

    /// Frames the ring can take now.
    pub fn vacant_frames(&self) -> usize {
        self.ring.vacant_len() / self.channels
    }

    /// Frames dropped so far because the ring was full.
    pub fn dropped_frames(&self) -> u64 {
        self.dropped
    }
}

/// The consumer end: turns complete blocks into packets.
pub struct TqaEncoder {
    ring: HeapCons<f32>,
    coder: BlockCoder,
    config: TqaConfig,
    channels: usize,
    /// One block, interleaved, as taken from the ring.
    frames: Vec<f32>,
    /// One channel's block.
    planar: Vec<f32>,
    packet: Vec<u8>,
    max_packet: usize,
}

impl TqaEncoder {
    /// An encoder for `channels` channels whose input ring holds `capacity_frames`
    /// frames (at least one block), and the writer that feeds it.
    ///
    /// # Errors
    /// [`TqaError::Config`] for a bad `config`, no channels, or a ring smaller than
    /// a block.
    pub fn new(
        config: &TqaConfig,
        channels: usize,
        capacity_frames: usize,
    ) -> Result<(SampleWriter, TqaEncoder), TqaError> {
        Self::with_max_block(config, channels, capacity_frames, config.block_size)
    }

    /// [`TqaEncoder::new`], able to [`TqaEncoder::reconfigure`] to blocks up to
    /// `max_block` samples without allocating.
    ///
    /// # Errors
    /// As [`TqaEncoder::new`].
    pub fn with_max_block(
        config: &TqaConfig,
        channels: usize,
        capacity_frames: usize,
        max_block: usize,
    ) -> Result<(SampleWriter, TqaEncoder), TqaError> {
        let max_block = check_setup(config, channels, capacity_frames, max_block)?;
        let (prod, cons) = HeapRb::new(capacity_frames * channels).split();
        let coder = BlockCoder::with_capacity(config, max_block);
        let max_packet = 2 + channels * BlockCoder::max_record_len_for(max_block);
        let mut frames = Vec::with_capacity(max_block * channels);
        frames.resize(config.block_size * channels, 0.0);
        let mut planar = Vec::with_capacity(max_block);
        planar.resize(config.block_size, 0.0);
        let encoder = TqaEncoder {
            ring: cons,
            coder,
            config: *config,
            channels,
            frames,
            planar,
            packet: Vec::with_capacity(max_packet),
            max_packet,
        };
        let writer = SampleWriter {
            ring: prod,
            channels,
            dropped: 0,
        };
        Ok((writer, encoder))
    }

    /// Switches to `config`, dropping buffered input. Allocates nothing if the block
    /// fits the `max_block` this encoder was made with.
    ///
    /// # Errors
    /// [`TqaError::Config`] for a bad `config` or a block beyond that capacity.
    pub fn reconfigure(&mut self, config: &TqaConfig) -> Result<(), TqaError> {
        check_reconfigure(config, self.planar.capacity(), "encoder")?;
        self.ring.clear();
        self.coder.reconfigure(config);
        self.config = *config;
        self.frames.resize(config.block_size * self.channels, 0.0);
        self.planar.resize(config.block_size, 0.0);
        Ok(())
    }

    /// Switches to `bits` per coefficient (held to [`MIN_BITS`]..=[`MAX_BITS`]) from the
    /// next block on, keeping the buffered input: unlike [`TqaEncoder::reconfigure`] nothing
    /// is dropped, and the block size (so the latency) stays. No allocation.
    pub fn set_bits(&mut self, bits: u8) {
        self.config.bits = bits.clamp(MIN_BITS, MAX_BITS);
        self.coder.reconfigure(&self.config);
    }

    /// The encoder's settings.
    pub fn config(&self) -> &TqaConfig {
        &self.config
    }

    /// The largest packet, bytes.
    pub fn max_packet_len(&self) -> usize {
        self.max_packet
    }

    /// Frames waiting in the ring.
    pub fn buffered_frames(&self) -> usize {
        self.ring.occupied_len() / self.channels
    }

    /// Codes the next complete block, if the ring holds one, and returns its packet.
    pub fn next_packet(&mut self) -> Option<&[u8]> {
        let block = self.config.block_size;
        if self.buffered_frames() < block {
            return None;
        }
        self.ring.pop_slice(&mut self.frames);
        Some(self.encode_frames(block))
    }

    /// Codes whatever the ring holds (less than a block), zero-padded, as a last
    /// packet; `None` if it is empty.
    pub fn flush(&mut self) -> Option<&[u8]> {
        if let Some(len) = self.next_packet().map(<[u8]>::len) {
            return Some(&self.packet[..len]);
        }
        let valid = self.buffered_frames();
        if valid == 0 {
            return None;
        }
        let n = valid * self.channels;
        self.ring.pop_slice(&mut self.frames[..n]);
        self.frames[n..].fill(0.0);
        Some(self.encode_frames(valid))
    }

    /// The interleaved input of the latest packet (a whole block; zero-padded after a flush).
    pub fn last_block(&self) -> &[f32] {
        &self.frames
    }

    fn encode_frames(&mut self, valid: usize) -> &[u8] {
        self.packet.clear();
        self.packet.extend_from_slice(&(valid as u16).to_le_bytes());
        for c in 0..self.channels {
            for (p, frame) in self
                .planar
                .iter_mut()
                .zip(self.frames.chunks_exact(self.channels))
            {
                *p = frame[c];
            }
            self.coder.encode(&self.planar, &mut self.packet);
        }
        &self.packet
    }
}

/// Checks an encoder's or decoder's settings and returns the largest block it must
/// hold, `max_block` clamped to the config's block and [`MAX_BLOCK`].
fn check_setup(
    config: &TqaConfig,
    channels: usize,
    capacity_frames: usize,
    max_block: usize,
) -> Result<usize, TqaError> {
    config.validate()?;
    if channels == 0 || channels > usize::from(super::MAX_CHANNELS) {
        return Err(TqaError::Config(format!(
            "{channels} channels (1 to {})",
            super::MAX_CHANNELS
        )));
    }
    let max_block = max_block.clamp(config.block_size, MAX_BLOCK);
    if capacity_frames < max_block {
        return Err(TqaError::Config(format!(
            "ring of {capacity_frames} frames is smaller than a block ({max_block})"
        )));
    }
    Ok(max_block)
}

/// Checks a reconfiguration against the block capacity an encoder or decoder was made
/// with (`who` names it in the error).
fn check_reconfigure(config: &TqaConfig, capacity: usize, who: &str) -> Result<(), TqaError> {
    config.validate()?;
    if config.block_size > capacity {
        return Err(TqaError::Config(format!(
            "block {} beyond this {who}'s capacity {capacity}",
            config.block_size
        )));
    }
    Ok(())
}

/// Decodes packets into a ring of interleaved frames.
pub struct TqaDecoder {
    ring: HeapProd<f32>,
    coder: BlockCoder,
    config: TqaConfig,
    channels: usize,
    planar: Vec<f32>,
    frames: Vec<f32>,
}

/// The consumer end of a decoder's output ring.
pub struct SampleReader {
    ring: HeapCons<f32>,
    channels: usize,
}

impl SampleReader {
    /// Pops up to `out.len() / channels` whole interleaved frames. Returns frames read.
    pub fn pop_interleaved(&mut self, out: &mut [f32]) -> usize {
        let frames = (out.len() / self.channels).min(self.available_frames());
        self.ring.pop_slice(&mut out[..frames * self.channels]);
        frames
    }

    /// Frames ready to pop.
    pub fn available_frames(&self) -> usize {
        self.ring.occupied_len() / self.channels
    }
}

impl TqaDecoder {
    /// A decoder for packets of `config` with `channels` channels, whose output ring
    /// holds `capacity_frames` frames (at least one block), and the reader that
    /// drains it.
    ///
    /// # Errors
    /// [`TqaError::Config`] as for [`TqaEncoder::new`].
    pub fn new(
        config: &TqaConfig,
        channels: usize,
        capacity_frames: usize,
    ) -> Result<(TqaDecoder, SampleReader), TqaError> {
        Self::with_max_block(config, channels, capacity_frames, config.block_size)
    }

    /// [`TqaDecoder::new`], able to [`TqaDecoder::reconfigure`] to blocks up to
    /// `max_block` samples without allocating.
    ///
    /// # Errors
    /// As [`TqaDecoder::new`].
    pub fn with_max_block(
        config: &TqaConfig,
        channels: usize,
        capacity_frames: usize,
        max_block: usize,
    ) -> Result<(TqaDecoder, SampleReader), TqaError> {
        let max_block = check_setup(config, channels, capacity_frames, max_block)?;
        let (prod, cons) = HeapRb::new(capacity_frames * channels).split();
        let mut planar = Vec::with_capacity(max_block);
        planar.resize(config.block_size, 0.0);
        let mut frames = Vec::with_capacity(max_block * channels);
        frames.resize(config.block_size * channels, 0.0);
        let decoder = TqaDecoder {
            ring: prod,
            coder: BlockCoder::with_capacity(config, max_block),
            config: *config,
            channels,
            planar,
            frames,
        };
        Ok((
            decoder,
            SampleReader {
                ring: cons,
                channels,
            },
        ))
    }

    /// Switches to `config`. Allocates nothing within the capacity it was made with.
    /// Frames already in the ring stay there.
    ///
    /// # Errors
    /// As [`TqaEncoder::reconfigure`].
    pub fn reconfigure(&mut self, config: &TqaConfig) -> Result<(), TqaError> {
        check_reconfigure(config, self.planar.capacity(), "decoder")?;
        self.coder.reconfigure(config);
        self.config = *config;
        self.planar.resize(config.block_size, 0.0);
        self.frames.resize(config.block_size * self.channels, 0.0);
        Ok(())
    }

    /// Switches to `bits` per coefficient (held to [`MIN_BITS`]..=[`MAX_BITS`]) for the next
    /// packet, keeping the decoded frames in the ring. No allocation.
    pub fn set_bits(&mut self, bits: u8) {
        self.config.bits = bits.clamp(MIN_BITS, MAX_BITS);
        self.coder.reconfigure(&self.config);
    }

    /// Decodes `packet` and pushes its valid frames. Returns the frame count.
    ///
    /// # Errors
    /// [`TqaError::BadBlock`] for a malformed packet (nothing is pushed),
    /// [`TqaError::RingFull`] if the ring cannot take the frames (checked first).
    pub fn push_packet(&mut self, packet: &[u8]) -> Result<usize, TqaError> {
        let bad = |reason| TqaError::BadBlock {
            block: 0,
            channel: 0,
            reason,
        };
        if packet.len() < 2 {
            return Err(bad("packet shorter than its frame count"));
        }
        let block = self.config.block_size;
        let valid = usize::from(u16::from_le_bytes([packet[0], packet[1]]));
        if valid == 0 || valid > block {
            return Err(bad("packet frame count out of range"));
        }
        let vacant = self.ring.vacant_len() / self.channels;
        if vacant < valid {
            return Err(TqaError::RingFull {
                needed: valid,
                vacant,
            });
        }
        let mut at = 2;
        for c in 0..self.channels {
            let info = self
                .coder
                .decode(&packet[at..], &mut self.planar)
                .map_err(|reason| TqaError::BadBlock {
                    block: 0,
                    channel: c as u16,
                    reason,
                })?;
            at += info.consumed;
            for (frame, &x) in self
                .frames
                .chunks_exact_mut(self.channels)
                .zip(&self.planar)
            {
                frame[c] = x;
            }
        }
        if at != packet.len() {
            return Err(bad("bytes after the last record"));
        }
        self.ring.push_slice(&self.frames[..valid * self.channels]);
        Ok(valid)
    }

    /// Pushes `frames` frames of silence (as far as they fit): a stage's latency.
    pub fn push_silence(&mut self, frames: usize) -> usize {
        let n = frames.min(self.ring.vacant_len() / self.channels);
        self.ring
            .push_iter(std::iter::repeat_n(0.0, n * self.channels));
        n
    }

    /// The interleaved output of the latest packet (a whole block).
    pub fn last_block(&self) -> &[f32] {
        &self.frames
    }
}

/// Encoder and decoder in series: the plugin's "quantised" colour, with a latency
/// of one block and a live SQNR. Everything is allocated in [`TqaStage::new`];
/// [`TqaStage::process`] and [`TqaStage::reconfigure`] allocate nothing.
pub struct TqaStage {
    writer: SampleWriter,
    encoder: TqaEncoder,
    decoder: TqaDecoder,
    reader: SampleReader,
    channels: usize,
    /// Dry signal delayed by the latency, interleaved, circular.
    dry: Vec<f32>,
    dry_at: usize,
    /// Interleaved scratch for one chunk.
    chunk_in: Vec<f32>,
    chunk_out: Vec<f32>,
    signal_energy: f64,
    error_energy: f64,
}

impl TqaStage {
    /// A stage for `channels` channels, starting with `config`, able to switch to any
    /// block size up to [`MAX_BLOCK`] without allocating.
    ///
    /// # Errors
    /// [`TqaError::Config`] for a bad `config` or channel count.
    pub fn new(config: &TqaConfig, channels: usize) -> Result<Self, TqaError> {
        let capacity = 3 * MAX_BLOCK;
        let (writer, encoder) = TqaEncoder::with_max_block(config, channels, capacity, MAX_BLOCK)?;
        let (decoder, reader) = TqaDecoder::with_max_block(config, channels, capacity, MAX_BLOCK)?;
        let mut stage = Self {
            writer,
            encoder,
            decoder,
            reader,
            channels,
            dry: vec![0.0; (MAX_BLOCK + 1) * channels],
            dry_at: 0,
            chunk_in: vec![0.0; MAX_BLOCK * channels],
            chunk_out: vec![0.0; MAX_BLOCK * channels],
            signal_energy: 0.0,
            error_energy: 0.0,
        };
        stage.reset();
        Ok(stage)
    }

    /// Switches to `config` and clears the stage (a new latency starts). No allocation.
    ///
    /// # Errors
    /// [`TqaError::Config`] for a bad `config`.
    pub fn reconfigure(&mut self, config: &TqaConfig) -> Result<(), TqaError> {
        self.encoder.reconfigure(config)?;
        self.decoder.reconfigure(config)?;
        self.reset();
        Ok(())
    }

    /// Switches to `bits` per coefficient (held to [`MIN_BITS`]..=[`MAX_BITS`]) from the
    /// next block on, without clearing anything: the audio in flight plays on, the dry
    /// delay and the latency stay, and only the quantisation of the blocks coded from now
    /// changes. (A [`TqaStage::reconfigure`] instead restarts the stage: a block of silence.)
    /// Does nothing when the bits are already those. No allocation.
    pub fn set_bits(&mut self, bits: u8) {
        let bits = bits.clamp(MIN_BITS, MAX_BITS);
        if bits != self.encoder.config().bits {
            // NOTE: the encoder's packet is decoded in the same `process` call that codes
            // it, so between calls no packet is in flight: switching both sides here keeps
            // them in step.
            self.encoder.set_bits(bits);
            self.decoder.set_bits(bits);
        }
    }

    /// The settings in use.
    pub fn config(&self) -> &TqaConfig {
        self.encoder.config()
    }

    /// Latency, samples: one block.
    pub fn latency(&self) -> usize {
        self.encoder.config().block_size
    }

    /// Clears all buffered audio and the SQNR meter.
    pub fn reset(&mut self) {
        let block = self.latency();
        self.encoder.ring.clear();
        let mut sink = [0.0_f32; 256];
        while self.reader.pop_interleaved(&mut sink) > 0 {}
        self.decoder.push_silence(block);
        self.dry.fill(0.0);
        self.dry_at = 0;
        self.signal_energy = 0.0;
        self.error_energy = 0.0;
    }

    /// SQNR of the blocks coded so far (energy-weighted, decaying over about 20
    /// blocks), dB; +∞ before anything audible was coded.
    pub fn sqnr_db(&self) -> f64 {
        if self.error_energy > 0.0 {
            10.0 * (self.signal_energy / self.error_energy).log10()
        } else {
            f64::INFINITY
        }
    }

    /// Runs `channels` (planar, equal lengths, any length) through the codec in place,
    /// mixing `mix` (0 dry … 1 coded) with the dry signal delayed to match.
    pub fn process(&mut self, channels: &mut [&mut [f32]], mix: f32) {
        debug_assert_eq!(channels.len(), self.channels);
        let len = channels.first().map_or(0, |c| c.len());
        let block = self.latency();
        let n_ch = self.channels;
        let dry_len = (block + 1) * n_ch;
        let mix = mix.clamp(0.0, 1.0);
        let mut start = 0;
        while start < len {
            let n = (len - start).min(block);
            for i in 0..n {
                for (c, channel) in channels.iter().enumerate() {
                    // Non-finite input becomes silence here, so neither the coded nor
                    // the dry path can carry it to the output.
                    let x = channel[start + i];
                    self.chunk_in[i * n_ch + c] = if x.is_finite() { x } else { 0.0 };
                }
            }
            self.writer.push_interleaved(&self.chunk_in[..n * n_ch]);
            while let Some(packet) = self.encoder.next_packet() {
                // The decoder's ring always has room: it holds one block of latency
                // plus at most one chunk.
                let _ = self.decoder.push_packet(packet);
                let (input, output) = (self.encoder.last_block(), self.decoder.last_block());
                let (mut s, mut e) = (0.0_f64, 0.0_f64);
                for (&a, &b) in input.iter().zip(output) {
                    s += f64::from(a) * f64::from(a);
                    e += f64::from(a - b) * f64::from(a - b);
                }
                const DECAY: f64 = 0.95;
                self.signal_energy = self.signal_energy * DECAY + s;
                self.error_energy = self.error_energy * DECAY + e;
            }
            let got = self.reader.pop_interleaved(&mut self.chunk_out[..n * n_ch]);
            debug_assert_eq!(got, n);
            for i in 0..n {
                // The dry line: write this frame, read the one `block` frames ago.
                let write = self.dry_at;
                let read = (write + dry_len - block * n_ch) % dry_len;
                for c in 0..n_ch {
                    self.dry[write + c] = self.chunk_in[i * n_ch + c];
                }
                for (c, channel) in channels.iter_mut().enumerate() {
                    let wet = self.chunk_out[i * n_ch + c];
                    let dry = self.dry[read + c];
                    channel[start + i] = dry + mix * (wet - dry);
                }
                self.dry_at = (write + n_ch) % dry_len;
            }
            start += n;
        }
    }
}
