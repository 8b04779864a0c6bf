#!/usr/bin/env python3
"""Per-voice CPU cost of Wavecube's VST3 in a real host (pedalboard): a benchmark, not a test.

Usage (after `cargo xtask bundle wavecube-plugin --release`, with the venv that
`cargo xtask test` creates):

    target/e2e-venv/bin/python tests/e2e/bench_host.py [path/to/Wavecube.vst3] [--reps N]

Renders 1 and 16 held voices (unison 1, filter on) for 1 s and 10 s of audio at 48 kHz in
512-sample blocks, each `--reps` times (default 9, at least 5), and reports the median wall
time of each case, then:

- the cost of one second of audio with 1 and with 16 voices, from the 10 s and 1 s renders'
  difference (so `reset` and pedalboard's per-call setup cancel out);
- the marginal cost per voice per second of audio, from the 10 s renders:
  (16 voices - 1 voice) / 15 / 10 s;
- the 16-voice cost as a percentage of one core (target: under 2 %), and the same with
  pedalboard's per-call setup counted in.

Wall time includes the host's work per block, so the figures are an upper bound on the
plugin's own cost. Run it on an otherwise idle machine.
"""

import argparse
import statistics
import sys
import time

import mido
import numpy as np
from pedalboard import load_plugin

SR = 48000
BLOCK = 512
VOICES = (1, 16)
SECONDS = (1.0, 10.0)
TARGET_PCT = 2.0
# 16 notes, C3 to A#5 in whole tones (as the 16-voice host test plays).
NOTES = list(range(48, 80, 2))


def render(plugin, voices, seconds):
    """Holds `voices` notes from t = 0 for `seconds`; returns (wall time s, output)."""
    msgs = [mido.Message("note_on", note=n, velocity=100, time=0.0) for n in NOTES[:voices]]
    started = time.perf_counter()
    out = plugin(
        msgs, duration=seconds, sample_rate=SR, num_channels=2, buffer_size=BLOCK, reset=True
    )
    return time.perf_counter() - started, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="target/bundled/Wavecube.vst3")
    parser.add_argument("--reps", type=int, default=9, help="renders per case (>= 5)")
    args = parser.parse_args()
    reps = max(5, args.reps)

    started = time.monotonic()
    plugin = load_plugin(args.path)
    # Setting parameters from Python first makes pedalboard probe every parameter (~30 s).
    plugin.unison_voices = 1
    plugin.filter = True
    plugin.gain_db = -12.0  # keep 16 voices inside full scale
    print(
        f"loaded {args.path} and set unison {plugin.unison_voices}, filter {plugin.filter}, "
        f"cutoff {plugin.filter_cutoff_hz} Hz in {time.monotonic() - started:.1f} s"
    )

    # One warm-up render per case (page faults, mip tables, CPU frequency).
    for v in VOICES:
        render(plugin, v, 1.0)

    median = {}
    for v in VOICES:
        for s in SECONDS:
            times = []
            for _ in range(reps):
                wall, out = render(plugin, v, s)
                times.append(wall)
            assert np.all(np.isfinite(out)), "output has NaN or infinity"
            level = float(np.sqrt(np.mean(np.square(out[:, SR // 2 :], dtype=np.float64))))
            assert level > 1e-3, f"{v} voices render silence (RMS {level})"
            median[(v, s)] = statistics.median(times)
            spread = (max(times) - min(times)) / median[(v, s)] * 100
            print(
                f"{v:2d} voices, {s:4.1f} s of audio: median {median[(v, s)] * 1000:8.2f} ms "
                f"over {reps} renders (spread {spread:.0f} %), RMS {level:.3f}"
            )

    # Per second of audio: the 10 s and 1 s renders' difference over 9 s, so pedalboard's
    # per-call setup (~35 ms here) cancels.
    per_s = {v: (median[(v, 10.0)] - median[(v, 1.0)]) / 9.0 for v in VOICES}
    # Per voice: the 10 s renders only (less noise than four differences), 15 extra voices over
    # 10 s; the per-call setup and the 1-voice base cancel.
    marginal = (median[(16, 10.0)] - median[(1, 10.0)]) / 15.0 / 10.0
    pct16 = per_s[16] * 100.0
    bound16 = median[(16, 10.0)] / 10.0 * 100.0
    print()
    for v in VOICES:
        print(
            f"cost of 1 s of audio, {v:2d} voices: {per_s[v] * 1000:7.3f} ms "
            f"({per_s[v] * 100:.3f} % of one core)"
        )
    print(
        f"marginal cost per voice per second of audio: {marginal * 1e3:.3f} ms "
        f"({marginal * 100:.4f} % of one core, {marginal / SR * 1e9:.1f} ns per voice-sample)"
    )
    verdict = "meets" if pct16 < TARGET_PCT else "MISSES"
    print(
        f"16 voices, unison 1, filter on: {pct16:.2f} % of one core ({verdict} the "
        f"{TARGET_PCT} % target); {bound16:.2f} % counting pedalboard's per-call setup"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
