#!/usr/bin/env python3
"""The TQA codec (`wavecube tqa run`) against the original, audiotq 0.1.1, on the same mono
16-bit 48 kHz inputs with 512-sample blocks. Checks, each against a stated bound:

- the SQNRs measured here agree with wavecube's JSON and audiotq's own `compare`;
- the issue's claim: the `sign` mode at b = 6 (audiotq's layer) is within 0.5 dB of audiotq's
  SQNR;
- the same with audiotq's codebook replaced by the exact Lloyd-Max one (computed here, from the
  Gaussian density): whether `sign` reproduces audiotq's algorithm, whatever its codebook;
- the issue's claim: the default mode, at the largest --bits whose bits per sample (all of
  wavecube's stream: header, side information, CRCs) do not exceed audiotq's own count
  ((packed bytes + 12 bytes of metadata per block) x 8 / samples), beats audiotq by 3 dB.

audiotq draws its rotation signs from numpy's global RNG, unseeded; numpy is seeded here
before each engine is built, with AUDIOTQ_SEEDS, and audiotq's SQNR is their mean. SQNR is
10 log10(sum x^2 / sum (x - y)^2) over the float signal as both codecs read it (int16 / 32768).

Usage: python test_tqa_audiotq.py path/to/wavecube   (default: target/release/wavecube)

Prints a table, then each check; exits 1 if any check failed (2 if the inputs cannot be made).
`cargo xtask e2e` runs it in the venv target/e2e-venv (numpy, audiotq==0.1.1).
"""

import json
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import wave

import numpy as np
from audiotq.engine import TurboAudioEngine
from audiotq.wrapper import WavFileWrapper

SR = 48000
BLOCK = 512
SECONDS = 10
# audiotq's fixed index width; `sign` adds the residual-sign bit, as audiotq does.
AUDIOTQ_BITS = 6
# Numpy seeds for audiotq's rotation signs; its SQNR varies with them (by 1.5 dB on the sine).
AUDIOTQ_SEEDS = (0, 1, 2)
# audiotq's metadata per block, by its own accounting: three Python floats counted as
# 4 bytes each.
AUDIOTQ_META_BYTES = 12
# The widest --bits wavecube accepts.
WAVECUBE_MAX_BITS = 8

SIGN_BOUND_DB = 0.5
DEFAULT_MARGIN_DB = 3.0
# Two programs measuring the SQNR of the same pair of files must agree this closely.
AGREEMENT_DB = 0.01

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_MIDI = os.path.join(ROOT, "presets", "demo", "demo.mid")
# `cargo xtask demo`'s morph sweep, so the timbre moves through the excerpt.
DEMO_SOUND_ARGS = [
    "--morph", "0.3,0.4,0.2",
    "--lfo", "x:0.15:0.4",
    "--lfo", "y:0.07:0.3",
    "--lfo", "z:0.05:0.15:triangle",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# WAV files


def read_wav(path):
    """(samples, sample rate) of a WAV file: float64 array (frames, channels), full scale 1.0.

    Integer PCM (8 to 32 bits) and IEEE float (32 or 64 bits), plain or WAVE_FORMAT_EXTENSIBLE.
    The stdlib `wave` module reads integer PCM only, and wavecube writes float by default.
    """
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    fmt = None
    samples = None
    at = 12
    while at + 8 <= len(data):
        chunk_id, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        body = data[at + 8 : at + 8 + size]
        if chunk_id == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif chunk_id == b"data":
            samples = body
        at += 8 + size + (size & 1)
    if fmt is None or samples is None:
        raise ValueError(f"{path}: no fmt or data chunk")
    tag, channels, rate, bits = fmt
    if tag == 3 and bits in (32, 64):
        x = np.frombuffer(samples, dtype=f"<f{bits // 8}").astype(np.float64)
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(samples, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
    elif tag == 1 and bits in (16, 32):
        x = np.frombuffer(samples, dtype=f"<i{bits // 8}").astype(np.float64) / 2.0 ** (bits - 1)
    elif tag == 1 and bits == 24:
        b = np.frombuffer(samples[: len(samples) // 3 * 3], dtype=np.uint8).reshape(-1, 3)
        v = (
            b[:, 0].astype(np.int32)
            | (b[:, 1].astype(np.int32) << 8)
            | (b[:, 2].astype(np.int32) << 16)
        )
        x = np.where(v >= 1 << 23, v - (1 << 24), v).astype(np.float64) / 2.0**23
    else:
        raise ValueError(f"{path}: unsupported format tag {tag} with {bits} bits")
    return x[: len(x) // channels * channels].reshape(-1, channels), rate


def write_mono16(path, x, sr):
    """Writes `x` (full scale 1.0) as mono 16-bit PCM: scaled by 32768, rounded, clipped."""
    pcm = np.clip(np.round(np.asarray(x, dtype=np.float64) * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm.tobytes())


def to_16_bit(x):
    """`x` as a 16-bit file holds it (wavecube's `--format i16`: round, clip, / 32768)."""
    return np.clip(np.round(x * 32768.0), -32768, 32767) / 32768.0


def sqnr_db(x, y):
    """10 log10(sum x^2 / sum (x - y)^2), in float64, over the first len(x) samples of y."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)[: len(x)]
    return float(10.0 * np.log10(np.sum(x * x) / np.sum((x - y) ** 2)))


# ---------------------------------------------------------------------------------------------
# The inputs


def run_wavecube(wavecube, args):
    """Runs `wavecube ARGS`; returns its stdout. Raises with its stderr on failure."""
    done = subprocess.run([wavecube, *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(
            f"wavecube {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}"
        )
    return done.stdout


def make_inputs(wavecube, workdir):
    """[(name, path)]: three mono 16-bit 48 kHz files of SECONDS seconds, deterministic."""
    stereo = os.path.join(workdir, "demo-stereo.wav")
    run_wavecube(wavecube, ["render", "--midi", DEMO_MIDI, "--out", stereo, *DEMO_SOUND_ARGS])
    song, rate = read_wav(stereo)
    assert rate == SR and song.shape[1] == 2, (rate, song.shape)
    demo = os.path.join(workdir, "demo.wav")
    write_mono16(demo, song[: SECONDS * SR].mean(axis=1), SR)
    inputs = [("demo song", demo)]
    for name, kind, extra in [
        ("noise + 3 spikes", "noise", []),
        ("440 Hz sine + 5 spikes", "sine", ["--spikes", "5"]),
    ]:
        path = os.path.join(workdir, f"{kind}.wav")
        run_wavecube(wavecube, [
            "tqa", "simulate", "--type", kind, "--duration", str(SECONDS), "--sr", str(SR),
            "--format", "i16", "--out", path, *extra,
        ])  # fmt: skip
        inputs.append((name, path))
    for _, path in inputs:
        x, rate = read_wav(path)
        assert rate == SR and x.shape == (SECONDS * SR, 1), (path, rate, x.shape)
    return inputs


# ---------------------------------------------------------------------------------------------
# audiotq


def lloyd_max_levels(bits):
    """The exact 2^bits-level Lloyd-Max quantiser of N(0, 1), ascending: the centroid
    condition evaluated from the density and erfc, iterated from density-matched levels
    (quantiles of N(0, 3)) until no level moves by 1e-12."""
    half = 2 ** (bits - 1)
    c = np.array(
        [math.sqrt(3.0) * math.sqrt(2.0) * inverse_erf((i + 0.5) / half) for i in range(half)]
    )
    for _ in range(100_000):
        t = np.concatenate(([0.0], 0.5 * (c[:-1] + c[1:])))
        tail = np.array([0.5 * math.erfc(v / math.sqrt(2.0)) for v in t] + [0.0])
        pdf = np.append(np.exp(-0.5 * t * t) / math.sqrt(2.0 * math.pi), 0.0)
        nxt = (pdf[:-1] - pdf[1:]) / (tail[:-1] - tail[1:])
        moved = float(np.max(np.abs(nxt - c)))
        c = nxt
        if moved < 1e-12:
            break
    return np.concatenate((-c[::-1], c))


def inverse_erf(p):
    """erf^-1(p) for 0 <= p < 1, by bisection."""
    lo, hi = 0.0, 10.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if math.erf(mid) < p else (lo, mid)
    return 0.5 * (lo + hi)


def audiotq_in_process(x, seed, codebook=None):
    """audiotq's engine on float32 mono `x`, numpy seeded with `seed` first; optionally with
    its codebook replaced. Returns (bits per sample by its own byte count, float output)."""
    np.random.seed(seed)
    engine = TurboAudioEngine(block_size=BLOCK)
    if codebook is not None:
        engine.quantizer.codebook = np.asarray(codebook, dtype=np.float32)
    blocks, meta = engine.compress_signal(x)
    y = engine.decompress_signal(blocks, meta)[: len(x)]
    total_bytes = sum(len(b) for b in blocks) + AUDIOTQ_META_BYTES * len(meta)
    return total_bytes * 8 / len(x), y


# audiotq's CLI (`tqa-cli run`), with numpy seeded first so its rotation signs are known.
AUDIOTQ_CLI = """
import sys
import numpy as np
np.random.seed(int(sys.argv[1]))
from audiotq.audio_cli import main
sys.argv = ["tqa-cli"] + sys.argv[2:]
main()
"""


def audiotq_cli(args, seed):
    """Runs audiotq's own CLI with `args` under numpy seed `seed`; returns its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", AUDIOTQ_CLI, str(seed), *args],
        capture_output=True,
        encoding="utf-8",  # its messages carry emoji
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"audiotq {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


# ---------------------------------------------------------------------------------------------
# Measurements


class Row:
    """One codec on one input: bits per sample and SQNR of the float output and of a 16-bit file."""

    def __init__(self, codec, bits_per_sample, sqnr_float_db, sqnr_16_db, note=""):
        self.codec = codec
        self.bits_per_sample = bits_per_sample
        self.sqnr_float_db = sqnr_float_db
        self.sqnr_16_db = sqnr_16_db
        self.note = note


def measure_audiotq(path, workdir, exact_codebook):
    """Rows for audiotq as shipped (seed mean), via its CLI, and with the exact codebook, plus
    the SQNR its own `compare` printed for the CLI's output."""
    x = WavFileWrapper.read_wav(path)[0]  # float32, int16 / 32768: as its CLI reads the file
    shipped = [audiotq_in_process(x, seed) for seed in AUDIOTQ_SEEDS]
    bits = shipped[0][0]
    sqnrs = [sqnr_db(x, y) for _, y in shipped]
    exact = [sqnr_db(x, audiotq_in_process(x, seed, exact_codebook)[1]) for seed in AUDIOTQ_SEEDS]
    # Its CLI with the first seed: the same rotation as shipped[0], then its 16-bit writer
    # (x 32767, truncated).
    out = os.path.join(workdir, "audiotq-out.wav")
    audiotq_cli(["run", "-i", path, "-o", out], AUDIOTQ_SEEDS[0])
    cli_sqnr = sqnr_db(x, WavFileWrapper.read_wav(out)[0])
    printed = audiotq_cli(["compare", "-f1", path, "-f2", out], AUDIOTQ_SEEDS[0])
    found = re.search(r"SQNR:\s*(-?[0-9.]+)\s*dB", printed)
    compare_sqnr = float(found.group(1)) if found else None
    seeds = f"numpy seeds {', '.join(map(str, AUDIOTQ_SEEDS))}"
    rows = [
        Row(
            "audiotq 0.1.1",
            bits,
            float(np.mean(sqnrs)),
            cli_sqnr,
            f"float: mean over {seeds} ({', '.join(f'{v:.2f}' for v in sqnrs)}); "
            f"16-bit: its CLI, seed {AUDIOTQ_SEEDS[0]}",
        ),
        Row(
            "audiotq, exact codebook",
            bits,
            float(np.mean(exact)),
            None,
            f"float: mean over {seeds} ({', '.join(f'{v:.2f}' for v in exact)})",
        ),
    ]
    return rows, {"shipped_best_db": max(sqnrs), "cli_db": cli_sqnr, "compare_db": compare_sqnr}


def measure_wavecube(wavecube, path, workdir, codec_args):
    """`wavecube tqa run` with `codec_args`: (JSON report, SQNR measured here, same as 16-bit)."""
    out = os.path.join(workdir, "wavecube-out.wav")
    report = json.loads(run_wavecube(wavecube, ["tqa", "run", "-i", path, "-o", out, *codec_args]))
    x = read_wav(path)[0][:, 0]
    y = read_wav(out)[0][:, 0]
    return report, sqnr_db(x, y), sqnr_db(x, to_16_bit(y))


def measure_input(wavecube, name, path, workdir, exact_codebook):
    """Every codec on one input: {'rows': [Row], ...the numbers the checks need}."""
    rows, audiotq = measure_audiotq(path, workdir, exact_codebook)
    sign, sign_db, sign_16 = measure_wavecube(
        wavecube,
        path,
        workdir,
        ["--mode", "sign", "--bits", str(AUDIOTQ_BITS), "--block", str(BLOCK)],
    )
    rows.append(Row("wavecube sign, --bits 6", sign["bits_per_sample"], sign_db, sign_16))
    budget = rows[0].bits_per_sample
    default = None
    for bits in range(WAVECUBE_MAX_BITS, 1, -1):
        report, db, db16 = measure_wavecube(
            wavecube, path, workdir, ["--bits", str(bits), "--block", str(BLOCK)]
        )
        if report["bits_per_sample"] <= budget:
            default = (report, db, db16)
            break
    if default is not None:
        report, db, db16 = default
        rows.append(
            Row(
                f"wavecube default ({report['mode']}), --bits {report['bits']}",
                report["bits_per_sample"],
                db,
                db16,
            )
        )
    return {
        "name": name,
        "rows": rows,
        "audiotq": audiotq,
        "budget_bits": budget,
        "sign": (sign, sign_db),
        "default": default,
    }


def gaussian_sqnr_db(codebook):
    """SQNR (dB) of `codebook` on 200,000 N(0, 1) samples: (index alone, index + audiotq's
    residual-sign bit with step mean |residual|)."""
    z = np.random.default_rng(1).standard_normal(200_000)
    book = np.sort(np.asarray(codebook, dtype=np.float64))
    bounds = 0.5 * (book[:-1] + book[1:])
    r = z - book[np.searchsorted(bounds, z)]
    step = np.mean(np.abs(r))
    signed = r - np.where(r >= 0, step, -step)
    return sqnr_db(z, z - r), sqnr_db(z, z - signed)


def print_codebooks(exact_codebook):
    """The two 6-bit codebooks, side by side: outer level and SQNR on Gaussian samples."""
    np.random.seed(AUDIOTQ_SEEDS[0])
    theirs = TurboAudioEngine(BLOCK).quantizer.codebook
    for name, book in [("audiotq's", theirs), ("exact Lloyd-Max", exact_codebook)]:
        index, signed = gaussian_sqnr_db(book)
        print(
            f"{name} 6-bit codebook: outer level {float(book[-1]):.4f}; on N(0, 1) samples "
            f"{index:.2f} dB, with the residual-sign bit {signed:.2f} dB"
        )


def print_table(results):
    print(
        f"{'input':<24} {'codec':<34} {'bits/sample':>11} {'SQNR float':>11} "
        f"{'SQNR 16-bit':>12}  note"
    )
    for r in results:
        for row in r["rows"]:
            s16 = f"{row.sqnr_16_db:.2f}" if row.sqnr_16_db is not None else "-"
            print(
                f"{r['name']:<24} {row.codec:<34} {row.bits_per_sample:>11.3f} "
                f"{row.sqnr_float_db:>11.2f} {s16:>12}  {row.note}"
            )
    print(
        "SQNR in dB; 'float' compares the decoder's float output, '16-bit' the output as a "
        "16-bit file."
    )


# ---------------------------------------------------------------------------------------------
# Checks


def check_sign_not_worse_than_audiotq(results):
    """`sign` at b = 6 against audiotq 0.1.1 as shipped: never worse by more than 0.5 dB.

    The issue asks for "within 0.5 dB". As shipped, audiotq fits its codebook to 100,000
    random samples for 20 Lloyd iterations; its outer level is 3.086 where the exact
    Lloyd-Max level is 3.744, which costs it about 6 dB. The issue itself demands the exact
    codebook, so `sign` is about 6 dB better; check_sign_matches_audiotq_algorithm shows the
    whole gap is the codebook (audiotq's engine with the exact codebook lands within 0.5 dB).
    """
    worst = float("inf")
    for r in results:
        audiotq = r["rows"][0].sqnr_float_db
        diff = r["sign"][1] - audiotq
        worst = min(worst, diff)
        print(
            f"  {r['name']}: sign {r['sign'][1]:.2f} dB - audiotq as shipped {audiotq:.2f} dB "
            f"= {diff:+.2f} dB (bound >= -{SIGN_BOUND_DB})"
        )
    assert worst >= -SIGN_BOUND_DB, f"sign mode is worse than audiotq by {-worst:.2f} dB"


def check_sign_matches_audiotq_algorithm(results):
    """`sign` at b = 6 within 0.5 dB of audiotq's engine with the exact Lloyd-Max codebook."""
    worst = 0.0
    for r in results:
        exact = r["rows"][1].sqnr_float_db
        diff = r["sign"][1] - exact
        worst = max(worst, abs(diff))
        print(
            f"  {r['name']}: sign {r['sign'][1]:.2f} dB - audiotq with exact codebook "
            f"{exact:.2f} dB = {diff:+.2f} dB (bound +/- {SIGN_BOUND_DB})"
        )
    assert worst <= SIGN_BOUND_DB, worst


def check_default_beats_audiotq(results):
    """The issue's claim: the default mode beats audiotq by 3 dB at no more bits per sample."""
    for r in results:
        assert r["default"] is not None, (
            f"{r['name']}: no --bits fits in {r['budget_bits']:.3f} bits/sample"
        )
        report, db, _ = r["default"]
        best = r["audiotq"]["shipped_best_db"]
        print(
            f"  {r['name']}: default {report['mode']} --bits {report['bits']}: {db:.2f} dB at "
            f"{report['bits_per_sample']:.3f} bits/sample; audiotq's best seed {best:.2f} dB at "
            f"{r['budget_bits']:.3f}: {db - best:+.2f} dB (bound >= +{DEFAULT_MARGIN_DB})"
        )
        assert report["bits_per_sample"] <= r["budget_bits"], "more bits than audiotq"
        assert db - best >= DEFAULT_MARGIN_DB, (r["name"], db, best)


def check_measurements_agree(results):
    """The SQNR computed here equals wavecube's JSON sqnr_db and audiotq's own `compare`."""
    for r in results:
        pairs = [("wavecube sign JSON", r["sign"][0]["sqnr_db"], r["sign"][1])]
        if r["default"] is not None:
            pairs.append(("wavecube default JSON", r["default"][0]["sqnr_db"], r["default"][1]))
        pairs.append(
            ("audiotq compare (its CLI output)", r["audiotq"]["compare_db"], r["audiotq"]["cli_db"])
        )
        for what, theirs, ours in pairs:
            assert theirs is not None, f"{r['name']}: {what} gave no SQNR"
            print(
                f"  {r['name']}: {what} {theirs:.4f} dB, here {ours:.4f} dB "
                f"(bound +/- {AGREEMENT_DB})"
            )
            # audiotq's compare prints two decimals (and computes in float32).
            bound = AGREEMENT_DB if "JSON" in what else 0.006
            assert abs(theirs - ours) <= bound, (r["name"], what, theirs, ours)


CHECKS = [
    check_measurements_agree,
    check_sign_matches_audiotq_algorithm,
    check_sign_not_worse_than_audiotq,
    check_default_beats_audiotq,
]


def main():
    wavecube = os.path.abspath(
        sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/wavecube")
    )
    started = time.monotonic()
    exact_codebook = lloyd_max_levels(AUDIOTQ_BITS)
    with tempfile.TemporaryDirectory(prefix="tqa-audiotq-") as workdir:
        try:
            inputs = make_inputs(wavecube, workdir)
        except Exception as err:  # noqa: BLE001 - report any failure to make inputs plainly
            print(
                f"test_tqa_audiotq: cannot make the inputs with {wavecube}: {err}", file=sys.stderr
            )
            return 2
        results = [
            measure_input(wavecube, name, path, workdir, exact_codebook) for name, path in inputs
        ]
    print(
        f"measured {len(inputs)} inputs of {SECONDS} s, mono 16-bit {SR} Hz, "
        f"{BLOCK}-sample blocks, in {time.monotonic() - started:.1f} s"
    )
    print_codebooks(exact_codebook)
    print_table(results)
    failed = []
    for check in CHECKS:
        print(f"{check.__name__}:")
        try:
            check(results)
            print("  ok")
        except Exception:  # noqa: BLE001 - one failing check must not hide the others
            traceback.print_exc()
            failed.append(check.__name__)
            print("  FAILED")
    if failed:
        print(
            f"test_tqa_audiotq: {len(failed)} of {len(CHECKS)} checks failed: {', '.join(failed)}"
        )
        return 1
    print(f"test_tqa_audiotq: all {len(CHECKS)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
