#!/usr/bin/env python3
"""Writes the PyWavelets reference fixtures that `dsp/tests/wavelet.rs` checks
`wavecube_dsp::wavelet` against: one JSON file per wavelet in `dsp/tests/wavelet_fixtures/`.

Each file holds, for one wavelet (haar, db2, db4, db8, sym4):

- `filters`: `dec_lo`, `dec_hi`, `rec_lo`, `rec_hi` as numbers and as Python `repr` strings
  (the Rust constants must print the same shortest round-trip text, i.e. be the same bits);
- `signals`: the seeded test inputs, by length (short, odd and even lengths);
- `dwt`: single-level `pywt.dwt` of every signal in every mode, and `pywt.idwt` of
  independent random coefficient pairs of the same lengths;
- `wavedec`: `pywt.wavedec` for levels 1..=dwt_max_level (plus one level beyond, marked
  `beyond_max`: PyWavelets warns there but computes) in every mode, with `pywt.waverec`
  of the result;
- the `pywt` and `numpy` versions that produced them.

Run from the repository root (deterministic: the same versions give the same bytes):

    target/e2e-venv/bin/python tests/e2e/make_wavelet_fixtures.py
"""

import json
import os
import sys
import warnings

import numpy as np
import pywt

WAVELETS = ["haar", "db2", "db4", "db8", "sym4"]
MODES = ["periodization", "zero", "symmetric"]
LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 32, 33, 64, 100]
SEED = 20240611
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, "dsp", "tests", "wavelet_fixtures")


def signal(rng, n):
    """A test input: a decaying chirp-like tone plus Gaussian noise plus a step, so every
    band carries energy and boundaries see non-periodic data."""
    t = np.arange(n)
    tone = np.sin(0.05 * t * t / max(n, 1) + 0.3) * np.exp(-t / (2.0 * max(n, 1)))
    step = (t >= n // 2).astype(float)
    return tone + 0.5 * rng.standard_normal(n) + 0.25 * step


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64)]


def fixture(name, rng):
    w = pywt.Wavelet(name)
    f = w.dec_len
    filters = {}
    for key in ["dec_lo", "dec_hi", "rec_lo", "rec_hi"]:
        taps = getattr(w, key)
        filters[key] = floats(taps)
        filters[key + "_repr"] = [repr(float(v)) for v in taps]
    signals = {str(n): floats(signal(rng, n)) for n in LENGTHS}

    dwt_cases = []
    for mode in MODES:
        for n in LENGTHS:
            x = np.array(signals[str(n)])
            ca, cd = pywt.dwt(x, name, mode=mode)
            m = len(ca)
            ra, rd = rng.standard_normal(m), rng.standard_normal(m)
            case = {"mode": mode, "n": n, "cA": floats(ca), "cD": floats(cd)}
            # idwt on coefficients that did not come from a dwt: the synthesis map itself.
            try:
                y = pywt.idwt(ra, rd, name, mode=mode)
                case.update({"idwt_cA": floats(ra), "idwt_cD": floats(rd), "idwt": floats(y)})
            except ValueError:
                pass
            dwt_cases.append(case)

    wavedec_cases = []
    for mode in MODES:
        for n in LENGTHS:
            x = np.array(signals[str(n)])
            top = pywt.dwt_max_level(n, f)
            for level in range(1, top + 2):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    coeffs = pywt.wavedec(x, name, level=level, mode=mode)
                rec = pywt.waverec(coeffs, name, mode=mode)
                wavedec_cases.append(
                    {
                        "mode": mode,
                        "n": n,
                        "level": level,
                        "beyond_max": level > top,
                        "coeffs": [floats(c) for c in coeffs],
                        "rec": floats(rec),
                    }
                )

    return {
        "generator": "tests/e2e/make_wavelet_fixtures.py",
        "pywt_version": pywt.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "seed": SEED,
        "wavelet": name,
        "filter_len": f,
        "dwt_max_level": {str(n): pywt.dwt_max_level(n, f) for n in LENGTHS},
        "filters": filters,
        "signals": signals,
        "dwt": dwt_cases,
        "wavedec": wavedec_cases,
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for i, name in enumerate(WAVELETS):
        rng = np.random.default_rng(SEED + i)
        text = json.dumps(fixture(name, rng), separators=(",", ":"))
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        total += len(text) + 1
        print(f"{path}: {len(text) + 1} bytes")
    print(f"total {total} bytes (pywt {pywt.__version__}, numpy {np.__version__})")


if __name__ == "__main__":
    main()
