//! `wavecube patch`: a patch's summary, its effects rack and its modulation matrix as text.

use std::fmt::Write as _;

use wavecube_dsp::fx::rack::{FxKind, RackSettings, SLOTS};
use wavecube_dsp::patch::Patch;

/// The patch as text: name, category, bank, then the macros (name and value), the effects
/// rack (one slot per line, in order) and every
/// slot of the matrix, one per line: number, source, destination, amount (and what it
/// means in the destination's unit), via, curve, and "off" for a disabled slot.
pub fn describe(patch: &Patch) -> String {
    let mut out = String::new();
    let m = &patch.meta;
    let _ = writeln!(out, "patch      {}", m.name);
    let _ = writeln!(out, "category   {}", m.category);
    let _ = writeln!(
        out,
        "bank       {}",
        m.bank.as_deref().unwrap_or("(built-in)")
    );
    let md = &patch.sound.modulation;
    for (i, (name, value)) in m.macro_names.iter().zip(md.macros).enumerate() {
        let _ = writeln!(out, "macro {}    {name} = {value}", i + 1);
    }
    describe_fx(&mut out, &patch.sound.fx);
    if md.slots.is_empty() {
        let _ = writeln!(out, "matrix     no slots (nothing moves the sound)");
        return out;
    }
    let _ = writeln!(
        out,
        "matrix     {} slots (key centre {}, random LFO {} Hz)",
        md.slots.len(),
        md.key_centre,
        md.random_rate_hz
    );
    for (i, s) in md.slots.iter().enumerate() {
        let d = s.destination;
        let _ = write!(
            out,
            "  {:>2}  {:<16} -> {:<13} {:+.3} ({:+} {})",
            i + 1,
            s.source.name(),
            d.name(),
            s.amount,
            s.amount * d.full_scale(),
            d.unit()
        );
        if let Some(v) = s.via {
            let _ = write!(out, " via {}", v.name());
        }
        if s.curve != wavecube_dsp::modulation::Curve::Linear {
            let _ = write!(out, " {}", s.curve.name());
        }
        if !s.enabled {
            out.push_str(" off");
        }
        out.push('\n');
    }
    out
}

/// The rack, one slot per line in processing order: position, kind, on/off, mix and, for
/// an effect that is on, its settings as the patch file writes them.
fn describe_fx(out: &mut String, fx: &RackSettings) {
    let on = fx.slots().filter(|s| s.1).count();
    let _ = writeln!(out, "fx         {on} of {SLOTS} slots on, in this order:");
    for (i, (kind, enabled, mix)) in fx.slots().enumerate() {
        let _ = write!(
            out,
            "  {:>2}  {:<11} {:<3} mix {mix:.2}",
            i + 1,
            kind.name(),
            if enabled { "on" } else { "off" }
        );
        let settings = match kind {
            FxKind::Codec | FxKind::Body => None,
            FxKind::Distortion => serde_json::to_string(&fx.distortion.settings).ok(),
            FxKind::Chorus => serde_json::to_string(&fx.chorus.settings).ok(),
            FxKind::Phaser => serde_json::to_string(&fx.phaser.settings).ok(),
            FxKind::Delay => serde_json::to_string(&fx.delay.settings).ok(),
            FxKind::Reverb => serde_json::to_string(&fx.reverb.settings).ok(),
            FxKind::Eq => serde_json::to_string(&fx.eq.settings).ok(),
            FxKind::Compressor => serde_json::to_string(&fx.compressor.settings).ok(),
        };
        match settings {
            Some(s) if enabled => {
                let _ = write!(out, "  {s}");
            }
            None if kind.is_external() => out.push_str("  (the plugin's stage)"),
            _ => {}
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavecube_dsp::modulation::{Curve, Destination, Slot, Source};
    use wavecube_dsp::patch::{PatchMeta, Sound};
    use wavecube_dsp::synth::SynthParams;

    #[test]
    fn lists_macros_and_slots_with_units() {
        let mut p = SynthParams::default();
        let mut s = Slot::new(Source::Velocity, Destination::Cutoff, 0.5);
        s.via = Some(Source::Macro2);
        s.curve = Curve::S;
        p.matrix.push(s);
        let mut off = Slot::new(Source::Lfo1, Destination::MorphZ, -0.25);
        off.enabled = false;
        p.matrix.push(off);
        p.macros[1] = 0.75;
        let mut meta = PatchMeta::default();
        meta.macro_names[1] = "Bite".into();
        let patch = Patch {
            meta,
            sound: Sound::from_params(&p),
        };
        let text = describe(&patch);
        assert!(text.contains("macro 2    Bite = 0.75"), "{text}");
        assert!(
            text.contains("velocity         -> cutoff        +0.500 (+4 octaves) via macro2 s"),
            "{text}"
        );
        assert!(text.contains("-0.250 (-0.25 morph units) off"), "{text}");
        let plain = describe(&Patch::default());
        assert!(plain.contains("matrix     3 slots"), "{plain}");
        assert!(
            plain.contains("pressure         -> morph_y       +0.500"),
            "{plain}"
        );
        assert!(plain.contains("fx         2 of 9 slots on"), "{plain}");
        assert!(plain.contains("   1  codec       on  mix 1.00"), "{plain}");
        assert!(
            plain.contains("   9  compressor  off mix 1.00\n"),
            "{plain}"
        );
        let mut verb = Patch::default();
        verb.sound.fx.reverb.enabled = true;
        verb.sound.fx.order.swap(0, 6);
        let text = describe(&verb);
        assert!(
            text.contains("   1  reverb      on  mix 0.30  {\"size\":"),
            "{text}"
        );
    }
}
