#!/usr/bin/env python3
"""Speed of `wavecube_dsp::wavelet::wavedec` against PyWavelets on the same job:
db4, 3 levels, mode periodization, 2^20 float64 samples.

- PyWavelets: `pywt.wavedec(x, 'db4', level=3, mode='periodization')` in-process, each
  call timed alone with `time.perf_counter` (x is built before the timer; every call
  allocates its output arrays, as the Rust `wavedec` does); median of PYWT_RUNS calls after
  PYWT_WARMUP warm-up calls.
- Rust: the criterion bench `cargo bench -p wavecube-dsp --bench wavelet` filtered to
  `wavelet/wavedec_db4_l3_1m` (allocating `wavedec`, the like-for-like figure) and
  `wavelet/plan_run_db4_l3_1m` (`WavedecPlan::run` into preallocated buffers, which
  PyWavelets has no equivalent of); the median per-call time is read from criterion's
  `target/criterion/wavelet/<bench>/new/estimates.json`. The allocating bench runs a
  second time with `GLIBC_TUNABLES` set so glibc keeps freed memory (`*_warm_pages`):
  the difference is the cost of first-touch page faults on fresh output memory, which
  numpy mostly avoids by advising huge pages for large arrays.

PyWavelets is timed once before and once after the Rust bench and the two sessions are
pooled, so a change in machine load during the run shows up as a spread instead of
skewing the ratio. Throughput is samples per second: 2^20 / median seconds. Run by hand
on a quiet machine, not in CI:

    nice -n -5 target/e2e-venv/bin/python tests/e2e/bench_wavelet_vs_pywt.py

Prints one JSON object: medians (ms), throughputs (Msamples/s), ratios (Rust / PyWavelets
throughput), and the versions.
"""

import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pywt

N = 1 << 20
PYWT_WARMUP = 5
PYWT_RUNS = int(os.environ.get("PYWT_RUNS", "60"))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCHES = ["wavedec_db4_l3_1m", "plan_run_db4_l3_1m"]
WARM_TUNABLES = "glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=268435456"


def time_pywt(x):
    for _ in range(PYWT_WARMUP):
        pywt.wavedec(x, "db4", level=3, mode="periodization")
    times = []
    for _ in range(PYWT_RUNS):
        t0 = time.perf_counter()
        pywt.wavedec(x, "db4", level=3, mode="periodization")
        times.append(time.perf_counter() - t0)
    return times


def target_dir():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["target_directory"]


def run_rust_bench(benches, env=None):
    pattern = "wavelet/(" + "|".join(benches) + ")$"
    subprocess.run(
        ["cargo", "bench", "-p", "wavecube-dsp", "--bench", "wavelet", "--", pattern],
        cwd=ROOT,
        check=True,
        stdout=sys.stderr,
        env=dict(os.environ, **(env or {})),
    )
    medians = {}
    for name in benches:
        path = os.path.join(target_dir(), "criterion", "wavelet", name, "new", "estimates.json")
        with open(path, encoding="utf-8") as fh:
            medians[name] = json.load(fh)["median"]["point_estimate"] * 1e-9
    return medians


def main():
    x = np.random.default_rng(0).standard_normal(N)
    before = time_pywt(x)
    rust = run_rust_bench(BENCHES)
    # The same allocating call with glibc told to keep freed memory (no trimming, no
    # mmap), so repeated calls reuse warm pages: the transform without first-touch page
    # faults on its 8 MB of fresh output (numpy avoids most of those with huge pages).
    warm = run_rust_bench(BENCHES[:1], {"GLIBC_TUNABLES": WARM_TUNABLES})
    rust[BENCHES[0] + "_warm_pages"] = warm[BENCHES[0]]
    after = time_pywt(x)
    pywt_s = statistics.median(before + after)
    report = {
        "samples": N,
        "job": "wavedec db4, level 3, periodization, float64",
        "pywt_version": pywt.__version__,
        "numpy_version": np.__version__,
        "pywt_median_ms": round(pywt_s * 1e3, 3),
        "pywt_session_medians_ms": [
            round(statistics.median(before) * 1e3, 3),
            round(statistics.median(after) * 1e3, 3),
        ],
        "pywt_msamples_s": round(N / pywt_s / 1e6, 1),
    }
    for name, seconds in rust.items():
        report[name + "_median_ms"] = round(seconds * 1e3, 3)
        report[name + "_msamples_s"] = round(N / seconds / 1e6, 1)
        report[name + "_vs_pywt"] = round(pywt_s / seconds, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
