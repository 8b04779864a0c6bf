#!/usr/bin/env python3
"""Speed of `wavecube_dsp::conv::pair_convolve` against SciPy's `fftconvolve` on one job:
a 10 s mono signal convolved with a 2 s impulse response at 48 kHz, float32, mode full.

- SciPy: `scipy.signal.fftconvolve(x, h, mode='full')` in-process on float32 arrays built
  before the timer; median of SCIPY_RUNS calls after SCIPY_WARMUP warm-up calls (its FFT
  plans are cached after the first call, as ours are).
- Rust: the criterion bench `cargo bench -p wavecube-dsp --bench conv -- conv_pair`
  (`dsp/benches/conv.rs`, `conv_pair/mono_10s_by_2s_full`, the same sizes with the
  thread's planner warm); the median is read from criterion's
  `target/criterion/conv_pair/mono_10s_by_2s_full/new/estimates.json`.

SciPy is timed before and after the Rust bench and the sessions are pooled, so a change
in machine load shows as a spread instead of skewing the ratio. Run by hand, not in CI:

    nice -n -5 target/e2e-venv/bin/python tests/e2e/bench_conv_vs_scipy.py

Prints one JSON object: medians (ms), the ratio (SciPy time / Rust time) and versions.
"""

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import scipy
import scipy.signal

SR = 48_000
SCIPY_WARMUP = 3
SCIPY_RUNS = 30


def root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(root(), "target"))


def time_scipy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(10 * SR).astype(np.float32)
    h = (rng.standard_normal(2 * SR) * np.exp(-np.arange(2 * SR) / SR * 3)).astype(np.float32)
    for _ in range(SCIPY_WARMUP):
        scipy.signal.fftconvolve(x, h, mode="full")
    times = []
    for _ in range(SCIPY_RUNS):
        t = time.perf_counter()
        scipy.signal.fftconvolve(x, h, mode="full")
        times.append(time.perf_counter() - t)
    return times


def rust_median_s():
    subprocess.run(
        ["cargo", "bench", "-p", "wavecube-dsp", "--bench", "conv", "--", "conv_pair"],
        cwd=root(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    path = os.path.join(
        target_dir(), "criterion", "conv_pair", "mono_10s_by_2s_full", "new", "estimates.json"
    )
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"] / 1e9


def main():
    before = time_scipy()
    rust = rust_median_s()
    after = time_scipy()
    scipy_med = statistics.median(before + after)
    print(
        json.dumps(
            {
                "job": "10 s x 2 s mono float32 at 48 kHz, mode full",
                "scipy_ms_median": round(scipy_med * 1e3, 3),
                "scipy_ms_median_before": round(statistics.median(before) * 1e3, 3),
                "scipy_ms_median_after": round(statistics.median(after) * 1e3, 3),
                "wavecube_ms_median": round(rust * 1e3, 3),
                "speedup_vs_scipy": round(scipy_med / rust, 2),
                "scipy": scipy.__version__,
                "numpy": np.__version__,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
