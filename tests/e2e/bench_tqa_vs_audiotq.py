#!/usr/bin/env python3
"""Speed of the TQA codec (`wavecube tqa run`) against the original, audiotq 0.1.1, on the same
30 s mono 16-bit 48 kHz file (the demo song, looped), 512-sample blocks.

- audiotq: its engine in-process, compress and decompress timed separately around the calls
  alone (the engine is built, and numpy seeded, outside the timer); median of AUDIOTQ_RUNS.
- wavecube: `tqa run` (default mode, and `sign` at b = 6, audiotq's layer); its JSON encode_s
  and decode_s (codec alone: no file I/O, codebooks built before the timer), and the wall time
  of the whole process (start-up, reading, encoding, decoding, writing, measuring); median
  of WAVECUBE_RUNS. The same wall time on a one-block file is printed as the process's fixed
  cost (start-up and building the codebooks).

Speeds are MB/s of 16-bit mono PCM: samples x 2 bytes / 1e6 / seconds. Run by hand, not in CI
(docs/BENCHMARKS.md has this machine's numbers):

    cargo build --release -p wavecube-harness
    nice -n -15 target/e2e-venv/bin/python tests/e2e/bench_tqa_vs_audiotq.py target/release/wavecube
"""

import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
from audiotq.engine import TurboAudioEngine
from audiotq.wrapper import WavFileWrapper

from test_tqa_audiotq import (
    BLOCK,
    DEMO_MIDI,
    DEMO_SOUND_ARGS,
    ROOT,
    SR,
    read_wav,
    run_wavecube,
    write_mono16,
)

SECONDS = 30
AUDIOTQ_RUNS = 3
WAVECUBE_RUNS = 5
AUDIOTQ_SEED = 0


def mb_per_s(samples, seconds):
    """Speed in MB/s of 16-bit mono PCM."""
    return samples * 2 / 1e6 / seconds


def make_input(wavecube, workdir):
    """A SECONDS-second mono 16-bit file: the demo song, looped, downmixed."""
    stereo = os.path.join(workdir, "demo-stereo.wav")
    run_wavecube(wavecube, ["render", "--midi", DEMO_MIDI, "--out", stereo, *DEMO_SOUND_ARGS])
    song = read_wav(stereo)[0].mean(axis=1)
    frames = SECONDS * SR
    looped = np.tile(song, -(-frames // len(song)))[:frames]
    path = os.path.join(workdir, "bench.wav")
    write_mono16(path, looped, SR)
    short = os.path.join(workdir, "one-block.wav")
    write_mono16(short, looped[:BLOCK], SR)
    return path, short


def time_audiotq(path):
    """Median compress and decompress times of audiotq's engine (seconds), over AUDIOTQ_RUNS."""
    x = WavFileWrapper.read_wav(path)[0]
    compress, decompress = [], []
    for _ in range(AUDIOTQ_RUNS):
        np.random.seed(AUDIOTQ_SEED)
        engine = TurboAudioEngine(block_size=BLOCK)
        started = time.perf_counter()
        blocks, meta = engine.compress_signal(x)
        compress.append(time.perf_counter() - started)
        started = time.perf_counter()
        engine.decompress_signal(blocks, meta)
        decompress.append(time.perf_counter() - started)
    return len(x), statistics.median(compress), statistics.median(decompress)


def time_wavecube(wavecube, path, workdir, codec_args):
    """Median JSON encode_s, decode_s and process wall time (seconds), over WAVECUBE_RUNS."""
    out = os.path.join(workdir, "wavecube-out.wav")
    encode, decode, wall = [], [], []
    for _ in range(WAVECUBE_RUNS):
        started = time.perf_counter()
        report = json.loads(
            run_wavecube(wavecube, ["tqa", "run", "-i", path, "-o", out, *codec_args])
        )
        wall.append(time.perf_counter() - started)
        encode.append(report["encode_s"])
        decode.append(report["decode_s"])
    return report, statistics.median(encode), statistics.median(decode), statistics.median(wall)


def main():
    wavecube = os.path.abspath(
        sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/wavecube")
    )
    with tempfile.TemporaryDirectory(prefix="tqa-bench-") as workdir:
        path, short = make_input(wavecube, workdir)
        fixed_wall = time_wavecube(wavecube, short, workdir, ["--block", str(BLOCK)])[3]
        samples, at_compress, at_decompress = time_audiotq(path)
        rows = [("audiotq 0.1.1 (in-process)", at_compress, at_decompress, None)]
        for label, args in [
            ("wavecube tqa run (default)", []),
            ("wavecube tqa run --mode sign --bits 6", ["--mode", "sign", "--bits", "6"]),
        ]:
            report, enc, dec, wall = time_wavecube(
                wavecube, path, workdir, [*args, "--block", str(BLOCK)]
            )
            assert report["frames"] == samples, (report["frames"], samples)
            rows.append((f"{label}, {report['mode']} b={report['bits']}", enc, dec, wall))
    print(
        f"{samples} samples ({samples / SR:.1f} s mono 16-bit {SR} Hz, "
        f"{samples * 2 / 1e6:.2f} MB of PCM), {BLOCK}-sample blocks; audiotq median of "
        f"{AUDIOTQ_RUNS}, wavecube median of {WAVECUBE_RUNS}; "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    print(f"{'codec':<46} {'encode s':>9} {'MB/s':>9} {'decode s':>9} {'MB/s':>9} {'wall s':>7}")
    for label, enc, dec, wall in rows:
        wall_text = f"{wall:.3f}" if wall is not None else "-"
        print(
            f"{label:<46} {enc:>9.4f} {mb_per_s(samples, enc):>9.2f} {dec:>9.4f} "
            f"{mb_per_s(samples, dec):>9.2f} {wall_text:>7}"
        )
    print(
        f"wavecube tqa run on a one-block file (the process's fixed cost): wall {fixed_wall:.3f} s"
    )
    for label, enc, dec, _ in rows[1:]:
        print(
            f"{label}: encode {at_compress / enc:.0f}x, decode {at_decompress / dec:.0f}x "
            "audiotq's speed"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
