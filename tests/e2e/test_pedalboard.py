#!/usr/bin/env python3
"""Wavecube's VST3 in a real host (pedalboard): loading, parameters, pitch, envelopes,
morph, gain, state, velocity, polyphony, the filter, the codec stage, the capture and the banks
(factory, and a file bank through the state), each measured and checked against a stated bound.

Usage: python test_pedalboard.py [path/to/Wavecube.vst3]   (default: target/bundled/Wavecube.vst3)

Runs every check, prints what it measured, and exits 1 if any check failed (2 if the plugin
cannot be loaded at all). `cargo xtask test` runs it in the venv target/e2e-venv.
"""

import json
import math
import os
import re
import shutil
import struct
import sys
import tempfile
import time
import traceback

import mido
import numpy as np
from pedalboard import load_plugin
from pedalboard.io import AudioFile

SR = 48000
BLOCK = 512
A4 = 69

# Engine facts the checks rely on (dsp/src/synth): amp ADSR defaults and the velocity law
# gain = (1 - s) + s * v^2 with v = velocity / 127.
DEFAULT_RELEASE_MS = 250.0

# The codec stage's default block (its latency) and the capture's directory, which the plugin
# reads from the environment when it saves (set in main, before the plugin loads).
TQA_DEFAULT_BLOCK = 512
# The engine's constant delay, samples: its oversampling decimator (DECIMATOR_LATENCY in
# dsp/src/cube/decimator.rs). The host is told it together with the codec stage's block.
ENGINE_LATENCY = 49
CAPTURE_DIR_ENV = "WAVECUBE_CAPTURE_DIR"


# ---------------------------------------------------------------------------------------------
# Measurement


def dbfs(x):
    """Level in dB of a linear amplitude (floored at -400 dB)."""
    return 20.0 * math.log10(max(float(x), 1e-20))


def rms(x):
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def kaiser_dtft_peak(x, sr, f_guess, search_hz=None):
    """Frequency (Hz) of the strongest sinusoid near `f_guess` in `x`.

    Kaiser window (beta 20: sidelobes below -150 dB, so neighbouring partials and the
    negative-frequency image do not bias the peak), an 8x zero-padded FFT with quadratic
    interpolation of the log magnitude for a first estimate, then the exact maximum of the
    windowed DTFT by golden-section search within +/- one padded bin. The self-test below
    shows the error on synthetic tones is far below 0.05 cent.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    w = np.kaiser(n, 20.0)
    xw = x * w
    nfft = 1 << int(math.ceil(math.log2(n * 8)))
    spec = np.abs(np.fft.rfft(xw, nfft))
    df = sr / nfft
    half = (search_hz if search_hz is not None else max(f_guess * 0.03, 4 * sr / n)) / df
    k0 = int(round(f_guess / df))
    lo, hi = max(1, int(k0 - half)), min(len(spec) - 2, int(k0 + half))
    k = lo + int(np.argmax(spec[lo : hi + 1]))
    a, b, c = np.log(spec[k - 1 : k + 2] + 1e-300)
    denom = a - 2 * b + c
    delta = 0.5 * (a - c) / denom if denom != 0 else 0.0
    f0 = (k + delta) * df

    t = np.arange(n, dtype=np.float64) / sr

    def mag(f):
        return abs(np.dot(xw, np.exp(-2j * np.pi * f * t)))

    # Golden-section search for the DTFT maximum in [f0 - df, f0 + df].
    g = (math.sqrt(5) - 1) / 2
    a_, b_ = f0 - df, f0 + df
    c_, d_ = b_ - g * (b_ - a_), a_ + g * (b_ - a_)
    fc, fd = mag(c_), mag(d_)
    for _ in range(60):
        if fc > fd:
            b_, d_, fd = d_, c_, fc
            c_ = b_ - g * (b_ - a_)
            fc = mag(c_)
        else:
            a_, c_, fc = c_, d_, fd
            d_ = a_ + g * (b_ - a_)
            fd = mag(d_)
        if b_ - a_ < 1e-9:
            break
    return 0.5 * (a_ + b_)


def cents(f, ref):
    return 1200.0 * math.log2(f / ref)


def sqnr_db(reference, test):
    """Signal-to-error ratio (dB) of `test` against `reference`."""
    reference = np.asarray(reference, dtype=np.float64)
    err = np.asarray(test, dtype=np.float64) - reference
    return 10.0 * math.log10(np.sum(reference**2) / max(np.sum(err**2), 1e-300))


def best_lag(reference, test, max_lag):
    """The delay (samples, 0..max_lag) of `test` relative to `reference` with the highest
    normalised cross-correlation over their overlap, and that correlation. The FFT gives the
    raw correlation at every lag; cumulative sums give the energies of the overlapping parts."""
    reference = np.asarray(reference, dtype=np.float64)
    test = np.asarray(test, dtype=np.float64)
    n = len(reference) + len(test)
    nfft = 1 << int(math.ceil(math.log2(n)))
    raw = np.fft.irfft(np.fft.rfft(test, nfft) * np.conj(np.fft.rfft(reference, nfft)), nfft)
    lags = np.arange(0, min(max_lag, len(test) - 1) + 1)
    overlap = np.minimum(len(reference), len(test) - lags)
    e_ref = np.concatenate([[0.0], np.cumsum(reference**2)])[overlap]
    e_test_cum = np.concatenate([[0.0], np.cumsum(test**2)])
    e_test = e_test_cum[lags + overlap] - e_test_cum[lags]
    energy = np.sqrt(np.maximum(e_ref * e_test, 1e-300))
    corr = raw[lags] / energy
    best = int(np.argmax(corr))
    return int(lags[best]), float(corr[best])


def partial_level_db(x, sr, f):
    """Level (dB, relative to a full-scale sine) of the partial at `f` Hz, Kaiser-windowed."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    w = np.kaiser(n, 20.0)
    t = np.arange(n) / sr
    amp = 2.0 * abs(np.dot(x * w, np.exp(-2j * np.pi * f * t))) / np.sum(w)
    return dbfs(amp)


# ---------------------------------------------------------------------------------------------
# Host helpers


class Host:
    """One loaded instance shared by the checks. Loading takes ~30 s and pedalboard's first
    parameter access another ~30 s (it probes 1001 values of each of the 2216 parameters,
    2080 of them nice-plug's VST3 MIDI CC parameters), so checks reuse this instance and
    start from the state captured right after loading instead of reloading."""

    def __init__(self, path):
        self.path = path
        self.plugin = load_plugin(path)
        self.default_state = self.plugin.raw_state

    def fresh(self):
        """The instance, back in its just-loaded state."""
        self.plugin.raw_state = self.default_state
        return self.plugin


def render(plugin, notes, duration, reset=True):
    """Renders `notes` [(note, velocity, start_s, length_s)] for `duration` seconds; returns a
    (2, samples) float array."""
    msgs = []
    for note, vel, start, length in notes:
        msgs.append(mido.Message("note_on", note=note, velocity=vel, time=start))
        if length is not None:
            msgs.append(mido.Message("note_off", note=note, velocity=0, time=start + length))
    msgs.sort(key=lambda m: m.time)
    out = plugin(
        msgs,
        duration=duration,
        sample_rate=SR,
        num_channels=2,
        buffer_size=BLOCK,
        reset=reset,
    )
    assert out.shape[0] == 2, f"expected stereo output, got shape {out.shape}"
    assert np.all(np.isfinite(out)), "output has NaN or infinity"
    return out


def seg(audio, start_s, end_s):
    """Left channel between two times."""
    return audio[0, int(start_s * SR) : int(end_s * SR)]


# ---------------------------------------------------------------------------------------------
# Checks


def check_estimator_self_test(_host):
    """The pitch estimator itself: synthetic tones with harmonics and noise, error < 0.005 cent."""
    rng = np.random.default_rng(1)
    worst = 0.0
    for f in [440.0, 440.0 * 2 ** (0.3 / 1200), 261.6255653, 1046.502]:
        t = np.arange(SR) / SR
        x = sum(
            (0.3 / h) * np.sin(2 * np.pi * h * f * t + rng.uniform(0, 6.28)) for h in range(1, 12)
        )
        x += 1e-4 * rng.standard_normal(len(t))
        err = abs(cents(kaiser_dtft_peak(x, SR, f), f))
        worst = max(worst, err)
    print(f"  estimator: worst error {worst:.6f} cent on synthetic tones (bound 0.005)")
    assert worst < 0.005, worst


def check_loads_as_instrument(host):
    plugin = host.fresh()
    print(f"  is_instrument={plugin.is_instrument}, {len(plugin.parameters)} parameters")
    assert plugin.is_instrument, "Wavecube must report itself as an instrument"


# name in pedalboard -> (units, min, max, default)
# Ranges and defaults are the sound contract's (dsp/src/patch/ranges.rs): the engine's.
EXPECTED_PARAMS = {
    "gain_db": ("dB", -96.0, 12.0, 0.0),
    "polyphony": ("", 1.0, 64.0, 64.0),
    "morph_x": ("", 0.0, 1.0, 0.0),
    "morph_y": ("", 0.0, 1.0, 0.0),
    "morph_z": ("", 0.0, 1.0, 0.0),
    "amp_attack_ms": ("ms", 0.0, 30000.0, 5.0),
    "amp_release_ms": ("ms", 0.0, 30000.0, 250.0),
    "lfo_1_rate_hz": ("Hz", 0.0, 1000.0, 0.0),
    "lfo_3_rate_hz": ("Hz", 0.0, 1000.0, 0.0),
    "filter_cutoff_hz": ("Hz", 20.0, 20000.0, 20000.0),
    "bend_range_st": ("st", 0.0, 48.0, 2.0),
    "tqa_depth_bits": ("bits", 2.0, 8.0, 6.0),
}

EXPECTED_NAMES = [
    "tqa",
    "tqa_block_samples",
    "tqa_mix",
    "voice_mode",
    "glide_ms",
    "unison_voices",
    "unison_detune_ct",
    "amp_decay_ms",
    "env_2_attack_ms",
    "lfo_2_shape",
    "lfo_3_shape",
    "lfo_1_sync",
    "filter_type",
    "filter_resonance",
    "filter_keytrack",
    "tension_mode",
    "tension_alpha",
    "tension_beta",
    "tension_gamma",
    "body",
    "body_ir",
    "body_mix",
]


# The routings are slots of the matrix (plugin state) since patch format 4: these
# parameters are gone, and a session that held them is upgraded when loaded.
REMOVED_NAMES = [
    "lfo_1_to_x",
    "lfo_2_to_pitch_st",
    "lfo_3_to_cutoff_oct",
    "env_2_to_x",
    "filter_env_amount_oct",
    "tension_to_x",
]


def check_parameters(host):
    # Tweak first, so the defaults below also prove that restoring a state resets them.
    tweak(host.fresh())
    plugin = host.fresh()
    params = plugin.parameters
    missing = [n for n in list(EXPECTED_PARAMS) + EXPECTED_NAMES if n not in params]
    assert not missing, f"missing parameters {missing}; have {sorted(params)}"
    stale = [n for n in REMOVED_NAMES if n in params]
    assert not stale, f"routing parameters still exposed: {stale}"
    for name, (units, lo, hi, default) in EXPECTED_PARAMS.items():
        p = params[name]
        rng = p.range
        value = getattr(plugin, name)
        print(f"  {name}: units={p.units!r} range={rng} value={value}")
        assert (p.units or "").strip() == units, f"{name}: units {p.units!r}, expected {units!r}"
        assert math.isclose(rng[0], lo, rel_tol=1e-3, abs_tol=1e-3), f"{name}: min {rng[0]} != {lo}"
        assert math.isclose(rng[1], hi, rel_tol=1e-3, abs_tol=1e-3), f"{name}: max {rng[1]} != {hi}"
        assert math.isclose(float(value), default, rel_tol=1e-3, abs_tol=1e-3), (
            f"{name}: default {value} != {default}"
        )


def check_a4_pitch(host):
    plugin = host.fresh()
    out = render(plugin, [(A4, 100, 0.0, None)], 2.0)
    f = kaiser_dtft_peak(seg(out, 0.5, 2.0), SR, 440.0)
    c = cents(f, 440.0)
    print(f"  A4 measured {f:.5f} Hz = {c:+.4f} cent (bound 1 cent)")
    assert abs(c) < 1.0, c
    fr = kaiser_dtft_peak(out[1, int(0.5 * SR) : 2 * SR], SR, 440.0)
    assert abs(cents(fr, 440.0)) < 1.0, "right channel off pitch"


def check_release_decay(host):
    plugin = host.fresh()
    release_ms = float(plugin.amp_release_ms)
    note_off = 1.0
    out = render(plugin, [(A4, 100, 0.0, note_off)], note_off + release_ms / 1000 + 0.5)
    held = dbfs(np.max(np.abs(seg(out, 0.8, note_off))))
    after_s = note_off + release_ms / 1000 + 0.050
    tail = out[:, int(after_s * SR) :]
    tail_db = dbfs(np.max(np.abs(tail)))
    # When does the envelope fall below -80 dBFS (20 ms frames)?
    frames = np.abs(out[:, int(note_off * SR) :]).max(axis=0)
    below = np.nonzero(frames >= 10 ** (-80 / 20))[0]
    last_ms = (below[-1] + 1) / SR * 1000 if len(below) else 0.0
    print(
        f"  release {release_ms:.1f} ms: held peak {held:.1f} dBFS; last sample above -80 dBFS "
        f"{last_ms:.1f} ms after note-off; peak from release+50 ms on {tail_db:.1f} dBFS (bound -80)"
    )
    assert held > -40, f"note not sounding before note-off ({held:.1f} dBFS)"
    assert tail_db < -80, tail_db


def harmonic_profile(x, f0, count=10):
    return [partial_level_db(x, SR, h * f0) for h in range(1, count + 1)]


def check_morph_x_changes_spectrum(host):
    plugin = host.fresh()
    plugin.morph_x = 0.0
    a = seg(render(plugin, [(A4, 100, 0.0, None)], 1.5), 0.5, 1.5)
    plugin.morph_x = 1.0
    b = seg(render(plugin, [(A4, 100, 0.0, None)], 1.5), 0.5, 1.5)
    pa, pb = harmonic_profile(a, 440.0), harmonic_profile(b, 440.0)
    h3a, h3b = pa[2] - pa[0], pb[2] - pb[0]
    dist = float(np.sqrt(np.mean(np.square(np.maximum(pa, -120) - np.maximum(pb, -120)))))
    print(
        f"  morph x 0 -> 1: 3rd harmonic re fundamental {h3a:.1f} dB -> {h3b:.1f} dB; "
        f"RMS difference over 10 harmonics {dist:.1f} dB (bound: > 20 dB)"
    )
    assert h3b - h3a > 40, (h3a, h3b)
    assert dist > 20, dist


def check_gain_step(host):
    plugin = host.fresh()
    plugin.gain_db = 0.0
    a = rms(seg(render(plugin, [(A4, 100, 0.0, None)], 1.5), 0.5, 1.5))
    plugin.gain_db = -6.0
    set_to = float(plugin.gain_db)
    b = rms(seg(render(plugin, [(A4, 100, 0.0, None)], 1.5), 0.5, 1.5))
    diff = dbfs(b) - dbfs(a)
    print(f"  gain 0 -> {set_to:.3f} dB: RMS {dbfs(a):.3f} -> {dbfs(b):.3f} dBFS, change {diff:+.4f} dB (bound -6 +/- 0.1)")
    assert abs(diff + 6.0) <= 0.1, diff


def tweak(plugin):
    plugin.morph_x = 0.37
    plugin.morph_y = 0.6
    plugin.morph_z = 0.25
    plugin.lfo_1_rate_hz = 2.0
    plugin.lfo_2_rate_hz = 5.0
    plugin.amp_attack_ms = 20.0
    plugin.amp_release_ms = 100.0
    plugin.gain_db = -3.0
    plugin.velocity_sensitivity = 40.0


def check_state_round_trip(host):
    notes = [(A4, 90, 0.0, 0.7), (64, 70, 0.2, 0.6), (57, 110, 0.35, 0.5)]
    tweaked = host.fresh()
    tweak(tweaked)
    a = render(tweaked, notes, 1.2)
    state = tweaked.raw_state
    # A second, newly loaded instance (its parameters are not touched from Python, which would
    # cost another half minute of probing): only the state carries the sound over.
    restored = load_plugin(host.path)
    restored.raw_state = state
    b = render(restored, notes, 1.2)
    d = float(np.max(np.abs(a - b)))
    untouched = render(host.fresh(), notes, 1.2)
    d_fresh = float(np.max(np.abs(a - untouched)))
    print(
        f"  state: {len(state)} bytes; max |tweaked - restored| = {d:.3g} (bound 1e-6); "
        f"tweaked vs untouched: {d_fresh:.3g} (must differ)"
    )
    assert d <= 1e-6, d
    assert d_fresh > 1e-3, "the tweaks should change the sound (else the test proves nothing)"


def check_corrupt_state(host):
    """Corrupt, truncated or empty state never crashes the host: the instance refuses it and
    keeps its current (default) sound."""
    plugin = host.fresh()
    phrase = [(A4, 100, 0.0, 0.5)]
    reference = render(plugin, phrase, 0.8)
    good = host.default_state
    cases = [
        ("garbage", b"\x00\xffnot a state" * 10),
        ("truncated", good[: len(good) // 2]),
        ("empty", b""),
    ]
    for name, bad in cases:
        try:
            plugin.raw_state = bad
            outcome = "accepted"
        except Exception as e:  # pedalboard surfaces the plugin's refusal as an exception
            outcome = f"refused ({type(e).__name__})"
        out = render(plugin, phrase, 0.8)
        d = float(np.max(np.abs(out - reference)))
        print(f"  {name} state ({len(bad)} bytes): {outcome}; max |out - default| = {d:.3g} (bound 1e-6)")
        assert d <= 1e-6, f"{name} state changed the sound"
        plugin.raw_state = good


def check_velocity(host):
    plugin = host.fresh()
    for sens_pct in [100.0, 50.0]:
        plugin.velocity_sensitivity = sens_pct
        s = float(plugin.velocity_sensitivity) / 100.0
        lv = {}
        for vel in [30, 127]:
            lv[vel] = rms(seg(render(plugin, [(A4, vel, 0.0, None)], 1.5), 0.5, 1.5))
        measured = dbfs(lv[30]) - dbfs(lv[127])
        v = 30 / 127
        expected = dbfs(((1 - s) + s * v * v) / 1.0)
        print(
            f"  sensitivity {s * 100:.1f} %: velocity 30 vs 127 = {measured:+.3f} dB, "
            f"expected {expected:+.3f} dB (bound +/- 0.1)"
        )
        assert abs(measured - expected) <= 0.1, (measured, expected)


def check_sixteen_voices(host):
    plugin = host.fresh()
    plugin.gain_db = -12.0  # keep the 16-voice sum well inside full scale
    notes = list(range(48, 80, 2))  # 16 notes, C3 to A#5 in whole tones
    assert len(notes) == 16
    out = render(plugin, [(n, 100, 0.0, None) for n in notes], 1.5)
    x = seg(out, 0.5, 1.5)
    levels = []
    for n in notes:
        f = 440.0 * 2 ** ((n - 69) / 12)
        fm = kaiser_dtft_peak(x, SR, f, search_hz=f * 0.02)
        levels.append((n, fm, cents(fm, f), partial_level_db(x, SR, f)))
    spread = max(l[3] for l in levels) - min(l[3] for l in levels)
    worst_cents = max(abs(l[2]) for l in levels)
    print(
        "  16 notes: fundamentals "
        + ", ".join(f"{n}:{lvl:.1f}dB" for n, _, _, lvl in levels)
        + f"; level spread {spread:.2f} dB (bound 1), worst pitch error {worst_cents:.3f} cent"
    )
    floor = partial_level_db(x, SR, 440.0 * 2 ** ((49 - 69) / 12))  # a key not played
    print(f"  level at an unplayed key (C#3): {floor:.1f} dB")
    for n, _, c, lvl in levels:
        assert lvl > floor + 60, f"note {n} missing: {lvl:.1f} dB vs floor {floor:.1f} dB"
        assert abs(c) < 1.0, f"note {n} off by {c:.3f} cent"
    assert spread < 1.0, spread


def check_filter_low_pass(host):
    plugin = host.fresh()
    plugin.morph_x = 1.0  # square: odd harmonics at 1/h
    plugin.filter_cutoff_hz = 1000.0
    plugin.filter_resonance = 0.0
    levels = {}
    for on in (False, True):
        plugin.filter = on
        x = seg(render(plugin, [(57, 100, 0.0, None)], 1.5), 0.5, 1.5)  # A3, 220 Hz
        p = harmonic_profile(x, 220.0, count=9)
        levels[on] = (p[0], p[8])  # fundamental, 9th harmonic (1980 Hz)
    drop_f0 = levels[True][0] - levels[False][0]
    drop_h9 = levels[True][1] - levels[False][1]
    print(
        f"  low-pass at 1 kHz on a 220 Hz square: fundamental {drop_f0:+.1f} dB, "
        f"9th harmonic (1980 Hz) {drop_h9:+.1f} dB (bounds: > -3 dB; < -9 dB)"
    )
    assert drop_f0 > -3.0, drop_f0
    assert drop_h9 < -9.0, drop_h9


# Diatonic triads (I-IV-V-I-vi-IV-V-I in C) and all-interval tetrachords in unrelated
# transpositions, in the same register (tests/tests/tension.rs plays the same two).
CONSONANT = [[60, 64, 67], [65, 69, 72], [67, 71, 74], [60, 64, 67],
             [57, 60, 64], [65, 69, 72], [67, 71, 74], [60, 64, 67]]
ATONAL = [[60, 61, 64, 66], [61, 67, 68, 71], [63, 64, 67, 69], [62, 64, 70, 71],
          [65, 66, 69, 71], [61, 62, 65, 67], [60, 62, 68, 69], [62, 63, 66, 68]]


def high_share(x, hz=2000.0):
    """Fraction of the signal's energy above `hz`."""
    spec = np.abs(np.fft.rfft(x)) ** 2
    cut = int(hz / SR * len(x))
    return float(spec[cut:].sum() / max(spec.sum(), 1e-30))


def check_tension_moves_timbre(host):
    """Tension as a modulation source in a real host: with tension routed to shape (the default
    bank's axis), it brightens the sound by orders of magnitude, and an atonal progression
    comes out brighter than a diatonic one.

    NOTE: without tension the default sound is morph x = 0, a sine: its energy above 2 kHz is
    about 1e-6 of the total, onset residue only, so the atonal:diatonic ratio there is noise
    (unison detune alone moves it from 2.0 to 0.005). The check therefore compares the two
    progressions under tension, not against that ratio. tests/tests/tension.rs proves the
    morph moves by depth x tension, voice by voice."""
    shares = {}
    for depth in (0.0, 1.0):
        # The routing is a slot of the matrix (plugin state): tension -> morph x.
        plugin = host.fresh()
        slots = INIT_SLOTS + [{"source": "tension", "destination": "morph_x", "amount": depth}]
        plugin.raw_state = with_matrix(host.default_state, slots)
        plugin.filter = False
        for name, chords in (("consonant", CONSONANT), ("atonal", ATONAL)):
            notes = [(n, 90, i * 0.5, 0.48) for i, c in enumerate(chords) for n in c]
            out = render(plugin, notes, 4.2)
            shares[(depth, name)] = high_share(out[0, : int(4.0 * SR)])
    without = shares[(0.0, "atonal")] / shares[(0.0, "consonant")]
    with_ = shares[(1.0, "atonal")] / shares[(1.0, "consonant")]
    brighten = shares[(1.0, "consonant")] / shares[(0.0, "consonant")]
    print(
        f"  tension -> x at depth 1 brightens the diatonic progression {brighten:.0f}x (bound "
        f"10x); atonal:diatonic energy above 2 kHz with tension {with_:.2f} (bound 1.1; "
        f"{without:.2f} without, a sine's onset residue)"
    )
    assert brighten > 10.0, brighten
    assert with_ > 1.1, (with_, without)


# Notes with their own onsets and ends, so the sound never repeats exactly: one delay fits.
PHRASE = [(57, 100, 0.0, 0.9), (64, 90, 0.23, 1.0), (69, 80, 0.51, None)]


def check_codec_stage(host):
    """With the TQA stage on, the output is the dry render delayed by one block (found by
    cross-correlation; pedalboard compensates plugin latency for effects, not for MIDI renders)
    plus the codec's error, and the host is told the latency."""
    plugin = host.fresh()
    dry = render(plugin, PHRASE, 1.5)
    plugin.tqa = True
    depth, block_shown = plugin.tqa_depth_bits, plugin.tqa_block_samples
    wet = render(plugin, PHRASE, 1.5)
    reported = plugin.reported_latency_samples
    lag, corr = best_lag(dry[0], wet[0], 4 * TQA_DEFAULT_BLOCK)
    n = dry.shape[1]
    aligned = sqnr_db(dry[:, : n - lag], wet[:, lag:])
    moved = float(np.max(np.abs(wet - dry)))
    print(
        f"  TQA on ({depth} bits, block {block_shown}): host reports latency {reported} "
        f"samples; best delay {lag} samples (correlation {corr:.5f}); SQNR against the dry "
        f"render delayed {lag}: {aligned:.2f} dB (bound 25); max |wet - dry| undelayed {moved:.3f}"
    )
    assert lag == TQA_DEFAULT_BLOCK, f"delay {lag}, expected {TQA_DEFAULT_BLOCK}"
    assert reported == TQA_DEFAULT_BLOCK + ENGINE_LATENCY, f"reported latency {reported}"
    assert corr > 0.999, corr
    assert aligned >= 25.0, aligned
    assert moved > 1e-2, "the stage should change the output"
    plugin.tqa = False
    off = render(plugin, PHRASE, 1.5)
    print(f"  TQA off again: latency {plugin.reported_latency_samples}, max |off - dry| "
          f"{float(np.max(np.abs(off - dry))):.3g}")
    assert float(np.max(np.abs(off - dry))) <= 1e-6


def check_save_capture_is_no_parameter(host):
    """Saving the capture is an action (the editor's "Export capture...", the plugin's
    `save_capture` API), never a parameter: a host cannot automate, fuzz or recall it, and
    playing with every parameter the host sees writes nothing to $WAVECUBE_CAPTURE_DIR. (The
    save itself is tested in-process: plugin/tests/capture.rs.)"""
    capture_dir = os.environ[CAPTURE_DIR_ENV]
    plugin = host.fresh()
    before = set(os.listdir(capture_dir))
    names = [n for n in plugin.parameters if "capture" in n]
    print(f"  parameters naming the capture: {names}")
    assert not names, names
    render(plugin, PHRASE, 1.0)
    time.sleep(0.3)
    new = [f for f in os.listdir(capture_dir) if f not in before]
    assert not new, f"files appeared in {capture_dir}: {new}"


# ---------------------------------------------------------------------------------------------
# Banks

# The `bank` parameter's choices, in order (plugin/src/params.rs, BankChoice).
BANK_CHOICES = ["Basic Shapes", "Vowel Formants", "Additive Harmonics", "FM Cube", "File"]
FM_CUBE_WCUBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "presets", "banks", "fm-cube.wcube")

# JUCE wraps a VST3 plugin's state: copyXmlToBinary (magic, length, XML, NUL) around
# <VST3PluginState><IComponent>...</IComponent>, the component's bytes in JUCE's own base64
# (MemoryBlock::toBase64Encoding: "<size>.", then 6 bits per character, least significant
# bit first, from this alphabet).
JUCE_B64 = ".ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+"
JUCE_XML_MAGIC = 0x21324356


def juce_b64_decode(text):
    size, chars = text.split(".", 1)
    size = int(size)
    idx = np.array([JUCE_B64.index(c) for c in chars], dtype=np.uint8)
    bits = np.unpackbits(idx[:, None], axis=1, bitorder="little")[:, :6].reshape(-1)
    return np.packbits(bits[: size * 8], bitorder="little").tobytes()


def juce_b64_encode(data):
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
    bits = np.concatenate([bits, np.zeros((-len(bits)) % 6, dtype=np.uint8)]).reshape(-1, 6)
    bits = np.concatenate([bits, np.zeros((len(bits), 2), dtype=np.uint8)], axis=1)
    idx = np.packbits(bits, axis=1, bitorder="little").reshape(-1)
    return f"{len(data)}." + "".join(JUCE_B64[i] for i in idx)


# A new patch's matrix: the expression routings (dsp INIT_SLOTS).
INIT_SLOTS = [
    {"source": "pressure", "destination": "morph_y", "amount": 0.5},
    {"source": "slide", "destination": "morph_y", "amount": 0.5},
    {"source": "mod_wheel", "destination": "morph_z", "amount": 0.5},
]


def with_matrix(raw, slots, version=2, params=None):
    """`raw` with its matrix record holding `slots` (a matrix state of `version`) and the
    parameters `params` (id -> plain value) added to its state."""
    state, _, _ = nice_state(raw)
    record = json.loads(state["fields"]["matrix"])
    record["version"] = version
    record["slots"] = slots
    state["fields"]["matrix"] = json.dumps(record)
    for pid, value in (params or {}).items():
        state["params"][pid] = {"f32": value}
    return with_nice_state(raw, state)


def check_old_session_upgrades(host):
    """A session saved before the routings were slots (matrix state version 1, routing
    parameters such as lfo1_x) loads with those routings as slots: it renders exactly as a
    session that holds the slots the upgrade writes."""
    phrase = [(A4, 100, 0.0, 0.8), (64, 80, 0.2, 0.7)]
    old = host.fresh()
    old.raw_state = with_matrix(
        host.default_state, [], version=1,
        params={"lfo1_x": 0.4, "lfo1_rate": 3.0, "ten_y": 0.5},
    )
    a = render(old, phrase, 1.2)
    upgraded = json.loads(nice_state(old.raw_state)[0]["fields"]["matrix"])
    new = host.fresh()
    slots = INIT_SLOTS + [
        {"source": "lfo1", "destination": "morph_x", "amount": 0.4},
        {"source": "tension", "destination": "morph_y", "amount": 0.5},
    ]
    state, _, _ = nice_state(host.default_state)
    state["params"]["lfo1_rate"] = {"f32": 3.0}
    new.raw_state = with_matrix(with_nice_state(host.default_state, state), slots)
    b = render(new, phrase, 1.2)
    plain = render(host.fresh(), phrase, 1.2)
    d, d_plain = float(np.max(np.abs(a - b))), float(np.max(np.abs(a - plain)))
    print(
        f"  old session: {len(upgraded['slots'])} slots after the upgrade (version "
        f"{upgraded['version']}); max |old - slots| = {d:.3g} (bound 1e-6); vs no routing "
        f"{d_plain:.3g} (must differ)"
    )
    assert upgraded["version"] == 2 and len(upgraded["slots"]) == 5, upgraded
    assert d <= 1e-6, d
    assert d_plain > 1e-3, d_plain


def nice_state(raw):
    """The plugin's own (nice-plug JSON) state inside pedalboard's `raw_state`."""
    magic, length = struct.unpack("<II", raw[:8])
    assert magic == JUCE_XML_MAGIC, f"unexpected state container {magic:#x}"
    xml = raw[8 : 8 + length].decode("utf-8")
    m = re.search(r"<IComponent>([^<]*)</IComponent>", xml)
    assert m, "no IComponent in the state"
    return json.loads(juce_b64_decode(m.group(1))), xml, m


def with_nice_state(raw, state):
    """`raw` with the plugin's state replaced by `state`."""
    _, xml, m = nice_state(raw)
    encoded = juce_b64_encode(json.dumps(state).encode("utf-8"))
    xml = xml[: m.start(1)] + encoded + xml[m.end(1) :]
    body = xml.encode("utf-8") + b"\x00"
    return struct.pack("<II", JUCE_XML_MAGIC, len(body) - 1) + body


def relative_profile(x):
    p = np.maximum(np.array(harmonic_profile(x, 440.0)), -120.0)
    return p - p.max()


def check_factory_banks(host):
    """Each factory bank, chosen with the `bank` parameter, is audible and sounds different."""
    profiles = []
    for i, name in enumerate(BANK_CHOICES[:4]):
        plugin = host.fresh()
        plugin.parameters["bank"].raw_value = i / (len(BANK_CHOICES) - 1)
        x = seg(render(plugin, [(A4, 100, 0.0, None)], 1.0), 0.5, 1.0)
        level = dbfs(rms(x))
        profiles.append(relative_profile(x))
        print(f"  {name}: RMS {level:.1f} dBFS (bound > -40)")
        assert level > -40, (name, level)
    for i in range(4):
        for j in range(i + 1, 4):
            d = float(np.sqrt(np.mean(np.square(profiles[i] - profiles[j]))))
            print(f"  {BANK_CHOICES[i]} vs {BANK_CHOICES[j]}: RMS profile difference {d:.1f} dB (bound > 3)")
            assert d > 3, (BANK_CHOICES[i], BANK_CHOICES[j], d)


def check_file_bank_state(host):
    """A state naming a .wcube path loads it; the saved state embeds its bytes, so a fresh
    instance renders identically after the file is moved away."""
    tmp = tempfile.mkdtemp(prefix="wavecube-e2e-bank-")
    path = os.path.join(tmp, "fm-cube.wcube")
    shutil.copy(FM_CUBE_WCUBE, path)
    phrase = [(A4, 100, 0.0, 0.6), (64, 80, 0.2, 0.5)]
    try:
        plugin = host.fresh()
        state, _, _ = nice_state(host.default_state)
        state["params"]["bank"] = {"string": "file"}
        state["fields"]["patch"] = json.dumps({"version": 2, "bank": "file", "file": {"path": path}})
        plugin.raw_state = with_nice_state(host.default_state, state)
        a = render(plugin, phrase, 1.0)
        saved = plugin.raw_state
        saved_patch = json.loads(nice_state(saved)[0]["fields"]["patch"])
        embedded = len(saved_patch.get("file", {}).get("wcube") or "")
        default = render(host.fresh(), phrase, 1.0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    restored = load_plugin(host.path)
    restored.raw_state = saved
    b = render(restored, phrase, 1.0)
    d = float(np.max(np.abs(a - b)))
    d_default = float(np.max(np.abs(a - default)))
    print(
        f"  file bank: {embedded} base64 chars embedded; after moving the file away "
        f"max |first - restored| = {d:.3g} (bound 1e-6); vs the default bank {d_default:.3g} (must differ); "
        f"RMS {dbfs(rms(a[0])):.1f} dBFS"
    )
    assert embedded > 1000, embedded
    assert d <= 1e-6, d
    assert d_default > 1e-3, d_default


CHECKS = [
    check_estimator_self_test,
    check_loads_as_instrument,
    check_parameters,
    check_a4_pitch,
    check_release_decay,
    check_morph_x_changes_spectrum,
    check_gain_step,
    check_state_round_trip,
    check_corrupt_state,
    check_velocity,
    check_sixteen_voices,
    check_filter_low_pass,
    check_tension_moves_timbre,
    check_old_session_upgrades,
    check_codec_stage,
    check_save_capture_is_no_parameter,
    check_factory_banks,
    check_file_bank_state,
]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "target/bundled/Wavecube.vst3"
    # Captures go to a fresh directory; the plugin reads the variable when it saves.
    capture_dir = tempfile.mkdtemp(prefix="wavecube-e2e-captures-")
    os.environ[CAPTURE_DIR_ENV] = capture_dir
    started = time.monotonic()
    try:
        host = Host(path)
    except Exception as err:  # noqa: BLE001 - report any loader failure plainly
        print(f"test_pedalboard: cannot load {path}: {err}", file=sys.stderr)
        return 2
    print(f"loaded {path} in {time.monotonic() - started:.1f} s")
    failed = []
    for check in CHECKS:
        started = time.monotonic()
        print(f"{check.__name__}:")
        try:
            check(host)
            print(f"  ok ({time.monotonic() - started:.1f} s)")
        except Exception:  # noqa: BLE001 - one failing check must not hide the others
            traceback.print_exc()
            failed.append(check.__name__)
            print("  FAILED")
    if failed:
        print(f"test_pedalboard: {len(failed)} of {len(CHECKS)} checks failed: {', '.join(failed)}")
        print(f"test_pedalboard: captures kept in {capture_dir}")
        return 1
    shutil.rmtree(capture_dir, ignore_errors=True)
    print(f"test_pedalboard: all {len(CHECKS)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
