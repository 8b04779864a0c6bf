//! The macros and the modulation matrix through the plugin's own `process`: a macro
//! automated at sample offset `k` moves the output from `k` (the same at every block size);
//! the matrix rides in the state and a restored instance sounds identical; 32 active slots
//! and matrix changes from the editor's side never allocate in `process`; CLAP polyphonic
//! modulation still moves its target with the matrix on it.

mod common;

use common::{max_diff, note_on, peak, poly_mod, Host, MAX_BLOCK, SR};
use nice_plug::prelude::*;
use wavecube_dsp::modulation::{Curve, Destination, ModMatrix, Slot, Source, MAX_SLOTS};
use wavecube_dsp::synth::PolyTarget;
use wavecube_plugin::macros::MatrixState;
use wavecube_plugin::poly::poly_mod_id;

const A3: u8 = 57;

/// A matrix with one slot: macro 1 on the amp level, −0.8 (the level drops as it rises).
fn macro_on_amp() -> ModMatrix {
    let mut m = ModMatrix::default();
    m.push(Slot::new(Source::Macro1, Destination::Amp, -0.8));
    m
}

/// A host with `matrix` in its state (set before activation, as a restored state is).
fn host_with(settings: &[(&str, f32)], matrix: ModMatrix) -> Host {
    Host::new_with(settings, |plugin| {
        plugin.wavecube_params().matrix.set(&matrix, None);
    })
}

/// Renders `total` samples of a held A3 in blocks of `block`, splitting a block at `k` (as
/// nice-plug does at an automation point) and setting macro 1 to 1 there when `k` is given.
fn render_macro_step(block: usize, k: Option<usize>, total: usize) -> Vec<f32> {
    let mut host = host_with(&[("amp_atk", 0.0), ("amp_sus", 100.0)], macro_on_amp());
    let mut pos = 0;
    let mut first = true;
    while pos < total {
        let mut n = block.min(total - pos);
        if let Some(k) = k {
            if pos < k && pos + n > k {
                n = k - pos;
            }
            if pos == k {
                host.set("macro1", 1.0);
            }
        }
        let events = if first {
            vec![note_on(0, 1, A3, 0.9)]
        } else {
            Vec::new()
        };
        first = false;
        host.block(n, &events);
        pos += n;
    }
    assert_eq!(host.violations, 0, "allocations in process");
    host.out[0].clone()
}

#[test]
fn a_macro_automated_at_offset_k_changes_the_output_from_k() {
    let total = 9_000;
    let k = 4_321;
    let reference = render_macro_step(MAX_BLOCK, None, total);
    let level = peak(&reference);
    assert!(level > 0.05, "the note sounds: peak {level}");
    let mut stepped_at = Vec::new();
    for block in [1, 37, 256, MAX_BLOCK] {
        let out = render_macro_step(block, Some(k), total);
        let first = out
            .iter()
            .zip(&reference)
            .position(|(a, b)| a != b)
            .expect("the macro changes the output");
        // After 20 ms (4 time constants of the 5 ms smoother) the level is down a lot.
        let tail = k + (0.02 * SR) as usize;
        let after = peak(&out[tail..tail + 500]);
        let before = peak(&reference[tail..tail + 500]);
        println!(
            "block {block}: first changed sample {first} (k = {k}); level {before:.3} -> {after:.3}"
        );
        // Nothing changes before k. The voices' modulation runs at the output rate and is
        // expanded to the 2x clock (half a sample late), and the decimator's first taps are
        // zero, so the first changed bit shows a few samples after k (measured: k + 4); the
        // step's centre is at k + the decimator's reported latency (49 samples).
        assert!(
            (k..=k + 8).contains(&first),
            "block {block}: output changed at {first}, the macro at {k}"
        );
        assert!(after < 0.4 * before, "block {block}: {after} vs {before}");
        stepped_at.push(out);
    }
    // The same output at every block size (to rounding).
    for (i, out) in stepped_at.iter().enumerate().skip(1) {
        let d = max_diff(out, &stepped_at[0]);
        assert!(d < 1e-5, "block size #{i} differs from block size 1 by {d}");
    }
}

/// A matrix that uses many sources and destinations.
fn busy_matrix() -> ModMatrix {
    let mut m = ModMatrix::default();
    for (i, slot) in m.slots.iter_mut().enumerate() {
        let source = Source::ALL[i % Source::ALL.len()];
        let destination = Destination::ALL[(i * 7) % Destination::ALL.len()];
        *slot = Slot {
            enabled: true,
            source,
            via: (i % 3 == 0).then_some(Source::ALL[(i + 5) % Source::ALL.len()]),
            destination,
            amount: if i % 2 == 0 { 0.35 } else { -0.3 },
            curve: Curve::ALL[i % Curve::ALL.len()],
        };
    }
    // One slot that surely moves the sound (macro 3 is at 0.9 in the tests): the cycling
    // above lands each slot on a source and destination by index, and a new source can shift
    // every slot onto a value that is 0 or clamped away (it did when `release_velocity` came).
    m.slots[MAX_SLOTS - 1] = Slot::new(Source::Macro3, Destination::MorphX, 0.5);
    m.key_centre = 64.0;
    m.random_rate_hz = 3.0;
    m
}

/// Plays a chord and renders `samples` in blocks of 200.
fn play(host: &mut Host, samples: usize) -> Vec<f32> {
    host.block(
        200,
        &[
            note_on(0, 1, 48, 0.9),
            note_on(40, 2, 55, 0.6),
            note_on(90, 3, 64, 0.4),
        ],
    );
    host.run(samples - 200, 200);
    assert_eq!(host.violations, 0);
    let mut out = host.out[0].clone();
    out.extend_from_slice(&host.out[1]);
    out
}

#[test]
fn the_matrix_and_macros_survive_save_and_restore() {
    let settings = [("macro1", 0.3), ("macro3", 0.9), ("flt_on", 1.0)];
    let mut first = host_with(&settings, busy_matrix());
    let names = ["Air", "Wobble", "Grit", "Macro 4"].map(String::from);
    let params = first.plugin.wavecube_params().clone();
    params.matrix.set(&busy_matrix(), Some(&names));
    let fields = params.serialize_fields();
    let saved: MatrixState = serde_json::from_str(&fields["matrix"]).expect("matrix record");
    assert_eq!(saved.slots.len(), MAX_SLOTS);
    assert_eq!(saved.macro_names, names);
    let played = play(&mut first, 24_000);

    // A new instance restored from the fields (the parameters restored by id).
    let mut second = Host::new_with(&settings, |plugin| {
        plugin.params().deserialize_fields(&fields)
    });
    let restored = second.plugin.wavecube_params();
    assert_eq!(restored.matrix.matrix(), busy_matrix().sanitized());
    assert_eq!(restored.matrix.macro_names(), names);
    let replayed = play(&mut second, 24_000);
    let d = max_diff(&played, &replayed);
    println!("restored instance vs original: max diff {d:e}");
    assert_eq!(d, 0.0, "the restored instance sounds different");

    // And the matrix matters: without it the same settings sound different.
    let plain = play(&mut Host::new(&settings), 24_000);
    let moved = max_diff(&played, &plain);
    assert!(
        moved > 0.05 * peak(&plain),
        "the matrix changed nothing: {moved}"
    );
}

#[test]
fn process_never_allocates_with_32_active_slots_and_live_matrix_edits() {
    let mut host = host_with(
        &[("poly", 16.0), ("uni_n", 2.0), ("flt_on", 1.0)],
        busy_matrix(),
    );
    assert_eq!(busy_matrix().active(), MAX_SLOTS);
    let cell = host.plugin.wavecube_params().matrix.clone();
    let notes: Vec<_> = (0..8)
        .map(|i| note_on(i * 11, i as i32 + 1, 40 + 5 * i as u8, 0.2 + 0.1 * i as f32))
        .collect();
    host.block(256, &notes);
    let mut m = busy_matrix();
    for step in 0..200 {
        let n = [1, 17, 64, 333, 512][step % 5];
        if step % 7 == 0 {
            // An edit from the editor's side: one amount changes (at most a ring's worth
            // between blocks, as the editor sends at most one per frame).
            m.slots[step % MAX_SLOTS].amount = ((step as f32) * 0.37).sin();
            cell.set(&m, None);
        }
        if step % 5 == 0 {
            host.set("macro2", (step as f32 * 0.013) % 1.0);
        }
        host.block(n, &[]);
    }
    assert_eq!(host.violations, 0, "allocations in process");
    let level = peak(&host.out[0]).max(peak(&host.out[1]));
    assert!(level > 0.0 && level < 8.0, "bounded output: peak {level}");
}

#[test]
fn poly_modulation_still_moves_its_target_with_the_matrix_on_it() {
    let mut matrix = ModMatrix::default();
    matrix.push(Slot::new(Source::Macro1, Destination::MorphX, 0.2));
    matrix.push(Slot::new(Source::Velocity, Destination::Cutoff, 0.1));
    let id = poly_mod_id(PolyTarget::MorphX);
    let render = |extra: Option<common::Event>| {
        let mut host = host_with(&[("macro1", 0.5)], matrix);
        let mut first = vec![note_on(0, 1, A3, 0.8)];
        first.extend(extra);
        host.block(256, &first);
        host.run((0.3 * SR) as usize - 256, 256);
        assert_eq!(host.violations, 0);
        host.out[0].clone()
    };
    let plain = render(None);
    let modulated = render(Some(poly_mod(0, 1, id, 0.5)));
    let moved = max_diff(&plain, &modulated);
    println!("poly mod of morph x with a matrix slot on it: moved {moved:.3}");
    assert!(moved > 0.1 * peak(&plain), "{moved}");
}

#[test]
fn loading_a_patch_sets_the_matrix_and_names_and_saving_stores_them() {
    use wavecube_dsp::patch::{Patch, SlotSection};
    use wavecube_gui::testing::RecordingContext;
    use wavecube_plugin::editor::{apply_patch, current_preset};

    let host = Host::new(&[]);
    let params = host.plugin.wavecube_params().clone();
    let mut patch = Patch::default();
    patch.meta.name = "Macro Test".into();
    patch.meta.macro_names = ["Air", "Wobble", "Grit", "Depth"].map(String::from);
    patch.sound.modulation.macros = [0.25, 0.5, 0.0, 1.0];
    patch.sound.modulation.slots = busy_matrix().slots[..5]
        .iter()
        .map(SlotSection::from_slot)
        .collect();
    let context = RecordingContext::default();
    apply_patch(&params, &patch, &ParamSetter::new(&context));
    assert_eq!(params.macros.values(), [0.25, 0.5, 0.0, 1.0]);
    assert_eq!(params.matrix.macro_names(), patch.meta.macro_names);
    assert_eq!(params.matrix.matrix().active(), 5);

    let saved = current_preset(&params, patch.meta.clone()).patch;
    assert_eq!(saved.meta.macro_names, patch.meta.macro_names);
    assert_eq!(saved.sound.modulation.slots, patch.sound.modulation.slots);
    assert_eq!(saved.sound.modulation.macros, patch.sound.modulation.macros);
    // The saved preset is a valid patch file and reads back the same.
    let back = Patch::from_json(&saved.to_json_pretty()).expect("parses");
    assert_eq!(back.sound.modulation, saved.sound.modulation);
    assert_eq!(back.meta.macro_names, patch.meta.macro_names);
}
