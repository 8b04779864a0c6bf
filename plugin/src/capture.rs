//! The rolling capture of the plugin's output and the thread that keeps it.
//!
//! The audio thread pushes its final output (after master gain) into the lock-free ring of a
//! [`CaptureInput`] through a [`CaptureTap`], which also notes where sound (output above
//! [`SOUND_FLOOR`]) began; nothing else. A capture thread, started by [`CaptureWorker::start`]
//! in `activate`, wakes every [`PUMP_INTERVAL`] (every [`BUSY_PUMP_INTERVAL`] while audio
//! arrives faster than real time), codes the complete blocks with TQA at [`CAPTURE_BITS`] bits
//! and keeps the last [`CAPTURE_SECONDS`] in memory (see [`Capture`]).
//!
//! Saving is an action, never a parameter (a host's automation, a parameter fuzzer or a preset
//! recall must not write files): the editor's "Export capture…" calls
//! [`CaptureStatus::request_export`] with the path chosen, and
//! [`Wavecube::save_capture`](crate::Wavecube::save_capture) does the same for API callers
//! (or [`CaptureStatus::request_save`], to a new file in [`capture_dir`]). On a request the
//! capture thread flushes the capture, takes a snapshot and hands it to a short-lived export
//! thread that writes a 32-bit float stereo WAV, so the pumping never stalls on the disk. The
//! WAV starts at the block holding the first sound still in the capture (whole blocks of
//! silence before it are left out).
//!
//! The thread stops when its [`CaptureWorker`] is dropped (the plugin is dropped, or is
//! re-activated at another sample rate): the drop closes a channel the thread waits on, then
//! joins it (and any export still writing).
//!
//! # Memory
//!
//! Five minutes of 48 kHz stereo at 6 bits: 21.9 MB of block records (6.08 bits per sample)
//! in a store reserved at 22.2 MB, plus a two-second input ring (0.77 MB): 23.2 MB in all
//! (21.3 MB at 44.1 kHz), against 115.2 MB as f32. An export also holds a copy of the records
//! (up to 22 MB) while it writes; it decodes one block at a time.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nice_plug::prelude::{nice_error, nice_log};
use wavecube_dsp::codec::tqa::{
    Capture, CaptureInput, CaptureSnapshot, TqaConfig, TqaError, DEFAULT_BLOCK, DEFAULT_MODE,
    DEFAULT_SEED,
};

/// Length of the capture, seconds.
pub const CAPTURE_SECONDS: f64 = 300.0;
/// Bits per coefficient of the capture.
pub const CAPTURE_BITS: u8 = 6;
/// Channels captured (the stereo output).
pub const CAPTURE_CHANNELS: usize = 2;
/// How often the capture thread codes what the audio thread pushed. The two-second input
/// ring ([`RING_SECONDS`](wavecube_dsp::codec::tqa::RING_SECONDS)) then lasts while audio
/// arrives up to 100 times faster than real time.
pub const PUMP_INTERVAL: Duration = Duration::from_millis(20);
/// How often it codes while audio arrives faster than twice real time (an offline bounce):
/// the ring then lasts up to 400 times real time.
pub const BUSY_PUMP_INTERVAL: Duration = Duration::from_millis(5);
/// Environment variable naming the directory captures are saved to.
pub use wavecube_dsp::folders::CAPTURE_DIR_ENV;
/// Output whose peak stays at or below this (linear, −80 dBFS) is silence: it does not start
/// what the browser calls "held", nor a saved WAV.
pub const SOUND_FLOOR: f32 = 1e-4;

/// The capture's coder settings: [`CAPTURE_BITS`] bits, 512-sample blocks, the default mode.
pub fn capture_config() -> TqaConfig {
    TqaConfig {
        bits: CAPTURE_BITS,
        block_size: DEFAULT_BLOCK,
        mode: DEFAULT_MODE,
        seed: DEFAULT_SEED,
    }
}

/// Why the capture could not start or a save failed.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The coder refused the settings.
    #[error("capture settings: {0}")]
    Codec(#[from] TqaError),
    /// Neither the capture directory variable nor the platform gives a folder (no home).
    #[error("no capture directory: set {CAPTURE_DIR_ENV} (or XDG_DATA_HOME or HOME)")]
    NoDirectory,
    /// A file or directory could not be created, written or renamed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The WAV writer failed.
    #[error("{path}: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: hound::Error,
    },
    /// No capture runs: the plugin is not activated (or its capture could not start).
    #[error("no capture is running (the plugin is not active)")]
    NotRunning,
}

/// Where a requested save goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveTarget {
    /// A new file `capture-<unix seconds>.wav` in [`capture_dir`].
    Folder,
    /// This path (a file there is replaced).
    Path(PathBuf),
}

/// What the capture thread reports, for the editor (and the tests). Atomics, except the
/// last export's path and error, which only non-audio threads touch.
#[derive(Debug, Default)]
pub struct CaptureStatus {
    /// Path of the last WAV written; written by the export thread.
    last_export: Mutex<Option<PathBuf>>,
    /// The last save's error, if it failed; written by the export thread.
    last_error: Mutex<Option<String>>,
    /// Saves completed; written by the export thread.
    exports: AtomicU32,
    /// Memory the capture holds, bytes; written by the capture thread.
    memory_bytes: AtomicU64,
    /// Audio retained, ms; written by the capture thread.
    retained_ms: AtomicU64,
    /// Sample rate of the running capture, Hz (0 before the first); written by
    /// [`CaptureWorker::start`] (main thread).
    sample_rate_hz: AtomicU32,
    /// Frames the audio thread dropped because the ring was full; written by the audio thread.
    dropped_frames: AtomicU64,
    /// Capture threads running (0 or 1 per plugin); written by the capture thread.
    threads: AtomicU32,
    /// A save asked for (by the editor or an API call), taken by the capture thread. Never
    /// touched by the audio thread.
    export_request: Mutex<Option<SaveTarget>>,
    /// Index + 1 of the first frame pushed above [`SOUND_FLOOR`] (0: none yet), in frames
    /// pushed to the running capture; written by the audio thread.
    first_sound: AtomicU64,
    /// Index of the frame after the last one pushed above [`SOUND_FLOOR`] (0: none yet);
    /// written by the audio thread.
    sound_end: AtomicU64,
    /// Audio held from the first sound in the capture to its end, ms; written by the capture
    /// thread.
    sound_ms: AtomicU64,
}

impl CaptureStatus {
    /// Path of the last WAV the capture was saved to. Locks: not for the audio thread.
    pub fn last_export(&self) -> Option<PathBuf> {
        self.last_export.lock().ok().and_then(|p| p.clone())
    }

    /// The last save's error message, if it failed. Locks: not for the audio thread.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Saves completed so far.
    pub fn exports(&self) -> u32 {
        self.exports.load(Ordering::Acquire)
    }

    /// Memory the capture holds, bytes (store, ring and buffers; see [`Capture::memory_bytes`]).
    pub fn memory_bytes(&self) -> u64 {
        self.memory_bytes.load(Ordering::Relaxed)
    }

    /// Audio retained, seconds (up to [`CAPTURE_SECONDS`]), silence included: the output is
    /// captured from activation on, played or not.
    pub fn retained_s(&self) -> f64 {
        self.retained_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// Audio held from the first sound still in the capture to its end, seconds (0 while it
    /// holds only silence): what a save writes, to within a 512-sample block.
    pub fn sound_s(&self) -> f64 {
        self.sound_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }

    /// Sample rate of the running capture, Hz (0 before the first).
    pub fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz.load(Ordering::Relaxed)
    }

    /// Frames the audio thread dropped because the capture thread fell two seconds behind.
    pub fn dropped_frames(&self) -> u64 {
        self.dropped_frames.load(Ordering::Relaxed)
    }

    /// Capture threads running for this plugin: 1 while activated, 0 after the drop.
    pub fn threads(&self) -> u32 {
        self.threads.load(Ordering::Acquire)
    }

    /// Asks the capture thread to save the capture as a WAV file at `path` (replacing a
    /// request it has not taken yet). The save runs in the background; [`Self::exports`]
    /// counts it when done, and [`Self::last_export`] or [`Self::last_error`] says how it
    /// went. Locks: not for the audio thread.
    pub fn request_export(&self, path: PathBuf) {
        self.request(SaveTarget::Path(path));
    }

    /// Asks the capture thread to save the capture as a new WAV file in [`capture_dir`]; as
    /// [`Self::request_export`] otherwise.
    pub fn request_save(&self) {
        self.request(SaveTarget::Folder);
    }

    fn request(&self, target: SaveTarget) {
        *self
            .export_request
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(target);
    }

    fn take_export_request(&self) -> Option<SaveTarget> {
        self.export_request
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// Records the audio thread's drop count. Audio thread: one relaxed store.
    pub fn set_dropped_frames(&self, frames: u64) {
        self.dropped_frames.store(frames, Ordering::Relaxed);
    }

    /// Where the first sound in `capture` starts, frames from the start of what it retains
    /// (`None` while it holds only silence).
    fn sound_offset(&self, capture: &Capture) -> Option<u64> {
        sound_offset(
            capture.total_frames(),
            capture.retained_frames(),
            self.first_sound.load(Ordering::Relaxed),
            self.sound_end.load(Ordering::Relaxed),
        )
    }

    fn publish(&self, capture: &Capture) {
        self.memory_bytes
            .store(capture.memory_bytes() as u64, Ordering::Relaxed);
        self.retained_ms
            .store((capture.duration_s() * 1000.0) as u64, Ordering::Relaxed);
        let retained = capture.retained_frames();
        let sound = self
            .sound_offset(capture)
            .map_or(0, |offset| retained.saturating_sub(offset));
        let rate = u64::from(capture.sample_rate_hz().max(1));
        self.sound_ms.store(sound * 1000 / rate, Ordering::Relaxed);
    }

    fn exported(&self, result: Result<PathBuf, String>) {
        match result {
            Ok(path) => {
                if let Ok(mut last) = self.last_export.lock() {
                    *last = Some(path);
                }
                if let Ok(mut error) = self.last_error.lock() {
                    *error = None;
                }
            }
            Err(message) => {
                if let Ok(mut error) = self.last_error.lock() {
                    *error = Some(message);
                }
            }
        }
        self.exports.fetch_add(1, Ordering::Release);
    }
}

/// Where the first sound starts in a capture that has coded `total` frames and retains the
/// last `retained`, frames from the start of the retained audio: `first_sound` is the index + 1
/// of the first frame above [`SOUND_FLOOR`] (0: none), `sound_end` the index after the last.
/// `None` while the retained audio holds no sound.
pub fn sound_offset(total: u64, retained: u64, first_sound: u64, sound_end: u64) -> Option<u64> {
    let window_start = total.saturating_sub(retained);
    if first_sound == 0 || sound_end <= window_start {
        return None;
    }
    Some((first_sound - 1).saturating_sub(window_start).min(retained))
}

/// The audio thread's end of the capture: pushes the output and notes where sound is.
pub struct CaptureTap {
    /// The ring the capture thread reads.
    input: CaptureInput,
    /// Frames pushed (and accepted) so far.
    pushed: u64,
    /// Where the sound positions and the drop count go.
    status: Arc<CaptureStatus>,
}

impl CaptureTap {
    /// Pushes one block of stereo output (`left` and `right` of equal length). Audio thread:
    /// no allocation, no lock; a peak scan and a few relaxed atomic stores.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let written = self.input.push(&[left, right]) as u64;
        let peak = left
            .iter()
            .chain(right)
            .fold(0.0_f32, |peak, x| peak.max(x.abs()));
        if written > 0 && peak > SOUND_FLOOR {
            if self.status.first_sound.load(Ordering::Relaxed) == 0 {
                self.status
                    .first_sound
                    .store(self.pushed + 1, Ordering::Relaxed);
            }
            self.status
                .sound_end
                .store(self.pushed + written, Ordering::Relaxed);
        }
        self.pushed += written;
        self.status.set_dropped_frames(self.input.dropped_frames());
    }
}

/// The capture thread's handle. Dropping it stops and joins the thread.
pub struct CaptureWorker {
    /// Dropping the sender wakes the thread and ends it.
    stop: Option<mpsc::Sender<()>>,
    /// The capture thread, joined by [`CaptureWorker::stop`].
    thread: Option<JoinHandle<()>>,
    /// Sample rate of the capture, Hz.
    sample_rate_hz: u32,
}

impl CaptureWorker {
    /// Starts a capture of [`CAPTURE_SECONDS`] of stereo at `sample_rate_hz` and its thread,
    /// which saves on the requests made through `status` and reports to it. Returns the audio
    /// thread's end.
    ///
    /// # Allocation
    /// Allocates the capture (23.2 MB at 48 kHz) and spawns a thread: call it from
    /// `activate`, never from `process`.
    ///
    /// # Errors
    /// [`CaptureError::Codec`] for a sample rate the capture cannot hold, [`CaptureError::Io`]
    /// if the thread cannot be spawned.
    pub fn start(
        sample_rate_hz: u32,
        status: Arc<CaptureStatus>,
    ) -> Result<(CaptureTap, CaptureWorker), CaptureError> {
        let (input, capture) = Capture::new(
            sample_rate_hz,
            CAPTURE_CHANNELS,
            CAPTURE_SECONDS,
            &capture_config(),
        )?;
        let (stop, stopped) = mpsc::channel();
        status
            .sample_rate_hz
            .store(sample_rate_hz, Ordering::Relaxed);
        // A new capture holds nothing yet (the old thread, if any, was joined before this).
        status.first_sound.store(0, Ordering::Relaxed);
        status.sound_end.store(0, Ordering::Relaxed);
        status.sound_ms.store(0, Ordering::Relaxed);
        let tap = CaptureTap {
            input,
            pushed: 0,
            status: status.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("wavecube-capture".into())
            .spawn(move || run(capture, &status, &stopped))
            .map_err(|source| CaptureError::Io {
                path: PathBuf::from("(capture thread)"),
                source,
            })?;
        Ok((
            tap,
            CaptureWorker {
                stop: Some(stop),
                thread: Some(thread),
                sample_rate_hz,
            },
        ))
    }

    /// Sample rate of this capture, Hz.
    pub fn sample_rate_hz(&self) -> u32 {
        self.sample_rate_hz
    }

    /// Stops the thread and waits for it (and for an export still being written).
    pub fn stop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                nice_error!("Wavecube: the capture thread panicked");
            }
        }
    }
}

impl Drop for CaptureWorker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The capture thread: pump every [`PUMP_INTERVAL`] until the worker is dropped; save when
/// asked to through `status`.
fn run(mut capture: Capture, status: &Arc<CaptureStatus>, stopped: &mpsc::Receiver<()>) {
    status.threads.fetch_add(1, Ordering::AcqRel);
    let mut export: Option<JoinHandle<()>> = None;
    let mut wait = PUMP_INTERVAL;
    // More than 100 ms of audio per pump: faster than twice real time.
    let busy_frames = capture.sample_rate_hz() as usize / 10;
    // Until the worker is dropped (the channel disconnects) or sends a stop.
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(wait) {
        let coded = capture.pump();
        wait = if coded > busy_frames {
            BUSY_PUMP_INTERVAL
        } else {
            PUMP_INTERVAL
        };
        if let Some(target) = status.take_export_request() {
            // One export at a time: wait for the previous one (rare: two saves within the
            // time it takes to write one).
            if let Some(previous) = export.take() {
                let _ = previous.join();
            }
            capture.flush();
            let skip = status.sound_offset(&capture).unwrap_or(0);
            let snapshot = capture.snapshot();
            export = spawn_export(snapshot, skip, status.clone(), target);
        }
        status.publish(&capture);
    }
    if let Some(running) = export.take() {
        let _ = running.join();
    }
    status.threads.fetch_sub(1, Ordering::AcqRel);
}

/// Writes `snapshot` from frame `skip` on (rounded down to a block) to `target` on its own
/// thread (or on this one if no thread can be spawned).
fn spawn_export(
    snapshot: CaptureSnapshot,
    skip: u64,
    status: Arc<CaptureStatus>,
    target: SaveTarget,
) -> Option<JoinHandle<()>> {
    let snapshot = Arc::new(snapshot);
    let job = {
        let (snapshot, status, target) = (snapshot.clone(), status.clone(), target.clone());
        move || export_now(&snapshot, skip, &status, &target)
    };
    match std::thread::Builder::new()
        .name("wavecube-export".into())
        .spawn(job)
    {
        Ok(handle) => Some(handle),
        Err(err) => {
            nice_error!("Wavecube: no export thread ({err}); saving on the capture thread");
            export_now(&snapshot, skip, &status, &target);
            None
        }
    }
}

fn export_now(snapshot: &CaptureSnapshot, skip: u64, status: &CaptureStatus, target: &SaveTarget) {
    let result = match target {
        SaveTarget::Path(path) => save_wav_at(snapshot, skip, path),
        SaveTarget::Folder => capture_dir()
            .ok_or(CaptureError::NoDirectory)
            .and_then(|dir| save_wav(snapshot, skip, &dir, unix_seconds())),
    };
    match result {
        Ok(path) => {
            nice_log!(
                "Wavecube: saved {:.1} s of capture to {}",
                snapshot.duration_s(),
                path.display()
            );
            status.exported(Ok(path));
        }
        Err(err) => {
            nice_error!("Wavecube: cannot save the capture: {err}");
            status.exported(Err(err.to_string()));
        }
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Where captures are saved: [`wavecube_dsp::folders::captures_dir`], that is
/// `$WAVECUBE_CAPTURE_DIR`, else `captures` in the platform's data folder (on Linux
/// `$XDG_DATA_HOME/wavecube/captures`, else `$HOME/.local/share/wavecube/captures`); `None`
/// if the platform gives no home folder.
pub fn capture_dir() -> Option<PathBuf> {
    wavecube_dsp::folders::captures_dir()
}

/// Writes `snapshot` as a 32-bit float WAV named `capture-<unix_s>.wav` in `dir` (created if
/// missing; `-2`, `-3`, … appended if the name is taken), leaving out the whole blocks before
/// frame `skip`, as [`save_wav_at`]. Returns its path.
///
/// # Errors
/// [`CaptureError::Io`] or [`CaptureError::Wav`] naming the file.
pub fn save_wav(
    snapshot: &CaptureSnapshot,
    skip: u64,
    dir: &Path,
    unix_s: u64,
) -> Result<PathBuf, CaptureError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CaptureError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut path = dir.join(format!("capture-{unix_s}.wav"));
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = dir.join(format!("capture-{unix_s}-{n}.wav"));
    }
    save_wav_at(snapshot, skip, &path)
}

/// Writes `snapshot` as a 32-bit float WAV at `path` (replacing a file there), leaving out
/// the whole coded blocks that end at or before frame `skip` (0: everything). The file
/// appears under its name only when complete (it is written as `<path>.part`, then renamed).
/// Returns its path.
///
/// # Errors
/// [`CaptureError::Io`] or [`CaptureError::Wav`] naming the file.
pub fn save_wav_at(
    snapshot: &CaptureSnapshot,
    skip: u64,
    path: &Path,
) -> Result<PathBuf, CaptureError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CaptureError::Io { path, source }
    };
    let part = {
        let mut name = path.as_os_str().to_owned();
        name.push(".part");
        PathBuf::from(name)
    };
    let header = snapshot.header();
    let spec = hound::WavSpec {
        channels: header.channels,
        sample_rate: header.sample_rate_hz,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let wav = |source| CaptureError::Wav {
        path: part.clone(),
        source,
    };
    let mut writer = hound::WavWriter::create(&part, spec).map_err(wav)?;
    let mut failed: Option<hound::Error> = None;
    // Frames of the blocks decoded so far: a block is left out when it ends at or before `skip`.
    let mut at = 0_u64;
    let decoded = snapshot.for_each_block(|block| {
        let frames = block.first().map_or(0, |c| c.len());
        at += frames as u64;
        if failed.is_some() || at <= skip {
            return;
        }
        for i in 0..frames {
            for channel in block {
                if let Err(err) = writer.write_sample(channel[i]) {
                    failed = Some(err);
                    return;
                }
            }
        }
    });
    if let Err(err) = decoded {
        // Cannot happen to a snapshot of a `Capture`; report it rather than panic.
        let _ = std::fs::remove_file(&part);
        return Err(CaptureError::Codec(err));
    }
    if let Some(err) = failed {
        let _ = std::fs::remove_file(&part);
        return Err(wav(err));
    }
    writer.finalize().map_err(wav)?;
    std::fs::rename(&part, path).map_err(io(path))?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Waits up to 10 s for `done`.
    fn wait_for(mut done: impl FnMut() -> bool) -> bool {
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if done() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        done()
    }

    #[test]
    fn an_export_request_saves_to_the_path_asked_for_or_reports_why_not() {
        let dir = std::env::temp_dir().join(format!("wavecube-export-req-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let status = Arc::new(CaptureStatus::default());
        let (mut input, worker) = CaptureWorker::start(48_000, status.clone()).unwrap();
        let tone: Vec<f32> = (0..4800)
            .map(|i| 0.5 * (i as f32 * 440.0 / 48_000.0 * std::f32::consts::TAU).sin())
            .collect();
        for _ in 0..10 {
            input.push(&tone, &tone);
            std::thread::sleep(Duration::from_millis(5));
        }
        let path = dir.join("chosen name.wav");
        status.request_export(path.clone());
        assert!(wait_for(|| status.exports() == 1), "no save within 10 s");
        assert_eq!(status.last_error(), None);
        assert_eq!(status.last_export().as_deref(), Some(path.as_path()));
        let reader = hound::WavReader::open(&path).unwrap();
        let seconds = reader.duration() as f64 / 48_000.0;
        assert!((0.9..=1.1).contains(&seconds), "saved {seconds} s of 1 s");

        status.request_export(dir.join("no such folder").join("x.wav"));
        assert!(wait_for(|| status.exports() == 2), "no answer within 10 s");
        let err = status.last_error().expect("an error");
        assert!(err.contains("no such folder"), "{err}");
        drop(worker);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
