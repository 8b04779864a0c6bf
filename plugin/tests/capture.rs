//! The rolling capture through the plugin: `Wavecube::save_capture` (the action behind the
//! editor's "Export capture…") writes the output so far to a WAV that matches what the host
//! received, once per call, starting at the first sound; what the capture reports as held is
//! the sound, not the silence before it; the capture thread is one per plugin, restarted for a
//! new sample rate, and gone when the plugin is dropped.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{note_on, Host, SR};
use wavecube_plugin::capture::CAPTURE_DIR_ENV;

/// Renders a chord for `seconds` in 0.1 s stretches, pausing 10 ms after each so the test
/// host runs at most ten times faster than real time (the capture thread codes every 20 ms and
/// its ring holds two seconds).
fn chord(host: &mut Host, seconds: f32) {
    let notes = [
        note_on(0, 1, 57, 0.8),
        note_on(0, 2, 64, 0.7),
        note_on(0, 3, 69, 0.6),
    ];
    host.block(256, &notes);
    let stretch = (SR / 10.0) as usize;
    let mut left = (seconds * SR) as usize - 256;
    while left > 0 {
        let n = left.min(stretch);
        host.run(n, 256);
        left -= n;
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(host.violations, 0, "process allocated");
}

/// Waits up to `limit` for `done`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    done()
}

#[test]
fn save_capture_writes_what_the_host_received_once_per_call() {
    let dir = std::env::temp_dir().join(format!("wavecube-capture-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Only this test saves, so only it reads the variable.
    std::env::set_var(CAPTURE_DIR_ENV, &dir);
    let mut host = Host::new(&[]);
    let status = host.plugin.capture_status();
    chord(&mut host, 2.0);
    host.plugin.save_capture(None).unwrap();
    assert!(
        wait_for(Duration::from_secs(10), || status.exports() == 1),
        "no save within 10 s"
    );
    let path = status.last_export().expect("the status names the file");
    assert_eq!(status.last_error(), None);
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    println!(
        "saved {} ({} bytes)",
        path.display(),
        path.metadata().unwrap().len()
    );
    assert!(path.starts_with(&dir));
    assert!(
        name.starts_with("capture-") && name.ends_with(".wav"),
        "{name}"
    );

    let mut reader = hound::WavReader::open(&path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 32)
    );
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    let samples: Vec<f32> = reader.samples::<f32>().map(Result::unwrap).collect();
    let frames = samples.len() / 2;
    // Everything the host received up to the save, from the first sample (the capture is
    // shorter than five minutes): the same audio, coded at 6 bits.
    assert!(
        frames >= 2 * SR as usize && frames <= host.out[0].len(),
        "{frames} frames"
    );
    let (mut s, mut e) = (0.0_f64, 0.0_f64);
    for (i, frame) in samples.chunks_exact(2).enumerate() {
        for c in 0..2 {
            let (a, b) = (f64::from(host.out[c][i]), f64::from(frame[c]));
            s += a * a;
            e += (a - b) * (a - b);
        }
    }
    let sqnr = 10.0 * (s / e).log10();
    println!(
        "{frames} frames ({:.3} s) against the host's output: SQNR {sqnr:.2} dB; capture \
         memory {:.2} MB, {} frames dropped",
        frames as f32 / SR,
        status.memory_bytes() as f64 / 1e6,
        status.dropped_frames()
    );
    assert_eq!(status.dropped_frames(), 0);
    assert!(sqnr >= 28.0, "{sqnr}");

    // One save per call: nothing more without one; another call saves once more.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status.exports(), 1);
    host.plugin.save_capture(None).unwrap();
    assert!(wait_for(Duration::from_secs(10), || status.exports() == 2));
    let second = status.last_export().unwrap();
    assert_ne!(second, path);
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 2, "two WAVs and no partial file: {files:?}");
    drop(host);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_capture_thread_per_plugin_restarted_for_a_new_rate_and_joined_on_drop() {
    let mut host = Host::new(&[]);
    let status = host.plugin.capture_status();
    assert!(wait_for(Duration::from_secs(2), || status.threads() == 1));
    assert_eq!(status.sample_rate_hz(), 48_000);
    let memory_48k = {
        chord(&mut host, 0.5);
        assert!(wait_for(Duration::from_secs(2), || status.memory_bytes() > 0));
        status.memory_bytes()
    };
    // Same rate: the capture (and what it holds) carries on.
    host.activate(SR);
    assert_eq!(status.sample_rate_hz(), 48_000);
    assert_eq!(status.threads(), 1);
    // A new rate: the old thread is joined before the new one starts.
    host.activate(44_100.0);
    assert_eq!(status.sample_rate_hz(), 44_100);
    assert!(status.threads() <= 1, "two capture threads at once");
    assert!(wait_for(Duration::from_secs(2), || status.threads() == 1));
    host.run(4_410, 256);
    assert!(wait_for(Duration::from_secs(2), || status.memory_bytes()
        < memory_48k));
    println!(
        "capture memory: {:.2} MB at 48 kHz, {:.2} MB at 44.1 kHz",
        memory_48k as f64 / 1e6,
        status.memory_bytes() as f64 / 1e6
    );
    drop(host);
    assert_eq!(
        status.threads(),
        0,
        "the capture thread outlived the plugin"
    );
}

#[test]
fn the_capture_holds_no_sound_until_something_plays_and_saves_from_the_first_sound() {
    let dir = std::env::temp_dir().join(format!("wavecube-capture-held-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut host = Host::new(&[]);
    let status = host.plugin.capture_status();
    // Before activation there is no capture to save.
    assert!(wavecube_plugin::Wavecube::default()
        .save_capture(None)
        .is_err());
    // Three seconds of silence (the host runs without notes): held, but no sound.
    for _ in 0..30 {
        host.run((SR / 10.0) as usize, 256);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(wait_for(Duration::from_secs(2), || status.retained_s() >= 2.9));
    println!(
        "after 3 s of silence: {:.2} s retained, {:.2} s of sound",
        status.retained_s(),
        status.sound_s()
    );
    assert_eq!(status.sound_s(), 0.0, "silence is not sound");
    // Then a chord for 1.5 s: the sound held is the 1.5 s, not the 4.5 s since activation.
    let silent = host.out[0].len();
    chord(&mut host, 1.5);
    assert!(wait_for(Duration::from_secs(2), || status.sound_s() >= 1.4));
    let (retained, sound) = (status.retained_s(), status.sound_s());
    println!("after 1.5 s of chord: {retained:.2} s retained, {sound:.2} s of sound");
    assert!((1.4..=1.6).contains(&sound), "{sound}");
    assert!(retained >= 4.4, "{retained}");

    // A save starts at the block holding the first sound: the silence before is left out.
    let path = dir.join("held.wav");
    host.plugin.save_capture(Some(path.clone())).unwrap();
    assert!(wait_for(Duration::from_secs(10), || status.exports() == 1));
    assert_eq!(status.last_error(), None);
    let reader = hound::WavReader::open(&path).unwrap();
    let frames = reader.duration() as usize;
    let total = host.out[0].len();
    let first_sound = host.out[0]
        .iter()
        .zip(&host.out[1])
        .position(|(l, r)| l.abs().max(r.abs()) > wavecube_plugin::capture::SOUND_FLOOR)
        .unwrap();
    println!(
        "saved {frames} frames of {total}; the first sound at frame {first_sound} (silence \
         ended at {silent})"
    );
    // The WAV ends at the host's last frame and starts before the first sound, by less than
    // a 512-frame capture block plus a 256-frame host block (the sound is noted per block).
    assert!(
        frames <= total - first_sound + 768 && frames >= total - first_sound,
        "{frames} frames for {} frames from the first sound",
        total - first_sound
    );
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}
