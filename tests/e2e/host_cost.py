#!/usr/bin/env python3
"""Marginal CPU cost per voice of Wavecube's VST3 in a real host (pedalboard), the way
issue 14 states it: a benchmark, not a test.

Usage (after `cargo xtask bundle wavecube-plugin --release`, with the venv that
`cargo xtask test` creates):

    target/e2e-venv/bin/python tests/e2e/host_cost.py [path/to/Wavecube.vst3] [--reps N]
        [--set NAME=VALUE ...]

With the plugin's default settings (or those changed by `--set`, e.g. `--set filter=False`
or `--set unison_voices=1`, to find which stage costs what), it holds 1 and 16 notes from
C2 upward in minor thirds for 1 s and 10 s of audio at 48 kHz in 512-sample blocks, each
`--reps` times (default 7, at least 3), and takes the median **CPU time** of the process
(`time.process_time`, every thread) for each case: CPU time, unlike wall time, does not
count the time other programs hold the cores, so a loaded machine inflates it less.

- cost of one second of audio with V voices: (10 s render − 1 s render) / 9, so loading,
  `reset` and pedalboard's per-call setup cancel;
- marginal cost per voice per second of audio: (16-voice cost − 1-voice cost) / 15.

Issue 14's target: at most 0.75 ms of CPU per voice per second of audio.
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
TARGET_MS = 0.75
# 16 notes from C2 (MIDI 36) upward in minor thirds, up to A5 (81).
NOTES = [36 + 3 * i for i in range(16)]


def render(plugin, voices, seconds):
    """Holds `voices` notes from t = 0 for `seconds`; returns (CPU time s, output)."""
    msgs = [mido.Message("note_on", note=n, velocity=100, time=0.0) for n in NOTES[:voices]]
    started = time.process_time()
    out = plugin(
        msgs, duration=seconds, sample_rate=SR, num_channels=2, buffer_size=BLOCK, reset=True
    )
    return time.process_time() - started, out


def parse_value(text):
    """`True`/`False`, a number, or the text itself."""
    if text in ("True", "False"):
        return text == "True"
    try:
        return float(text)
    except ValueError:
        return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path", nargs="?", default="target/bundled/Wavecube.vst3")
    parser.add_argument("--reps", type=int, default=7, help="renders per case (>= 3)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="a parameter to change"
    )
    args = parser.parse_args()
    reps = max(3, args.reps)

    plugin = load_plugin(args.path)
    for item in args.set:
        name, value = item.split("=", 1)
        setattr(plugin, name, parse_value(value))
        print(f"set {name} = {getattr(plugin, name)}")

    # One warm-up render per case (page faults, mip tables, CPU frequency).
    for v in VOICES:
        render(plugin, v, 1.0)

    median = {}
    for v in VOICES:
        for s in SECONDS:
            times = []
            for _ in range(reps):
                cpu, out = render(plugin, v, s)
                times.append(cpu)
            assert np.all(np.isfinite(out)), "output has NaN or infinity"
            level = float(np.sqrt(np.mean(np.square(out[:, SR // 2 :], dtype=np.float64))))
            assert level > 1e-4, f"{v} voices render silence (RMS {level})"
            median[(v, s)] = statistics.median(times)
            print(
                f"{v:2d} voices, {s:4.1f} s of audio: median CPU {median[(v, s)] * 1000:8.2f} ms "
                f"over {reps} renders (min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f})"
            )

    per_s = {v: (median[(v, 10.0)] - median[(v, 1.0)]) / 9.0 for v in VOICES}
    marginal = (per_s[16] - per_s[1]) / 15.0
    print()
    for v in VOICES:
        print(f"CPU per second of audio, {v:2d} voices: {per_s[v] * 1000:7.3f} ms")
    verdict = "meets" if marginal * 1000 <= TARGET_MS else "MISSES"
    print(
        f"marginal CPU per voice per second of audio: {marginal * 1000:.3f} ms "
        f"({marginal / SR * 1e9:.1f} ns per voice-sample; {verdict} the {TARGET_MS} ms target)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
