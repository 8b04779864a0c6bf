//! A rolling capture: the last `seconds` of a live signal, TQA-compressed in memory.
//!
//! [`Capture::new`] gives two ends:
//!
//! - [`CaptureInput`], for the audio thread: [`CaptureInput::push`] copies frames into a
//!   lock-free SPSC ring (the [`SampleWriter`] of a [`TqaEncoder`]) and never allocates,
//!   locks or waits; frames that do not fit are dropped and counted.
//! - [`Capture`], for a background thread: [`Capture::pump`] codes every complete block
//!   waiting in the ring into a store of block records and evicts the oldest blocks
//!   beyond `seconds`; [`Capture::flush`] also takes the partial block at the end, so an
//!   export holds everything pushed so far; [`Capture::snapshot`],
//!   [`Capture::to_stream`] and [`Capture::decode`] give the retained audio as a `.tqa`
//!   stream or as samples.
//!
//! The store keeps each block as its records (one per channel) exactly as they appear in
//! a `.tqa` payload, so a stream is the header, the records and a CRC: no re-coding.
//!
//! # Memory
//!
//! Plain mode spends `b` bits per sample plus 5 bytes of side information per channel
//! and block (kind byte, f16 mean and standard deviation). At 6 bits and 512-sample
//! blocks that is 389 bytes per channel per block, 6.08 bits per sample: five minutes of
//! 48 kHz stereo hold 28 125 blocks, 21.9 MB, against 115.2 MB as f32. Silent blocks
//! cost one byte per channel. The store is reserved up front at the nominal size plus
//! 1/64 for escapes (22.2 MB); with the two-second input ring (0.77 MB) and the index
//! and buffers, [`Capture::memory_bytes`] reports 23.2 MB (measured in
//! `dsp/tests/tqa_capture.rs`). It grows, by 1/64 at a time, only if escapes and wide
//! side values exceed that margin.

use std::collections::VecDeque;

use super::block::BlockCoder;
use super::pack::packed_len;
use super::stream::write_header;
use super::{
    SampleWriter, StreamHeader, TqaConfig, TqaEncoder, TqaError, TqaMode, HEADER_LEN, MAX_CHANNELS,
    MAX_SAMPLES,
};

/// Seconds of audio the input ring holds: how long the background side may stall (an
/// export, a busy machine) before frames are dropped.
pub const RING_SECONDS: f64 = 2.0;

/// Upper estimate of one [`BlockCoder`]'s scratch, bytes per block sample (its sign, y,
/// residual and candidate arrays and index bytes add up to 23).
const CODER_BYTES_PER_SAMPLE: usize = 32;
/// Upper estimate of one [`BlockCoder`]'s fixed scratch (escape list and the `qjl`
/// projection), bytes.
const CODER_FIXED_BYTES: usize = 20 * 1024;

/// The audio thread's end of a capture: push frames, nothing else.
pub struct CaptureInput {
    /// The producer end of the encoder's input ring; only the audio thread touches it.
    writer: SampleWriter,
}

impl CaptureInput {
    /// Pushes planar channels (one slice per channel, equal lengths). Non-finite samples
    /// become 0. Frames that do not fit the ring are dropped and counted. Returns frames
    /// written. Never allocates, locks or waits: safe on the audio thread.
    pub fn push(&mut self, channels: &[&[f32]]) -> usize {
        self.writer.push_planar(channels)
    }

    /// Pushes whole interleaved frames; as [`CaptureInput::push`].
    pub fn push_interleaved(&mut self, frames: &[f32]) -> usize {
        self.writer.push_interleaved(frames)
    }

    /// Frames dropped so far because the ring was full (the background side fell behind).
    pub fn dropped_frames(&self) -> u64 {
        self.writer.dropped_frames()
    }
}

/// Block records of consecutive full blocks, oldest first.
struct RecordStore {
    /// Every block's records (all channels), back to back.
    bytes: VecDeque<u8>,
    /// Bytes of each block, oldest first.
    lens: VecDeque<u32>,
}

impl RecordStore {
    fn push(&mut self, records: &[u8]) {
        if self.bytes.len() + records.len() > self.bytes.capacity() {
            // Grow by 1/64, not by doubling: the store is large and long-lived, and only
            // escapes and wide side values take it past its nominal size.
            let extra = (self.bytes.capacity() / 64).max(records.len());
            self.bytes.reserve_exact(extra);
        }
        self.bytes.extend(records.iter().copied());
        self.lens.push_back(records.len() as u32);
    }

    fn pop_front(&mut self) {
        if let Some(len) = self.lens.pop_front() {
            self.bytes.drain(..len as usize);
        }
    }

    fn blocks(&self) -> usize {
        self.lens.len()
    }
}

/// The background end of a capture: codes blocks, keeps the last `seconds`, exports.
pub struct Capture {
    /// The consumer end of the input ring, coding blocks on the encoder's grid.
    encoder: TqaEncoder,
    /// Codes blocks that [`Capture::flush`] shifted off the encoder's block grid.
    coder: BlockCoder,
    /// The coder settings, written to an exported stream's header.
    config: TqaConfig,
    /// Sample rate, Hz.
    sample_rate_hz: u32,
    /// Channel count.
    channels: usize,
    /// Retention, frames: the store keeps at least this many (once it has them) and less
    /// than one block more.
    keep_frames: u64,
    /// Input ring capacity, frames.
    ring_frames: usize,
    /// The retained blocks' records.
    store: RecordStore,
    /// Frames flushed off the block grid and not yet in a stored block, interleaved
    /// (`carry_frames` of them; room for two blocks).
    carry: Vec<f32>,
    /// Frames in `carry`.
    carry_frames: usize,
    /// The records of `carry`, zero-padded to a block: the stream's last, partial block.
    /// Valid while `tail_frames > 0`.
    tail: Vec<u8>,
    /// Frames `tail` holds (0: no tail).
    tail_frames: usize,
    /// One block, interleaved, being assembled from the carry and new frames.
    block: Vec<f32>,
    /// One channel of `block`.
    planar: Vec<f32>,
    /// The records of one block being written.
    records: Vec<u8>,
    /// Frames pushed through the encoder since creation.
    total_frames: u64,
}

impl Capture {
    /// A capture of the last `seconds` of `channels` channels at `sample_rate_hz`, coded
    /// with `config`, and the input for the audio thread. The input ring holds
    /// [`RING_SECONDS`] (at least two blocks).
    ///
    /// # Allocation
    /// Allocates the ring and the store, sized for `seconds` of audio at the nominal
    /// rate of `config` (see the module docs); the store grows only if blocks need
    /// escapes or wide side values.
    ///
    /// # Errors
    /// [`TqaError::Config`] for a bad `config`, no or too many channels, a zero sample
    /// rate, `seconds` not positive, or a retention beyond [`MAX_SAMPLES`] samples (the
    /// largest stream).
    pub fn new(
        sample_rate_hz: u32,
        channels: usize,
        seconds: f64,
        config: &TqaConfig,
    ) -> Result<(CaptureInput, Capture), TqaError> {
        config.validate()?;
        if channels == 0 || channels > usize::from(MAX_CHANNELS) {
            return Err(TqaError::Config(format!(
                "{channels} channels (1 to {MAX_CHANNELS})"
            )));
        }
        if sample_rate_hz == 0 {
            return Err(TqaError::Config("sample rate 0 Hz".into()));
        }
        if !(seconds > 0.0 && seconds.is_finite()) {
            return Err(TqaError::Config(format!("capture length {seconds} s")));
        }
        let block = config.block_size;
        let keep_frames = (seconds * f64::from(sample_rate_hz)).ceil() as u64;
        let most_samples = (keep_frames + 2 * block as u64) * channels as u64;
        if most_samples > MAX_SAMPLES {
            return Err(TqaError::Config(format!(
                "{seconds} s of {channels} channels at {sample_rate_hz} Hz is {most_samples} \
                 samples, beyond the stream cap of {MAX_SAMPLES}"
            )));
        }
        let ring_frames = ((RING_SECONDS * f64::from(sample_rate_hz)).ceil() as usize)
            .max(2 * block)
            .next_multiple_of(block);
        let (writer, encoder) = TqaEncoder::new(config, channels, ring_frames)?;
        let blocks = keep_frames.div_ceil(block as u64) as usize + 1;
        let nominal = blocks * nominal_block_bytes(config, channels);
        let store = RecordStore {
            // 1/64 over the nominal size leaves room for escapes (0.1 % of the records
            // of synth audio in the tests).
            bytes: VecDeque::with_capacity(nominal + nominal / 64),
            lens: VecDeque::with_capacity(blocks + 1),
        };
        let max_records = channels * BlockCoder::max_record_len_for(block);
        let capture = Capture {
            encoder,
            coder: BlockCoder::new(config),
            config: *config,
            sample_rate_hz,
            channels,
            keep_frames,
            ring_frames,
            store,
            carry: vec![0.0; 2 * block * channels],
            carry_frames: 0,
            tail: Vec::with_capacity(max_records),
            tail_frames: 0,
            block: vec![0.0; block * channels],
            planar: vec![0.0; block],
            records: Vec::with_capacity(max_records),
            total_frames: 0,
        };
        Ok((CaptureInput { writer }, capture))
    }

    /// The coder settings.
    pub fn config(&self) -> &TqaConfig {
        &self.config
    }

    /// Sample rate, Hz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    /// Channel count.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Codes every complete block waiting in the ring into the store and evicts blocks
    /// older than the retention. Returns the frames coded. Call it often enough that the
    /// ring ([`RING_SECONDS`]) never fills.
    pub fn pump(&mut self) -> usize {
        let block = self.config.block_size;
        let mut coded = 0;
        while let Some(packet) = self.encoder.next_packet() {
            if self.carry_frames == 0 {
                // On the encoder's block grid: its packet is the block's records.
                self.store.push(&packet[2..]);
            } else {
                self.append_carried(block);
            }
            // Evict as blocks arrive, so the store never holds more than it was sized for.
            self.evict();
            coded += block;
        }
        self.total_frames += coded as u64;
        coded
    }

    /// A block after a flush: the carried frames (fewer than a block), then the encoder's
    /// latest block; whatever does not fill a block stays carried.
    fn append_carried(&mut self, block: usize) {
        let (ch, k) = (self.channels, self.carry_frames);
        debug_assert!(k < block, "the carry holds less than a block");
        self.carry[k * ch..(k + block) * ch].copy_from_slice(self.encoder.last_block());
        self.carry_frames = k + block;
        self.drain_carry();
        // The flushed tail is inside a stored block now.
        self.tail_frames = 0;
    }

    /// Codes and stores every whole block at the front of the carry.
    fn drain_carry(&mut self) {
        let (block, ch) = (self.config.block_size, self.channels);
        while self.carry_frames >= block {
            self.block.copy_from_slice(&self.carry[..block * ch]);
            self.records.clear();
            code_block(
                &mut self.coder,
                &self.block,
                ch,
                &mut self.planar,
                &mut self.records,
            );
            self.store.push(&self.records);
            self.evict();
            self.carry
                .copy_within(block * ch..self.carry_frames * ch, 0);
            self.carry_frames -= block;
        }
    }

    /// [`Capture::pump`], then takes the partial block left in the ring too, so that
    /// [`Capture::snapshot`] holds every frame pushed so far. Later blocks continue
    /// seamlessly after the flushed frames (they are re-blocked behind them).
    pub fn flush(&mut self) {
        let (block, ch) = (self.config.block_size, self.channels);
        loop {
            self.pump();
            let Some(packet) = self.encoder.flush() else {
                break;
            };
            let valid = usize::from(u16::from_le_bytes([packet[0], packet[1]]));
            self.total_frames += valid as u64;
            if valid == block {
                // The audio thread completed a block since the pump.
                if self.carry_frames == 0 {
                    self.store.push(&packet[2..]);
                } else {
                    self.append_carried(block);
                }
                continue;
            }
            let k = self.carry_frames;
            self.carry[k * ch..(k + valid) * ch]
                .copy_from_slice(&self.encoder.last_block()[..valid * ch]);
            self.carry_frames += valid;
            self.drain_carry();
            break;
        }
        self.tail.clear();
        self.tail_frames = self.carry_frames;
        if self.carry_frames > 0 {
            let n = self.carry_frames * ch;
            self.block[..n].copy_from_slice(&self.carry[..n]);
            self.block[n..].fill(0.0);
            code_block(
                &mut self.coder,
                &self.block,
                ch,
                &mut self.planar,
                &mut self.tail,
            );
        }
        self.evict();
    }

    fn evict(&mut self) {
        let block = self.config.block_size as u64;
        while self.store.blocks() > 0 && self.retained_frames() - block >= self.keep_frames {
            self.store.pop_front();
        }
    }

    /// Frames retained: stored blocks and the flushed tail.
    pub fn retained_frames(&self) -> u64 {
        (self.store.blocks() * self.config.block_size + self.tail_frames) as u64
    }

    /// Length of the retained audio, seconds.
    pub fn duration_s(&self) -> f64 {
        self.retained_frames() as f64 / f64::from(self.sample_rate_hz)
    }

    /// Frames coded since creation (retained or evicted).
    pub fn total_frames(&self) -> u64 {
        self.total_frames
    }

    /// Bytes of coded audio retained (block records, without the stream's header and CRC).
    pub fn stored_bytes(&self) -> usize {
        self.store.bytes.len() + self.tail.len()
    }

    /// Memory this capture holds, bytes: the record store and its index (allocated
    /// capacity, not just use), the input ring, the working buffers, and an upper
    /// estimate of the two block coders' scratch.
    pub fn memory_bytes(&self) -> usize {
        let block = self.config.block_size;
        let f32s = std::mem::size_of::<f32>();
        let store = self.store.bytes.capacity() + self.store.lens.capacity() * 4;
        let ring = self.ring_frames * self.channels * f32s;
        let buffers = (self.carry.capacity() + self.block.capacity() + self.planar.capacity())
            * f32s
            + self.tail.capacity()
            + self.records.capacity();
        // The encoder's own block buffers and packet, and two coders.
        let encoder = (block * self.channels + block) * f32s + self.encoder.max_packet_len();
        let coders = 2 * (CODER_BYTES_PER_SAMPLE * block + CODER_FIXED_BYTES);
        store + ring + buffers + encoder + coders
    }

    /// A copy of the retained audio's records (call [`Capture::flush`] first to include
    /// the partial last block), to export off this thread.
    ///
    /// # Allocation
    /// Allocates a copy of the records ([`Capture::stored_bytes`]).
    pub fn snapshot(&self) -> CaptureSnapshot {
        let (a, b) = self.store.bytes.as_slices();
        let mut payload = Vec::with_capacity(self.stored_bytes());
        payload.extend_from_slice(a);
        payload.extend_from_slice(b);
        payload.extend_from_slice(&self.tail);
        CaptureSnapshot {
            header: StreamHeader {
                sample_rate_hz: self.sample_rate_hz,
                channels: self.channels as u16,
                frames: self.retained_frames(),
                config: self.config,
            },
            payload,
        }
    }

    /// The retained audio as a `.tqa` stream (header, records, CRC-32), readable by
    /// [`decode`](super::decode). Includes the partial last block if
    /// [`Capture::flush`] ran since the last pump that completed it.
    ///
    /// # Allocation
    /// Allocates the stream.
    pub fn to_stream(&self) -> Vec<u8> {
        self.snapshot().to_stream()
    }

    /// The retained audio, one vector per channel.
    ///
    /// # Allocation
    /// Allocates the decoded audio (4 bytes per sample).
    ///
    /// # Errors
    /// [`TqaError::BadBlock`] if a stored record does not decode (a bug, not an input
    /// problem: the store only holds records this capture wrote).
    pub fn decode(&self) -> Result<Vec<Vec<f32>>, TqaError> {
        self.snapshot().decode()
    }
}

/// Codes one interleaved block of `ch` channels, appending each channel's record.
fn code_block(
    coder: &mut BlockCoder,
    block: &[f32],
    ch: usize,
    planar: &mut [f32],
    out: &mut Vec<u8>,
) {
    for c in 0..ch {
        for (p, frame) in planar.iter_mut().zip(block.chunks_exact(ch)) {
            *p = frame[c];
        }
        out.reserve(coder.max_record_len());
        coder.encode(planar, out);
    }
}

/// Bytes of one block of `channels` channels without escapes, with f16 side values: a
/// kind byte, the side values (mean and std; `sign` and `qjl` add one) and the packed
/// payload bits (blocks are multiples of 8 samples, so every field packs exactly).
fn nominal_block_bytes(config: &TqaConfig, channels: usize) -> usize {
    let side_values = if config.mode == TqaMode::Plain { 2 } else { 3 };
    let payload_bits = u32::from(config.mode.payload_bits(config.bits));
    channels * (1 + 2 * side_values + packed_len(config.block_size, payload_bits))
}

/// A capture's retained audio at one moment, owned: export it on any thread.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureSnapshot {
    /// The header a stream of this snapshot carries.
    header: StreamHeader,
    /// Block records of every block, all channels, as in a `.tqa` payload.
    payload: Vec<u8>,
}

impl CaptureSnapshot {
    /// What a stream of this snapshot says in its header (`frames` per channel).
    pub fn header(&self) -> &StreamHeader {
        &self.header
    }

    /// Length, seconds.
    pub fn duration_s(&self) -> f64 {
        self.header.frames as f64 / f64::from(self.header.sample_rate_hz)
    }

    /// The snapshot as a `.tqa` stream (header, records, CRC-32).
    ///
    /// # Allocation
    /// Allocates the stream.
    pub fn to_stream(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len() + 4);
        write_header(&self.header, self.payload.len() as u64, &mut out);
        out.extend_from_slice(&self.payload);
        out.extend_from_slice(&crc32fast::hash(&self.payload).to_le_bytes());
        out
    }

    /// Decodes block by block, calling `f` with each block's planar channels (the valid
    /// frames only: the last block may be shorter), oldest first. Holds one block of
    /// decoded audio at a time, so exporting needs no room for the whole capture.
    ///
    /// # Errors
    /// [`TqaError::BadBlock`] if a record does not decode, [`TqaError::TrailingBytes`] if
    /// records remain after the last block (neither happens to a snapshot taken from a
    /// [`Capture`]).
    pub fn for_each_block(&self, mut f: impl FnMut(&[&[f32]])) -> Result<(), TqaError> {
        let config = &self.header.config;
        let block = config.block_size;
        let ch = usize::from(self.header.channels);
        let frames = self.header.frames as usize;
        let mut coder = BlockCoder::new(config);
        let mut decoded = vec![vec![0.0_f32; block]; ch];
        let mut at = 0;
        for (k, start) in (0..frames).step_by(block).enumerate() {
            let valid = (frames - start).min(block);
            for (c, out) in decoded.iter_mut().enumerate() {
                let info = coder.decode(&self.payload[at..], out).map_err(|reason| {
                    TqaError::BadBlock {
                        block: k as u64,
                        channel: c as u16,
                        reason,
                    }
                })?;
                at += info.consumed;
            }
            let views: Vec<&[f32]> = decoded.iter().map(|d| &d[..valid]).collect();
            f(&views);
        }
        if at != self.payload.len() {
            return Err(TqaError::TrailingBytes(self.payload.len() - at));
        }
        Ok(())
    }

    /// The audio, one vector of `frames` samples per channel.
    ///
    /// # Allocation
    /// Allocates the decoded audio (4 bytes per sample).
    ///
    /// # Errors
    /// As [`CaptureSnapshot::for_each_block`].
    pub fn decode(&self) -> Result<Vec<Vec<f32>>, TqaError> {
        let frames = self.header.frames as usize;
        let mut out: Vec<Vec<f32>> = (0..self.header.channels)
            .map(|_| Vec::with_capacity(frames))
            .collect();
        self.for_each_block(|block| {
            for (o, b) in out.iter_mut().zip(block) {
                o.extend_from_slice(b);
            }
        })?;
        Ok(out)
    }
}
