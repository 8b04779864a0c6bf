//! Hostile wavetable files: 100,000 random mutations and truncations each of clm WAV,
//! Surge WAV (`srge`, `srgo`, `smpl` chunks), Surge `.wt`, Vital `.vitaltable` and Vital
//! `.vital` presets with Audio File and Line Sources. Each imports (and arranges) or gives a
//! typed error; nothing panics, and no single allocation exceeds what the input's length
//! allows, because every size a file declares is checked against its bytes and the caps
//! before anything is allocated from it.

mod bank_files;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::BTreeMap;

use bank_files::{base64_frame, chunk, clm, sine, surge_wt, vitaltable, wav, Fmt};
use wavecube_dsp::bank::export::export_clm_wav;
use wavecube_dsp::bank::import::{
    arrange_imported, import_surge_wt, import_vital, import_vital_preset, import_wav, ImportError,
    Imported, MAX_SOURCE_SAMPLES,
};
use wavecube_dsp::codec::tqa::rotation::SplitMix64;
use wavecube_dsp::cube::{Cube, Node};

/// The system allocator, remembering this thread's largest single request.
struct Largest;

thread_local! {
    /// Largest allocation (or reallocation) this thread asked for since the last reset.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the allocator may run while the thread is being torn down.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

// SAFETY: forwards to `System` unchanged; the bookkeeping touches only a const-initialised
// thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Largest {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Largest = Largest;

/// Mutations per format.
const ROUNDS: u32 = 100_000;

/// The most a single allocation may take for an input of `len` bytes.
///
/// Decoded audio is at most 4 bytes (f32) per input byte per channel; a frame is never
/// longer than the samples the file holds, and its FFT resampling (f64, complex spectrum,
/// Bluestein scratch for awkward lengths) takes at most 64 bytes per sample; a node is at
/// most 8192 × 4 bytes. So 128 bytes per input byte, plus 1 MiB for FFT plans and fixed
/// overheads, is a generous bound that a length taken on trust from a header (up to
/// 2^32 samples) would break by orders of magnitude.
fn bound(len: usize) -> usize {
    128 * len + (1 << 20)
}

fn frames(n: usize, len: usize) -> Vec<Vec<f32>> {
    (0..n).map(|k| sine(len, k + 1, 0.5, 0.2, 0.1)).collect()
}

fn clm_seeds() -> Vec<Vec<u8>> {
    let stereo = [frames(3, 256).concat(), frames(3, 256).concat()];
    let mut cube = Cube::new(1, 2, 1).unwrap();
    for y in 0..2 {
        let n = Node::mono(sine(64, y + 1, 0.5, 0.0, 0.0)).unwrap();
        cube.set(0, y, 0, n).unwrap();
    }
    vec![
        wav(Fmt::I16, &stereo, &[clm(256)], false),
        wav(Fmt::F32, &[frames(4, 128).concat()], &[clm(128)], false),
        wav(
            Fmt::I24,
            &[
                frames(2, 64).concat(),
                frames(2, 64).concat(),
                vec![0.0; 128],
            ],
            &[clm(64)],
            true,
        ),
        wav(Fmt::U8, &[sine(300, 2, 0.5, 0.0, 0.0)], &[], false),
        export_clm_wav(&cube).unwrap().bytes,
    ]
}

fn wt_seeds() -> Vec<Vec<u8>> {
    let mut with_meta = surge_wt(&frames(2, 64), 0x04 | 0x10);
    with_meta.extend_from_slice(b"<wtmeta><x/></wtmeta>\0");
    let oneshot = surge_wt(&frames(4, 64), 0x01 | 0x02 | 0x04);
    vec![
        surge_wt(&frames(3, 64), 0),
        surge_wt(&frames(2, 128), 0x04),
        surge_wt(&frames(2, 64), 0x0C),
        with_meta,
        // A one-shot cut short, as Surge's Oneshot/Pulse.wt.
        oneshot[..oneshot.len() - 40].to_vec(),
    ]
}

/// A chunk of two u32: version 1 and `frame_len` (Surge's `srge`/`srgo`).
fn srge(id: &[u8; 4], frame_len: u32) -> Vec<u8> {
    let mut body = 1u32.to_le_bytes().to_vec();
    body.extend_from_slice(&frame_len.to_le_bytes());
    chunk(id, &body)
}

/// A `smpl` chunk with one loop over `start..=end`.
fn smpl(start: u32, end: u32) -> Vec<u8> {
    let mut body = Vec::new();
    for v in [0u32, 0, 22_675, 60, 0, 0, 0, 1, 0, 0, 0, start, end, 0, 0] {
        body.extend_from_slice(&v.to_le_bytes());
    }
    chunk(b"smpl", &body)
}

fn surge_wav_seeds() -> Vec<Vec<u8>> {
    vec![
        wav(
            Fmt::F32,
            &[frames(4, 64).concat()],
            &[srge(b"srge", 64)],
            false,
        ),
        wav(
            Fmt::I16,
            &[frames(3, 128).concat()],
            &[srge(b"srge", 128), smpl(0, 127)],
            false,
        ),
        wav(Fmt::I16, &[frames(2, 64).concat()], &[smpl(64, 127)], false),
        wav(
            Fmt::F32,
            &[frames(2, 64).concat()],
            &[srge(b"srgo", 64), chunk(b"odd ", b"x")],
            false,
        ),
    ]
}

/// 16-bit PCM, base64, as Vital's Audio File Source stores it.
fn pcm_base64(audio: &[f32]) -> String {
    use base64::Engine as _;
    let raw: Vec<u8> = audio
        .iter()
        .flat_map(|&x| ((x * 32_000.0) as i16).to_le_bytes())
        .collect();
    base64::engine::general_purpose::STANDARD.encode(raw)
}

fn vital_preset_seeds() -> Vec<Vec<u8>> {
    use serde_json::json;
    let audio: Vec<f32> = (0..4).flat_map(|_| sine(64, 2, 0.5, 0.0, 0.0)).collect();
    let table = |components: serde_json::Value| json!({"name": "t", "groups": [{"components": components}]});
    let audio_source = |fade: u32| {
        json!({
            "type": "Audio File Source", "audio_file": pcm_base64(&audio), "window_size": 64.0,
            "fade_style": fade, "normalize_mult": true, "normalize_gain": fade == 0,
            "audio_sample_rate": 44100,
            "keyframes": [{"position": 0, "start_position": 0.0, "window_fade": 1.0},
                          {"position": 256, "start_position": 128.0, "window_fade": 0.5}]
        })
    };
    let line = json!({"type": "Line Source", "keyframes": [{"position": 0, "line": {
        "num_points": 3, "points": [0.0, 1.0, 0.5, 0.0, 1.0, 1.0], "powers": [0.0, 2.0, 0.0],
        "smooth": true}}]});
    let preset = |tables: Vec<serde_json::Value>| {
        serde_json::to_vec(
            &json!({"preset_name": "p", "settings": {"osc_1_on": 1.0, "wavetables": tables}}),
        )
        .expect("values serialise")
    };
    vec![
        preset(vec![
            table(json!([audio_source(1)])),
            table(json!([line])),
            table(json!([])),
        ]),
        preset(vec![table(json!([audio_source(0)]))]),
        preset(vec![table(
            json!([audio_source(2), {"type": "Wave Window"}]),
        )]),
    ]
}

/// One structural mutation of a preset seed's first component: extreme or mistyped
/// window sizes, start positions, fades and styles, random audio, odd line points.
fn mutate_vital_preset_json(bytes: &[u8], rng: &mut SplitMix64) -> Vec<u8> {
    use serde_json::{json, Value};
    let mut preset: Value = serde_json::from_slice(bytes).expect("seeds are valid JSON");
    let tables = preset["settings"]["wavetables"]
        .as_array_mut()
        .expect("seeds have tables");
    let n = tables.len();
    let Some(comp) = tables[pick(rng, n)]["groups"][0]["components"]
        .as_array_mut()
        .and_then(|c| c.first_mut())
    else {
        return bytes.to_vec();
    };
    let extreme = [
        json!(0),
        json!(-1.0),
        json!(1e300),
        json!(0.5),
        json!(3.0),
        json!("x"),
        json!(null),
        json!(1e9),
    ];
    let v = extreme[pick(rng, extreme.len())].clone();
    match rng.next_u64() % 8 {
        0 => comp["window_size"] = v,
        1 | 2 => {
            let key = ["start_position", "window_fade"][pick(rng, 2)];
            let i = pick(rng, 2);
            if let Some(k) = comp.get_mut("keyframes").and_then(|k| k.get_mut(i)) {
                k[key] = v;
            }
        }
        3 => comp["fade_style"] = v,
        4 => {
            let len = [0usize, 1, 2, 3, 7, 1000][pick(rng, 6)];
            let raw: Vec<f32> = (0..len)
                .map(|_| rng.next_u64() as f32 / u64::MAX as f32)
                .collect();
            comp["audio_file"] = json!(pcm_base64(&raw));
        }
        5 => comp["keyframes"][0]["line"]["num_points"] = v,
        6 => {
            let pts: Vec<Value> = (0..pick(rng, 9))
                .map(|_| extreme[pick(rng, 5)].clone())
                .collect();
            comp["keyframes"][0]["line"]["points"] = json!(pts);
        }
        _ => comp["keyframes"][0]["position"] = v,
    }
    serde_json::to_vec(&preset).expect("values serialise")
}

fn vital_seeds() -> Vec<Vec<u8>> {
    let short = String::from_utf8(vitaltable("s", &[(0, sine(2048, 1, 0.5, 0.0, 0.0))]))
        .unwrap()
        .replace(
            &base64_frame(&sine(2048, 1, 0.5, 0.0, 0.0)),
            &base64_frame(&[0.25; 16]),
        );
    vec![
        vitaltable("one", &[(0, sine(2048, 3, 0.5, 0.0, 0.1))]),
        short.into_bytes(),
    ]
}

fn pick(rng: &mut SplitMix64, n: usize) -> usize {
    (rng.next_u64() % n.max(1) as u64) as usize
}

/// One random mutation of `bytes`: truncation, bit flips, a random byte, an extreme
/// value in the first `header` bytes (where the sizes live), an extreme 32-bit field, an
/// insertion or a deletion, or (for text) a JSON-significant character.
fn mutate(bytes: &mut Vec<u8>, rng: &mut SplitMix64, header: usize, text: bool) {
    if bytes.is_empty() {
        bytes.push(rng.next_u64() as u8);
        return;
    }
    let len = bytes.len();
    match rng.next_u64() % 8 {
        0 => bytes.truncate(pick(rng, len)),
        1 => {
            for _ in 0..1 + rng.next_u64() % 4 {
                let i = pick(rng, len);
                bytes[i] ^= 1 << (rng.next_u64() % 8);
            }
        }
        2 => {
            let i = pick(rng, len);
            bytes[i] = rng.next_u64() as u8;
        }
        3 => {
            let i = pick(rng, header.min(len));
            bytes[i] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x10][pick(rng, 6)];
        }
        4 if len >= 4 => {
            let i = pick(rng, header.min(len - 3));
            let v: u32 = [
                0,
                1,
                3,
                0xFFFF,
                0x7FFF_FFFF,
                0xFFFF_FFFF,
                0x8000_0000,
                1 << 20,
            ][pick(rng, 8)];
            bytes[i..i + 4].copy_from_slice(&v.to_le_bytes());
        }
        5 if text => {
            let i = pick(rng, len);
            let specials = b"\"{}[],:0-e9. \\";
            bytes[i] = specials[pick(rng, specials.len())];
        }
        6 => {
            let i = pick(rng, len);
            let j = (i + 1 + pick(rng, 64)).min(len);
            let chunk = bytes[i..j].to_vec();
            bytes.splice(i..i, chunk);
        }
        _ => {
            let i = pick(rng, len);
            if rng.next_u64() % 2 == 0 {
                bytes.insert(i, rng.next_u64() as u8);
            } else {
                bytes.remove(i);
            }
        }
    }
}

/// One structural mutation of a `.vitaltable`'s JSON, so that most rounds get past the
/// parser: odd positions, many or no keyframes, `wave_data` of random bytes and lengths
/// (NaN included), other component types, missing or mistyped fields.
fn mutate_vital_json(bytes: &[u8], rng: &mut SplitMix64) -> Vec<u8> {
    use serde_json::{json, Value};
    let mut table: Value = serde_json::from_slice(bytes).expect("seeds are valid JSON");
    let comp = &mut table["groups"][0]["components"][0];
    let keyframes = comp["keyframes"]
        .as_array_mut()
        .expect("seeds have keyframes");
    let first = keyframes[0].clone();
    match rng.next_u64() % 8 {
        0 => {
            // Past the 4096-frame cap only with the seed whose frames are tiny, to keep
            // the test fast.
            let small = bytes.len() < 1024;
            let copies = [0, 2, 5, if small { 4097 } else { 7 }][pick(rng, 4)];
            *keyframes = vec![first; copies];
        }
        1 => {
            keyframes[0]["position"] =
                [json!(-1), json!(1e300), json!("x"), json!(null), json!(0.5)][pick(rng, 5)]
                    .clone();
        }
        2 => {
            let n = [0, 3, 8191, 8192, 8193, 9000][pick(rng, 6)];
            let raw: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
            let floats: Vec<f32> = raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            keyframes[0]["wave_data"] = json!(bank_files::base64_frame(&floats));
        }
        3 => {
            let mut nan = vec![0.0f32; 2048];
            nan[pick(rng, 2048)] = f32::NAN;
            keyframes[0]["wave_data"] = json!(bank_files::base64_frame(&nan));
        }
        4 => {
            comp["type"] = [
                json!("Audio File Source"),
                json!("Line Source"),
                json!(""),
                json!(7),
            ][pick(rng, 4)]
            .clone();
        }
        5 => {
            keyframes[0]
                .as_object_mut()
                .expect("keyframes are objects")
                .remove("wave_data");
        }
        6 => {
            let group = table["groups"][0].clone();
            table["groups"] = json!([group.clone(), group]);
        }
        _ => keyframes[0]["wave_data"] = json!(12),
    }
    serde_json::to_vec(&table).expect("values serialise")
}

/// A structural mutation of a JSON seed.
type JsonMutator = fn(&[u8], &mut SplitMix64) -> Vec<u8>;

/// Runs `import` on `ROUNDS` mutations of `seeds`; checks every result and allocation and
/// returns how often each outcome happened.
fn fuzz(
    seeds: &[Vec<u8>],
    seed: u64,
    header: usize,
    json: Option<JsonMutator>,
    import: impl Fn(&[u8]) -> Result<Imported, ImportError>,
) -> BTreeMap<String, usize> {
    let text = json.is_some();
    let mut rng = SplitMix64::new(seed);
    let mut outcomes = BTreeMap::new();
    let mut worst = 0.0f64;
    for round in 0..ROUNDS {
        let seed_bytes = &seeds[round as usize % seeds.len()];
        let mut bytes = if let Some(json) = json.filter(|_| rng.next_u64() % 2 == 0) {
            json(seed_bytes, &mut rng)
        } else {
            let mut b = seed_bytes.clone();
            for _ in 0..1 + rng.next_u64() % 3 {
                mutate(&mut b, &mut rng, header, text);
            }
            b
        };
        if text && rng.next_u64() % 8 == 0 {
            mutate(&mut bytes, &mut rng, header, text);
        }
        LARGEST.with(|l| l.set(0));
        let kind = match import(&bytes) {
            Ok(imported) => {
                let total: usize = imported.frames.iter().map(Node::len).sum();
                assert!(total <= MAX_SOURCE_SAMPLES * 2, "round {round}");
                for node in &imported.frames {
                    for ch in 0..node.channels() {
                        assert!(
                            node.channel(ch).iter().all(|s| s.is_finite()),
                            "round {round}"
                        );
                    }
                }
                match arrange_imported(imported, None) {
                    Ok(_) => "Ok".to_owned(),
                    Err(e) => format!("arrange {}", variant(&e)),
                }
            }
            Err(e) => {
                assert!(!e.to_string().contains('\n'), "round {round}: {e}");
                variant(&e)
            }
        };
        *outcomes.entry(kind).or_insert(0) += 1;
        let largest = LARGEST.with(Cell::get);
        assert!(
            largest <= bound(bytes.len()),
            "round {round}: allocated {largest} bytes for a {}-byte input",
            bytes.len()
        );
        if bytes.len() >= 256 {
            worst = worst.max(largest as f64 / bytes.len() as f64);
        }
    }
    println!(
        "{ROUNDS} mutations: {outcomes:?}; largest allocation {worst:.1} bytes per input byte \
         (inputs of 256 bytes or more)"
    );
    outcomes
}

/// The error's variant name.
fn variant(e: &ImportError) -> String {
    let name = format!("{e:?}");
    name.split(['(', ' ', '{']).next().unwrap_or("").to_owned()
}

#[test]
fn mutated_clm_wavs_never_panic() {
    let outcomes = fuzz(&clm_seeds(), 2026, 64, None, |b| import_wav(b, None));
    assert!(
        outcomes.get("Ok").copied().unwrap_or(0) > 1000,
        "{outcomes:?}"
    );
    assert!(
        outcomes.len() >= 7,
        "the fuzz should reach many outcomes: {outcomes:?}"
    );
}

#[test]
fn mutated_surge_wavetables_never_panic() {
    let outcomes = fuzz(&wt_seeds(), 2027, 12, None, import_surge_wt);
    assert!(
        outcomes.get("Ok").copied().unwrap_or(0) > 1000,
        "{outcomes:?}"
    );
    assert!(
        outcomes.len() >= 4,
        "the fuzz should reach many outcomes: {outcomes:?}"
    );
}

#[test]
fn mutated_vitaltables_never_panic() {
    let outcomes = fuzz(
        &vital_seeds(),
        2028,
        400,
        Some(mutate_vital_json),
        import_vital,
    );
    assert!(
        outcomes.get("Ok").copied().unwrap_or(0) > 1000,
        "{outcomes:?}"
    );
    assert!(
        outcomes.len() >= 4,
        "the fuzz should reach many outcomes: {outcomes:?}"
    );
}

#[test]
fn mutated_surge_wavs_never_panic() {
    let outcomes = fuzz(&surge_wav_seeds(), 2029, 120, None, |b| import_wav(b, None));
    assert!(
        outcomes.get("Ok").copied().unwrap_or(0) > 1000,
        "{outcomes:?}"
    );
    assert!(
        outcomes.len() >= 5,
        "the fuzz should reach many outcomes: {outcomes:?}"
    );
}

#[test]
fn mutated_vital_presets_never_panic() {
    // Every oscillator of the preset: their frames (all 2048 samples) checked as one bank.
    let outcomes = fuzz(
        &vital_preset_seeds(),
        2030,
        200,
        Some(mutate_vital_preset_json),
        |b| {
            let mut all = import_vital_preset(b)?.into_iter();
            let (_, mut first) = all.next().ok_or(ImportError::Empty)?;
            for (_, imported) in all {
                first.frames.extend(imported.frames);
            }
            Ok(first)
        },
    );
    assert!(
        outcomes.get("Ok").copied().unwrap_or(0) > 1000,
        "{outcomes:?}"
    );
    assert!(
        outcomes.len() >= 3,
        "the fuzz should reach many outcomes: {outcomes:?}"
    );
}
